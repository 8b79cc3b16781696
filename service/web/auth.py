"""Who is calling the queue API or the moderation page: a signed-in moderator (session cookie,
CSRF-protected) or an admin with an API token (``Authorization: Bearer srt_…``).

Site API keys are never accepted here, and admin tokens never on the comment endpoints.
"""
from __future__ import annotations

import hashlib

from flask import current_app, g, redirect, request, session, url_for
from werkzeug.wrappers import Response
from flask_wtf.csrf import generate_csrf, validate_csrf
from sqlalchemy.orm import selectinload
from wtforms.validators import ValidationError

from service.accounts import users
from service.web.context import db_session, runtime
from service.errors import CsrfFailed, Unauthorized
from service.infra.jobs import JobQueue
from service.accounts.login_throttle import LoginThrottle
from service.moderation.actors import Actor
from service.store.tables import User

SESSION_USER = "moderator_id"
SESSION_STAMP = "moderator_stamp"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: The sign-in page that ``require_page_sign_in`` sends anonymous visitors to.
LOGIN_ENDPOINT = "moderation.login"


def _stamp(user: User) -> str:
    """Changes when the password changes or the user signs out (``users.session_version``), so
    that every session of theirs, copied cookies included, ends with it."""
    text = f"{user.session_version or 0}:{user.password_hash}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def sign_in(user: User) -> None:
    """Start a fresh session for ``user`` (the old session, CSRF secret included, is dropped)."""
    session.clear()
    session[SESSION_USER] = user.id
    session[SESSION_STAMP] = _stamp(user)


def sign_out() -> None:
    """End this session (cookie cleared; ``users.end_sessions`` ends the others)."""
    session.clear()


def session_user() -> User | None:
    """The active user of the session cookie, or ``None``."""
    if "session_user" in g:
        return g.session_user
    user = None
    uid = session.get(SESSION_USER)
    if isinstance(uid, int):
        user = db_session().get(User, uid, options=[selectinload(User.sites)])
        if user is None or not user.active or session.get(SESSION_STAMP) != _stamp(user):
            session.clear()
            user = None
    g.session_user = user
    return user


def current_actor() -> Actor:
    """The caller of a queue API request. A ``Bearer`` token wins over the session cookie.

    Raises ``Unauthorized`` (401) without a valid token or session.
    """
    if "actor" in g:
        return g.actor
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if header:
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("send Authorization: Bearer <admin API token>", field="Authorization")
        user = users.find_by_token(db_session(), token.strip())
        if user is None:
            raise Unauthorized("unknown admin API token (the queue API takes an admin token from "
                               "`saring users token`, not a site key)", field="Authorization")
        g.auth_by = "token"
    else:
        user = session_user()
        if user is None:
            raise Unauthorized("sign in at /moderation/login or send Authorization: Bearer <admin API token>")
        g.auth_by = "session"
    g.actor = Actor.of(user)
    return g.actor


def require_page_sign_in() -> Response | None:
    """``before_request`` of a moderators' page: ``None`` for an active signed-in user (whose
    ``Actor`` is then set), else a redirect to the sign-in page that comes back here."""
    if session_user() is None:
        return redirect(url_for(LOGIN_ENDPOINT, next=request.full_path.rstrip("?")))
    current_actor()
    return None


def require_csrf() -> None:
    """For a session-authenticated unsafe request: check the CSRF token from the ``X-CSRFToken``
    header or the ``csrf_token`` form field. Raises ``CsrfFailed`` (400) with the reason."""
    if request.method in SAFE_METHODS or g.get("auth_by") == "token":
        return
    token = request.headers.get("X-CSRFToken") or request.form.get("csrf_token")
    try:
        validate_csrf(token)
    except ValidationError as exc:
        raise CsrfFailed(f"CSRF check failed: {exc.args[0] if exc.args else exc} Reload the page and try again.",
                         field="csrf_token") from None


def fresh_csrf_token() -> str:
    """A CSRF token for this session (new timestamp), for forms and the page's JavaScript."""
    return generate_csrf()


def _app_resource(name: str, build):
    """``current_app.extensions[name]``, built once with ``build(runtime)``."""
    value = current_app.extensions.get(name)
    if value is None:
        value = current_app.extensions[name] = build(runtime())
    return value


def job_queue() -> JobQueue:
    """The RQ queue of this app (built once)."""
    return _app_resource("saring_jobs", lambda rt: JobQueue(rt.redis, rt.keys))


def login_throttle() -> LoginThrottle:
    """The sign-in failure counters of this app (built once)."""
    return _app_resource("saring_login_throttle", lambda rt: LoginThrottle(rt.redis, rt.keys))
