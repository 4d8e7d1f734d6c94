"""memlog: the Python client of the memlog memory platform.

>>> from memlog import MemlogClient
>>> client = MemlogClient(ingest_url="http://127.0.0.1:8080", query_url="http://127.0.0.1:8083", api_key="...")
>>> client.add_turn(user_id="ann", session_id="s1", role="user", content="I moved to Lisbon in May")
>>> client.search("where does Ann live?", user_id="ann").hits[0].text

The LangChain and LangGraph adapters are in :mod:`memlog.langchain` and :mod:`memlog.langgraph` (extras
``memlog[langchain]`` and ``memlog[langgraph]``).
"""

from ._client import AsyncMemlogClient, MemlogClient, RetryPolicy
from .errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    MemlogConnectionError,
    MemlogError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    ServiceUnavailableError,
)
from .models import (
    AppendResult,
    BatchAppendResult,
    ContextItem,
    ContextPack,
    ContextRequest,
    DeletionResult,
    ErasureResult,
    Explanation,
    FeedbackResult,
    Memory,
    MemoryHistory,
    MemoryInput,
    MemoryPage,
    MemoryVersion,
    SearchHit,
    SearchRequest,
    SearchResult,
    Turn,
    WorkingMemory,
    WorkingMemoryTurn,
)

__version__ = "0.1.0"

__all__ = [
    "MemlogClient", "AsyncMemlogClient", "RetryPolicy",
    "MemlogError", "BadRequestError", "AuthenticationError", "PermissionDeniedError", "NotFoundError",
    "ConflictError", "PayloadTooLargeError", "RateLimitError", "ServiceUnavailableError", "ServerError",
    "MemlogConnectionError",
    "Turn", "MemoryInput", "SearchRequest", "ContextRequest", "AppendResult", "BatchAppendResult", "DeletionResult",
    "ErasureResult", "FeedbackResult", "SearchHit", "SearchResult", "Explanation", "ContextItem", "ContextPack",
    "WorkingMemory", "WorkingMemoryTurn", "Memory", "MemoryPage", "MemoryHistory", "MemoryVersion",
]
