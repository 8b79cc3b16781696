"""Fixtures of the site-learning tests: a site with a key, helpers to check, report and moderate."""
from __future__ import annotations

import pytest

from service.store.db import session_scope
from service.store.tables import Site

BLOG = "https://news.example"


class SiteHelper:
    """Checks through the JSON and Akismet APIs, reports, moderator actions and site settings."""

    def __init__(self, app, client, key: str) -> None:
        self.app, self.client, self.key = app, client, key
        self.db = app.extensions["saring"].db
        with session_scope(self.db) as s:
            self.site_id = s.query(Site).filter_by(url=BLOG).one().id

    def check(self, content: str, **fields) -> dict:
        r = self.client.post("/api/v1/comments", headers={"Authorization": f"Bearer {self.key}"},
                             json={"content": content, **fields})
        assert r.status_code == 200, r.json
        return r.json

    def akismet(self, endpoint: str, **form):
        r = self.client.post(f"/1.1/{endpoint}", data={"api_key": self.key, "blog": BLOG, **form})
        assert r.status_code == 200, r.text
        return r

    def act(self, action: str, comment_id: str) -> None:
        from service.moderation import actions
        from service.moderation.actors import Actor
        from service.store.tables import User

        with session_scope(self.db) as s:
            actor = Actor.of(s.get(User, self.admin_id))
            if action == "undo":
                actions.undo(s, actor, comment_id)
            else:
                actions.act(s, actor, action, [comment_id])

    def configure(self, **kw) -> None:
        from service.accounts.sites import set_thresholds
        from service.learning import settings

        with session_scope(self.db) as s:
            site = s.get(Site, self.site_id)
            if "hold" in kw:
                set_thresholds(s, site, kw.pop("hold"), kw.pop("reject", 0.9999))
            settings.configure_site(site, kw.pop("shadow_mode", None), kw.pop("languages", None), kw or None)

    def add_entry(self, kind: str, value: str, action: str) -> int:
        from service.learning import lists

        with session_scope(self.db) as s:
            return lists.add_entry(s, self.site_id, kind, value, action).id

    def stored(self, comment_id: str):
        from service.store.tables import Comment

        with session_scope(self.db) as s:
            c = s.get(Comment, comment_id)
            s.expunge(c)
            return c


@pytest.fixture
def site(app, client, api_key, make_user) -> SiteHelper:
    helper = SiteHelper(app, client, api_key)
    helper.admin_id = make_user("admin@news.example", role="admin")
    return helper
