"""Errors the services answer, as exceptions.

Every memlog service answers an error as JSON: ``{"status": 400, "error": "k must be an integer from 1 to 100",
"field": "k"}``, sometimes with more for the caller to act on (``event_id`` or ``event_ids`` to retry an append with).
:func:`error_for` turns such an answer into the :class:`MemlogError` subclass of its status, carrying the status, the
message and the field at fault.
"""

from __future__ import annotations

from typing import Any


class MemlogError(Exception):
    """A request the platform refused or could not serve.

    :ivar status: the HTTP status, or None when no answer came (see :class:`MemlogConnectionError`)
    :ivar message: what the service said was wrong
    :ivar field: the request field at fault, when the service named one (``"turns[2].role"``, ``"k"``)
    :ivar details: everything else the error body held (``event_id``, ``event_ids``...)
    :ivar retry_after: seconds the service asked the caller to wait before trying again, if it said
    """

    def __init__(self, message: str, *, status: int | None = None, field: str | None = None,
                 details: dict[str, Any] | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.details = details or {}
        self.retry_after = retry_after

    def __str__(self) -> str:
        where = f" (field {self.field})" if self.field else ""
        return f"{self.status}: {self.message}{where}" if self.status is not None else f"{self.message}{where}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, message={self.message!r}, field={self.field!r})"


class BadRequestError(MemlogError):
    """400: the request is malformed or a field is invalid; ``field`` names it."""


class AuthenticationError(MemlogError):
    """401: no credential, or one nobody issued."""


class PermissionDeniedError(MemlogError):
    """403: the credential lacks the scope, or may not read or write this owner."""


class NotFoundError(MemlogError):
    """404: no such memory of this owner in this tenant (another owner's memory is not found either)."""


class ConflictError(MemlogError):
    """409: the platform cannot do this as configured (an erasure without encryption)."""


class PayloadTooLargeError(MemlogError):
    """413: the request, a batch or one event is over a limit."""


class RateLimitError(MemlogError):
    """429: the tenant's quota or rate limit is spent; ``retry_after`` says when to come back."""


class ServiceUnavailableError(MemlogError):
    """503: the event log or a store is unavailable for now; appends say which event ids to retry with."""


class ServerError(MemlogError):
    """Any other 5xx: the platform failed; not the caller's mistake."""


class MemlogConnectionError(MemlogError):
    """No answer: the service could not be reached, or did not answer in time."""


_BY_STATUS: dict[int, type[MemlogError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    429: RateLimitError,
    503: ServiceUnavailableError,
}


def error_for(status: int, body: Any, retry_after: float | None = None, text: str = "") -> MemlogError:
    """The exception for an error answer: its status's class, with the body's message and field."""
    message = text.strip() or f"HTTP {status}"
    field = None
    details: dict[str, Any] = {}
    if isinstance(body, dict):
        message = str(body.get("error") or message)
        field = body.get("field") if isinstance(body.get("field"), str) else None
        details = {k: v for k, v in body.items() if k not in ("status", "error", "field")}
    cls = _BY_STATUS.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else MemlogError
    return cls(message, status=status, field=field, details=details, retry_after=retry_after)
