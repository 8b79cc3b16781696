"""Application factory: ``create_app(test_config=None)``.

Configuration comes from ``service.config.Settings`` (the environment) with ``test_config``
overriding fields by name. Errors raised anywhere become responses here, in one place.
"""
from __future__ import annotations

import logging

from flask import Flask, g, jsonify, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from service.config import Settings
from service.errors import SaringError
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

    for name in ("service.akismet.views", "service.moderation_ui.views", "service.api.queue", "service.api.admin"):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue
            raise
        module.register(app, api)


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
        code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(exc.code or 0, "http_error")
        return jsonify({"error": {"code": code, "message": exc.description}}), exc.code or 500

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return jsonify({"error": {"code": "internal_error", "message": "internal error; it was logged"}}), 500
