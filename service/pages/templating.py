"""What every moderators' page template may use, whichever blueprint renders it: the filters
``domain`` / ``linkable`` / ``utc`` and the ``logout_form`` global of ``moderation/base.html``.

Installed on the app by ``service.app.create_app`` (``install``), so that the models page does not
depend on the moderation blueprint's side effects.
"""
from __future__ import annotations

import datetime as dt

from flask import Flask

from service.infra.url_domains import linkable, registered_domain
from service.pages.moderation.forms import CsrfForm


def utc(value: dt.datetime | None) -> str:
    """``value`` as ``YYYY-MM-DD HH:MM UTC`` (a naive datetime is taken as UTC; ``None`` → "")."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def install(app: Flask) -> None:
    """Add the pages' template filters and globals to ``app``'s Jinja environment."""
    app.add_template_filter(registered_domain, "domain")
    app.add_template_filter(linkable, "linkable")
    app.add_template_filter(utc, "utc")
    app.jinja_env.globals.setdefault("logout_form", CsrfForm)
