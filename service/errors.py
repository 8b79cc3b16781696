"""Errors raised by domain code and the request layer; turned into responses in ``service.web.errors`` (``service.akismet.views`` on the Akismet endpoints).

JSON API errors answer ``{"error": {"code", "message", "field"?, "fields"?}}`` with their status.
Akismet endpoints answer ``200 invalid`` with ``X-akismet-debug-help`` (see ``service.akismet``).
"""
from __future__ import annotations

from typing import Any


class SaringError(Exception):
    """Base class: ``status`` (HTTP), ``code`` (machine-readable), ``message``, optional ``field``."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, field: str | None = None, fields: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.fields = fields

    def to_dict(self) -> dict[str, Any]:
        err: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            err["field"] = self.field
        if self.fields:
            err["fields"] = self.fields
        return {"error": err}


class ValidationFailed(SaringError):
    status = 400
    code = "invalid_input"


class PayloadTooLarge(SaringError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(SaringError):
    status = 415
    code = "unsupported_media_type"


class Unauthorized(SaringError):
    status = 401
    code = "unauthorized"


class Forbidden(SaringError):
    status = 403
    code = "forbidden"


class NotFound(SaringError):
    status = 404
    code = "not_found"


class Conflict(SaringError):
    status = 409
    code = "conflict"


class ServiceUnavailable(SaringError):
    status = 503
    code = "unavailable"


class CsrfFailed(SaringError):
    """A moderator form or session-authenticated call whose CSRF token is missing, stale or wrong."""

    status = 400
    code = "csrf_failed"


class TooManyRequests(SaringError):
    status = 429
    code = "too_many_requests"
