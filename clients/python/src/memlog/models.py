"""Typed requests and answers of the memlog HTTP API, as the services speak it (snake_case JSON).

Requests are checked for their types only: what a value may be (an id's characters, a role, the bounds of ``k``) is
the platform's to say, and it answers a 400 naming the field (:class:`memlog.errors.BadRequestError`). Answers keep
fields this client does not know yet (``extra="allow"``), so a newer server does not break an older client.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, field_serializer

Role = Literal["user", "assistant", "system", "tool"]
"""Who said a turn; the platform refuses any other (as ``str`` so that it, not the client, says so)."""

Tier = Literal["working", "episodic", "semantic", "procedural"]
"""Memory tiers: requests name them in lower case; answers spell them as the platform does (``"EPISODIC"``)."""

Timestamp = Union[datetime, str]
"""A datetime (naive ones are taken as UTC) or an ISO-8601 string with an offset, sent as the caller wrote it."""


def iso(value: Timestamp | None) -> str | None:
    """ISO-8601 with an offset, as the platform requires; a naive datetime is taken as UTC."""
    if value is None or isinstance(value, str):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.isoformat()


class _Request(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    def body(self) -> dict[str, Any]:
        """The JSON body: fields left unset are not sent, so the platform's defaults apply."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class _Answer(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


# ----------------------------------------------------------------------------------------------------------- writes

class _Event(_Request):
    """What every appended event may carry besides its content: its owner, when it happened, labels, its id."""

    user_id: Optional[str] = None
    agent_id: Optional[str] = None
    timestamp: Optional[Timestamp] = None
    metadata: Optional[dict[str, str]] = None
    event_id: Optional[str] = None

    @field_serializer("timestamp")
    def _timestamp(self, value: Timestamp | None) -> str | None:
        return iso(value)


class Turn(_Event):
    """One turn of a conversation (POST /v1/turns, or an item of POST /v1/turns/batch).

    ``user_id`` or ``agent_id`` (or both) name whose memory it is; the tenant is always the credential's.
    ``event_id`` makes a retry safe: the same id appended twice is one turn. The client gives each turn a fresh one
    when the caller does not.
    """

    session_id: str
    role: str
    content: str


class MemoryInput(_Event):
    """An explicit memory (POST /v1/memories): a statement an agent chose to keep; it never decays.

    An instruction ("Always answer in French.") becomes a standing instruction that leads every context pack.
    """

    content: str
    session_id: Optional[str] = None


class AppendResult(_Answer):
    """202 from an append: the event log has it; it is searchable once consolidation has taken it (seconds)."""

    event_id: str


class BatchAppendResult(_Answer):
    """202 from a batch append: the ids of the turns, in the order given."""

    event_ids: list[str]


class DeletionResult(_Answer):
    """202 from DELETE /v1/memories/{record_id}: the deletion is in the log; the memory leaves retrieval shortly."""

    event_id: str
    record_id: str
    status: str


class ErasureResult(_Answer):
    """202 from POST /v1/erasure: the owner's keys are destroyed; its index documents go once materialized."""

    erasure_id: str
    subject: str
    keys_destroyed: int
    status: str


class FeedbackResult(_Answer):
    """202 from POST /v1/feedback."""

    access_id: str
    records: int


# ------------------------------------------------------------------------------------------------------------ reads

class TimeRange(_Request):
    """When the memory was observed: ``from`` and ``to``, either open."""

    from_: Optional[Timestamp] = Field(default=None, alias="from")
    to: Optional[Timestamp] = None

    @field_serializer("from_", "to")
    def _instant(self, value: Timestamp | None) -> str | None:
        return iso(value)


class SearchRequest(_Request):
    """POST /v1/search: hybrid retrieval within one owner's memory (or a tenant, for a key with reads=tenant).

    ``reinforce=False`` keeps the search from counting as a use of what it returns (looks back in time with
    ``as_of`` never do).
    """

    query: str
    k: Optional[int] = None
    mode: Optional[str] = None
    user_id: Optional[str] = None
    agent_id: Optional[str] = None
    session_id: Optional[str] = None
    tiers: Optional[list[str]] = None
    time_range: Optional[TimeRange] = None
    metadata: Optional[dict[str, str]] = None
    as_of: Optional[Timestamp] = None
    rerank: Optional[bool] = None
    explain: Optional[bool] = None
    reinforce: Optional[bool] = None

    @field_serializer("as_of")
    def _as_of(self, value: Timestamp | None) -> str | None:
        return iso(value)


class ContextRequest(SearchRequest):
    """POST /v1/context: the best memories that fit ``budget_tokens`` (1 to 32000), rendered for a prompt."""

    budget_tokens: int
    neighbours: Optional[bool] = None


class Explanation(_Answer):
    """Why a hit ranked where it did: the weighted components add up to ``score``."""

    bm25: float = 0.0
    vector: float = 0.0
    neighbour: float = 0.0
    question: float = 0.0
    speaker: float = 0.0
    fused: float = 0.0
    recency: float = 0.0
    importance: float = 0.0
    strength: float = 0.0
    rerank: float = 0.0
    score: float = 0.0
    bm25_raw: Optional[float] = None
    vector_raw: Optional[float] = None
    context_vector_raw: Optional[float] = None
    matched_terms: list[str] = Field(default_factory=list)


class SearchHit(_Answer):
    """One memory a search found; ``event_ids`` are the events it came from."""

    record_id: str
    score: float
    text: str
    tier: str
    user_id: Optional[str] = None
    agent_id: Optional[str] = None
    session_id: Optional[str] = None
    role: Optional[str] = None
    observed_at: datetime
    importance: float = 0.0
    event_ids: list[str] = Field(default_factory=list)
    metadata: dict[str, str] = Field(default_factory=dict)
    explanation: Optional[Explanation] = None


class SearchResult(_Answer):
    """Hits best first; ``request_id`` names this retrieval for :meth:`report_use`."""

    hits: list[SearchHit]
    took_ms: int
    request_id: str


class ContextItem(_Answer):
    """One memory in a context pack; ``neighbour_of`` names the hit that brought a neighbouring turn in."""

    record_id: str
    tier: str
    session_id: Optional[str] = None
    observed_at: datetime
    speaker: Optional[str] = None
    session_date: Optional[str] = None
    text: str
    score: float
    event_ids: list[str] = Field(default_factory=list)
    neighbour_of: Optional[str] = None
    line_sources: list[str] = Field(default_factory=list)
    user_id: Optional[str] = None
    agent_id: Optional[str] = None


class ContextPack(_Answer):
    """A token-budgeted context: ``context`` is the text for the prompt, never over ``budget_tokens``."""

    context: str
    tokens: int
    budget_tokens: int
    tokenizer: str
    items: list[ContextItem]
    request_id: str


class WorkingMemoryTurn(_Answer):
    """A turn of a session's working memory; ``speaker`` is the turn's ``metadata.speaker`` or else its role."""

    event_id: str
    speaker: Optional[str] = None
    text: str
    occurred_at: datetime


class WorkingMemory(_Answer):
    """A session's latest turns, oldest first, as consolidation holds them (before any summary or index)."""

    session_id: str
    turns: list[WorkingMemoryTurn]


class Memory(_Answer):
    """A stored memory as GET /v1/memories lists it; ``valid_to`` is set once it stopped being valid.

    :meth:`MemlogClient.get_memory` also fills ``live`` (valid now) and, where the server says, ``state``
    (``live``, ``superseded``, ``forgotten`` or ``deleted``).
    """

    record_id: str
    tier: str
    role: Optional[str] = None
    text: str
    importance: Optional[float] = None
    observed_at: Optional[datetime] = None
    valid_from: Optional[datetime] = None
    valid_to: Optional[datetime] = None
    version: Optional[int] = None
    session_id: Optional[str] = None
    user_id: Optional[str] = None
    agent_id: Optional[str] = None
    provenance: list[str] = Field(default_factory=list)
    live: Optional[bool] = None
    state: Optional[str] = None


class MemoryPage(_Answer):
    """One page of an owner's memories, newest first; pass ``next_cursor`` for the next (None on the last)."""

    total: int
    memories: list[Memory]
    next_cursor: Optional[str] = None
    as_of: Optional[datetime] = None


class StrengthPoint(_Answer):
    at: datetime
    strength: float


class MemoryVersion(_Answer):
    """One version of a memory as the platform stores it: times in epoch milliseconds, ``change`` saying why this
    version exists (``DERIVED``, ``SUPERSEDED``, ``FORGOTTEN``, ``DELETED``...), ``deleted_at`` or ``forgotten_at``
    set once it left retrieval. Other stored fields are kept as extras."""

    record_id: str
    version: int
    tier: str
    text: str
    user_id: Optional[str] = None
    agent_id: Optional[str] = None
    session_id: Optional[str] = None
    role: Optional[str] = None
    importance: Optional[float] = None
    observed_at: Optional[int] = None
    valid_from: Optional[int] = None
    valid_to: Optional[int] = None
    provenance: list[str] = Field(default_factory=list)
    metadata: dict[str, str] = Field(default_factory=dict)
    change: Optional[str] = None
    change_reason: Optional[str] = None
    forgotten_at: Optional[int] = None
    deleted_at: Optional[int] = None
    deleted_by: Optional[str] = None


class MemoryHistory(_Answer):
    """Every version of a memory, oldest first, with its use and strength over its life."""

    record_id: str
    live: bool
    versions: list[MemoryVersion]
    strength: Optional[dict[str, Any]] = None
    strength_over_time: list[StrengthPoint] = Field(default_factory=list)


class Feedback(_Request):
    """POST /v1/feedback: which memories an agent used (reinforced) or found not useful (weakened)."""

    signal: str
    record_ids: list[str]
    user_id: Optional[str] = None
    agent_id: Optional[str] = None
    request_id: Optional[str] = None
    feedback_id: Optional[str] = None
    timestamp: Optional[Timestamp] = None

    @field_serializer("timestamp")
    def _timestamp(self, value: Timestamp | None) -> str | None:
        return iso(value)


class Erasure(_Request):
    """POST /v1/erasure: a data subject, a user (across every agent) or an agent's own memories, not both."""

    user_id: Optional[str] = None
    agent_id: Optional[str] = None
    reason: Optional[str] = None
