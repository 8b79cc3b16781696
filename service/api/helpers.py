"""Request helpers shared by blueprints: the runtime, the request's database session, the API key."""
from __future__ import annotations

from flask import current_app, g, request
from sqlalchemy.orm import Session

from service import sites
from service.errors import Unauthorized
from service.runtime import Runtime
from service.store.tables import ApiKey


def runtime() -> Runtime:
    """The process's ``Runtime``."""
    return current_app.extensions["saring"]


def db_session() -> Session:
    """A session for this request, closed on teardown."""
    if "db_session" not in g:
        g.db_session = runtime().db.session()
    return g.db_session


def bearer_key() -> ApiKey:
    """The site's key from ``Authorization: Bearer KEY``. Raises ``Unauthorized``."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing API key: send Authorization: Bearer <key>", field="Authorization")
    row = sites.find_key(db_session(), token.strip())
    if row is None:
        raise Unauthorized("unknown or revoked API key", field="Authorization")
    return row


#: Largest JSON request body read by the JSON API (bytes). ``content`` itself is limited separately.
MAX_JSON_BODY = 256 * 1024


def require_json_object() -> dict:
    """Check the request body is a JSON object in UTF-8 and return it.

    Raises ``UnsupportedMediaType`` (415) for another Content-Type, ``PayloadTooLarge`` (413) for a
    body over ``MAX_JSON_BODY``, ``ValidationFailed`` (400) for invalid UTF-8, invalid JSON or a
    body that is not an object.
    """
    import json

    from service.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed

    if request.mimetype != "application/json":
        raise UnsupportedMediaType(
            f"Content-Type must be application/json, not {request.mimetype or 'missing'!r}", field="Content-Type")
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"charset must be utf-8, not {charset!r}", field="Content-Type")
    if request.content_length is not None and request.content_length > MAX_JSON_BODY:
        raise PayloadTooLarge(f"request body over {MAX_JSON_BODY} bytes", field="body")
    raw = request.get_data(cache=True)
    if len(raw) > MAX_JSON_BODY:
        raise PayloadTooLarge(f"request body over {MAX_JSON_BODY} bytes", field="body")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(f"body is not valid UTF-8 (byte {exc.start})", field="body") from None
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationFailed(f"body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                               field="body") from None
    if not isinstance(body, dict):
        raise ValidationFailed("body must be a JSON object", field="body")
    return body
