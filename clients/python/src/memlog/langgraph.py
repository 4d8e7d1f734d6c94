"""A LangGraph store (``langgraph.store.base.BaseStore``) kept in memlog.

Needs the ``langgraph`` extra (``pip install 'memlog[langgraph]'``), which brings langgraph-checkpoint, where
BaseStore lives.

Namespaces and owners
---------------------
memlog keeps memory per owner: a user, an agent, or an agent's share of a user. A namespace names one owner:

====================================  =============================
namespace                             memlog owner
====================================  =============================
``("user", user_id)``                 ``user_id``
``("agent", agent_id)``               ``agent_id``
``("user", user_id, "agent", id)``    ``user_id`` and ``agent_id``
====================================  =============================

Any other shape raises :class:`InvalidNamespaceError`; pass ``owner_of`` (namespace → :class:`Owner`) to map your
own, and ``namespace_of`` for the way back. The tenant is always the credential's.

Items and keys
--------------
``put(namespace, key, value)`` appends an explicit memory of the owner: its text is ``value["text"]`` (or
``value["content"]``), its metadata ``value["metadata"]`` (string values), and the key goes with it as metadata
``store_key``. A memory that an earlier ``put`` kept under the same key is deleted first, so the key names one
memory; as everywhere in memlog, writes are asynchronous: an item is readable once consolidation has taken it
(seconds), and two puts of one key within that time may both remain.

``get`` and ``delete`` take either such a key or a memlog record id (what ``search`` returns as the key of a memory
that was not put through a store). ``Item.value`` is ``{"text", "record_id", "tier", "metadata", "derived"}``:
``metadata`` is what the put gave, ``derived`` what consolidation added (``kind``, a fact's ``subject``,
``attribute`` and ``value``...; empty where the answer carries no metadata, as ``get`` by record id); ``created_at`` and
``updated_at`` are when the memory was observed.

``search(namespace, query=...)`` is memlog's hybrid search within the owner (``filter``: exact metadata values,
strings only); without a query it lists the owner's memories newest first, keyed by record id (the listing carries no
metadata).

What is not supported
---------------------
* ``list_namespaces``: memlog has no request that enumerates owners (a key reads one owner at a time), so it raises
  :class:`NotImplementedError`.
* ``search`` with a ``filter`` but no ``query``, filter operators (``$gt``...) and non-string filter values.
* TTLs (``supports_ttl`` is False: memlog's own lifecycle decays and forgets) and the ``index`` argument of ``put``
  (memlog always indexes the text).
* A namespace prefix that is not a whole owner: ``search(("user",))`` cannot span users.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, NamedTuple, Optional

try:
    from langgraph.store.base import (
        BaseStore,
        GetOp,
        InvalidNamespaceError,
        Item,
        ListNamespacesOp,
        Op,
        PutOp,
        Result,
        SearchItem,
        SearchOp,
    )
except ImportError as e:  # pragma: no cover - exercised only without the extra
    raise ImportError("memlog.langgraph needs langgraph-checkpoint: pip install 'memlog[langgraph]'") from e

from ._client import AsyncMemlogClient, MemlogClient
from .errors import NotFoundError
from .models import Memory, SearchHit

__all__ = ["MemlogStore", "Owner", "default_owner_of", "default_namespace_of", "STORE_KEY"]

STORE_KEY = "store_key"
"""The metadata key a put's key is kept under."""
#: metadata the platform sets on what it derives (RecordKinds.RESERVED_METADATA); a client may not send these
PLATFORM_METADATA = frozenset({"kind", "pinned", "line_sources", "summarizer", "turns", "extractor", "subject",
                               "attribute", "value", "negated", "superseded_by", "supersedes", "mentions", "source"})
_RECORD_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_MAX_KEY_CHARS = 256  # what a search's metadata filter accepts as a value
_MAX_K = 100  # the most hits one search returns


class Owner(NamedTuple):
    """Whose memory: a user, an agent, or both (an agent's share of a user's memory)."""

    user_id: Optional[str] = None
    agent_id: Optional[str] = None


def default_owner_of(namespace: tuple[str, ...]) -> Owner:
    """``("user", u)``, ``("agent", a)`` or ``("user", u, "agent", a)``; anything else is refused."""
    ns = tuple(namespace)
    if len(ns) == 2 and ns[0] == "user":
        return Owner(user_id=ns[1])
    if len(ns) == 2 and ns[0] == "agent":
        return Owner(agent_id=ns[1])
    if len(ns) == 4 and ns[0] == "user" and ns[2] == "agent":
        return Owner(user_id=ns[1], agent_id=ns[3])
    raise InvalidNamespaceError(
        f"namespace {ns!r} names no memlog owner: use ('user', user_id), ('agent', agent_id) or "
        "('user', user_id, 'agent', agent_id), or give MemlogStore an owner_of mapping")


def default_namespace_of(owner: Owner) -> tuple[str, ...]:
    if owner.user_id is not None and owner.agent_id is not None:
        return ("user", owner.user_id, "agent", owner.agent_id)
    if owner.user_id is not None:
        return ("user", owner.user_id)
    return ("agent", owner.agent_id or "")


def _time(value: Optional[datetime]) -> datetime:
    return value if value is not None else datetime.now(timezone.utc)


class MemlogStore(BaseStore):
    """LangGraph's BaseStore over memlog; see the module's documentation for the mapping and its limits.

    :param client: the blocking client, for :meth:`batch` and the sync methods
    :param async_client: the asyncio client for :meth:`abatch`; without one, async calls run the sync client in a
        worker thread
    :param reinforce: whether the store's searches count as uses of what they return (None: the platform's default,
        which reinforces)
    """

    supports_ttl = False

    def __init__(self, client: MemlogClient, *, async_client: Optional[AsyncMemlogClient] = None,
                 owner_of: Callable[[tuple[str, ...]], Owner] = default_owner_of,
                 namespace_of: Callable[[Owner], tuple[str, ...]] = default_namespace_of,
                 reinforce: Optional[bool] = None) -> None:
        self.client = client
        self.async_client = async_client
        self.owner_of = owner_of
        self.namespace_of = namespace_of
        self.reinforce = reinforce

    # operations --------------------------------------------------------------------------------------------------

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        return [self._run(op) for op in ops]

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        ops = list(ops)
        if self.async_client is None:
            return await asyncio.to_thread(self.batch, ops)
        return [await self._arun(op) for op in ops]

    def _run(self, op: Op) -> Result:
        if isinstance(op, GetOp):
            return self._get(op.namespace, op.key)
        if isinstance(op, PutOp):
            return self._put(op)
        if isinstance(op, SearchOp):
            return self._search(op)
        if isinstance(op, ListNamespacesOp):
            return self._list_namespaces(op)
        raise ValueError(f"unknown store operation {type(op).__name__}")

    async def _arun(self, op: Op) -> Result:
        if isinstance(op, GetOp):
            return await self._aget(op.namespace, op.key)
        if isinstance(op, PutOp):
            return await self._aput(op)
        if isinstance(op, SearchOp):
            return await self._asearch(op)
        if isinstance(op, ListNamespacesOp):
            return self._list_namespaces(op)
        raise ValueError(f"unknown store operation {type(op).__name__}")

    @staticmethod
    def _list_namespaces(op: ListNamespacesOp) -> Result:
        raise NotImplementedError(
            "memlog has no request that enumerates owners (a key reads one owner at a time), so MemlogStore cannot "
            "list namespaces: keep your own list of the users and agents you serve")

    # shaping -----------------------------------------------------------------------------------------------------

    @staticmethod
    def _check_key(key: str) -> None:
        if not key or len(key) > _MAX_KEY_CHARS:
            raise ValueError(f"a MemlogStore key is 1 to {_MAX_KEY_CHARS} characters")

    def _by_key(self, owner: Owner, key: str, k: int = 10) -> dict[str, Any]:
        """The search that finds the memories a put kept under ``key``."""
        return dict(k=k, mode="vector", user_id=owner.user_id, agent_id=owner.agent_id,
                    metadata={STORE_KEY: key}, reinforce=False)

    @staticmethod
    def _newest(hits: list[SearchHit]) -> Optional[SearchHit]:
        return max(hits, key=lambda h: h.observed_at) if hits else None

    def _item_of_hit(self, namespace: tuple[str, ...], hit: SearchHit, score: Optional[float] = None) -> SearchItem:
        metadata = {k: v for k, v in hit.metadata.items() if k != STORE_KEY and k not in PLATFORM_METADATA}
        derived = {k: v for k, v in hit.metadata.items() if k in PLATFORM_METADATA}
        return SearchItem(namespace=tuple(namespace), key=hit.metadata.get(STORE_KEY, hit.record_id),
                          value={"text": hit.text, "record_id": hit.record_id, "tier": hit.tier, "metadata": metadata,
                                 "derived": derived},
                          created_at=hit.observed_at, updated_at=hit.observed_at, score=score)

    @staticmethod
    def _item_of_memory(namespace: tuple[str, ...], key: str, memory: Memory) -> Item:
        return Item(namespace=tuple(namespace), key=key,
                    value={"text": memory.text, "record_id": memory.record_id, "tier": memory.tier, "metadata": {},
                           "derived": {}},
                    created_at=_time(memory.observed_at), updated_at=_time(memory.valid_from or memory.observed_at))

    @staticmethod
    def _memory_input(owner: Owner, key: str, value: dict[str, Any]) -> dict[str, Any]:
        text = value.get("text", value.get("content"))
        if not isinstance(text, str):
            raise ValueError("a MemlogStore value needs a 'text' (or 'content') string: memlog keeps memories as text")
        metadata = value.get("metadata") or {}
        if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
            raise ValueError("a MemlogStore value's 'metadata' must be a dict of strings")
        return dict(user_id=owner.user_id, agent_id=owner.agent_id, metadata={**metadata, STORE_KEY: key})

    def _search_args(self, op: SearchOp) -> dict[str, Any]:
        owner = self.owner_of(op.namespace_prefix)
        metadata = None
        if op.filter:
            if not all(isinstance(v, str) for v in op.filter.values()):
                raise NotImplementedError("MemlogStore filters on exact string metadata values only")
            metadata = dict(op.filter)
        return dict(k=min(op.offset + op.limit, _MAX_K), user_id=owner.user_id, agent_id=owner.agent_id,
                    metadata=metadata, reinforce=self.reinforce)

    @staticmethod
    def _check_listing(op: SearchOp) -> None:
        if op.filter:
            raise NotImplementedError("MemlogStore filters within a search: give a query along with the filter")

    # sync --------------------------------------------------------------------------------------------------------

    def _get(self, namespace: tuple[str, ...], key: str) -> Optional[Item]:
        owner = self.owner_of(namespace)
        self._check_key(key)
        hit = self._newest(self.client.search(key, **self._by_key(owner, key)).hits)
        if hit is not None:
            return self._item_of_hit(namespace, hit)
        if not _RECORD_ID.fullmatch(key):
            return None
        try:
            memory = self.client.get_memory(key, user_id=owner.user_id, agent_id=owner.agent_id)
        except NotFoundError:
            return None
        return self._item_of_memory(namespace, key, memory) if memory.live else None

    def _put(self, op: PutOp) -> None:
        owner = self.owner_of(op.namespace)
        self._check_key(op.key)
        existing = self.client.search(op.key, **self._by_key(owner, op.key, k=_MAX_K)).hits
        for hit in existing:
            # the memory's own owner: a user's namespace also finds what agents wrote of that user
            self.client.delete_memory(hit.record_id, user_id=hit.user_id, agent_id=hit.agent_id,
                                      reason="replaced or deleted through a LangGraph store")
        if op.value is None:
            if not existing and _RECORD_ID.fullmatch(op.key):
                self._delete_record(owner, op.key)
            return None
        self.client.add_memory(op.value.get("text", op.value.get("content")),
                               **self._memory_input(owner, op.key, op.value))
        return None

    def _delete_record(self, owner: Owner, record_id: str) -> None:
        try:
            self.client.get_memory(record_id, user_id=owner.user_id, agent_id=owner.agent_id)
        except NotFoundError:
            return  # not this owner's: nothing of theirs to delete
        self.client.delete_memory(record_id, user_id=owner.user_id, agent_id=owner.agent_id,
                                  reason="deleted through a LangGraph store")

    def _search(self, op: SearchOp) -> list[SearchItem]:
        if op.query:
            args = self._search_args(op)
            hits = self.client.search(op.query, **args).hits[op.offset:op.offset + op.limit]
            return [self._item_of_hit(op.namespace_prefix, h, h.score) for h in hits]
        self._check_listing(op)
        owner = self.owner_of(op.namespace_prefix)
        items: list[SearchItem] = []
        for i, memory in enumerate(self.client.iter_memories(user_id=owner.user_id, agent_id=owner.agent_id,
                                                             page_size=min(200, op.offset + op.limit))):
            if i >= op.offset + op.limit:
                break
            if i >= op.offset:
                items.append(self._listed(op.namespace_prefix, memory))
        return items

    @staticmethod
    def _listed(namespace: tuple[str, ...], memory: Memory) -> SearchItem:
        return SearchItem(namespace=tuple(namespace), key=memory.record_id,
                          value={"text": memory.text, "record_id": memory.record_id, "tier": memory.tier,
                                 "metadata": {}, "derived": {}},
                          created_at=_time(memory.observed_at), updated_at=_time(memory.valid_from or memory.observed_at))

    # async -------------------------------------------------------------------------------------------------------

    async def _aget(self, namespace: tuple[str, ...], key: str) -> Optional[Item]:
        assert self.async_client is not None
        owner = self.owner_of(namespace)
        self._check_key(key)
        hit = self._newest((await self.async_client.search(key, **self._by_key(owner, key))).hits)
        if hit is not None:
            return self._item_of_hit(namespace, hit)
        if not _RECORD_ID.fullmatch(key):
            return None
        try:
            memory = await self.async_client.get_memory(key, user_id=owner.user_id, agent_id=owner.agent_id)
        except NotFoundError:
            return None
        return self._item_of_memory(namespace, key, memory) if memory.live else None

    async def _aput(self, op: PutOp) -> None:
        assert self.async_client is not None
        owner = self.owner_of(op.namespace)
        self._check_key(op.key)
        existing = (await self.async_client.search(op.key, **self._by_key(owner, op.key, k=_MAX_K))).hits
        for hit in existing:
            await self.async_client.delete_memory(hit.record_id, user_id=hit.user_id, agent_id=hit.agent_id,
                                                  reason="replaced or deleted through a LangGraph store")
        if op.value is None:
            if not existing and _RECORD_ID.fullmatch(op.key):
                try:
                    await self.async_client.get_memory(op.key, user_id=owner.user_id, agent_id=owner.agent_id)
                except NotFoundError:
                    return None
                await self.async_client.delete_memory(op.key, user_id=owner.user_id, agent_id=owner.agent_id,
                                                      reason="deleted through a LangGraph store")
            return None
        await self.async_client.add_memory(op.value.get("text", op.value.get("content")),
                                           **self._memory_input(owner, op.key, op.value))
        return None

    async def _asearch(self, op: SearchOp) -> list[SearchItem]:
        assert self.async_client is not None
        if op.query:
            hits = (await self.async_client.search(op.query, **self._search_args(op))).hits
            return [self._item_of_hit(op.namespace_prefix, h, h.score) for h in hits[op.offset:op.offset + op.limit]]
        self._check_listing(op)
        owner = self.owner_of(op.namespace_prefix)
        items: list[SearchItem] = []
        i = 0
        async for memory in self.async_client.iter_memories(user_id=owner.user_id, agent_id=owner.agent_id,
                                                            page_size=min(200, op.offset + op.limit)):
            if i >= op.offset + op.limit:
                break
            if i >= op.offset:
                items.append(self._listed(op.namespace_prefix, memory))
            i += 1
        return items
