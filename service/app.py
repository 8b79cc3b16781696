"""Application factory: ``create_app(test_config=None)``.

Configuration comes from ``service.config.Settings`` (the environment) with ``test_config``
overriding fields by name. Errors raised anywhere become responses here, in one place.
"""
from __future__ import annotations

import contextlib
import logging

from flask import Flask, g, jsonify, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from service.config import Settings
from service.errors import SaringError, ServiceUnavailable
from service.runtime import Runtime

log = logging.getLogger(__name__)


def create_app(test_config: dict | None = None, runtime: Runtime | None = None) -> Flask:
    """Build the Flask app.

    Args:
        test_config: ``Settings`` field overrides (e.g. ``{"database_url": ..., "redis_url": ...}``).
        runtime: an already built ``Runtime`` to share (tests that run two apps on one Redis).
    """
    settings = Settings.from_env().with_overrides(test_config)
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        TESTING=settings.testing,
        MAX_CONTENT_LENGTH=settings.akismet_max_body_bytes * 2,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        API_TITLE="Saring",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        SARING=settings,
    )
    app.extensions["saring"] = runtime or Runtime.create(settings)
    if settings.trusted_proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    app.wsgi_app = _BodyReadErrors(app.wsgi_app)  # type: ignore[method-assign]

    api = Api(app, spec_kwargs={"components": {"securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer", "description": "A site's API key"}}}})
    from service.api import comments, health

    app.register_blueprint(health.bp)
    api.register_blueprint(comments.blp)
    _register_optional_blueprints(app, api)
    _register_error_handlers(app)

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()

    return app


def _register_optional_blueprints(app: Flask, api: Api) -> None:
    """Blueprints of the Akismet API, the moderation page and the admin API, when present."""
    import importlib

    for name in ("service.akismet.views", "service.pages.moderation.views", "service.api.queue", "service.api.admin"):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue
            raise
        module.register(app, api)


def _body_read_exceptions() -> tuple[type[BaseException], ...]:
    """What the WSGI server's input stream raises for a malformed or broken body: gunicorn's parse
    errors (bad chunk size, missing chunk terminator, ...) and ``OSError`` (its ``NoMoreData``,
    a reset or timed out socket)."""
    try:
        from gunicorn.http.errors import ParseException
    except ImportError:  # served by another WSGI server
        return (OSError,)
    return (OSError, ParseException)


#: Under gunicorn, longest wait (seconds) for the next bytes of a request body; then the request
#: fails with 400 and its thread is free again. A limit per read, not per body (see README "Deploying").
BODY_READ_TIMEOUT = 5.0


class _BodyReadErrors:
    """WSGI middleware: a request body that cannot be read (malformed chunked encoding, a client
    gone mid-body, a client silent for ``BODY_READ_TIMEOUT`` under gunicorn) raises werkzeug's
    ``ClientDisconnected`` (a 400 ``BadRequest``) wherever it is read (Flask's form and JSON
    parsers, the Akismet reader of ``wsgi.input``), so every error handler answers it as the
    client's mistake rather than a 500."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app
        self.errors = _body_read_exceptions()

    def __call__(self, environ: dict, start_response):
        stream = environ.get("wsgi.input")
        if stream is None:
            return self.wsgi_app(environ, start_response)
        guarded = environ["wsgi.input"] = _GuardedInput(stream, self.errors)

        def _start_response(status, headers, exc_info=None):
            if guarded.failed:  # the rest of the body is unusable: no keep-alive, no draining it
                headers = [(k, v) for k, v in headers if k.lower() != "connection"] + [("Connection", "close")]
            return start_response(status, headers, exc_info)

        sock = environ.get("gunicorn.socket")
        if sock is None or not hasattr(sock, "settimeout"):
            return self.wsgi_app(environ, _start_response)
        # gunicorn has no body read timeout: a client that stops sending would hold this thread forever
        prior = sock.gettimeout()
        sock.settimeout(BODY_READ_TIMEOUT)
        try:
            return self.wsgi_app(environ, _start_response)
        finally:
            sock.settimeout(prior)


class _GuardedInput:
    """A ``wsgi.input`` whose read errors become ``ClientDisconnected`` (see ``_BodyReadErrors``)."""

    def __init__(self, stream, errors: tuple[type[BaseException], ...]) -> None:
        self._stream = stream
        self._errors = errors
        self.failed = False

    def _call(self, name: str, *args):
        from werkzeug.exceptions import ClientDisconnected

        try:
            return getattr(self._stream, name)(*args)
        except self._errors as exc:
            self.failed = True
            raise ClientDisconnected(f"the request body could not be read: {exc}") from None

    def read(self, *args) -> bytes:
        return self._call("read", *args)

    def readline(self, *args) -> bytes:
        return self._call("readline", *args)

    def readlines(self, *args) -> list[bytes]:
        return self._call("readlines", *args)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))  # gunicorn's body has no readinto of its own
        buffer[: len(data)] = data
        return len(data)

    def __iter__(self):
        return iter(self.readline, b"")

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def _is_api_request() -> bool:
    return request.path.startswith("/api/") or request.path in ("/healthz", "/readyz")


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(SaringError)
    def _saring_error(exc: SaringError):
        return jsonify(exc.to_dict()), exc.status

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        data = getattr(exc, "data", None) or {}
        messages = data.get("messages")
        if exc.code == 422 and messages:
            # webargs validation errors → 400 naming the fields
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
            return jsonify(err.to_dict()), 400
        code = {400: "bad_request", 404: "not_found", 405: "method_not_allowed",
                413: "payload_too_large"}.get(exc.code or 0, "http_error")
        if request.blueprint == "moderation":  # a page: the moderation page's own HTML error
            from flask import render_template

            error = SaringError(exc.description or exc.name)
            error.status, error.code = exc.code or 500, code
            return render_template("moderation/error.html", error=error), error.status
        return jsonify({"error": {"code": code, "message": exc.description}}), exc.code or 500

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        from sqlalchemy.exc import OperationalError, SQLAlchemyError, TimeoutError as PoolTimeout

        if isinstance(exc, (OperationalError, PoolTimeout)):
            # database down, locked past its busy timeout, or no pooled connection: retry later
            log.error("database unavailable on %s %s: %s", request.method, request.path, exc)
            session = g.get("db_session")
            if session is not None:
                with contextlib.suppress(SQLAlchemyError):
                    session.rollback()
            err = ServiceUnavailable("database unavailable; retry later")
            return jsonify(err.to_dict()), err.status, {"Retry-After": "30"}
        log.exception("unhandled error on %s %s", request.method, request.path)
        return jsonify({"error": {"code": "internal_error", "message": "internal error; it was logged"}}), 500
