"""The admin forms of the site settings page through Flask's test client: thresholds per
language, callback URL and secret, keys, moderators — success, 400 next to the form with nothing
saved (and nothing audited), 403 for moderators, CSRF, 404 for other sites' things."""
from __future__ import annotations

import re

import pytest
from site_settings_helpers import (ADMIN, actions, domain_error, escaped, events, form_html, form_token,
                                   page_and_token, user_id)

from service.accounts import sites, users
from service.serving import versions
from service.store.db import session_scope
from service.store.tables import ApiKey, Site, User


def site_row(db, site_id: int) -> dict:
    with db.session() as s:
        site = s.get(Site, site_id)
        return {"hold": site.hold_threshold, "reject": site.reject_threshold, "by_lang": dict(site.thresholds_by_lang or {}),
                "callback_url": site.callback_url, "secret": site.callback_secret,
                "keys": [(k.id, k.key_hint, k.label, k.revoked_at is not None) for k in sites.keys_of(s, site_id)],
                "moderators": [u.email for u in users.moderators_of(s, site)]}


@pytest.fixture
def db(mod_app):
    return mod_app.extensions["saring"].db


def post(client, path: str, token: str, **data):
    return client.post(path, data={"csrf_token": token, **data})


# --------------------------------------------------------------------------- thresholds


def test_the_table_shows_the_models_pair_beside_the_sites_and_what_is_in_force(db, admin_client, site_world):
    news = site_world["news"]
    with session_scope(db) as s:
        sites.set_thresholds(s, s.get(Site, news), 0.4, 0.95, "id")
    html, _ = page_and_token(admin_client, news)
    _, meta = versions.current_metadata(db)
    with db.session() as s:
        rows = {r.lang: r for r in sites.thresholds_table(s.get(Site, news), meta)}
    row_id = re.search(r'<tr data-lang="id".*?</tr>', html, re.S).group(0)
    model = rows["id"]
    assert f"{model.model_hold:.3f}" in row_id and f"{model.model_reject:.3f}" in row_id  # the validated pair
    assert "0.400" in row_id and "0.950" in row_id and 'data-source="site_lang"' in row_id
    assert "Use the model's thresholds for id" in row_id
    other = re.search(r'<tr data-lang="other".*?</tr>', html, re.S).group(0)
    assert f'data-source="{rows[""].source}"' in other and rows[""].source.startswith("model")
    assert f'<span class="num" data-hold>{rows[""].hold:.3f}</span>' in other


def test_admin_sets_a_pair_for_one_language_and_for_every_language(db, admin_client, site_world):
    news = site_world["news"]
    _, token = page_and_token(admin_client, news)
    before = len(events(db, news))
    r = post(admin_client, f"/moderation/sites/{news}/thresholds", token, lang="ID", hold="0,4", reject="0.95")
    assert r.status_code == 302 and r.headers["Location"] == f"/moderation/sites/{news}#thresholds"
    assert site_row(db, news)["by_lang"] == {"id": {"hold": 0.4, "reject": 0.95}}
    html = admin_client.get(f"/moderation/sites/{news}").get_data(as_text=True)
    assert "Saved thresholds for language id: hold at 0.4, reject at 0.95." in html
    r = post(admin_client, f"/moderation/sites/{news}/thresholds", token, lang="", hold="0.5", reject="0.99")
    assert r.status_code == 302
    row = site_row(db, news)
    assert (row["hold"], row["reject"]) == (0.5, 0.99) and row["by_lang"] == {"id": {"hold": 0.4, "reject": 0.95}}
    ev = events(db, news)
    assert len(ev) == before + 2 and [e.action for e in ev[:2]] == ["thresholds_set", "thresholds_set"]
    assert ev[1].detail == {"lang": "id", "hold": 0.4, "reject": 0.95, "before": None}
    assert ev[0].detail == {"lang": "", "hold": 0.5, "reject": 0.99, "before": None}
    assert ev[0].actor == ADMIN and ev[0].user_id == user_id(db, ADMIN)
    # an empty number keeps the current one
    assert post(admin_client, f"/moderation/sites/{news}/thresholds", token, lang="id", hold="0.3", reject="").status_code == 302
    assert site_row(db, news)["by_lang"] == {"id": {"hold": 0.3, "reject": 0.95}}
    assert events(db, news)[0].detail["before"] == {"hold": 0.4, "reject": 0.95}
    assert site_row(db, site_world["other"])["by_lang"] == {}


@pytest.mark.parametrize("form,field", [
    ({"hold": "abc", "reject": "0.9"}, "hold"),
    ({"hold": "0.4", "reject": "nan"}, "reject"),
    ({"hold": "inf", "reject": "0.9"}, "hold"),
    ({"hold": "0.9", "reject": "0.5"}, "thresholds"),       # hold > reject
    ({"hold": "-0.1", "reject": "0.5"}, "thresholds"),
    ({"hold": "0.4", "reject": "1.5"}, "thresholds"),
    ({"hold": "", "reject": ""}, "thresholds"),
    ({"hold": "0.4", "reject": ""}, "thresholds"),           # the first time, both are needed
    ({"lang": "english", "hold": "0.4", "reject": "0.9"}, "lang"),
    ({"lang": "xx", "hold": "0.4", "reject": "0.9"}, "lang"),
])
def test_bad_thresholds_are_400_next_to_the_form_and_change_nothing(db, admin_client, site_world, form, field):
    news = site_world["news"]
    _, token = page_and_token(admin_client, news)
    before, audit = site_row(db, news), actions(db, news)
    data = {"lang": "id", **form}
    r = post(admin_client, f"/moderation/sites/{news}/thresholds", token, **data)
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    in_form = form_html(html, "thresholds-form")
    assert 'id="thresholds-error"' in in_form and "Nothing was saved" in html
    marked = ("hold", "reject") if field == "thresholds" else (field,)
    for name in ("lang", "hold", "reject"):
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', in_form, re.S).group(0)
        assert ('aria-invalid="true"' in tag) == (name in marked), name
    assert f'value="{data["hold"]}"' in in_form  # what was typed is kept
    assert site_row(db, news) == before and actions(db, news) == audit


def test_the_messages_are_the_domains(db, admin_client, site_world):
    news = site_world["news"]
    _, token = page_and_token(admin_client, news)
    with db.session() as s:
        expected = domain_error(lambda: sites.set_thresholds(s, s.get(Site, news), 0.9, 0.5, "id"))
        unknown = domain_error(lambda: sites.set_thresholds(s, s.get(Site, news), 0.1, 0.5, "english"))
        s.rollback()
    html = post(admin_client, f"/moderation/sites/{news}/thresholds", token, lang="id", hold="0.9", reject="0.5").get_data(as_text=True)
    assert escaped(expected.message) in form_html(html, "thresholds-form")
    html = post(admin_client, f"/moderation/sites/{news}/thresholds", token, lang="english", hold="0.1", reject="0.5").get_data(as_text=True)
    assert escaped(unknown.message) in form_html(html, "thresholds-form")


def test_admin_returns_one_language_then_every_language_to_the_models(db, admin_client, site_world):
    news = site_world["news"]
    with session_scope(db) as s:
        site = s.get(Site, news)
        sites.set_thresholds(s, site, 0.4, 0.95, "id")
        sites.set_thresholds(s, site, 0.3, 0.9, "en")
        sites.set_thresholds(s, site, 0.5, 0.99)
    _, token = page_and_token(admin_client, news)
    r = post(admin_client, f"/moderation/sites/{news}/thresholds/reset", token, lang="id")
    assert r.status_code == 302
    row = site_row(db, news)
    assert row["by_lang"] == {"en": {"hold": 0.3, "reject": 0.9}} and row["hold"] == 0.5
    ev = events(db, news)[0]
    assert ev.action == "thresholds_clear" and ev.detail == {"lang": "id", "before": {"hold": 0.4, "reject": 0.95}}
    html = admin_client.get(f"/moderation/sites/{news}").get_data(as_text=True)
    assert "Thresholds for language id are the model&#39;s validated ones again." in html
    assert "Use the model&#39;s for every language" in html
    r = post(admin_client, f"/moderation/sites/{news}/thresholds/reset", token, lang="")
    assert r.status_code == 302
    row = site_row(db, news)
    assert row["by_lang"] == {} and row["hold"] is None and row["reject"] is None
    assert events(db, news)[0].detail == {"lang": "", "before": {"hold": 0.5, "reject": 0.99}, "languages": ["en"]}
    # nothing left to reset: no audit row
    count = len(events(db, news))
    assert post(admin_client, f"/moderation/sites/{news}/thresholds/reset", token, lang="").status_code == 302
    assert len(events(db, news)) == count
    r = post(admin_client, f"/moderation/sites/{news}/thresholds/reset", token, lang="english")
    assert r.status_code == 400 and 'id="thresholds-error"' in r.get_data(as_text=True)


# --------------------------------------------------------------------------- callback and secret

PUBLIC_HOOK = "https://93.184.216.34/saring-hook"


def test_first_callback_url_shows_its_new_secret_once(db, admin_client, site_world):
    news = site_world["news"]
    _, token = page_and_token(admin_client, news)
    r = post(admin_client, f"/moderation/sites/{news}/callback", token, url=PUBLIC_HOOK)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    secret = re.search(r'<code class="secret-value" id="once-value">([^<]+)</code>', html).group(1)
    row = site_row(db, news)
    assert row["callback_url"] == PUBLIC_HOOK and row["secret"] == secret and len(secret) >= 40
    assert "shown only this once" in html
    ev = events(db, news)[0]
    assert ev.action == "callback_set" and ev.detail == {"url": PUBLIC_HOOK, "previous_url": None, "secret_change": "new"}
    assert secret not in str(ev.detail)
    later = admin_client.get(f"/moderation/sites/{news}").get_data(as_text=True)
    assert secret not in later and 'data-secret="set"' in later and f'data-callback="{PUBLIC_HOOK}"' in later
    # a new URL keeps the secret, which is not shown
    r = post(admin_client, f"/moderation/sites/{news}/callback", token, url="https://93.184.216.34/other-hook")
    assert r.status_code == 302 and r.headers["Location"].endswith("#callback")
    assert site_row(db, news)["secret"] == secret
    assert secret not in admin_client.get(r.headers["Location"]).get_data(as_text=True)
    assert events(db, news)[0].detail == {"url": "https://93.184.216.34/other-hook", "previous_url": PUBLIC_HOOK,
                                          "secret_change": "kept"}


@pytest.mark.parametrize("url,needle", [
    ("nope", "http(s)"),
    ("ftp://files.example/hook", "http(s)"),
    ("https://user:pw@93.184.216.34/hook", "user name or password"),
    ("http://127.0.0.1:6379/", "internal address"),
    ("http://169.254.169.254/latest", "internal address"),
    ("", "give the callback URL"),
])
def test_bad_callback_urls_are_400_and_change_nothing(db, mod_app, admin_client, site_world, monkeypatch, url, needle):
    rt = mod_app.extensions["saring"]  # the tests allow internal targets (tests/conftest.py); a real server does not
    monkeypatch.setattr(rt, "settings", rt.settings.with_overrides({"webhook_allow_internal": False}))
    news = site_world["news"]
    _, token = page_and_token(admin_client, news)
    before, audit = site_row(db, news), actions(db, news)
    r = post(admin_client, f"/moderation/sites/{news}/callback", token, url=url)
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    in_form = form_html(html, "callback-form")
    assert needle in in_form and 'id="callback-error"' in in_form
    assert re.search(r'name="url"[^>]*aria-invalid="true"', in_form, re.S)
    assert site_row(db, news) == before and actions(db, news) == audit


def test_rotating_the_secret_shows_the_new_one_once(db, admin_client, site_world):
    news = site_world["news"]
    with session_scope(db) as s:
        site = s.get(Site, news)
        site.callback_url, site.callback_secret = PUBLIC_HOOK, "old-secret-0123456789"
    _, token = page_and_token(admin_client, news)
    r = post(admin_client, f"/moderation/sites/{news}/callback/rotate", token)
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    secret = re.search(r'id="once-value">([^<]+)<', html).group(1)
    assert secret != "old-secret-0123456789" and site_row(db, news)["secret"] == secret
    assert "old-secret-0123456789" not in html
    ev = events(db, news)[0]
    assert ev.action == "secret_rotate" and ev.detail == {"url": PUBLIC_HOOK} and ev.actor == ADMIN
    assert secret not in admin_client.get(f"/moderation/sites/{news}").get_data(as_text=True)


def test_rotating_without_a_callback_url_is_400(db, admin_client, site_world):
    news = site_world["news"]
    _, token = page_and_token(admin_client, news)
    audit = actions(db, news)
    r = post(admin_client, f"/moderation/sites/{news}/callback/rotate", token)
    assert r.status_code == 400 and "no callback URL" in form_html(r.get_data(as_text=True), "callback-form")
    assert site_row(db, news)["secret"] is None and actions(db, news) == audit


def test_removing_the_callback(db, admin_client, site_world):
    news = site_world["news"]
    with session_scope(db) as s:
        site = s.get(Site, news)
        site.callback_url, site.callback_secret = PUBLIC_HOOK, "old-secret-0123456789"
    _, token = page_and_token(admin_client, news)
    r = post(admin_client, f"/moderation/sites/{news}/callback/clear", token)
    assert r.status_code == 302
    row = site_row(db, news)
    assert row["callback_url"] is None and row["secret"] is None
    ev = events(db, news)[0]
    assert ev.action == "callback_clear" and ev.detail == {"previous_url": PUBLIC_HOOK}


# --------------------------------------------------------------------------- keys


def test_admin_creates_a_key_sees_it_once_and_then_only_its_hint(db, admin_client, site_world):
    news = site_world["news"]
    _, token = page_and_token(admin_client, news)
    r = post(admin_client, f"/moderation/sites/{news}/keys", token, label=" WordPress ")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    key = re.search(r'id="once-value">([0-9a-f]{12})<', html).group(1)
    with db.session() as s:
        row = sites.find_key(s, key)
        assert row.site_id == news and row.label == "WordPress"
        key_id, hint = row.id, row.key_hint
    ev = events(db, news)[0]
    assert ev.action == "key_create" and ev.detail == {"key_id": key_id, "hint": hint, "label": "WordPress"}
    assert key not in str(ev.detail)
    later = admin_client.get(f"/moderation/sites/{news}").get_data(as_text=True)
    assert key not in later
    row_html = re.search(rf'<tr id="key-{key_id}".*?</tr>', later, re.S).group(0)
    assert f"<code>{hint}{'•' * 10}</code>" in row_html and "WordPress" in row_html and "active" in row_html


def test_a_bad_label_is_400_and_creates_no_key(db, admin_client, site_world):
    news = site_world["news"]
    _, token = page_and_token(admin_client, news)
    before, audit = site_row(db, news), actions(db, news)
    for label in ("x" * 256, "tab\tlabel"):
        r = post(admin_client, f"/moderation/sites/{news}/keys", token, label=label)
        assert r.status_code == 400
        in_form = form_html(r.get_data(as_text=True), "key-form")
        assert "label must be at most 255" in in_form and re.search(r'name="label"[^>]*aria-invalid="true"', in_form, re.S)
    assert site_row(db, news) == before and actions(db, news) == audit


def test_admin_revokes_a_key_after_confirming(db, admin_client, site_world):
    news, other = site_world["news"], site_world["other"]
    with session_scope(db) as s:
        mine = sites.create_key(s, "https://news.example", "prod")
        foreign = sites.create_key(s, "https://other.example", "theirs")
    html, token = page_and_token(admin_client, news)
    row_html = re.search(rf'<tr id="key-{mine.key_id}".*?</tr>', html, re.S).group(0)
    assert "<details class=\"confirm\">" in row_html and f"Yes, revoke key {mine.key_id}" in row_html
    r = post(admin_client, f"/moderation/sites/{news}/keys/{mine.key_id}/revoke", token)
    assert r.status_code == 302 and r.headers["Location"].endswith("#keys")
    with db.session() as s:
        assert sites.find_key(s, mine.key) is None
    ev = events(db, news)[0]
    assert ev.action == "key_revoke" and ev.detail == {"key_id": mine.key_id, "hint": mine.key[:2], "label": "prod"}
    html = admin_client.get(r.headers["Location"]).get_data(as_text=True)
    assert f"Revoked key {mine.key_id}" in html and "revoked 20" in html
    # a key of another site is not found through this one
    assert post(admin_client, f"/moderation/sites/{news}/keys/{foreign.key_id}/revoke", token).status_code == 404
    with db.session() as s:
        assert sites.find_key(s, foreign.key) is not None
    assert "key_revoke" not in actions(db, other)
    # revoking again changes nothing and records nothing
    count = len(events(db, news))
    assert post(admin_client, f"/moderation/sites/{news}/keys/{mine.key_id}/revoke", token).status_code == 302
    assert len(events(db, news)) == count


# --------------------------------------------------------------------------- moderators


def test_the_page_lists_the_sites_moderators_and_says_admins_see_every_site(as_user, site_world):
    html, _ = page_and_token(as_user("mod@news.example"), site_world["news"])
    section = re.search(r'<section class="panel" id="moderators".*?</section>', html, re.S).group(0)
    assert 'data-moderator="mod@news.example"' in section and 'data-moderator="spare@news.example"' in section
    assert "mod@other.example" not in section and "free@saring.test" not in section
    assert "Admins see and moderate every site anyway" in section and ADMIN in section
    assert "<form" not in section  # a moderator only looks


def test_admin_adds_and_removes_a_moderator(db, admin_client, site_world):
    news = site_world["news"]
    _, token = page_and_token(admin_client, news)
    r = post(admin_client, f"/moderation/sites/{news}/moderators", token, email=" Free@Saring.test ")
    assert r.status_code == 302 and r.headers["Location"].endswith("#moderators")
    assert "free@saring.test" in site_row(db, news)["moderators"]
    free = user_id(db, "free@saring.test")
    ev = events(db, news)[0]
    assert ev.action == "moderator_add" and ev.detail == {"email": "free@saring.test", "user_id": free, "role": "moderator"}
    html = admin_client.get(r.headers["Location"]).get_data(as_text=True)
    assert "free@saring.test moderates this site now." in html
    # again: nothing changes, nothing recorded
    count = len(events(db, news))
    r = post(admin_client, f"/moderation/sites/{news}/moderators", token, email="free@saring.test")
    assert r.status_code == 302 and len(events(db, news)) == count
    assert "already moderates" in admin_client.get(r.headers["Location"]).get_data(as_text=True)

    spare = user_id(db, "spare@news.example")
    r = post(admin_client, f"/moderation/sites/{news}/moderators/{spare}/remove", token)
    assert r.status_code == 302
    assert "spare@news.example" not in site_row(db, news)["moderators"]
    assert "spare@news.example" in site_row(db, site_world["other"])["moderators"]  # their other site stays
    ev = events(db, news)[0]
    assert ev.action == "moderator_remove" and ev.detail["email"] == "spare@news.example" and ev.user_id == user_id(db, ADMIN)
    # not (or no longer) a moderator of this site: 404
    assert post(admin_client, f"/moderation/sites/{news}/moderators/{spare}/remove", token).status_code == 404
    other_mod = user_id(db, "mod@other.example")
    assert post(admin_client, f"/moderation/sites/{news}/moderators/{other_mod}/remove", token).status_code == 404


@pytest.mark.parametrize("email,needle", [
    ("nobody@saring.test", "no user nobody@saring.test"),
    ("admin@saring.test", "admins see and moderate every site already"),
    ("not an e-mail", "is not an e-mail address"),
    ("", "is not an e-mail address"),
])
def test_a_bad_moderator_is_400_next_to_the_form(db, admin_client, site_world, email, needle):
    news = site_world["news"]
    _, token = page_and_token(admin_client, news)
    before, audit = site_row(db, news), actions(db, news)
    r = post(admin_client, f"/moderation/sites/{news}/moderators", token, email=email)
    assert r.status_code == 400
    in_form = form_html(r.get_data(as_text=True), "moderator-form")
    assert needle in in_form and re.search(r'name="email"[^>]*aria-invalid="true"', in_form, re.S)
    assert site_row(db, news) == before and actions(db, news) == audit


# --------------------------------------------------------------------------- refusals


def _posts(db, site_world) -> list[tuple[str, dict]]:
    news = site_world["news"]
    with session_scope(db) as s:
        site = s.get(Site, news)
        site.callback_url, site.callback_secret = PUBLIC_HOOK, "old-secret-0123456789"
        key_id = sites.create_key(s, "https://news.example", "prod").key_id
        spare = s.query(User).filter_by(email="spare@news.example").one().id
    base = f"/moderation/sites/{news}"
    return [(f"{base}/thresholds", {"lang": "id", "hold": "0.4", "reject": "0.9"}),
            (f"{base}/thresholds/reset", {"lang": ""}),
            (f"{base}/callback", {"url": "https://93.184.216.34/new"}),
            (f"{base}/callback/clear", {}),
            (f"{base}/callback/rotate", {}),
            (f"{base}/keys", {"label": "x"}),
            (f"{base}/keys/{key_id}/revoke", {}),
            (f"{base}/moderators", {"email": "free@saring.test"}),
            (f"{base}/moderators/{spare}/remove", {})]


WHICH = list(range(9))


@pytest.mark.parametrize("which", WHICH)
@pytest.mark.parametrize("token", [None, "forged"])
def test_a_missing_or_wrong_csrf_token_is_refused(db, admin_client, site_world, which, token):
    url, form = _posts(db, site_world)[which]
    before, audit = site_row(db, site_world["news"]), actions(db, site_world["news"])
    r = admin_client.post(url, data=dict(form) if token is None else {**form, "csrf_token": token})
    assert r.status_code == 400 and "CSRF check failed" in r.get_data(as_text=True)
    assert site_row(db, site_world["news"]) == before and actions(db, site_world["news"]) == audit


@pytest.mark.parametrize("which", WHICH)
def test_a_moderator_of_the_site_may_not_change_it(db, as_user, site_world, which):
    client = as_user("mod@news.example")
    url, form = _posts(db, site_world)[which]
    _, token = page_and_token(client, site_world["news"])
    before, audit = site_row(db, site_world["news"]), actions(db, site_world["news"])
    r = client.post(url, data={**form, "csrf_token": token})
    assert r.status_code == 403 and "only admins" in r.get_data(as_text=True)
    assert site_row(db, site_world["news"]) == before and actions(db, site_world["news"]) == audit


def test_a_moderator_of_another_site_gets_404_for_every_form(db, as_user, site_world):
    client = as_user("mod@other.example")
    token = form_token(client.get(f"/moderation/sites/{site_world['other']}").get_data(as_text=True))
    posts = _posts(db, site_world)
    before, audit = site_row(db, site_world["news"]), actions(db, site_world["news"])
    for url, form in posts:
        assert client.post(url, data={**form, "csrf_token": token}).status_code == 404, url
    assert site_row(db, site_world["news"]) == before and actions(db, site_world["news"]) == audit


def test_a_moderator_sees_keys_callback_and_audit_but_no_secret_and_no_forms(db, as_user, site_world):
    _posts(db, site_world)  # a callback with a secret and a key
    html, _ = page_and_token(as_user("mod@news.example"), site_world["news"])
    assert f'data-callback="{PUBLIC_HOOK}"' in html and 'data-secret="set"' in html
    assert "old-secret-0123456789" not in html and 'id="key-' in html and 'id="audit"' in html
    for form_id in ("thresholds-form", "callback-form", "key-form", "moderator-form"):
        assert f'id="{form_id}"' not in html
    assert "/revoke\"" not in html and "/rotate\"" not in html and "/reset\"" not in html


def _once(html: str, form_action: str) -> str:
    form = re.search(rf'action="{re.escape(form_action)}".*?</form>', html, re.S).group(0)
    return re.search(r'name="once" value="([^"]+)"', form).group(1)


def test_reloading_the_answer_that_showed_a_key_or_secret_makes_no_second_one(db, admin_client, site_world):
    """The key and rotate forms carry a one-use token: the same form sent again (the browser's reload of
    the answer) makes nothing new, audits nothing, shows no secret and says why."""
    news = site_world["news"]
    with session_scope(db) as s:
        site = s.get(Site, news)
        site.callback_url, site.callback_secret = PUBLIC_HOOK, "old-secret-0123456789"
    html, token = page_and_token(admin_client, news)
    for path in (f"/moderation/sites/{news}/keys", f"/moderation/sites/{news}/callback/rotate"):
        once = _once(html, path)
        first = post(admin_client, path, token, label="WordPress", once=once)
        assert first.status_code == 200 and 'id="once-value"' in first.get_data(as_text=True)
        secret_after, audit = site_row(db, news)["secret"], actions(db, news)
        again = post(admin_client, path, token, label="WordPress", once=once)
        assert again.status_code == 302 and actions(db, news) == audit and site_row(db, news)["secret"] == secret_after
        shown = admin_client.get(again.headers["Location"]).get_data(as_text=True)
        assert "sent again" in shown and 'id="once-value"' not in shown
    with db.session() as s:
        assert len([k for k in sites.keys_of(s, news) if k.label == "WordPress"]) == 1
