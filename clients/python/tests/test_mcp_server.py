"""memlog's MCP server through the official Python MCP SDK, over streamable HTTP against the real stack.

MEMLOG_MCP_URL       the MCP endpoint (http://.../mcp)
MEMLOG_MCP_API_KEY   a key bound to an agent (agent=desk;users=*): its tools act as that agent
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from conftest import EVENTUALLY_SECONDS, _env

READ_ONLY = {"search_memory", "get_context", "get_working_memory", "list_memories", "get_memory_history"}


def _connect(key: str) -> Client:
    http = httpx2.AsyncClient(headers={"X-API-Key": key}, timeout=60)
    return Client(streamable_http_client(_env("MEMLOG_MCP_URL"), http_client=http))


def _text(result: Any) -> str:
    return "".join(getattr(c, "text", "") for c in result.content)


def _failed(result: Any) -> bool:
    return bool(getattr(result, "is_error", None) or getattr(result, "isError", None))


async def _search(client: Client, query: str, user: str) -> list[dict[str, Any]]:
    result = await client.call_tool("search_memory", {"query": query, "user_id": user})
    assert not _failed(result), _text(result)
    structured = getattr(result, "structured_content", None) or getattr(result, "structuredContent", None)
    return list(structured["hits"])


async def _until(check, what: str) -> Any:
    deadline = time.monotonic() + EVENTUALLY_SECONDS
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"not within {EVENTUALLY_SECONDS:.0f} s: {what}")
        await anyio.sleep(0.5)


def test_the_tools_are_listed_with_their_hints():
    async def main():
        async with _connect(_env("MEMLOG_MCP_API_KEY")) as client:
            tools = (await client.list_tools()).tools
        names = {t.name for t in tools}
        assert names == READ_ONLY | {"add_memory", "add_messages", "report_memory_use", "delete_memory"}
        for tool in tools:
            hints = tool.annotations
            read_only = getattr(hints, "read_only_hint", getattr(hints, "readOnlyHint", None))
            destructive = getattr(hints, "destructive_hint", getattr(hints, "destructiveHint", None))
            assert read_only is (tool.name in READ_ONLY), tool.name
            assert destructive is (tool.name == "delete_memory"), tool.name
            schema = getattr(tool, "input_schema", None) or getattr(tool, "inputSchema")
            assert not {"tenant", "tenant_id", "agent_id"} & set(schema["properties"]), tool.name

    anyio.run(main)


def test_a_memory_added_is_found_by_its_owner_only_and_deleted():
    user = f"py-mcp-{uuid.uuid4().hex[:10]}"

    async def main():
        async with _connect(_env("MEMLOG_MCP_API_KEY")) as desk, _connect(_env("MEMLOG_OTHER_API_KEY")) as other:
            added = await desk.call_tool("add_memory", {"text": "The canoe is stored in shed 7.", "user_id": user})
            assert not _failed(added), _text(added)

            async def found():
                return [h for h in await _search(desk, "where is the canoe stored", user) if "shed 7" in h["text"]]

            hit = (await _until(found, "the memory is searchable"))[0]
            assert hit["agent_id"] == "desk"
            assert not [h for h in await _search(other, "where is the canoe stored", user) if "shed 7" in h["text"]]

            deleted = await desk.call_tool("delete_memory", {"record_id": hit["record_id"], "user_id": user,
                                                             "reason": "asked to forget"})
            assert not _failed(deleted), _text(deleted)

            async def gone():
                return all(h["record_id"] != hit["record_id"] for h in await _search(desk, "canoe shed", user))

            await _until(gone, "the deleted memory leaves search")

            refused = await desk.call_tool("search_memory", {"query": "x", "user_id": "bad\n$(id)"})
            assert _failed(refused) and "user_id" in _text(refused)

    anyio.run(main)
