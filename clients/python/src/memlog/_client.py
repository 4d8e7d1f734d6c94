"""The sync and async clients: one description of each call, sent by httpx.Client or httpx.AsyncClient."""

from __future__ import annotations

import asyncio
import email.utils
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, AsyncIterator, Callable, Iterable, Iterator, Mapping, Optional, Sequence, TypeVar, Union
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from .errors import MemlogConnectionError, MemlogError, NotFoundError, error_for
from .models import (
    AppendResult,
    BatchAppendResult,
    ContextPack,
    ContextRequest,
    DeletionResult,
    Erasure,
    ErasureResult,
    Feedback,
    FeedbackResult,
    Memory,
    MemoryHistory,
    MemoryInput,
    MemoryPage,
    SearchRequest,
    SearchResult,
    TimeRange,
    Timestamp,
    Turn,
    WorkingMemory,
    iso,
)

__all__ = ["MemlogClient", "AsyncMemlogClient", "RetryPolicy"]

T = TypeVar("T")
TurnLike = Union[Turn, Mapping[str, Any]]
USER_AGENT = "memlog-python/0.1.0"


@dataclass(frozen=True)
class RetryPolicy:
    """How a refused call is tried again: only on 429 and 503, only for calls that are safe to repeat.

    The wait is the service's ``Retry-After`` when it sends one (capped at ``max_wait``), otherwise ``backoff``
    doubling with each attempt. ``max_retries=0`` turns retrying off.
    """

    max_retries: int = 3
    max_wait: float = 30.0
    backoff: float = 0.5
    statuses: frozenset[int] = frozenset({429, 503})

    def delay(self, response: httpx.Response, attempt: int) -> Optional[float]:
        """Seconds to wait before the next attempt, or None when this answer is final."""
        if response.status_code not in self.statuses or attempt >= self.max_retries:
            return None
        after = retry_after(response)
        wait = after if after is not None else self.backoff * (2 ** attempt)
        return max(0.0, min(wait, self.max_wait))


def retry_after(response: httpx.Response) -> Optional[float]:
    """``Retry-After`` in seconds: delta-seconds or an HTTP date; None when absent or unreadable."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


@dataclass
class _Call:
    """One HTTP call: to which service, what to send, whether repeating it is safe, how to read the answer."""

    service: str
    method: str
    path: str
    parse: Callable[[Any], Any]
    params: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    idempotent: bool = True


def _segment(value: str) -> str:
    """A path segment with everything but unreserved characters escaped, so no value can change the route."""
    return quote(value, safe="")


def _params(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _model(cls: type[BaseModel], value: Any) -> Any:
    return value if isinstance(value, cls) else cls.model_validate(value)


def _with_id(turn: TurnLike) -> Turn:
    turn = _model(Turn, turn)
    return turn if turn.event_id is not None else turn.model_copy(update={"event_id": str(uuid.uuid4())})


def _answer(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _error(response: httpx.Response) -> MemlogError:
    return error_for(response.status_code, _answer(response), retry_after(response), response.text)


class _Calls:
    """What each method of the clients sends and reads: shared, so the sync and async clients cannot drift apart."""

    # ingest-service ------------------------------------------------------------------------------------------------

    @staticmethod
    def add_turn(turn: Turn) -> _Call:
        # the event id is the client's: the same id appended twice is one turn, so a retry cannot duplicate it
        return _Call("ingest", "POST", "/v1/turns", AppendResult.model_validate, json=turn.body(),
                     idempotent=turn.event_id is not None)

    @staticmethod
    def add_turns(turns: Sequence[Turn]) -> _Call:
        return _Call("ingest", "POST", "/v1/turns/batch", BatchAppendResult.model_validate,
                     json={"turns": [t.body() for t in turns]}, idempotent=all(t.event_id for t in turns))

    @staticmethod
    def add_memory(memory: MemoryInput) -> _Call:
        return _Call("ingest", "POST", "/v1/memories", AppendResult.model_validate, json=memory.body(),
                     idempotent=memory.event_id is not None)

    @staticmethod
    def delete_memory(record_id: str, user_id: Optional[str], agent_id: Optional[str], reason: Optional[str]) -> _Call:
        # a second deletion of the same memory changes nothing: safe to repeat
        return _Call("ingest", "DELETE", f"/v1/memories/{_segment(record_id)}", DeletionResult.model_validate,
                     params=_params(user_id=user_id, agent_id=agent_id),
                     json={"reason": reason} if reason is not None else None)

    @staticmethod
    def erase(erasure: Erasure) -> _Call:
        # an erasure destroys no more keys the second time: safe to repeat
        return _Call("ingest", "POST", "/v1/erasure", ErasureResult.model_validate, json=erasure.body())

    # query-service -------------------------------------------------------------------------------------------------

    @staticmethod
    def search(request: SearchRequest) -> _Call:
        return _Call("query", "POST", "/v1/search", SearchResult.model_validate, json=request.body())

    @staticmethod
    def context(request: ContextRequest) -> _Call:
        return _Call("query", "POST", "/v1/context", ContextPack.model_validate, json=request.body())

    @staticmethod
    def working_memory(session_id: str, user_id: Optional[str], agent_id: Optional[str]) -> _Call:
        return _Call("query", "GET", "/v1/working-memory", WorkingMemory.model_validate,
                     params=_params(session_id=session_id, user_id=user_id, agent_id=agent_id))

    @staticmethod
    def list_memories(user_id: Optional[str], agent_id: Optional[str], tier: Optional[str],
                      as_of: Optional[Timestamp], limit: Optional[int], cursor: Optional[str],
                      session_id: Optional[str] = None, observed_after: Optional[Timestamp] = None,
                      observed_before: Optional[Timestamp] = None) -> _Call:
        return _Call("query", "GET", "/v1/memories", MemoryPage.model_validate,
                     params=_params(user_id=user_id, agent_id=agent_id, tier=tier, as_of=iso(as_of), limit=limit,
                                    cursor=cursor, session_id=session_id, observed_after=iso(observed_after),
                                    observed_before=iso(observed_before)))

    @staticmethod
    def get_memory(record_id: str, user_id: Optional[str], agent_id: Optional[str]) -> _Call:
        return _Call("query", "GET", f"/v1/memories/{_segment(record_id)}", Memory.model_validate,
                     params=_params(user_id=user_id, agent_id=agent_id))

    @staticmethod
    def history(record_id: str, user_id: Optional[str], agent_id: Optional[str]) -> _Call:
        return _Call("query", "GET", f"/v1/memories/{_segment(record_id)}/history", MemoryHistory.model_validate,
                     params=_params(user_id=user_id, agent_id=agent_id))

    @staticmethod
    def report_use(feedback: Feedback) -> _Call:
        return _Call("query", "POST", "/v1/feedback", FeedbackResult.model_validate, json=feedback.body(),
                     idempotent=feedback.feedback_id is not None)


def _search_request(query: str, *, k: Optional[int] = None, mode: Optional[str] = None,
                    user_id: Optional[str] = None, agent_id: Optional[str] = None, session_id: Optional[str] = None,
                    tiers: Optional[Iterable[str]] = None, observed_from: Optional[Timestamp] = None,
                    observed_to: Optional[Timestamp] = None, metadata: Optional[Mapping[str, str]] = None,
                    as_of: Optional[Timestamp] = None, rerank: Optional[bool] = None, explain: Optional[bool] = None,
                    reinforce: Optional[bool] = None) -> dict[str, Any]:
    time_range = (TimeRange(from_=observed_from, to=observed_to)
                  if observed_from is not None or observed_to is not None else None)
    return dict(query=query, k=k, mode=mode, user_id=user_id, agent_id=agent_id, session_id=session_id,
                tiers=list(tiers) if tiers is not None else None, time_range=time_range,
                metadata=dict(metadata) if metadata is not None else None, as_of=as_of, rerank=rerank,
                explain=explain, reinforce=reinforce)


class _Base:
    def __init__(self, ingest_url: Optional[str], query_url: Optional[str], api_key: Optional[str],
                 bearer_token: Optional[str], retry: Optional[RetryPolicy]) -> None:
        ingest_url = ingest_url if ingest_url is not None else os.environ.get("MEMLOG_INGEST_URL")
        query_url = query_url if query_url is not None else os.environ.get("MEMLOG_QUERY_URL")
        if api_key is None and bearer_token is None:
            api_key = os.environ.get("MEMLOG_API_KEY")
            bearer_token = None if api_key else os.environ.get("MEMLOG_BEARER_TOKEN")
        if not ingest_url or not query_url:
            raise ValueError("both ingest_url (ingest-service) and query_url (query-service) are required")
        if api_key and bearer_token:
            raise ValueError("give api_key or bearer_token, not both")
        self.ingest_url = ingest_url.rstrip("/")
        self.query_url = query_url.rstrip("/")
        self.retry = retry if retry is not None else RetryPolicy()
        self._headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if api_key:
            self._headers["X-API-Key"] = api_key
        elif bearer_token:
            self._headers["Authorization"] = f"Bearer {bearer_token}"

    def _url(self, call: _Call) -> str:
        return (self.ingest_url if call.service == "ingest" else self.query_url) + call.path

    def _request(self, call: _Call) -> dict[str, Any]:
        request: dict[str, Any] = {"method": call.method, "url": self._url(call), "params": call.params,
                                   "headers": self._headers}
        if call.json is not None:
            request["json"] = call.json
        return request

    @staticmethod
    def _read(call: _Call, response: httpx.Response) -> Any:
        if response.status_code >= 400:
            raise _error(response)
        return call.parse(response.json())


class MemlogClient(_Base):
    """The memlog API over HTTP, blocking.

    memlog runs as separate services, and the client names both it speaks to: ``ingest_url`` (ingest-service:
    turns, explicit memories, deletions, erasures) and ``query_url`` (query-service: search, context packs, working
    memory, listing, history, feedback). The credential is an API key (sent as ``X-API-Key``) or a bearer token
    (``Authorization: Bearer``); the tenant is always the credential's.

    Writes are asynchronous: a 202 means the event log has the event, and it becomes searchable once consolidation has
    taken it, typically within seconds.

    Calls that are safe to repeat (reads, deletions, erasures, and appends and feedback that carry their id, which
    the client gives them unless told otherwise) are retried on 429 and 503 as ``retry`` says, honouring
    ``Retry-After``. Refusals raise a :class:`memlog.errors.MemlogError` subclass with the status, message and field.
    """

    def __init__(self, ingest_url: Optional[str] = None, query_url: Optional[str] = None, *,
                 api_key: Optional[str] = None, bearer_token: Optional[str] = None, timeout: float = 30.0,
                 retry: Optional[RetryPolicy] = None, http_client: Optional[httpx.Client] = None) -> None:
        """Without arguments, ``MEMLOG_INGEST_URL``, ``MEMLOG_QUERY_URL`` and ``MEMLOG_API_KEY`` (or
        ``MEMLOG_BEARER_TOKEN``) say where and who."""
        super().__init__(ingest_url, query_url, api_key, bearer_token, retry)
        self._own_http = http_client is None
        self._http = http_client or httpx.Client(timeout=timeout)

    def close(self) -> None:
        if self._own_http:
            self._http.close()

    def __enter__(self) -> "MemlogClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _send(self, call: _Call) -> Any:
        attempt = 0
        reconnected = False
        while True:
            try:
                response = self._http.request(**self._request(call))
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as e:
                # a kept-alive connection the server had already closed (as it does after refusing a malformed
                # request): nothing was served, so a call that is safe to repeat goes once more on a fresh one
                if call.idempotent and not reconnected:
                    reconnected = True
                    continue
                raise MemlogConnectionError(f"{call.method} {call.path}: the connection broke ({e})") from e
            except httpx.TimeoutException as e:
                raise MemlogConnectionError(f"{call.method} {call.path}: no answer in time ({e})") from e
            except httpx.TransportError as e:
                raise MemlogConnectionError(f"{call.method} {call.path}: {self._url(call)} unreachable ({e})") from e
            wait = self.retry.delay(response, attempt) if call.idempotent else None
            if wait is None:
                return self._read(call, response)
            time.sleep(wait)
            attempt += 1

    # writes --------------------------------------------------------------------------------------------------------

    def add_turn(self, turn: Optional[TurnLike] = None, /, **fields: Any) -> AppendResult:
        """Appends one turn: ``add_turn(Turn(...))`` or ``add_turn(user_id=..., session_id=..., role=..., content=...)``."""
        return self._send(_Calls.add_turn(_with_id(turn if turn is not None else fields)))

    def add_turns(self, turns: Iterable[TurnLike]) -> BatchAppendResult:
        """Appends turns in one request (POST /v1/turns/batch): all are accepted, or none."""
        return self._send(_Calls.add_turns([_with_id(t) for t in turns]))

    def add_memory(self, content: Optional[str] = None, /, *, memory: Optional[MemoryInput] = None,
                   **fields: Any) -> AppendResult:
        """Appends an explicit memory: ``add_memory("Ann is vegetarian", user_id="ann")``."""
        memory = memory if memory is not None else MemoryInput(content=content, **fields)
        if memory.event_id is None:
            memory = memory.model_copy(update={"event_id": str(uuid.uuid4())})
        return self._send(_Calls.add_memory(memory))

    def delete_memory(self, record_id: str, *, user_id: Optional[str] = None, agent_id: Optional[str] = None,
                      reason: Optional[str] = None) -> DeletionResult:
        """Deletes one memory of the owner named (as search returned it); it leaves retrieval once consolidated."""
        return self._send(_Calls.delete_memory(record_id, user_id, agent_id, reason))

    def erase(self, *, user_id: Optional[str] = None, agent_id: Optional[str] = None,
              reason: Optional[str] = None) -> ErasureResult:
        """Erases a data subject by crypto-shredding: a user across every agent, or an agent's own memories."""
        return self._send(_Calls.erase(Erasure(user_id=user_id, agent_id=agent_id, reason=reason)))

    def report_use(self, record_ids: Sequence[str], *, signal: str = "used", user_id: Optional[str] = None,
                   agent_id: Optional[str] = None, request_id: Optional[str] = None,
                   feedback_id: Optional[str] = None, timestamp: Optional[Timestamp] = None) -> FeedbackResult:
        """Tells which memories were ``"used"`` (reinforced) or ``"not_useful"`` (weakened)."""
        feedback = Feedback(signal=signal, record_ids=list(record_ids), user_id=user_id, agent_id=agent_id,
                            request_id=request_id, feedback_id=feedback_id or str(uuid.uuid4()), timestamp=timestamp)
        return self._send(_Calls.report_use(feedback))

    # reads ---------------------------------------------------------------------------------------------------------

    def search(self, query: str, **options: Any) -> SearchResult:
        """Hybrid search: ``search("where does Ann live?", user_id="ann", k=5)``; see :class:`SearchRequest`."""
        return self._send(_Calls.search(SearchRequest(**_search_request(query, **options))))

    def context(self, query: str, *, budget_tokens: int, neighbours: Optional[bool] = None,
                **options: Any) -> ContextPack:
        """The best memories that fit ``budget_tokens``, rendered for a prompt (POST /v1/context)."""
        return self._send(_Calls.context(ContextRequest(**_search_request(query, **options),
                                                        budget_tokens=budget_tokens, neighbours=neighbours)))

    def working_memory(self, session_id: str, *, user_id: Optional[str] = None,
                       agent_id: Optional[str] = None) -> WorkingMemory:
        """A session's latest turns, readable as soon as consolidated, before any index."""
        return self._send(_Calls.working_memory(session_id, user_id, agent_id))

    def list_memories(self, *, user_id: Optional[str] = None, agent_id: Optional[str] = None,
                      tier: Optional[str] = None, as_of: Optional[Timestamp] = None, limit: Optional[int] = None,
                      cursor: Optional[str] = None, session_id: Optional[str] = None,
                      observed_after: Optional[Timestamp] = None,
                      observed_before: Optional[Timestamp] = None) -> MemoryPage:
        """One page of an owner's memories, newest first: valid now, or with ``as_of`` those known then; optionally
        of one ``tier`` or session, observed at or after ``observed_after`` and before ``observed_before``."""
        return self._send(_Calls.list_memories(user_id, agent_id, tier, as_of, limit, cursor, session_id,
                                               observed_after, observed_before))

    def iter_memories(self, *, user_id: Optional[str] = None, agent_id: Optional[str] = None,
                      tier: Optional[str] = None, as_of: Optional[Timestamp] = None,
                      page_size: Optional[int] = None) -> Iterator[Memory]:
        """Every memory :meth:`list_memories` would page through, fetching pages as it goes."""
        cursor = None
        while True:
            page = self.list_memories(user_id=user_id, agent_id=agent_id, tier=tier, as_of=as_of, limit=page_size,
                                      cursor=cursor)
            yield from page.memories
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    def get_memory(self, record_id: str, *, user_id: Optional[str] = None,
                   agent_id: Optional[str] = None) -> Memory:
        """One memory as it stands now, live or not (``live``, ``state``); :class:`NotFoundError` when it is not this
        owner's."""
        return self._send(_Calls.get_memory(record_id, user_id, agent_id))

    def history(self, record_id: str, *, user_id: Optional[str] = None,
                agent_id: Optional[str] = None) -> MemoryHistory:
        """Every version of one memory, oldest first, with why it changed and its strength over its life."""
        return self._send(_Calls.history(record_id, user_id, agent_id))


class AsyncMemlogClient(_Base):
    """:class:`MemlogClient` for asyncio: the same methods, awaited; :meth:`iter_memories` is an async iterator."""

    def __init__(self, ingest_url: Optional[str] = None, query_url: Optional[str] = None, *,
                 api_key: Optional[str] = None, bearer_token: Optional[str] = None, timeout: float = 30.0,
                 retry: Optional[RetryPolicy] = None, http_client: Optional[httpx.AsyncClient] = None) -> None:
        super().__init__(ingest_url, query_url, api_key, bearer_token, retry)
        self._own_http = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=timeout)

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()

    async def __aenter__(self) -> "AsyncMemlogClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    async def _send(self, call: _Call) -> Any:
        attempt = 0
        reconnected = False
        while True:
            try:
                response = await self._http.request(**self._request(call))
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as e:
                # a kept-alive connection the server had already closed (as it does after refusing a malformed
                # request): nothing was served, so a call that is safe to repeat goes once more on a fresh one
                if call.idempotent and not reconnected:
                    reconnected = True
                    continue
                raise MemlogConnectionError(f"{call.method} {call.path}: the connection broke ({e})") from e
            except httpx.TimeoutException as e:
                raise MemlogConnectionError(f"{call.method} {call.path}: no answer in time ({e})") from e
            except httpx.TransportError as e:
                raise MemlogConnectionError(f"{call.method} {call.path}: {self._url(call)} unreachable ({e})") from e
            wait = self.retry.delay(response, attempt) if call.idempotent else None
            if wait is None:
                return self._read(call, response)
            await asyncio.sleep(wait)
            attempt += 1

    async def add_turn(self, turn: Optional[TurnLike] = None, /, **fields: Any) -> AppendResult:
        return await self._send(_Calls.add_turn(_with_id(turn if turn is not None else fields)))

    async def add_turns(self, turns: Iterable[TurnLike]) -> BatchAppendResult:
        return await self._send(_Calls.add_turns([_with_id(t) for t in turns]))

    async def add_memory(self, content: Optional[str] = None, /, *, memory: Optional[MemoryInput] = None,
                         **fields: Any) -> AppendResult:
        memory = memory if memory is not None else MemoryInput(content=content, **fields)
        if memory.event_id is None:
            memory = memory.model_copy(update={"event_id": str(uuid.uuid4())})
        return await self._send(_Calls.add_memory(memory))

    async def delete_memory(self, record_id: str, *, user_id: Optional[str] = None, agent_id: Optional[str] = None,
                            reason: Optional[str] = None) -> DeletionResult:
        return await self._send(_Calls.delete_memory(record_id, user_id, agent_id, reason))

    async def erase(self, *, user_id: Optional[str] = None, agent_id: Optional[str] = None,
                    reason: Optional[str] = None) -> ErasureResult:
        return await self._send(_Calls.erase(Erasure(user_id=user_id, agent_id=agent_id, reason=reason)))

    async def report_use(self, record_ids: Sequence[str], *, signal: str = "used", user_id: Optional[str] = None,
                         agent_id: Optional[str] = None, request_id: Optional[str] = None,
                         feedback_id: Optional[str] = None, timestamp: Optional[Timestamp] = None) -> FeedbackResult:
        feedback = Feedback(signal=signal, record_ids=list(record_ids), user_id=user_id, agent_id=agent_id,
                            request_id=request_id, feedback_id=feedback_id or str(uuid.uuid4()), timestamp=timestamp)
        return await self._send(_Calls.report_use(feedback))

    async def search(self, query: str, **options: Any) -> SearchResult:
        return await self._send(_Calls.search(SearchRequest(**_search_request(query, **options))))

    async def context(self, query: str, *, budget_tokens: int, neighbours: Optional[bool] = None,
                      **options: Any) -> ContextPack:
        return await self._send(_Calls.context(ContextRequest(**_search_request(query, **options),
                                                              budget_tokens=budget_tokens, neighbours=neighbours)))

    async def working_memory(self, session_id: str, *, user_id: Optional[str] = None,
                             agent_id: Optional[str] = None) -> WorkingMemory:
        return await self._send(_Calls.working_memory(session_id, user_id, agent_id))

    async def list_memories(self, *, user_id: Optional[str] = None, agent_id: Optional[str] = None,
                            tier: Optional[str] = None, as_of: Optional[Timestamp] = None,
                            limit: Optional[int] = None, cursor: Optional[str] = None,
                            session_id: Optional[str] = None, observed_after: Optional[Timestamp] = None,
                            observed_before: Optional[Timestamp] = None) -> MemoryPage:
        return await self._send(_Calls.list_memories(user_id, agent_id, tier, as_of, limit, cursor, session_id,
                                                     observed_after, observed_before))

    async def iter_memories(self, *, user_id: Optional[str] = None, agent_id: Optional[str] = None,
                            tier: Optional[str] = None, as_of: Optional[Timestamp] = None,
                            page_size: Optional[int] = None) -> AsyncIterator[Memory]:
        cursor = None
        while True:
            page = await self.list_memories(user_id=user_id, agent_id=agent_id, tier=tier, as_of=as_of,
                                            limit=page_size, cursor=cursor)
            for memory in page.memories:
                yield memory
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    async def get_memory(self, record_id: str, *, user_id: Optional[str] = None,
                         agent_id: Optional[str] = None) -> Memory:
        return await self._send(_Calls.get_memory(record_id, user_id, agent_id))

    async def history(self, record_id: str, *, user_id: Optional[str] = None,
                      agent_id: Optional[str] = None) -> MemoryHistory:
        return await self._send(_Calls.history(record_id, user_id, agent_id))
