"""Request helpers shared by blueprints: the runtime, the request's database session, the API key,
and the checks of a request body (a JSON object for the API, an HTML form for the pages)."""
from __future__ import annotations

from flask import current_app, g, request
from sqlalchemy.orm import Session

from service.accounts import sites
from service.errors import PayloadTooLarge, Unauthorized, UnsupportedMediaType, ValidationFailed
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
    """The site's key from ``Authorization: Bearer KEY`` (looked up once per request).
    Raises ``Unauthorized``."""
    if "api_key" in g:
        return g.api_key
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing API key: send Authorization: Bearer <key>", field="Authorization")
    row = sites.find_key(db_session(), token.strip())
    if row is None:
        raise Unauthorized("unknown or revoked API key", field="Authorization")
    g.api_key = row
    return row


#: What the moderators' pages' forms post; anything else (JSON included) is refused with 415.
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def require_form_body() -> None:
    """Refuse (415 ``UnsupportedMediaType``) an unsafe request whose body is not an HTML form:
    Flask-WTF would otherwise read a JSON body as form data and choke on non-string values."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.mimetype in FORM_TYPES or (not request.mimetype and not request.content_length):
        return
    raise UnsupportedMediaType(f"send an HTML form (application/x-www-form-urlencoded), not "
                               f"{request.mimetype or 'a body without Content-Type'}", field="Content-Type")


#: Largest JSON request body read by the JSON API (bytes). ``content`` itself is limited separately.
MAX_JSON_BODY = 256 * 1024


def require_json_object() -> dict:
    """Check the request body is a JSON object in UTF-8 and return it.

    Raises ``UnsupportedMediaType`` (415) for another Content-Type, ``PayloadTooLarge`` (413) for a
    body over ``MAX_JSON_BODY``, ``ValidationFailed`` (400) for invalid UTF-8, invalid JSON or a
    body that is not an object: also for JSON nested too deeply to parse, an integer of more digits
    than Python converts, and a string holding NUL or a lone surrogate (naming its field).
    """
    import json

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
    except RecursionError:
        raise ValidationFailed("body is not valid JSON: nested too deeply", field="body") from None
    except ValueError as exc:  # an integer over sys.get_int_max_str_digits() digits
        raise ValidationFailed(f"body is not valid JSON: {exc}", field="body") from None
    if not isinstance(body, dict):
        raise ValidationFailed("body must be a JSON object", field="body")
    bad = _unstorable_string(body)
    if bad is not None:
        field, problem = bad
        raise ValidationFailed(f"{field}: {problem}", field=field)
    return body


def _unstorable_string(body: dict) -> tuple[str, str] | None:
    """A string (a top-level key, or a value at any depth) of a parsed JSON body that no database can store, as
    ``(top-level field name, problem)``, or ``None`` when there is none.

    Refused: a lone UTF-16 surrogate (``"\\ud800"`` decodes to one; it has no UTF-8 form) and the
    NUL character (PostgreSQL text cannot hold it). Walks iteratively, so depth costs no recursion.
    """
    stack: list[tuple[str, object]] = [(str(k), k) for k in body] + [(str(k), v) for k, v in body.items()]
    while stack:
        field, value = stack.pop()
        if isinstance(value, dict):  # its keys are never stored (expected_revisions: ids, matched to ids)
            stack.extend((field, v) for v in value.values())
        elif isinstance(value, list):
            stack.extend((field, v) for v in value)
        elif isinstance(value, str):
            if "\x00" in value:
                return _printable_field(field), "must not contain the NUL character (\\u0000)"
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return _printable_field(field), "must not contain a lone surrogate (\\ud800-\\udfff) escape"
    return None


def _printable_field(name: str) -> str:
    """A field name fit for an error message (a key may itself hold the bad character)."""
    return name.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\u0000")
