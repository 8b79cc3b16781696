"""Shared by the site settings page tests: the world (two sites, an admin, moderators), clients
signed in through the real form, CSRF tokens and audit-log readers."""
from __future__ import annotations

import re

import pytest
from markupsafe import escape

from service.errors import ValidationFailed
from service.store import site_audit
from service.store.tables import SiteEvent, User

ADMIN = "admin@saring.test"


def form_token(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def form_html(html: str, form_id: str) -> str:
    """The ``<form id=form_id>`` element of a page."""
    return re.search(rf'<form[^>]*id="{form_id}".*?</form>', html, re.S).group(0)


def page_and_token(client, site_id: int) -> tuple[str, str]:
    r = client.get(f"/moderation/sites/{site_id}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    return html, form_token(html)


def events(db, site_id: int) -> list[SiteEvent]:
    """The site's audit rows, newest first (detached)."""
    with db.session() as s:
        rows = site_audit.events_of(s, site_id, limit=1000).events
        for row in rows:
            s.expunge(row)
        return rows


def actions(db, site_id: int) -> list[str]:
    return [e.action for e in events(db, site_id)]


def user_id(db, email: str) -> int:
    with db.session() as s:
        return s.query(User).filter_by(email=email).one().id


def domain_error(call) -> ValidationFailed:
    """The ``ValidationFailed`` that the domain code raises for ``call()``."""
    with pytest.raises(ValidationFailed) as info:
        call()
    return info.value


def escaped(text: str) -> str:
    return str(escape(text))
