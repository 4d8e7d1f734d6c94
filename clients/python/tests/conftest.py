"""The suite runs against a real memlog stack: base URLs and API keys come from the environment.

MEMLOG_INGEST_URL, MEMLOG_QUERY_URL  where ingest-service and query-service listen
MEMLOG_API_KEY                       a key of one tenant with scopes read, write, feedback and erase
MEMLOG_OTHER_API_KEY                 a key of another tenant, to show that tenants do not see each other
MEMLOG_THROTTLED_API_KEY             a key of a third tenant, used only to run into the read rate limit
MEMLOG_MCP_URL, MEMLOG_MCP_API_KEY   the MCP server's endpoint, and a key bound to an agent for its tools

Without them every test errors (never skips): a suite that did not run must not look like one that passed.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from typing import Any, Awaitable, Callable, Optional, TypeVar

import pytest
import pytest_asyncio

from memlog import AsyncMemlogClient, MemlogClient

T = TypeVar("T")

#: how long a write may take to become readable: consolidation takes seconds, a cold stack longer
EVENTUALLY_SECONDS = float(os.environ.get("MEMLOG_TEST_WAIT_SECONDS", "90"))


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: these tests run against a real memlog stack (see tests/conftest.py)",
                    pytrace=False)
    return value


@pytest.fixture(scope="session")
def urls() -> tuple[str, str]:
    return _env("MEMLOG_INGEST_URL"), _env("MEMLOG_QUERY_URL")


@pytest.fixture(scope="session")
def client(urls: tuple[str, str]):
    with MemlogClient(*urls, api_key=_env("MEMLOG_API_KEY")) as c:
        yield c


@pytest.fixture(scope="session")
def other_client(urls: tuple[str, str]):
    with MemlogClient(*urls, api_key=_env("MEMLOG_OTHER_API_KEY")) as c:
        yield c


@pytest_asyncio.fixture
async def async_client(urls: tuple[str, str]):
    async with AsyncMemlogClient(*urls, api_key=_env("MEMLOG_API_KEY")) as c:
        yield c


@pytest.fixture
def owner() -> str:
    """A user of this test alone, so tests never see each other's memories."""
    return f"py-{uuid.uuid4().hex[:12]}"


def eventually(check: Callable[[], Optional[T]], what: str, timeout: float = EVENTUALLY_SECONDS) -> T:
    """Polls until ``check`` returns something truthy (writes are asynchronous); fails naming ``what``."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        last = check()
        if last:
            return last
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout:.0f} s: {what} (last: {last!r})")
        time.sleep(0.3)


def found(call: Callable[[], T]) -> Optional[T]:
    """What ``call`` returns, or None while it is not found: the history a read by record id goes through is written
    a moment after the memory becomes searchable."""
    from memlog import NotFoundError
    try:
        return call()
    except NotFoundError:
        return None


async def afound(call: Callable[[], Awaitable[T]]) -> Optional[T]:
    from memlog import NotFoundError
    try:
        return await call()
    except NotFoundError:
        return None


async def aeventually(check: Callable[[], Awaitable[Optional[T]]], what: str,
                      timeout: float = EVENTUALLY_SECONDS) -> T:
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        last = await check()
        if last:
            return last
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout:.0f} s: {what} (last: {last!r})")
        await asyncio.sleep(0.3)
