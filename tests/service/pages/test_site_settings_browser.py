"""The site settings page in a real browser (Playwright + Debian's Chromium) against a live server:
an admin sets and resets thresholds, creates a key (shown once) and revokes it after confirming;
screenshots at desktop and phone width.

Screenshots go to ``test-artifacts/`` (gitignored); with ``SARING_UPDATE_SCREENSHOTS=1``
``test_site_settings_screenshots`` also rewrites ``docs/screenshots/site-settings-{desktop,phone}.png``.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from service.accounts import sites, users
from service.learning import lists, settings
from service.store import site_audit
from service.store.db import session_scope
from service.store.tables import Site
from service.webhooks import outbox

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[3]
ARTIFACTS = REPO / "test-artifacts"
PASSWORD = "correct horse battery staple"
ADMIN = "admin@saring.test"


def login(pg, base: str, email: str, path: str) -> None:
    pg.goto(base + path)
    assert "/moderation/login" in pg.url
    pg.fill("#email", email)
    pg.fill("#password", PASSWORD)
    pg.click("button[type=submit]")
    pg.wait_for_url(base + path)


@pytest.fixture
def news(clean_db, make_site, make_user) -> int:
    site_id = make_site("https://news.example")
    make_user(ADMIN, "admin")
    return site_id


def in_force(pg, lang: str) -> tuple[str, str, str]:
    row = pg.locator(f'table.thresholds-table tr[data-lang="{lang}"]')
    return (row.locator("[data-hold]").inner_text(), row.locator("[data-reject]").inner_text(),
            row.locator("[data-source]").get_attribute("data-source"))


def test_admin_sets_and_resets_thresholds(live_server, page, clean_db, news):
    path = f"/moderation/sites/{news}"
    login(page, live_server, ADMIN, path)
    model_hold, model_reject, source = in_force(page, "id")
    assert source == "model_lang"

    page.fill("#thresholds-form input[name=lang]", "id")
    page.fill("#thresholds-form input[name=hold]", "0.42")
    page.fill("#thresholds-form input[name=reject]", "0.97")
    page.click("#thresholds-form button[type=submit]")
    page.wait_for_selector("text=Saved thresholds for language id: hold at 0.42, reject at 0.97.")
    assert in_force(page, "id") == ("0.420", "0.970", "site_lang")
    assert in_force(page, "other")[2] == "model"  # the other languages keep the model's
    assert page.locator("#audit tbody tr").first.get_attribute("data-action") == "thresholds_set"
    assert "thresholds for language id" in page.locator("#audit tbody tr").first.inner_text()

    # hold above reject: refused next to the form, what was typed is kept, nothing changes
    page.fill("#thresholds-form input[name=lang]", "")
    page.fill("#thresholds-form input[name=hold]", "0.9")
    page.fill("#thresholds-form input[name=reject]", "0.5")
    page.click("#thresholds-form button[type=submit]")
    error = page.locator("#thresholds-form #thresholds-error")
    assert "hold <= reject" in error.inner_text()
    assert page.locator("#thresholds-form input[name=hold]").get_attribute("aria-invalid") == "true"
    assert page.locator("#thresholds-form input[name=hold]").input_value() == "0.9"
    assert in_force(page, "other")[2] == "model"

    # back to the model's for Indonesian
    page.goto(live_server + path)
    page.click('button[aria-label="Use the model\'s thresholds for id"]')
    page.wait_for_selector("text=Thresholds for language id are the model's validated ones again.")
    assert in_force(page, "id") == (model_hold, model_reject, "model_lang")
    with clean_db.session() as s:
        assert s.get(Site, news).thresholds_by_lang == {}
        actions = [e.action for e in site_audit.events_of(s, news).events]
    assert actions[:2] == ["thresholds_clear", "thresholds_set"]


def test_admin_creates_a_key_sees_it_once_and_revokes_it(live_server, page, clean_db, news):
    path = f"/moderation/sites/{news}"
    login(page, live_server, ADMIN, path)
    page.fill("#key-form input[name=label]", "WordPress")
    page.click("#key-form button[type=submit]")
    key = page.locator("#once-value").inner_text()
    assert re.fullmatch(r"[0-9a-f]{12}", key)
    assert page.locator("#shown-once").get_attribute("data-once") == "key"
    with clean_db.session() as s:
        row = sites.find_key(s, key)
        assert row is not None and row.site_id == news and row.label == "WordPress"
        key_id = row.id
    shot(page, "site-settings-new-key")

    # never shown again: the page shows only the hint
    page.goto(live_server + path)
    assert key not in page.content()
    row = page.locator(f"#key-{key_id}")
    assert row.locator(".hint-cell").inner_text() == key[:2] + "•" * 10
    assert "WordPress" in row.inner_text() and "active" in row.inner_text()

    # revoke, after confirming
    confirm = row.get_by_role("button", name=f"Yes, revoke key {key_id}")
    assert not confirm.is_visible()
    row.locator("summary").click()
    assert confirm.is_visible()
    confirm.click()
    page.wait_for_selector(f"text=Revoked key {key_id}")
    assert "revoked" in page.locator(f"#key-{key_id} .state").inner_text()
    with clean_db.session() as s:
        assert sites.find_key(s, key) is None
        texts = [site_audit.describe(e) for e in site_audit.events_of(s, news).events]
    assert texts[:2] == [f"key {key_id} ({key[:2]}…) “WordPress” revoked", f"key {key_id} ({key[:2]}…) “WordPress” created"]
    assert not any(key in t for t in texts)


def shot(pg, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    return path


def _seed(db, site_id: int) -> None:
    """A site as it looks after a few weeks of use, every change made by the admin (so audited)."""
    by = {"actor": ADMIN}
    with session_scope(db) as s:
        site = s.get(Site, site_id)
        site.name = "Berita Nusantara"
        settings.configure_site(site, shadow_mode=True, languages=["id", "en", "jv"],
                                changes={"trust_min_approvals": 4, "flood_text_window": 7200}, session=s, **by)
        sites.set_thresholds(s, site, 0.45, 0.97, "id", **by)
        sites.set_thresholds(s, site, 0.55, 0.99, **by)
        for kind, value, action, note in [("word", "slot gacor", "reject", "judol wave, March"),
                                          ("domain", "www.gacor-maxwin-88-terbaru-hari-ini.example", "reject", "link farm"),
                                          ("email", "mailinator.example", "hold", "throwaway addresses"),
                                          ("domain", "kompas.example", "accept", "partner newsroom")]:
            lists.add_entry(s, site_id, kind, value, action, note, created_by=ADMIN)
        outbox.set_callback(s, site, "https://berita-nusantara.example/wp-json/saring/v1/decisions",
                            allow_internal=True, **by)
        outbox.rotate_secret(s, site, **by)
        url = site.url
        sites.create_key(s, url, "WordPress (production)", **by)
        old = sites.create_key(s, url, "staging", **by)
        sites.create_key(s, url, "", **by)
        sites.revoke_key(s, str(old.key_id), site=site, **by)
        users.add_moderator(s, site, "editor@berita-nusantara.example", **by)
        users.add_moderator(s, site, "a.very.long.moderator.address@newsroom-operations.example", **by)


def test_site_settings_screenshots(live_server, chromium, clean_db, news, make_user):
    """The settings page of a used site, desktop (1280) and phone (390) width."""
    make_user("editor@berita-nusantara.example", "moderator")
    make_user("a.very.long.moderator.address@newsroom-operations.example", "moderator")
    _seed(clean_db, news)
    targets = [ARTIFACTS]
    if os.environ.get("SARING_UPDATE_SCREENSHOTS") == "1":
        targets.append(REPO / "docs" / "screenshots")
    for name, viewport in (("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})):
        ctx = chromium.new_context(viewport=viewport, device_scale_factor=1)
        pg = ctx.new_page()
        pg.set_default_timeout(15000)
        login(pg, live_server, ADMIN, f"/moderation/sites/{news}")
        # nothing may be wider than the window
        overflow = pg.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name}: the page is {overflow}px wider than the window"
        assert pg.locator("#audit tbody tr").count() >= 15
        for target in targets:
            target.mkdir(parents=True, exist_ok=True)
            pg.screenshot(path=str(target / f"site-settings-{name}.png"), full_page=True)
        ctx.close()
