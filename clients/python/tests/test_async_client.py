"""The asyncio client does what the blocking one does, against the same stack."""

from __future__ import annotations

import asyncio

import pytest

from memlog import AsyncMemlogClient, BadRequestError, NotFoundError, PermissionDeniedError, Turn

from conftest import aeventually, afound


async def _hit(client: AsyncMemlogClient, query: str, owner: str, event_id: str):
    hits = (await client.search(query, user_id=owner, reinforce=False)).hits
    return next((h for h in hits if event_id in h.event_ids), None)


async def test_add_search_get_history_delete(async_client, owner):
    event = (await async_client.add_memory("The boat is moored at pier seven", user_id=owner)).event_id
    hit = await aeventually(lambda: _hit(async_client, "where is the boat?", owner, event), "the memory is searchable")
    memory = await aeventually(lambda: afound(lambda: async_client.get_memory(hit.record_id, user_id=owner)),
                               "the memory is read")
    assert memory.live and memory.text == "The boat is moored at pier seven"
    history = await async_client.history(hit.record_id, user_id=owner)
    assert history.versions[-1].record_id == hit.record_id
    await async_client.delete_memory(hit.record_id, user_id=owner)
    await aeventually(lambda: _none(_hit(async_client, "where is the boat?", owner, event)), "the memory leaves search")

    async def not_live():
        return (await async_client.get_memory(hit.record_id, user_id=owner)).live is False

    await aeventually(not_live, "the memory is no longer live")


async def _none(awaitable):
    return (await awaitable) is None


async def test_turns_working_memory_and_context(async_client, owner):
    result = await async_client.add_turns([
        Turn(user_id=owner, session_id="trip", role="user", content="Book me a table for two at eight"),
        Turn(user_id=owner, session_id="trip", role="assistant", content="Booked at Tasca do Chico for 20:00"),
    ])

    async def both():
        memory = await async_client.working_memory("trip", user_id=owner)
        return len(memory.turns) == 2 and memory

    memory = await aeventually(both, "both turns in working memory")
    assert [t.event_id for t in memory.turns] == result.event_ids

    async def packed():
        pack = await async_client.context("which restaurant?", user_id=owner, budget_tokens=200, reinforce=False)
        return "Tasca do Chico" in pack.context and pack

    pack = await aeventually(packed, "the booking is packed")
    assert pack.tokens <= 200 and pack.items


async def test_pages_iterate_and_calls_run_concurrently(async_client, owner):
    await asyncio.gather(*(async_client.add_memory(f"Locker {n} holds the {thing}", user_id=owner)
                           for n, thing in enumerate(["helmets", "ropes", "lanterns"])))

    async def listed():
        return (await async_client.list_memories(user_id=owner)).total >= 3

    await aeventually(listed, "three memories listed")
    every = [m async for m in async_client.iter_memories(user_id=owner, page_size=1)]
    assert len({m.record_id for m in every}) == len(every) >= 3


async def test_errors_are_typed(async_client, owner):
    with pytest.raises(BadRequestError) as bad:
        await async_client.search("q", user_id=owner, k=1000)
    assert bad.value.field == "k" and bad.value.status == 400
    with pytest.raises(PermissionDeniedError):
        await async_client.search("q")
    with pytest.raises(NotFoundError):
        await async_client.get_memory("8a6b903c-a94e-3135-a7da-fa1be64e8f00", user_id=owner)
