"""Both spellings of a moderators' page URL answer: with and without the trailing slash.

A route declared with a trailing slash (``/moderation/``, ``/moderation/models/``) already
redirects its slash-less spelling (werkzeug, 308). ``install`` adds the other half: a GET or HEAD
of ``/moderation/…/`` that no route answers, whose spelling without the slash is a route
(``/moderation/overview/``), is redirected there (308, query string kept). Anything else keeps its
404.
"""
from __future__ import annotations

from flask import Flask, redirect, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, NotFound

#: Paths whose slash spellings are both answered (the moderators' pages and the models page).
PREFIX = "/moderation/"


def slashless_target(app: Flask, path: str, method: str) -> str | None:
    """``path`` without its trailing slash when that is a route of ``app`` for ``method`` (GET or
    HEAD under ``PREFIX``), else ``None``. Called within the request."""
    if method not in ("GET", "HEAD") or not path.startswith(PREFIX) or not path.endswith("/") or path == PREFIX:
        return None
    target = path[:-1]
    adapter = app.create_url_adapter(request)
    if adapter is None:
        return None
    try:
        adapter.match(target, method=method)
    except HTTPException:  # no route (404, 405), or one that redirects elsewhere
        return None
    return target


def install(app: Flask) -> None:
    """Redirect ``/moderation/…/`` to the slash-less route it spells (see the module docstring)."""

    @app.before_request
    def _drop_trailing_slash() -> ResponseReturnValue | None:
        if not isinstance(request.routing_exception, NotFound):
            return None
        target = slashless_target(app, request.path, request.method)
        if target is None:
            return None
        query = request.query_string.decode("latin-1")
        return redirect(request.script_root + target + (f"?{query}" if query else ""), code=308)
