"""Application factory: ``create_app(test_config=None)``.

Configuration comes from ``service.config.Settings`` (the environment) with ``test_config``
overriding fields by name. Every blueprint is imported and registered here, explicitly (a
missing module fails at start-up, never hides a feature); errors become responses in
``service.web.errors``, one place per surface (the Akismet blueprint keeps its own handlers).
"""
from __future__ import annotations

import logging

from flask import Flask, Response, abort, g, request

from service.akismet import views as akismet_views
from service.api import admin, comments, health, queue, sites
from service.config import Settings
from service.pages import favicon
from service.pages import models as models_page
from service.pages import templating
from service.pages.moderation import views as moderation_views
from service.runtime import Runtime
from service.web import db_slots, errors, openapi, params, slashes
from service.web.middleware import BodyReadErrors

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

    app.wsgi_app = BodyReadErrors(app.wsgi_app)  # type: ignore[method-assign]

    api = openapi.make_api(app)
    params.register_converters(app, api)  # <dbint:…>, <comment_id:…>: before the blueprints using them
    templating.install(app)

    app.register_blueprint(health.bp)  # /healthz, /readyz, /metrics
    api.register_blueprint(comments.blp)  # /api/v1/comments
    akismet_views.register(app)  # /1.1/*, /1.2/* (+ its Host guard and hooks)
    app.register_blueprint(moderation_views.bp)  # /moderation
    api.register_blueprint(queue.blp)  # /api/v1/queue
    api.register_blueprint(admin.blp)  # /api/v1/admin
    api.register_blueprint(sites.blp)  # /api/v1/admin/sites
    app.register_blueprint(models_page.bp)  # /moderation/models
    app.register_blueprint(favicon.bp)  # /favicon.ico
    slashes.install(app)  # /moderation/overview/ → /moderation/overview (as /moderation/models → …/models/)

    errors.register_error_handlers(app)  # after Api(), whose HTTPException handler it replaces
    db_slots.install(app, settings.db_slots, settings.db_slot_wait)  # one thread kept for /healthz

    @app.before_request
    def _openapi_switch() -> None:
        if not settings.openapi_public and request.path.startswith("/api/openapi"):
            abort(404)

    @app.after_request
    def _no_sniffing(response: Response) -> Response:
        """Every answer (JSON, text, pages): the browser must take the declared Content-Type."""
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()

    return app

