"""The audit log of site settings (``site_events``): written with each change — on the page, on the
command line and through the admin API — in the change's transaction, never on a refused change,
never with a secret or a full key; shown on the site settings page newest first, 50 a page."""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from site_settings_helpers import ADMIN, actions, events, page_and_token, user_id

from service.accounts import sites, users
from service.cli import main
from service.learning import lists
from service.store import site_audit
from service.store.db import session_scope
from service.store.tables import Site, SiteEvent


@pytest.fixture
def db(mod_app):
    return mod_app.extensions["saring"].db


# --------------------------------------------------------------------------- the page's list and learning forms


def test_list_and_learning_changes_on_the_page_are_audited(db, admin_client, site_world):
    news = site_world["news"]
    _, token = page_and_token(admin_client, news)
    admin_id = user_id(db, ADMIN)
    r = admin_client.post(f"/moderation/sites/{news}/lists", data={"csrf_token": token, "kind": "domain",
                                                                   "value": "https://Casino.example/x", "action": "reject",
                                                                   "note": "gambling"})
    assert r.status_code == 302
    ev = events(db, news)[0]
    with db.session() as s:
        entry_id = lists.entries_of(s, news)[0].id
    assert (ev.action, ev.actor, ev.user_id) == ("list_add", ADMIN, admin_id)
    assert ev.detail == {"entry_id": entry_id, "kind": "domain", "value": "casino.example", "list_action": "reject",
                         "note": "gambling", "previous_action": None}
    admin_client.post(f"/moderation/sites/{news}/lists", data={"csrf_token": token, "kind": "domain",
                                                               "value": "casino.example", "action": "hold", "note": ""})
    assert events(db, news)[0].detail["previous_action"] == "reject"
    assert admin_client.post(f"/moderation/sites/{news}/lists/{entry_id}/remove", data={"csrf_token": token}).status_code == 302
    ev = events(db, news)[0]
    assert ev.action == "list_remove" and ev.detail == {"entry_id": entry_id, "kind": "domain", "value": "casino.example",
                                                        "list_action": "hold"}
    r = admin_client.post(f"/moderation/sites/{news}/learning", data={"csrf_token": token, "shadow_mode": "on",
                                                                      "languages": "id, en"})
    assert r.status_code == 302
    ev = events(db, news)[0]
    assert ev.action == "learning_change" and ev.detail == {"changes": {"shadow_mode": [False, True],
                                                                        "languages": [[], ["id", "en"]]}}
    # the same again changes nothing: no row
    count = len(events(db, news))
    admin_client.post(f"/moderation/sites/{news}/learning", data={"csrf_token": token, "shadow_mode": "on", "languages": "id en"})
    assert len(events(db, news)) == count
    html = admin_client.get(f"/moderation/sites/{news}").get_data(as_text=True)
    assert "learning: shadow_mode off → on; languages none → id, en" in html


def test_refused_list_and_learning_changes_write_no_row(db, admin_client, site_world):
    news = site_world["news"]
    _, token = page_and_token(admin_client, news)
    before = actions(db, news)
    assert admin_client.post(f"/moderation/sites/{news}/lists", data={"csrf_token": token, "kind": "ip", "value": "999.1.1.1",
                                                                      "action": "reject"}).status_code == 400
    assert admin_client.post(f"/moderation/sites/{news}/learning", data={"csrf_token": token,
                                                                         "languages": "english"}).status_code == 400
    assert admin_client.post(f"/moderation/sites/{news}/lists/999/remove", data={"csrf_token": token}).status_code == 404
    assert actions(db, news) == before


# --------------------------------------------------------------------------- shown on the page


def test_the_page_shows_the_log_newest_first_fifty_a_page(db, as_user, site_world):
    news = site_world["news"]
    with session_scope(db) as s:
        site = s.get(Site, news)
        for i in range(60):
            sites.set_thresholds(s, site, round(0.3 + i / 1000, 3), 0.99, actor=f"admin{i}@saring.test")
        s.add(SiteEvent(site_id=site_world["other"], action="secret_rotate", actor="someone@other.example", detail={}))
    client = as_user("mod@news.example")  # moderators see the log too
    html, _ = page_and_token(client, news)
    section = re.search(r'<section class="panel" id="audit".*?</section>', html, re.S).group(0)
    shown = re.findall(r'<td class="by">([^<]+)</td>', section)
    assert len(shown) == 50 and shown[:2] == ["admin59@saring.test", "admin58@saring.test"] and shown[-1] == "admin10@saring.test"
    assert "thresholds for every language: 0.358 / 0.99 → 0.359 / 0.99" in section
    assert "someone@other.example" not in html
    older = re.search(r'href="(/moderation/sites/\d+\?before=\d+)#audit" rel="next"', section).group(1)
    section = re.search(r'<section class="panel" id="audit".*?</section>', client.get(older).get_data(as_text=True), re.S).group(0)
    shown = re.findall(r'<td class="by">([^<]+)</td>', section)
    # the ten older threshold changes, then the site's and its moderators' creation (no actor: fixtures)
    assert shown[:10] == [f"admin{i}@saring.test" for i in range(9, -1, -1)] and set(shown[10:]) == {"—"}
    assert 'rel="next"' not in section and "← Newest" in section
    assert client.get(f"/moderation/sites/{news}?before=abc").status_code == 200


# --------------------------------------------------------------------------- the command line


@pytest.fixture
def cli(cli_environ):
    runner = CliRunner()

    def run(*args: str, stdin: str | None = None) -> str:
        r = runner.invoke(main, list(args), input=stdin)
        assert r.exit_code == 0, r.output
        return r.output

    return run


def test_changes_on_the_command_line_are_audited_as_cli(db, cli):
    key = cli("keys", "create", "--site", "https://news.example", "--label", "prod").strip().splitlines()[-1]
    with db.session() as s:
        news = sites.find_site(s, "https://news.example").id
        key_id = sites.find_key(s, key).id
    cli("sites", "thresholds", "--site", "https://news.example", "--hold", "0.4", "--reject", "0.9", "--lang", "id")
    cli("sites", "thresholds", "--site", "https://news.example", "--model-default")
    secret = cli("sites", "set-callback", "--site", "https://news.example", "--url", "https://93.184.216.34/hook").strip().splitlines()[-1]
    rotated = cli("sites", "rotate-secret", "--site", "https://news.example").strip().splitlines()[-1]
    cli("sites", "set-callback", "--site", "https://news.example", "--clear")
    cli("keys", "revoke", str(key_id))
    cli("users", "create", "--email", "mod@news.example", "--role", "moderator", "--site", "https://news.example",
        stdin="a long enough passphrase\n")
    cli("users", "sites", "--email", "mod@news.example", "--remove", "https://news.example")
    cli("sites", "lists", "add", "--site", "https://news.example", "--kind", "word", "--value", "slot gacor", "--action", "reject")
    with db.session() as s:
        entry_id = lists.entries_of(s, news)[0].id
    cli("sites", "lists", "remove", "--site", "https://news.example", str(entry_id))
    cli("sites", "learning", "--site", "https://news.example", "--shadow", "--set", "trust_min_approvals=3")
    rows = events(db, news)[::-1]
    assert [e.action for e in rows] == ["site_create", "key_create", "thresholds_set", "thresholds_clear", "callback_set",
                                        "secret_rotate", "callback_clear", "key_revoke", "moderator_add",
                                        "moderator_remove", "list_add", "list_remove", "learning_change"]
    assert {e.actor for e in rows} == {"cli"} and {e.user_id for e in rows} == {None}
    assert rows[1].detail == {"key_id": key_id, "hint": key[:2], "label": "prod"}
    assert rows[-1].detail == {"changes": {"shadow_mode": [False, True], "trust_min_approvals": [None, 3]}}
    stored = str([e.detail for e in rows])
    assert key not in stored and secret not in stored and rotated not in stored and secret != rotated
    out = cli("sites", "events", "--site", "https://news.example")
    lines = out.strip().splitlines()
    assert len(lines) == 13 and "learning: shadow_mode off → on; trust_min_approvals default → 3" in lines[0]
    assert "site registered (https://news.example)" in lines[-1] and " cli " in lines[0]
    assert key not in out and secret not in out and rotated not in out


def test_a_refused_cli_change_writes_no_row(db, cli):
    cli("keys", "create", "--site", "https://news.example")
    with db.session() as s:
        news = sites.find_site(s, "https://news.example").id
    before = actions(db, news)
    r = CliRunner().invoke(main, ["sites", "thresholds", "--site", "https://news.example", "--hold", "0.9", "--reject", "0.1"])
    assert r.exit_code != 0
    r = CliRunner().invoke(main, ["sites", "rotate-secret", "--site", "https://news.example"])
    assert r.exit_code != 0 and "no callback URL" in r.output
    assert actions(db, news) == before


# --------------------------------------------------------------------------- the admin JSON API


def test_admin_api_changes_are_audited_with_the_admin(db, mod_app, make_site, make_user):
    news = make_site("https://news.example")
    make_user("admin@example.com", "admin")
    with session_scope(db) as s:
        user = users.get_user(s, "admin@example.com")
        h = {"Authorization": "Bearer " + users.create_api_token(s, user)}
        admin_id = user.id
    c = mod_app.test_client()
    r = c.patch(f"/api/v1/admin/sites/{news}/learning", json={"languages": ["id"], "settings": {"flood_text_senders": 5}}, headers=h)
    assert r.status_code == 200
    r = c.post(f"/api/v1/admin/sites/{news}/lists", json={"kind": "word", "value": "judi", "action": "hold"}, headers=h)
    assert r.status_code == 201
    assert c.delete(f"/api/v1/admin/sites/{news}/lists/{r.get_json()['id']}", headers=h).status_code == 204
    bad = c.patch(f"/api/v1/admin/sites/{news}/learning", json={"languages": ["english"]}, headers=h)
    assert bad.status_code == 400
    rows = events(db, news)
    assert [e.action for e in rows] == ["list_remove", "list_add", "learning_change", "site_create"]
    assert all((e.actor, e.user_id) == ("admin@example.com", admin_id) for e in rows[:3])
    assert rows[2].detail == {"changes": {"languages": [[], ["id"]], "flood_text_senders": [None, 5]}}


# --------------------------------------------------------------------------- the writer itself


def test_record_refuses_secrets_and_unknown_actions(db, make_site):
    news = make_site("https://news.example")
    with db.session() as s:
        for name in ("secret", "callback_secret", "key", "token", "password"):
            with pytest.raises(ValueError, match="must not carry"):
                site_audit.record(s, news, "secret_rotate", "cli", None, {name: "x"})
        with pytest.raises(ValueError, match="unknown site event"):
            site_audit.record(s, news, "dance", "cli")
        s.rollback()


def test_the_row_is_part_of_the_changes_transaction(db, make_site):
    """A rolled-back change leaves no row; a committed one leaves exactly one."""
    news = make_site("https://news.example")
    before = len(events(db, news))
    with db.session() as s:
        sites.set_thresholds(s, s.get(Site, news), 0.4, 0.9)
        s.rollback()
    assert len(events(db, news)) == before
    with session_scope(db) as s:
        sites.set_thresholds(s, s.get(Site, news), 0.4, 0.9)
    assert len(events(db, news)) == before + 1
