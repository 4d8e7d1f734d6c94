"""The LangGraph store over the real stack: namespaces are owners, puts are explicit memories."""

from __future__ import annotations

import pytest
from langgraph.store.base import InvalidNamespaceError

from memlog.langgraph import MemlogStore, Owner, default_owner_of

from conftest import aeventually, eventually, found


def test_put_get_search_replace_delete(client, owner):
    store = MemlogStore(client, reinforce=False)
    ns = ("user", owner)
    store.put(ns, "favourite-food", {"text": "My favourite food is grilled sardines", "metadata": {"origin": "chat"}})
    item = eventually(lambda: store.get(ns, "favourite-food"), "the item is readable")
    assert item.key == "favourite-food" and item.namespace == ns
    assert item.value["text"] == "My favourite food is grilled sardines"
    assert item.value["metadata"] == {"origin": "chat"} and item.value["record_id"]
    matches = eventually(lambda: [i for i in store.search(ns, query="favourite food") if i.key == "favourite-food"],
                         "the item is found by search")
    assert matches[0].score is not None and matches[0].value["record_id"] == item.value["record_id"]
    assert store.search(ns, query="favourite food", filter={"origin": "chat"})[0].key == "favourite-food"
    assert all(i.key != "favourite-food" for i in store.search(ns, query="favourite food", filter={"origin": "email"}))

    # the same key again replaces what it named
    store.put(ns, "favourite-food", {"text": "My favourite food is now mushroom risotto"})
    replaced = eventually(lambda: (i := store.get(ns, "favourite-food")) and "risotto" in i.value["text"] and i,
                          "the new value is readable")
    assert replaced.value["record_id"] != item.value["record_id"]
    eventually(lambda: (m := found(lambda: client.get_memory(item.value["record_id"], user_id=owner))) is not None
               and not m.live, "the old memory is deleted")

    # a memory listed by record id is readable by it too
    listed = store.search(ns)
    assert replaced.value["record_id"] in {i.key for i in listed}
    by_id = eventually(lambda: store.get(ns, replaced.value["record_id"]), "the item is read by its record id")
    assert by_id.value["text"] == replaced.value["text"] and by_id.key == replaced.value["record_id"]

    store.delete(ns, "favourite-food")
    eventually(lambda: store.get(ns, "favourite-food") is None, "the item is deleted")
    assert store.get(ns, "never-put") is None


def test_an_agent_namespace_and_another_owner_are_apart(client, owner):
    store = MemlogStore(client, reinforce=False)
    agent_ns = ("agent", f"planner-{owner}")
    store.put(agent_ns, "rule", {"text": "Plans are drafted in metric units"})
    eventually(lambda: store.get(agent_ns, "rule"), "the agent's item is readable")
    assert store.get(("user", owner), "rule") is None
    assert store.search(("user", owner), query="metric units") == []


def test_what_the_api_cannot_do_is_said(client, owner):
    store = MemlogStore(client)
    with pytest.raises(NotImplementedError, match="enumerates owners"):
        store.list_namespaces()
    with pytest.raises(InvalidNamespaceError):
        store.put(("memories",), "k", {"text": "where?"})
    with pytest.raises(InvalidNamespaceError):
        store.search(("user",), query="anything")
    with pytest.raises(NotImplementedError):
        store.search(("user", owner), filter={"origin": "chat"})
    with pytest.raises(ValueError):
        store.put(("user", owner), "k", {"food": "no text"})
    with pytest.raises(NotImplementedError):
        store.put(("user", owner), "k", {"text": "expiring"}, ttl=5)
    assert default_owner_of(("user", "ann", "agent", "planner")) == Owner(user_id="ann", agent_id="planner")


async def test_the_async_store(client, async_client, owner):
    store = MemlogStore(client, async_client=async_client, reinforce=False)
    ns = ("user", owner, "agent", "concierge")
    await store.aput(ns, "allergy", {"text": "Allergic to peanuts"})

    async def readable():
        return await store.aget(ns, "allergy")

    item = await aeventually(readable, "the item is readable")
    assert item.value["text"] == "Allergic to peanuts"
    matches = await store.asearch(ns, query="allergies")
    assert any(i.key == "allergy" for i in matches)
    await store.adelete(ns, "allergy")

    async def gone():
        return await store.aget(ns, "allergy") is None

    await aeventually(gone, "the item is deleted")
