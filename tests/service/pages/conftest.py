"""Fixtures of the site settings page tests: two sites, an admin, moderators, signed-in clients."""
from __future__ import annotations

import pytest


@pytest.fixture
def site_world(mod_app, make_site, make_user, clean_db) -> dict:
    """news.example (moderated by mod@news.example and spare@news.example), other.example (by
    mod@other.example), an admin and a moderator of no site yet (free@saring.test)."""
    news = make_site("https://news.example")
    other = make_site("https://other.example")
    make_user("admin@saring.test", "admin")
    make_user("mod@news.example", "moderator", ["https://news.example"])
    make_user("spare@news.example", "moderator", ["https://news.example", "https://other.example"])
    make_user("mod@other.example", "moderator", ["https://other.example"])
    make_user("free@saring.test", "moderator")
    return {"news": news, "other": other}


@pytest.fixture
def client_of(mod_app, sign_in):
    """``client_of(email) -> test client`` of ``mod_app`` signed in as that (existing) user."""

    def make(email: str):
        client = mod_app.test_client()
        assert sign_in(client, email).status_code == 302
        return client

    return make


@pytest.fixture
def as_user(site_world, client_of):
    """``as_user(email) -> test client`` signed in as that user of ``site_world``."""
    return client_of


@pytest.fixture
def page(chromium):
    """A 1280×900 Chromium page (15 s timeouts) for the browser tests."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


@pytest.fixture
def admin_client(as_user):
    return as_user("admin@saring.test")
