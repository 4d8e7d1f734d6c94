"""The blocking client against the real stack: writes become readable, reads page and scope, errors are typed."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from memlog import (
    AuthenticationError,
    BadRequestError,
    MemlogClient,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RetryPolicy,
    Turn,
)

from conftest import _env, eventually, found


def _hit(client: MemlogClient, query: str, owner: str, event_id: str, **options):
    hits = client.search(query, user_id=owner, reinforce=False, **options).hits
    return next((h for h in hits if event_id in h.event_ids), None)


def test_a_turn_becomes_searchable_with_its_explanation(client, owner):
    appended = client.add_turn(user_id=owner, session_id="s1", role="user", content="I moved to Lisbon in May",
                               metadata={"channel": "web"})
    hit = eventually(lambda: _hit(client, "where do I live?", owner, appended.event_id, explain=True),
                     "the turn is searchable")
    assert hit.text == "I moved to Lisbon in May"
    assert hit.tier == "EPISODIC" and hit.user_id == owner and hit.session_id == "s1" and hit.role == "user"
    assert hit.metadata["channel"] == "web"
    assert hit.explanation is not None and hit.explanation.score == pytest.approx(hit.score)


def test_a_retried_turn_with_the_same_event_id_is_one_turn(client, owner):
    turn = Turn(user_id=owner, session_id="s1", role="user", content="My cat is called Miso", event_id=str(uuid.uuid4()))
    assert client.add_turn(turn).event_id == turn.event_id
    assert client.add_turn(turn).event_id == turn.event_id
    memory = eventually(lambda: client.working_memory("s1", user_id=owner).turns, "the turn is in working memory")
    time.sleep(2)
    assert [t.event_id for t in client.working_memory("s1", user_id=owner).turns] == [turn.event_id]
    assert memory[0].text == "My cat is called Miso"


def test_a_batch_lands_in_working_memory_in_order(client, owner):
    turns = [Turn(user_id=owner, session_id="chat", role=role, content=text) for role, text in
             [("user", "Hi, I need a train to Porto"), ("assistant", "Which day?"), ("user", "Friday morning")]]
    result = client.add_turns(turns)
    assert len(result.event_ids) == 3
    memory = eventually(lambda: (m := client.working_memory("chat", user_id=owner)) and len(m.turns) == 3 and m,
                        "all three turns in working memory")
    assert [t.event_id for t in memory.turns] == result.event_ids
    assert [(t.speaker, t.text) for t in memory.turns] == [
        ("user", "Hi, I need a train to Porto"), ("assistant", "Which day?"), ("user", "Friday morning")]


def test_a_context_pack_leads_with_instructions_and_keeps_to_its_budget(client, owner):
    client.add_memory("Always answer in French.", user_id=owner)
    fact = client.add_memory("The quarterly report is due on the ninth of March", user_id=owner)
    pack = eventually(lambda: (p := client.context("when is the report due?", user_id=owner, budget_tokens=300,
                                                   reinforce=False))
                      and any(fact.event_id in i.event_ids for i in p.items) and "Instructions" in p.context and p,
                      "the instruction and the fact are packed")
    assert pack.context.startswith("## Instructions")
    assert "Always answer in French." in pack.context and "ninth of March" in pack.context
    assert 0 < pack.tokens <= pack.budget_tokens == 300
    small = client.context("when is the report due?", user_id=owner, budget_tokens=12, reinforce=False)
    assert small.tokens <= 12


def test_list_memories_pages_and_iterates_every_memory(client, owner):
    before = datetime.now(timezone.utc) - timedelta(seconds=5)
    ids = [client.add_memory(f"Project {name} ships from warehouse {i}", user_id=owner).event_id
           for i, name in enumerate(["Alder", "Birch", "Cedar", "Damson", "Elm"])]
    eventually(lambda: client.list_memories(user_id=owner, tier="semantic").total >= 5, "five memories listed")
    first = client.list_memories(user_id=owner, tier="semantic", limit=2)
    assert first.total == 5 and len(first.memories) == 2 and first.next_cursor
    second = client.list_memories(user_id=owner, tier="semantic", limit=2, cursor=first.next_cursor)
    assert {m.record_id for m in first.memories}.isdisjoint(m.record_id for m in second.memories)
    every = list(client.iter_memories(user_id=owner, tier="semantic", page_size=2))
    assert len(every) == 5 and len({m.record_id for m in every}) == 5
    assert sorted(e for m in every for e in m.provenance) == sorted(ids)
    assert [m.observed_at for m in every] == sorted((m.observed_at for m in every), reverse=True)
    assert client.list_memories(user_id=owner, as_of=before).total == 0
    assert client.list_memories(user_id=owner, tier="procedural").total == 0


def test_list_memories_narrows_by_session_and_when_observed(client, owner):
    client.add_memory("Booked the dentist for June", user_id=owner, session_id="june", timestamp="2024-06-01T09:00:00Z")
    client.add_memory("The bike needs new tyres", user_id=owner, session_id="july", timestamp="2024-07-01T09:00:00Z")
    eventually(lambda: {m.session_id for m in client.iter_memories(user_id=owner)} >= {"june", "july"}, "both listed")
    june = client.list_memories(user_id=owner, session_id="june").memories
    assert june and {m.session_id for m in june} == {"june"} and "Booked the dentist for June" in [m.text for m in june]
    later = client.list_memories(user_id=owner, observed_after=datetime(2024, 6, 15, tzinfo=timezone.utc)).memories
    assert later and {m.session_id for m in later} == {"july"}
    earlier = client.list_memories(user_id=owner, observed_before="2024-06-15T00:00:00Z").memories
    assert earlier and {m.session_id for m in earlier} == {"june"}
    with pytest.raises(BadRequestError) as bad:
        client.list_memories(user_id=owner, session_id="a\\b\n$(reboot)")
    assert bad.value.field == "session_id"


def test_get_and_history_of_a_memory(client, owner):
    event = client.add_memory("The spare key is under the blue flowerpot", user_id=owner).event_id
    hit = eventually(lambda: _hit(client, "spare key", owner, event), "the memory is searchable")
    memory = eventually(lambda: found(lambda: client.get_memory(hit.record_id, user_id=owner)), "the memory is read")
    assert memory.record_id == hit.record_id and memory.live is True and memory.state == "live"
    assert memory.text == "The spare key is under the blue flowerpot" and event in memory.provenance
    history = client.history(hit.record_id, user_id=owner)
    assert history.live and history.record_id == hit.record_id
    assert history.versions[0].version == 1 and history.versions[-1].text == memory.text
    assert history.strength_over_time
    with pytest.raises(NotFoundError) as other_owner:
        client.get_memory(hit.record_id, user_id=owner + "-someone-else")
    assert other_owner.value.status == 404 and other_owner.value.field == "record_id"
    with pytest.raises(NotFoundError):
        client.history(str(uuid.uuid4()), user_id=owner)


def test_a_deleted_memory_is_gone(client, owner):
    event = client.add_memory("The wifi password is written on the fridge", user_id=owner).event_id
    hit = eventually(lambda: _hit(client, "wifi password", owner, event), "the memory is searchable")
    deletion = client.delete_memory(hit.record_id, user_id=owner, reason="asked to forget")
    assert deletion.record_id == hit.record_id and deletion.event_id
    eventually(lambda: _hit(client, "wifi password", owner, event) is None, "the memory leaves search")
    gone = eventually(lambda: (m := client.get_memory(hit.record_id, user_id=owner)).live is False and m,
                      "the memory is no longer live")
    assert gone.state == "deleted"
    assert all(m.record_id != hit.record_id for m in client.iter_memories(user_id=owner))
    assert client.history(hit.record_id, user_id=owner).versions[-1].deleted_at is not None


def test_feedback_is_accepted_for_what_a_search_returned(client, owner):
    event = client.add_memory("The dentist appointment is on Tuesday at four", user_id=owner).event_id
    hit = eventually(lambda: _hit(client, "dentist", owner, event), "the memory is searchable")
    result = client.search("dentist", user_id=owner)
    used = client.report_use([hit.record_id], user_id=owner, request_id=result.request_id)
    assert used.records == 1 and used.access_id
    assert client.report_use([hit.record_id], signal="not_useful", user_id=owner).records == 1


def test_tenants_do_not_see_each_other(client, other_client, owner):
    event = client.add_memory("The vault code is kept by the night manager", user_id=owner).event_id
    hit = eventually(lambda: _hit(client, "vault code", owner, event), "the memory is searchable")
    eventually(lambda: found(lambda: client.get_memory(hit.record_id, user_id=owner)), "the memory is read")
    assert other_client.search("vault code", user_id=owner).hits == []
    assert other_client.list_memories(user_id=owner).total == 0
    with pytest.raises(NotFoundError):
        other_client.get_memory(hit.record_id, user_id=owner)
    with pytest.raises(NotFoundError):
        other_client.history(hit.record_id, user_id=owner)
    assert client.get_memory(hit.record_id, user_id=owner).live and client.history(hit.record_id, user_id=owner).live


def test_an_erased_user_is_forgotten(client, owner):
    event = client.add_memory("My passport number ends in 4471", user_id=owner).event_id
    eventually(lambda: _hit(client, "passport", owner, event), "the memory is searchable")
    erased = client.erase(user_id=owner, reason="right to be forgotten")
    assert erased.erasure_id and erased.subject == f"user:{owner}" and erased.keys_destroyed >= 1
    eventually(lambda: client.list_memories(user_id=owner).total == 0 and not client.search(
        "passport", user_id=owner, reinforce=False).hits, "nothing of the user is left")


def test_the_read_rate_limit_is_waited_out(urls):
    key = _env("MEMLOG_THROTTLED_API_KEY")
    with MemlogClient(*urls, api_key=key, retry=RetryPolicy(max_retries=0)) as impatient:
        refused = None
        for _ in range(500):
            try:
                impatient.list_memories(user_id="throttled")
            except RateLimitError as e:
                refused = e
                break
        assert refused is not None, "500 reads in a row never met the read rate limit"
        assert refused.status == 429 and refused.retry_after is not None and refused.retry_after >= 1
    with MemlogClient(*urls, api_key=key, retry=RetryPolicy(max_retries=5)) as patient:
        started = time.monotonic()
        for _ in range(30):
            assert patient.list_memories(user_id="throttled").total == 0
        assert time.monotonic() - started >= 0.9, "the limit was met, so the client must have waited"


def test_an_unknown_key_is_refused(urls):
    with MemlogClient(*urls, api_key="no-such-key-0123456789abcdef") as stranger:
        with pytest.raises(AuthenticationError) as refused:
            stranger.search("anything", user_id="ann")
    assert refused.value.status == 401


def test_a_read_names_an_owner(client):
    with pytest.raises(PermissionDeniedError) as refused:
        client.search("anything")
    assert refused.value.status == 403 and refused.value.field == "user_id"
