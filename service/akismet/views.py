"""The Akismet blueprint: ``/1.1/*`` and ``/1.2/*`` (thin: read the request, call
``service.akismet.calls``, answer with ``service.akismet.responses``).

Every request to ``/1.1``, ``/1.2`` or a path under them gets an Akismet answer, never Flask's JSON or
HTML: a GET on a 1.1 endpoint, any other method (``TRACE``, ``OPTIONS``, ``PROPFIND`` …) and unknown
paths (``/1.1/``, ``/1.1``) are answered ``invalid`` (status 200) by one hook run before routing
errors are raised, and a Host header the router cannot use never fails a request
(``service.akismet.middleware``). All errors are mapped here, in one place, to Akismet's ``invalid``
+ ``X-akismet-debug-help``: input and key problems with status 200 (as Akismet does, including a
value the database refuses), an internal failure (database down) with 503, so a client retries
instead of taking it for a bad key.

Bodies: up to ``Settings.akismet_max_body_bytes`` are read and parsed; a longer body is read to its end
(up to ``DRAIN_FACTOR`` times that limit, so the connection is not reset while the client is still
sending), its beginning is parsed, and the comment is judged on its truncated content.
"""
from __future__ import annotations

import logging
from typing import Callable

from flask import Blueprint, Flask, Response, g, request
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from service.akismet import calls, responses
from service.akismet.form import MalformedBody, parse_form, parse_multipart, read_body
from service.akismet.middleware import RAW_HOST, HostGuard, is_akismet_path
from service.web.context import db_session, runtime
from service.errors import SaringError
from service.runtime import Runtime

log = logging.getLogger(__name__)

#: A body longer than ``akismet_max_body_bytes`` is received up to this many times that limit.
DRAIN_FACTOR = 4
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]

bp = Blueprint("akismet", __name__)


def register(app: Flask) -> None:
    """Register the blueprint, its Host-header guard and its app-wide hooks (called by
    ``service.app.create_app``). No CSRF protection applies: the app has no ``CSRFProtect`` (the
    moderator surfaces check tokens themselves, ``service.web.auth.require_csrf``) and Akismet
    clients authenticate with their key, not a session."""
    app.register_blueprint(bp)
    app.wsgi_app = HostGuard(app.wsgi_app)  # type: ignore[method-assign]
    # first of the app's hooks: routing errors are raised after them, before any blueprint hook
    app.before_request_funcs.setdefault(None, []).insert(0, _unrouted)
    app.after_request(_close_if_unread)


def _akismet_request() -> calls.AkismetRequest:
    """The decoded request (read once per request)."""
    if "akismet_request" not in g:
        settings = runtime().settings
        limit = settings.akismet_max_body_bytes
        request.max_content_length = None  # we bound the read ourselves (see read_body), every encoding
        g.akismet_body_complete = False  # until read: a malformed body leaves the connection unusable
        body = read_body(request.environ["wsgi.input"], limit, limit * DRAIN_FACTOR, request.content_length)
        g.akismet_body_complete = body.complete
        if request.mimetype == "multipart/form-data":  # no Akismet client sends it
            form = parse_multipart(body.data, request.content_type or "", limit, truncated=body.truncated)
        else:
            form = parse_form(body.data, request.mimetype_params.get("charset"), truncated=body.truncated,
                              body_bytes=body.total_bytes)
        query = parse_form(request.query_string, request.mimetype_params.get("charset"))
        host = request.environ.get(RAW_HOST) or request.host
        g.akismet_request = calls.AkismetRequest(form, query, host, request.method)
    return g.akismet_request


def _close_if_unread(response: Response) -> Response:
    """``Connection: close`` after an answer given before the body was wholly read."""
    if not g.get("akismet_body_complete", True):
        response.headers["Connection"] = "close"
    return response


def _unrouted() -> Response | None:
    """Answer ``invalid`` on an Akismet path that no view takes: an unknown path (``/1.1``,
    ``/1.1/``, a path with control characters), a method no route lists (``TRACE``, ``PROPFIND``)
    and ``OPTIONS`` (which Flask would otherwise answer itself). ``None`` elsewhere."""
    if not is_akismet_path(request.path):
        return None
    exc = request.routing_exception
    if exc is None and request.method != "OPTIONS":
        return None
    try:
        _akismet_request()  # read the body: answer on an intact connection
    except MalformedBody as err:
        return responses.invalid(err.message)
    if exc is None or isinstance(exc, MethodNotAllowed):
        return responses.invalid(f"{request.method} is not answered on {request.path}: the Akismet endpoints "
                                 "take POST (key-sites and usage-limit also GET)")
    if isinstance(exc, NotFound):
        return _unknown_endpoint()
    return responses.invalid(f"{getattr(exc, 'code', 400)} {getattr(exc, 'name', type(exc).__name__)}")


def _endpoint(rule: str, name: str, methods: list[str] | None = None) -> Callable:
    def wrap(fn: Callable[[], Response]) -> Callable[[], Response]:
        bp.add_url_rule(rule, name, fn, methods=methods or ALL_METHODS)
        return fn
    return wrap


@_endpoint("/1.1/verify-key", "verify_key")
def verify_key() -> Response:
    calls.verify_key(runtime(), db_session(), _akismet_request())
    return responses.plain("valid")


@_endpoint("/1.1/comment-check", "comment_check")
def comment_check() -> Response:
    comment = calls.comment_check(runtime(), db_session(), _akismet_request())
    body, headers = calls.decision_answer(comment.answered)
    return responses.plain(body, {**headers, "X-akismet-guid": comment.id})


@_endpoint("/1.1/submit-spam", "submit_spam")
def submit_spam() -> Response:
    calls.submit(runtime(), db_session(), _akismet_request(), "spam")
    return responses.plain(calls.THANKS)


@_endpoint("/1.1/submit-ham", "submit_ham")
def submit_ham() -> Response:
    calls.submit(runtime(), db_session(), _akismet_request(), "ham")
    return responses.plain(calls.THANKS)


@_endpoint("/1.2/key-sites", "key_sites")
def key_sites() -> Response:
    return responses.key_sites(calls.key_sites_report(runtime(), db_session(), _akismet_request()))


def _json_view(call: Callable[[Runtime, Session, calls.AkismetRequest], dict]) -> Callable[[], Response]:
    def view() -> Response:
        return responses.json_answer(call(runtime(), db_session(), _akismet_request()))
    return view


#: JSON endpoints (usage report, and the WordPress admin screens): rule, endpoint name, call.
for _rule, _name, _call in (("/1.2/usage-limit", "usage_limit", calls.usage_limit),
                            ("/1.1/get-stats", "get_stats", calls.site_stats),
                            ("/1.2/get-key-stats", "get_key_stats", calls.key_stats),
                            ("/1.1/get-subscription", "get_subscription", calls.subscription)):
    bp.add_url_rule(_rule, _name, _json_view(_call), methods=ALL_METHODS)


@_endpoint("/1.1/deactivate", "deactivate")
def deactivate() -> Response:
    return responses.plain(calls.deactivate(runtime(), db_session(), _akismet_request()))


@_endpoint("/1.1/<path:rest>", "unknown_11")
@_endpoint("/1.2/<path:rest>", "unknown_12")
def unknown(rest: str) -> Response:
    _akismet_request()  # read the body: answer on an intact connection
    return _unknown_endpoint()


def _unknown_endpoint() -> Response:
    return responses.invalid(f"Unknown endpoint {request.path!r}; this server implements verify-key, "
                             "comment-check, submit-spam, submit-ham, key-sites and usage-limit")


@bp.errorhandler(SaringError)
def _invalid(exc: SaringError) -> Response:
    """Every input and key problem → 200 ``invalid`` + ``X-akismet-debug-help``; a service that
    cannot answer now (``ServiceUnavailable``: database slots busy) → 503 so that clients retry."""
    if exc.status == 503:
        _rollback()
        return responses.invalid(exc.message, status=503, headers={"Retry-After": "5",
                                                                   "X-akismet-error": "temporary server error"})
    return responses.invalid(exc.message)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    return responses.invalid(f"{exc.code} {exc.name}: {exc.description}")


@bp.errorhandler(DataError)
def _unstorable(exc: DataError) -> Response:
    """A value the database refused (too long, out of range): the input's fault, so 200 ``invalid``
    (never a 503 the client would retry forever); logged, since the limits above should catch it."""
    log.exception("Akismet %s %s: value refused by the database", request.method, request.path)
    _rollback()
    return responses.invalid("A value could not be stored (too long or out of range); nothing was stored")


def _rollback() -> None:
    db = g.get("db_session")
    if db is not None:
        db.rollback()


@bp.errorhandler(Exception)
def _unexpected(exc: Exception) -> Response:
    """An internal failure (database down): logged; 503 ``invalid`` so clients retry (WordPress
    holds the comment and rechecks it later) rather than reading it as a verdict."""
    log.exception("Akismet %s %s failed", request.method, request.path)
    _rollback()
    return responses.invalid("Temporary server error (logged); retry later", status=503,
                             headers={"Retry-After": "30", "X-akismet-error": "temporary server error"})
