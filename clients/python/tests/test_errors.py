"""Bad and hostile input meets a 4xx naming what was wrong, never a 5xx, through the client's typed errors."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from memlog import BadRequestError, MemlogError, Turn

HOSTILE = {
    "regex": r".*+?^${}()|[]\d(?=x)",
    "backslashes": "\\\\server\\share\\..\\x",
    "control": "a\x00b\x07c\x1b[31md\r\ne\x7f",
    "traversal": "../../../etc/passwd",
    "encoded traversal": "%2e%2e%2f%2e%2e%2f",
    "json operator": '{"$gt": ""}',
    "sql": "' OR 1=1 --",
    "bidi": "\u202eevil\u2066",
    "huge": "x" * 20_000,
}
#: what the platform accepts as a user, agent, session or event id; a record id takes no @ / +
OWNER_ID = re.compile(r"[A-Za-z0-9._:@/+-]{1,128}")
RECORD_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def refused(call) -> MemlogError:
    """The error a call raised: it must have been refused with a 4xx."""
    with pytest.raises(MemlogError) as raised:
        call()
    assert raised.value.status is not None and 400 <= raised.value.status < 500, repr(raised.value)
    return raised.value


def answered_or_refused(call):
    """Anything but a 5xx: a hostile string that is valid text may be served, or refused with a 4xx."""
    try:
        return call()
    except MemlogError as e:
        assert e.status is not None and 400 <= e.status < 500, repr(e)
        return e


@pytest.mark.parametrize("call, field", [
    (lambda c, o: c.add_turn(user_id=o, session_id="s1", role="wizard", content="hi"), "role"),
    (lambda c, o: c.add_turn(user_id=o, session_id="s1", role="user", content="  "), "content"),
    (lambda c, o: c.add_turn(session_id="s1", role="user", content="whose?"), "user_id"),
    (lambda c, o: c.add_turn(user_id=o, session_id="s1", role="user", content="later",
                             timestamp=datetime.now(timezone.utc) + timedelta(days=2)), "timestamp"),
    (lambda c, o: c.add_turn(user_id=o, session_id="s1", role="user", content="hi", metadata={"kind": "fact"}),
     "metadata.kind"),
    (lambda c, o: c.add_turns([Turn(user_id=o, session_id="s1", role="user", content="fine"),
                               Turn(user_id=o, session_id="s1", role="robot", content="not fine")]), "turns[1].role"),
    (lambda c, o: c.add_turns([]), "turns"),
    (lambda c, o: c.add_memory("x", user_id=o, event_id="has spaces"), "event_id"),
    (lambda c, o: c.search("q", user_id=o, k=0), "k"),
    (lambda c, o: c.search("q", user_id=o, mode="telepathy"), "mode"),
    (lambda c, o: c.search("q", user_id=o, tiers=["dreams"]), "tiers"),
    (lambda c, o: c.search("   ", user_id=o), "query"),
    (lambda c, o: c.search("q", user_id=o, as_of="last tuesday"), "as_of"),
    (lambda c, o: c.search("q", user_id=o, observed_from="2024-02-01T00:00:00Z", observed_to="2024-01-01T00:00:00Z"),
     "time_range"),
    (lambda c, o: c.context("q", user_id=o, budget_tokens=0), "budget_tokens"),
    (lambda c, o: c.context("q", user_id=o, budget_tokens=10**6), "budget_tokens"),
    (lambda c, o: c.list_memories(user_id=o, tier="dreams"), "tier"),
    (lambda c, o: c.list_memories(user_id=o, limit=10_000), "limit"),
    (lambda c, o: c.list_memories(user_id=o, cursor="not-a-cursor"), "cursor"),
    (lambda c, o: c.list_memories(), "user_id"),
    (lambda c, o: c.working_memory("s1"), "user_id"),
    (lambda c, o: c.report_use(["8a6b903c-a94e-3135-a7da-fa1be64e8f00"], signal="maybe", user_id=o), "signal"),
    (lambda c, o: c.report_use([], user_id=o), "record_ids"),
    (lambda c, o: c.erase(user_id=o, agent_id="also"), "agent_id"),
    (lambda c, o: c.delete_memory("8a6b903c-a94e-3135-a7da-fa1be64e8f00"), "user_id"),
])
def test_a_bad_request_names_its_field(client, owner, call, field):
    error = refused(lambda: call(client, owner))
    assert isinstance(error, BadRequestError) and error.status == 400
    assert error.field == field and error.message


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_id_is_refused_with_a_4xx(client, owner, name):
    value = HOSTILE[name]
    # "../../../etc/passwd" is a valid owner id (dots and slashes are allowed): it is served, as anyone's id is
    as_id = refused if not OWNER_ID.fullmatch(value) else answered_or_refused
    as_id(lambda: client.search("where?", user_id=value))
    as_id(lambda: client.working_memory(value, user_id=owner))
    as_id(lambda: client.working_memory("s1", user_id=value))
    as_id(lambda: client.list_memories(user_id=value))
    as_id(lambda: client.add_turn(user_id=value, session_id="s1", role="user", content="hello"))
    as_id(lambda: client.add_turn(user_id=owner, session_id=value, role="user", content="hello"))
    as_id(lambda: client.erase(user_id=value))
    # a record id is escaped into one path segment: whatever it holds, it names no other route
    refused(lambda: client.get_memory(value, user_id=owner))
    refused(lambda: client.history(value, user_id=owner))
    if RECORD_ID.fullmatch(value):
        answered_or_refused(lambda: client.delete_memory(value, user_id=owner))
    else:
        refused(lambda: client.delete_memory(value, user_id=owner))
        refused(lambda: client.report_use([value], user_id=owner))
    refused(lambda: client.list_memories(user_id=owner, cursor=value))
    refused(lambda: client.list_memories(user_id=owner, tier=value))
    refused(lambda: client.list_memories(user_id=owner, as_of=value))
    refused(lambda: client.add_turn(user_id=owner, session_id="s1", role=value, content="hello"))
    refused(lambda: client.add_memory("hello", user_id=owner, metadata={value: "v"}))
    refused(lambda: client.search("where?", user_id=owner, metadata={value: "v"}))


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_text_is_served_or_refused_never_a_5xx(client, owner, name):
    value = HOSTILE[name]
    answered_or_refused(lambda: client.search(value, user_id=owner, reinforce=False))
    answered_or_refused(lambda: client.search(value, user_id=owner, mode="bm25", reinforce=False))
    answered_or_refused(lambda: client.context(value, user_id=owner, budget_tokens=100, reinforce=False))
    answered_or_refused(lambda: client.add_turn(user_id=owner, session_id="s1", role="user", content=value))
    answered_or_refused(lambda: client.add_memory(value, user_id=owner, metadata={"note": value}))
    answered_or_refused(lambda: client.search("where?", user_id=owner, metadata={"note": value}))
    answered_or_refused(lambda: client.delete_memory("8a6b903c-a94e-3135-a7da-fa1be64e8f00", user_id=owner,
                                                     reason=value))


def test_huge_values_are_refused_as_too_large_or_invalid(client, owner):
    huge = "y" * 2_000_000
    assert refused(lambda: client.add_turn(user_id=owner, session_id="s1", role="user", content=huge)).status in (400, 413)
    assert refused(lambda: client.search(huge, user_id=owner)).status in (400, 413)
    assert refused(lambda: client.add_turns([Turn(user_id=owner, session_id="s1", role="user", content="hi")
                                             for _ in range(5_000)])).status in (400, 413)
