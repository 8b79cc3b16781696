"""service.pages.moderation.site_settings through Flask's test client: the site settings page
(shadow mode, languages, settings in force, allow / block lists), its admin-only forms, CSRF, and
site separation."""
from __future__ import annotations

import re

import pytest
from markupsafe import escape

from service.errors import ValidationFailed
from service.learning import lists, settings
from service.store.db import session_scope
from service.store.tables import Site


def form_token(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


@pytest.fixture
def world(mod_app, make_site, make_user, clean_db):
    news = make_site("https://news.example")
    other = make_site("https://other.example")
    make_user("admin@saring.test", "admin")
    make_user("mod@news.example", "moderator", ["https://news.example"])
    make_user("mod@other.example", "moderator", ["https://other.example"])
    with session_scope(clean_db) as s:
        word = lists.add_entry(s, news, "word", "slot gacor", "reject", note="judol spam wave",
                               created_by="admin@saring.test")
        lists.add_entry(s, news, "domain", "https://Trusted.example/path", "accept", created_by="cli")
        foreign = lists.add_entry(s, other, "ip", "203.0.113.0/24", "hold", created_by="admin@saring.test")
        settings.configure_site(s.get(Site, news), shadow_mode=True, languages=["id", "en"],
                                changes={"trust_min_approvals": 4})
        ids = {"word": word.id, "foreign_entry": foreign.id}
    return {"news": news, "other": other, **ids}


@pytest.fixture
def signed_in(world, client_of):
    """``signed_in(email) -> test client`` signed in as that user of ``world``."""
    return client_of


@pytest.fixture
def admin(signed_in):
    return signed_in("admin@saring.test")


def entries(db, site_id: int) -> list[tuple[str, str, str, str, str]]:
    with db.session() as s:
        return [(e.kind, e.value, e.action, e.note, e.created_by) for e in lists.entries_of(s, site_id)]


def site_config(db, site_id: int) -> dict:
    with db.session() as s:
        return settings.describe_site(s.get(Site, site_id))


def page_and_token(client, site_id: int) -> tuple[str, str]:
    r = client.get(f"/moderation/sites/{site_id}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    return html, form_token(html)


def entry_form_html(html: str) -> str:
    return re.search(r'<form[^>]*id="entry-form".*?</form>', html, re.S).group(0)


# --------------------------------------------------------------------------- viewing


def test_moderator_sees_the_settings_and_entries_without_forms(signed_in, world):
    client = signed_in("mod@news.example")
    r = client.get(f"/moderation/sites/{world['news']}")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert "Site settings" in html and "https://news.example" in html
    assert 'data-shadow="on"' in html and 'data-languages="id,en"' in html
    # settings in force: the override is marked, with its default; the others are defaults
    row = re.search(r"<tr class=\"override\">\s*<td><code>trust_min_approvals</code></td>.*?</tr>", html, re.S)
    assert row and ">4<" in row.group(0) and "site override" in row.group(0) and "default 2" in row.group(0)
    assert html.count('class="override"') == 1 and "<code>flood_text_window</code>" in html
    # the entries: id, action, kind, value (stored normalised), note, who, when
    word = re.search(rf'<tr id="entry-{world["word"]}".*?</tr>', html, re.S).group(0)
    for text in (f'<td class="id">{world["word"]}</td>', "act-reject", '<td class="kind">word</td>', "<code>slot gacor</code>",
                 "judol spam wave", "admin@saring.test", " UTC</time>"):
        assert text in word, text
    assert "<code>trusted.example</code>" in html and "link domain" in html and "act-accept" in html
    assert "2 entries (1 allow, 1 block)" in html
    assert "203.0.113.0/24" not in html  # other.example's entry
    # no forms for a moderator
    assert "/lists\"" not in html and "/remove\"" not in html and "/learning\"" not in html
    assert "Only admins can change" in html


def test_admin_sees_the_forms(admin, world):
    html, _ = page_and_token(admin, world["news"])
    assert f'action="/moderation/sites/{world["news"]}/lists"' in html
    assert f'action="/moderation/sites/{world["news"]}/lists/{world["word"]}/remove"' in html
    assert f'action="/moderation/sites/{world["news"]}/learning"' in html
    assert re.search(r'name="shadow_mode" value="on" checked', html)
    assert 'name="languages" value="id, en"' in html
    assert "Only admins can change" not in html


def test_entry_fields_are_shown_as_text(mod_app, admin, world):
    with session_scope(mod_app.extensions["saring"].db) as s:
        stored = lists.add_entry(s, world["news"], "email", "<b>x</b>@spam.example", "reject",
                                 note='<script>alert("x")</script>', created_by="<i>cli</i>").value
    html, _ = page_and_token(admin, world["news"])
    assert "<script>alert" not in html and "<b>x</b>" not in html and "<i>cli</i>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html and "&lt;i&gt;cli&lt;/i&gt;" in html
    assert "<" in stored and f"<code>{escape(stored)}</code>" in html


def test_overview_links_each_site_to_its_settings(signed_in, admin, world):
    html = signed_in("mod@news.example").get("/moderation/overview").get_data(as_text=True)
    assert f'href="/moderation/sites/{world["news"]}"' in html
    assert f'href="/moderation/sites/{world["other"]}"' not in html
    html = admin.get("/moderation/overview").get_data(as_text=True)
    assert f'href="/moderation/sites/{world["news"]}"' in html and f'href="/moderation/sites/{world["other"]}"' in html


def test_the_page_needs_sign_in(mod_app, world):
    client = mod_app.test_client()
    r = client.get(f"/moderation/sites/{world['news']}")
    assert r.status_code == 302 and r.headers["Location"].startswith(f"/moderation/login?next=/moderation/sites/{world['news']}")
    r = client.post(f"/moderation/sites/{world['news']}/lists", data={"kind": "word", "value": "x", "action": "reject"})
    assert r.status_code == 302 and "/moderation/login" in r.headers["Location"]
    assert len(entries(mod_app.extensions["saring"].db, world["news"])) == 2


# --------------------------------------------------------------------------- admin changes


def test_admin_adds_an_entry_and_removes_it(mod_app, admin, world):
    db = mod_app.extensions["saring"].db
    _, token = page_and_token(admin, world["news"])
    r = admin.post(f"/moderation/sites/{world['news']}/lists",
                   data={"csrf_token": token, "kind": "domain", "value": "https://Casino.example/daftar",
                         "action": "reject", "note": "gambling"})
    assert r.status_code == 302 and r.headers["Location"] == f"/moderation/sites/{world['news']}"
    assert ("domain", "casino.example", "reject", "gambling", "admin@saring.test") in entries(db, world["news"])
    assert len(entries(db, world["other"])) == 1
    html = admin.get(r.headers["Location"]).get_data(as_text=True)
    assert "Saved block list entry" in html and "link domain &#34;casino.example&#34; → reject" in html
    with db.session() as s:
        new_id = next(e.id for e in lists.entries_of(s, world["news"]) if e.value == "casino.example")
    assert f'id="entry-{new_id}"' in html

    r = admin.post(f"/moderation/sites/{world['news']}/lists/{new_id}/remove", data={"csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"] == f"/moderation/sites/{world['news']}"
    assert [e[1] for e in entries(db, world["news"])] == ["trusted.example", "slot gacor"]
    html = admin.get(r.headers["Location"]).get_data(as_text=True)
    assert f"Removed entry {new_id}" in html and f'id="entry-{new_id}"' not in html


def test_adding_the_same_entry_again_changes_its_action(mod_app, admin, world):
    _, token = page_and_token(admin, world["news"])
    r = admin.post(f"/moderation/sites/{world['news']}/lists",
                   data={"csrf_token": token, "kind": "word", "value": "slot gacor", "action": "hold", "note": ""})
    assert r.status_code == 302
    assert ("word", "slot gacor", "hold", "judol spam wave", "admin@saring.test") in entries(
        mod_app.extensions["saring"].db, world["news"])


def domain_error(call) -> ValidationFailed:
    """The ``ValidationFailed`` that the domain code raises for ``call()`` (the page must show its message)."""
    with pytest.raises(ValidationFailed) as info:
        call()
    return info.value


@pytest.mark.parametrize("form,field", [
    ({"kind": "domain", "value": "not a domain"}, "value"),
    ({"kind": "ip", "value": "999.1.1.1"}, "value"),
    ({"kind": "word", "value": "   "}, "value"),
    ({"kind": "regex", "value": "x"}, "kind"),
    ({"kind": "word", "value": "judi", "action": "delete"}, "action"),
    ({"kind": "word", "value": "judi", "note": "n" * 256}, "note"),
])
def test_an_invalid_entry_is_400_next_to_the_form_and_stores_nothing(mod_app, admin, world, form, field):
    db = mod_app.extensions["saring"].db
    before = entries(db, world["news"])
    data = {"action": "reject", "note": "", **form}
    with db.session() as s:
        expected = domain_error(lambda: lists.add_entry(s, world["news"], data["kind"], data["value"], data["action"],
                                                        data["note"]))
        s.rollback()
    assert expected.field == field
    message = str(escape(expected.message))
    _, token = page_and_token(admin, world["news"])
    r = admin.post(f"/moderation/sites/{world['news']}/lists", data={"csrf_token": token, **data})
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    in_form = entry_form_html(html)
    assert message in in_form and 'id="entry-error"' in in_form  # next to the form
    assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', in_form, re.S)
    if field == "value" and form["value"].strip():
        assert f'value="{form["value"]}"' in in_form  # what was typed is kept
    assert f"Nothing was saved: {message}" in html
    assert entries(db, world["news"]) == before


def test_the_learning_form_changes_shadow_mode_and_languages(mod_app, admin, world):
    db = mod_app.extensions["saring"].db
    _, token = page_and_token(admin, world["news"])
    r = admin.post(f"/moderation/sites/{world['news']}/learning",
                   data={"csrf_token": token, "languages": " ID, en ms,,"})  # checkbox unticked: shadow off
    assert r.status_code == 302 and r.headers["Location"] == f"/moderation/sites/{world['news']}"
    config = site_config(db, world["news"])
    assert config["shadow_mode"] is False and config["languages"] == ["id", "en", "ms"]
    assert config["overrides"] == {"trust_min_approvals": 4}  # the settings are left alone
    html = admin.get(r.headers["Location"]).get_data(as_text=True)
    assert "Saved: shadow mode off; expected languages id, en, ms." in html and 'data-shadow="off"' in html

    r = admin.post(f"/moderation/sites/{world['news']}/learning",
                   data={"csrf_token": token, "shadow_mode": "on", "languages": ""})
    assert r.status_code == 302
    config = site_config(db, world["news"])
    assert config["shadow_mode"] is True and config["languages"] == []
    html = admin.get(r.headers["Location"]).get_data(as_text=True)
    assert "expected languages none (no language policy)" in html and 'data-languages=""' in html
    assert site_config(db, world["other"])["shadow_mode"] is False


def test_invalid_languages_are_400_and_change_nothing(mod_app, admin, world):
    db = mod_app.extensions["saring"].db
    _, token = page_and_token(admin, world["news"])
    r = admin.post(f"/moderation/sites/{world['news']}/learning",
                   data={"csrf_token": token, "languages": "id, english"})  # and shadow mode off
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    form = re.search(r'<form[^>]*id="learning-form".*?</form>', html, re.S).group(0)
    expected = domain_error(lambda: settings.validate_languages(["id", "english"]))
    assert "english" in expected.message and str(escape(expected.message)) in form
    assert f"Nothing was saved: {escape(expected.message)}" in html
    assert re.search(r'name="languages"[^>]*aria-invalid="true"', form, re.S) and 'value="id, english"' in form
    config = site_config(db, world["news"])
    assert config["shadow_mode"] is True and config["languages"] == ["id", "en"]


# --------------------------------------------------------------------------- refusals


def _posts(world) -> list[tuple[str, dict]]:
    news = world["news"]
    return [(f"/moderation/sites/{news}/lists", {"kind": "word", "value": "judi", "action": "reject"}),
            (f"/moderation/sites/{news}/lists/{world['word']}/remove", {}),
            (f"/moderation/sites/{news}/learning", {"languages": "en"})]


def _unchanged(db, world) -> None:
    assert len(entries(db, world["news"])) == 2
    config = site_config(db, world["news"])
    assert config["shadow_mode"] is True and config["languages"] == ["id", "en"]


@pytest.mark.parametrize("which", [0, 1, 2])
@pytest.mark.parametrize("token", [None, "forged"])
def test_a_missing_or_wrong_csrf_token_is_refused(mod_app, admin, world, which, token):
    url, form = _posts(world)[which]
    data = dict(form) if token is None else {**form, "csrf_token": token}
    r = admin.post(url, data=data)
    assert r.status_code == 400 and "CSRF check failed" in r.get_data(as_text=True)
    _unchanged(mod_app.extensions["saring"].db, world)


@pytest.mark.parametrize("which", [0, 1, 2])
def test_a_moderator_of_the_site_may_not_change_it(mod_app, signed_in, world, which):
    client = signed_in("mod@news.example")
    _, token = page_and_token(client, world["news"])
    url, form = _posts(world)[which]
    r = client.post(url, data={**form, "csrf_token": token})
    assert r.status_code == 403 and "only admins" in r.get_data(as_text=True)
    _unchanged(mod_app.extensions["saring"].db, world)


def test_a_moderator_of_another_site_gets_404(mod_app, signed_in, world):
    client = signed_in("mod@other.example")
    assert client.get(f"/moderation/sites/{world['other']}").status_code == 200
    r = client.get(f"/moderation/sites/{world['news']}")
    assert r.status_code == 404
    # the same answer as for a site that does not exist: other sites' ids are not revealed
    missing = client.get("/moderation/sites/999999")
    assert missing.status_code == 404
    assert "among the sites you moderate" in r.get_data(as_text=True) and "among the sites you moderate" in missing.get_data(as_text=True)
    assert "news.example" not in r.get_data(as_text=True)
    token = form_token(client.get(f"/moderation/sites/{world['other']}").get_data(as_text=True))
    for url, form in _posts(world):
        assert client.post(url, data={**form, "csrf_token": token}).status_code == 404, url
    _unchanged(mod_app.extensions["saring"].db, world)


def test_an_entry_of_another_site_cannot_be_removed_through_this_one(mod_app, admin, world):
    db = mod_app.extensions["saring"].db
    _, token = page_and_token(admin, world["news"])
    r = admin.post(f"/moderation/sites/{world['news']}/lists/{world['foreign_entry']}/remove", data={"csrf_token": token})
    assert r.status_code == 404
    assert len(entries(db, world["other"])) == 1 and len(entries(db, world["news"])) == 2


@pytest.mark.parametrize("path", ["/moderation/sites/0", "/moderation/sites/abc", "/moderation/sites/99999999999999999999"])
def test_a_site_id_that_no_site_can_have_is_404(admin, path):
    assert admin.get(path).status_code == 404


def test_a_site_a_key_covers_names_that_key_instead_of_no_keys(admin, clean_db):
    """A blog first named by another site's key has no key of its own: the page says which key sends
    its comments (it read "No keys: the site cannot send comments yet")."""
    from service.accounts import key_sites, sites as site_accounts
    from service.store.db import session_scope
    from service.store.tables import ApiKey

    with session_scope(clean_db) as s:
        new = site_accounts.create_key(s, "https://main.example")
        choice = key_sites.site_for_blog(s, s.get(ApiKey, new.key_id), "https://olahraga.main.example")
        covered_id = choice.site.id
    html = admin.get(f"/moderation/sites/{covered_id}").get_data(as_text=True)
    assert 'id="covering-keys"' in html and f"key {new.key_id} (" in html and "https://main.example" in html
    assert "the site cannot send comments yet" not in html
