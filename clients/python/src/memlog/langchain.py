"""LangChain adapters: a chat message history over memlog's log, and a retriever over its search and context packs.

Needs the ``langchain`` extra (``pip install 'memlog[langchain]'``), which brings langchain-core.

memlog is an event log: what was said stays said. :class:`MemlogChatMessageHistory` appends each message as a turn
and reads a session back from working memory; its :meth:`~MemlogChatMessageHistory.clear` refuses, because clearing
would mean rewriting the log. Forget one memory with :meth:`memlog.MemlogClient.delete_memory`, or a whole user with
:meth:`memlog.MemlogClient.erase`.
"""

from __future__ import annotations

import re
from typing import Any, Literal, Optional, Sequence

try:
    from langchain_core.callbacks import AsyncCallbackManagerForRetrieverRun, CallbackManagerForRetrieverRun
    from langchain_core.chat_history import BaseChatMessageHistory
    from langchain_core.documents import Document
    from langchain_core.messages import AIMessage, BaseMessage, ChatMessage, HumanMessage, SystemMessage
    from langchain_core.retrievers import BaseRetriever
except ImportError as e:  # pragma: no cover - exercised only without the extra
    raise ImportError("memlog.langchain needs langchain-core: pip install 'memlog[langchain]'") from e

from pydantic import ConfigDict, Field

from ._client import AsyncMemlogClient, MemlogClient
from .models import ContextPack, SearchResult, Turn, WorkingMemory

__all__ = ["MemlogChatMessageHistory", "MemlogRetriever"]

_ROLE_OF_TYPE = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool", "function": "tool"}
_EVENT_ID = re.compile(r"[A-Za-z0-9._:@/+-]{1,128}")


def _text(message: BaseMessage) -> str:
    """A message's text: its string content, or the text parts of a list of content blocks."""
    if isinstance(message.content, str):
        return message.content
    parts = []
    for block in message.content:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict) and block.get("type") == "text":
            parts.append(str(block.get("text", "")))
    return "\n".join(parts)


def _role(message: BaseMessage) -> str:
    if isinstance(message, ChatMessage):
        return message.role
    return _ROLE_OF_TYPE.get(message.type, message.type)


def _message(speaker: Optional[str], text: str, event_id: str) -> BaseMessage:
    if speaker == "user":
        return HumanMessage(content=text, id=event_id)
    if speaker == "assistant":
        return AIMessage(content=text, id=event_id)
    if speaker == "system":
        return SystemMessage(content=text, id=event_id)
    # a tool's output (no tool call id is kept) or a named speaker, as memlog recorded them
    return ChatMessage(role=speaker or "user", content=text, id=event_id)


class MemlogChatMessageHistory(BaseChatMessageHistory):
    """One session of one owner as a LangChain chat history, append-only.

    :meth:`add_messages` appends the messages as turns in one batch (human → ``user``, ai → ``assistant``, system,
    tool; a :class:`ChatMessage` keeps its role, which memlog must accept). A message's ``id``, when it is a valid
    event id, is the turn's event id, so adding the same message twice records it once.

    :attr:`messages` reads the session's working memory: its latest turns, oldest first, as soon as consolidation has
    taken them (a turn appended a moment ago may not be there yet), up to working memory's token window (older turns
    are in search and context packs, not here).

    :meth:`clear` raises :class:`NotImplementedError`: the log is not rewritten.
    """

    def __init__(self, client: MemlogClient, *, session_id: str, user_id: Optional[str] = None,
                 agent_id: Optional[str] = None, metadata: Optional[dict[str, str]] = None,
                 async_client: Optional[AsyncMemlogClient] = None) -> None:
        if user_id is None and agent_id is None:
            raise ValueError("give user_id or agent_id: they name whose memory the conversation becomes")
        self.client = client
        self.async_client = async_client
        self.session_id = session_id
        self.user_id = user_id
        self.agent_id = agent_id
        self.metadata = metadata

    def _turns(self, messages: Sequence[BaseMessage]) -> list[Turn]:
        return [Turn(session_id=self.session_id, user_id=self.user_id, agent_id=self.agent_id, role=_role(m),
                     content=_text(m), metadata=self.metadata,
                     event_id=m.id if m.id and _EVENT_ID.fullmatch(m.id) else None) for m in messages]

    @staticmethod
    def _messages(memory: WorkingMemory) -> list[BaseMessage]:
        return [_message(t.speaker, t.text, t.event_id) for t in memory.turns]

    @property
    def messages(self) -> list[BaseMessage]:  # type: ignore[override]
        return self._messages(self.client.working_memory(self.session_id, user_id=self.user_id,
                                                         agent_id=self.agent_id))

    async def aget_messages(self) -> list[BaseMessage]:
        if self.async_client is None:
            return await super().aget_messages()
        return self._messages(await self.async_client.working_memory(self.session_id, user_id=self.user_id,
                                                                     agent_id=self.agent_id))

    def add_messages(self, messages: Sequence[BaseMessage]) -> None:
        if messages:
            self.client.add_turns(self._turns(messages))

    async def aadd_messages(self, messages: Sequence[BaseMessage]) -> None:
        if self.async_client is None:
            await super().aadd_messages(messages)
        elif messages:
            await self.async_client.add_turns(self._turns(messages))

    def clear(self) -> None:
        raise NotImplementedError(
            "memlog's event log is append-only: a conversation is not cleared by rewriting it. Delete one memory with "
            "MemlogClient.delete_memory(record_id, ...), or erase the owner with MemlogClient.erase(user_id=...)")

    async def aclear(self) -> None:
        self.clear()


class MemlogRetriever(BaseRetriever):
    """memlog retrieval as a LangChain retriever, within one owner's memory.

    ``retrieval="search"`` (the default) returns one :class:`Document` per hit, best first, with the hit's record id,
    score, tier, owner, session, time and metadata in ``Document.metadata``. ``retrieval="context"`` returns one Document
    holding the token-budgeted context pack (``budget_tokens``), ready for a prompt, with its items' record ids.
    Every Document carries the retrieval's ``request_id``, for :meth:`memlog.MemlogClient.report_use`.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    client: MemlogClient
    async_client: Optional[AsyncMemlogClient] = None
    user_id: Optional[str] = None
    agent_id: Optional[str] = None
    session_id: Optional[str] = None
    retrieval: Literal["search", "context"] = "search"
    match: Optional[str] = None
    """How candidates are matched: ``hybrid`` (the platform's default), ``bm25`` or ``vector``."""
    k: int = 5
    budget_tokens: int = 1000
    tiers: Optional[list[str]] = None
    metadata_filter: Optional[dict[str, str]] = None
    search_options: dict[str, Any] = Field(default_factory=dict)
    """More fields of the search or context request: ``rerank``, ``as_of``, ``reinforce``, ``explain``..."""

    def _options(self) -> dict[str, Any]:
        options = dict(user_id=self.user_id, agent_id=self.agent_id, session_id=self.session_id, tiers=self.tiers,
                       metadata=self.metadata_filter, mode=self.match, **self.search_options)
        return {k: v for k, v in options.items() if v is not None}

    @staticmethod
    def _from_search(result: SearchResult) -> list[Document]:
        return [Document(page_content=h.text, id=h.record_id, metadata={
            "record_id": h.record_id, "score": h.score, "tier": h.tier, "user_id": h.user_id,
            "agent_id": h.agent_id, "session_id": h.session_id, "role": h.role,
            "observed_at": h.observed_at.isoformat(), "event_ids": h.event_ids, "metadata": h.metadata,
            "request_id": result.request_id}) for h in result.hits]

    @staticmethod
    def _from_pack(pack: ContextPack) -> list[Document]:
        if not pack.items:
            return []
        return [Document(page_content=pack.context, metadata={
            "record_ids": [i.record_id for i in pack.items], "tokens": pack.tokens,
            "budget_tokens": pack.budget_tokens, "tokenizer": pack.tokenizer, "request_id": pack.request_id})]

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        if self.retrieval == "context":
            return self._from_pack(self.client.context(query, budget_tokens=self.budget_tokens, k=self.k,
                                                       **self._options()))
        return self._from_search(self.client.search(query, k=self.k, **self._options()))

    async def _aget_relevant_documents(self, query: str, *,
                                       run_manager: AsyncCallbackManagerForRetrieverRun) -> list[Document]:
        if self.async_client is None:
            return await super()._aget_relevant_documents(query, run_manager=run_manager)
        if self.retrieval == "context":
            return self._from_pack(await self.async_client.context(query, budget_tokens=self.budget_tokens, k=self.k,
                                                                   **self._options()))
        return self._from_search(await self.async_client.search(query, k=self.k, **self._options()))
