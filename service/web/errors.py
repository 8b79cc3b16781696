"""Errors turned into responses, in one place per surface.

Domain code and views raise ``service.errors.SaringError`` (or werkzeug's ``HTTPException``);
``register_error_handlers`` maps them, by the surface the request is on:

* the JSON API (``/api/...``, health, and any path no blueprint answers): ``{"error": {"code",
  "message", "field"?, "fields"?}}`` with the error's status; webargs' 422 becomes a 400 naming the
  field;
* the moderators' pages (``PAGE_BLUEPRINTS``): ``moderation/error.html`` with the error's status;
* the Akismet API (``/1.1``, ``/1.2``) is not handled here: its blueprint keeps its own handlers
  (``service.akismet.views``), which Flask consults first.

An unexpected exception is logged and answered in JSON on every surface: 503 + ``Retry-After``
when the database is unavailable, else 500 (rendering a page could fail the same way again).
"""
from __future__ import annotations

import contextlib
import logging
from typing import Any

from flask import Flask, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from service.errors import SaringError, ServiceUnavailable

log = logging.getLogger(__name__)

#: Blueprints whose errors are HTML pages (the moderation pages and the models page).
PAGE_BLUEPRINTS = frozenset({"moderation", "models_page"})
#: Machine-readable codes of werkzeug's HTTP errors.
HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}

ResponseValue = tuple[Any, ...]


def is_page_request() -> bool:
    """Whether the current request is answered by one of the moderators' pages."""
    return request.blueprint in PAGE_BLUEPRINTS


def json_error(exc: SaringError) -> ResponseValue:
    """The JSON API's answer to ``exc``: ``{"error": {...}}`` with its status."""
    return jsonify(exc.to_dict()), exc.status


def page_error(exc: SaringError) -> ResponseValue:
    """A page's answer to ``exc``: the moderation error page with its status."""
    return render_template("moderation/error.html", error=exc), exc.status


def from_http_exception(exc: HTTPException) -> SaringError:
    """``exc`` as a ``SaringError`` (same status; code from ``HTTP_CODES``; webargs' 422 with
    messages becomes a 400 ``invalid_input`` naming the first field)."""
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages")
    if exc.code == 422 and messages:
        return _validation_error(messages)
    error = SaringError(exc.description or exc.name)
    error.status, error.code = exc.code or 500, HTTP_CODES.get(exc.code or 0, "http_error")
    return error


def _validation_error(messages: dict) -> SaringError:
    """webargs' validation messages (per location, per field) → 400 naming the first field."""
    flat: dict = {}
    for _location, per_field in messages.items():
        flat.update(per_field if isinstance(per_field, dict) else {"_schema": per_field})
    first = next(iter(flat), None)
    detail = flat.get(first)
    text = detail[0] if isinstance(detail, list) and detail and isinstance(detail[0], str) else str(detail)
    if first == "_schema":
        first = None
    msg = f"{first}: {text}" if first else text
    if text == "Unknown field.":
        msg = f"unknown field {first!r}"
    err = SaringError(msg, field=first, fields=flat)
    err.code = "invalid_input"
    return err


def _http_json(exc: HTTPException, error: SaringError) -> ResponseValue:
    """The JSON body of an HTTP error: only ``code`` and ``message`` (werkzeug's description),
    except for a validation error, which names its fields."""
    if error.code == "invalid_input":
        return json_error(error)
    return jsonify({"error": {"code": error.code, "message": exc.description}}), error.status


def handle_saring_error(exc: SaringError) -> ResponseValue:
    """A ``SaringError``: the page's HTML error or the API's JSON error (a 503 with ``Retry-After``)."""
    answer = page_error(exc) if is_page_request() else json_error(exc)
    return (*answer, {"Retry-After": "5"}) if exc.status == 503 else answer


def handle_http_exception(exc: HTTPException) -> ResponseValue:
    """werkzeug's ``HTTPException`` (404, 405, 413, webargs' 422 …): as ``handle_saring_error``."""
    error = from_http_exception(exc)
    answer = page_error(error) if is_page_request() and error.code != "invalid_input" else _http_json(exc, error)
    return (*answer, _own_headers(exc))


def _own_headers(exc: HTTPException) -> dict[str, str]:
    """The headers werkzeug's error carries besides its HTML Content-Type: ``Allow`` on a 405
    (RFC 9110 requires it), ``WWW-Authenticate``, ``Retry-After``."""
    return {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}


def handle_unexpected(exc: Exception) -> ResponseValue:
    """Anything else: logged; 503 + ``Retry-After`` when the database is unavailable, else 500."""
    from sqlalchemy.exc import SQLAlchemyError

    from service.store.db import is_unavailable

    if is_unavailable(exc):
        # database down, locked past its lock timeout, read-only, or no pooled connection: retry later
        log.error("database unavailable on %s %s: %s", request.method, request.path, exc)
        session = g.get("db_session")
        if session is not None:
            with contextlib.suppress(SQLAlchemyError):
                session.rollback()
        err = ServiceUnavailable("database unavailable; retry later")
        return jsonify(err.to_dict()), err.status, {"Retry-After": "30"}
    log.exception("unhandled error on %s %s", request.method, request.path)
    return jsonify({"error": {"code": "internal_error", "message": "internal error; it was logged"}}), 500


def register_error_handlers(app: Flask) -> None:
    """Install the app-wide handlers (after flask-smorest's ``Api``, whose own they replace)."""
    app.register_error_handler(SaringError, handle_saring_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)

