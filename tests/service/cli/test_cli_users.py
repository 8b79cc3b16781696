"""saring users / sites / comments history / webhooks / worker on the command line."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from service.cli import main

PASSWORD = "a long enough passphrase"


@pytest.fixture
def cli(cli_environ):
    runner = CliRunner()
    assert runner.invoke(main, ["keys", "create", "--site", "https://news.example"]).exit_code == 0
    return runner


def test_users_create_list_sites_token(cli, mod_app, sign_in):
    r = cli.invoke(main, ["users", "create", "--email", "mod@news.example", "--role", "moderator",
                          "--site", "https://news.example"], input=PASSWORD + "\n")
    assert r.exit_code == 0, r.output
    assert "created moderator mod@news.example" in r.output and "https://news.example" in r.output
    assert sign_in(mod_app.test_client(), "mod@news.example", PASSWORD).status_code == 302
    r = cli.invoke(main, ["users", "create", "--email", "mod@news.example", "--role", "moderator"], input=PASSWORD + "\n")
    assert r.exit_code != 0 and "already exists" in r.output
    r = cli.invoke(main, ["users", "create", "--email", "x@news.example", "--role", "moderator"], input="short\n")
    assert r.exit_code != 0 and "at least 10 characters" in r.output
    r = cli.invoke(main, ["users", "create", "--email", "x@news.example", "--role", "moderator",
                          "--site", "https://nowhere.example"], input=PASSWORD + "\n")
    assert r.exit_code != 0 and "no site" in r.output
    r = cli.invoke(main, ["users", "create", "--email", "admin@news.example", "--role", "admin"], input=PASSWORD + "\n")
    assert r.exit_code == 0
    r = cli.invoke(main, ["users", "token", "--email", "admin@news.example"])
    token = r.output.strip().splitlines()[-1]
    assert r.exit_code == 0 and token.startswith("srt_")
    resp = mod_app.test_client().get("/api/v1/queue/counts", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200
    assert cli.invoke(main, ["users", "token", "--email", "mod@news.example"]).exit_code != 0
    listing = cli.invoke(main, ["users", "list"]).output
    assert "mod@news.example" in listing and "every site" in listing and PASSWORD not in listing
    r = cli.invoke(main, ["users", "sites", "--email", "mod@news.example", "--remove", "https://news.example"])
    assert r.exit_code == 0 and "no sites" in r.output
    r = cli.invoke(main, ["users", "disable", "--email", "mod@news.example"])
    assert r.exit_code == 0
    assert sign_in(mod_app.test_client(), "mod@news.example", PASSWORD).status_code == 401


def test_sites_callback_and_thresholds(cli):
    r = cli.invoke(main, ["sites", "set-callback", "--site", "https://news.example", "--url", "https://news.example/hook"])
    assert r.exit_code == 0, r.output
    secret = r.output.strip().splitlines()[-1]
    assert len(secret) >= 40
    r = cli.invoke(main, ["sites", "set-callback", "--site", "https://news.example", "--url", "nope"])
    assert r.exit_code != 0 and "http(s)" in r.output
    r = cli.invoke(main, ["sites", "thresholds", "--site", "https://news.example", "--hold", "0.6", "--reject", "0.4"])
    assert r.exit_code != 0
    r = cli.invoke(main, ["sites", "thresholds", "--site", "https://news.example", "--hold", "0.4", "--reject", "0.9"])
    assert r.exit_code == 0 and "hold 0.4" in r.output
    listing = cli.invoke(main, ["sites", "list"]).output
    assert "https://news.example/hook" in listing and "hold 0.4" in listing and secret not in listing
    r = cli.invoke(main, ["sites", "set-callback", "--site", "https://news.example", "--clear"])
    assert r.exit_code == 0 and "removed" in r.output
    assert cli.invoke(main, ["sites", "set-callback", "--site", "https://unknown.example", "--clear"]).exit_code != 0


def test_comment_history_webhooks_and_worker(cli, clean_db, make_comment, make_user):
    from sqlalchemy import select

    from service import moderation as queue
    from service.store.tables import Site, User

    with clean_db.session() as s:
        site_id = s.scalar(select(Site.id))
    cli.invoke(main, ["sites", "set-callback", "--site", "https://news.example", "--url", "http://127.0.0.1:9/hook"])
    cid = make_comment(site_id)
    uid = make_user("mod@news.example", "moderator", ["https://news.example"])
    with clean_db.session() as s:
        actor = queue.Actor.of(s.get(User, uid))
        queue.act(s, actor, "spam", [cid])
        queue.undo(s, actor, cid)
        queue.act(s, actor, "approve", [cid])
    r = cli.invoke(main, ["comments", "history", cid])
    assert r.exit_code == 0
    lines = r.output.strip().splitlines()
    assert "status accepted" in lines[0] and "label ham" in lines[0]
    log = lines.index("  audit log:")
    why = lines[1:log]
    assert why and all(ln.startswith("  why: ") for ln in why)
    assert any("by rule score" in ln for ln in why) and any(ln.startswith("  why: thresholds hold") for ln in why)
    events = lines[log + 1:]
    assert [ln.split()[3] for ln in events] == ["decide", "spam", "undo", "approve"]
    assert "(undone)" in events[1]
    assert cli.invoke(main, ["comments", "history", "0" * 32]).exit_code != 0
    r = cli.invoke(main, ["webhooks", "list"])
    assert r.output.count("pending") == 3  # recorded, no job enqueued (jobs=None)
    assert "enqueued 3" in cli.invoke(main, ["webhooks", "sweep"]).output
    r = cli.invoke(main, ["worker", "--burst"])
    assert r.exit_code == 0, r.output
    # nothing listens on port 9: every delivery has an error and waits for its scheduled retry
    listing = cli.invoke(main, ["webhooks", "list"]).output
    assert "ConnectError" in listing and "delivered" not in listing


@pytest.mark.parametrize("site", ["http://[::1", "https://news.example:99999", "https://news.example:abc",
                                  "https://a\udcff.example"])
def test_bad_site_urls_are_clean_errors(cli, site):
    r = cli.invoke(main, ["users", "create", "--email", "x@news.example", "--role", "moderator", "--site", site],
                   input=PASSWORD + "\n")
    assert r.exit_code == 1 and r.exception is None or isinstance(r.exception, SystemExit), r.exception
    assert "site must be an absolute http(s) URL" in r.output
    r = cli.invoke(main, ["sites", "set-callback", "--site", site, "--url", "https://news.example/hook"])
    assert r.exit_code == 1 and "site must be an absolute http(s) URL" in r.output, r.output


@pytest.mark.parametrize("url", ["http://[::1", "https://news.example:99999/hook", "https://a\udcff.example/hook",
                                 "https://news.example/ho\x00ok"])
def test_bad_callback_url_is_a_clean_error(cli, url):
    r = cli.invoke(main, ["sites", "set-callback", "--site", "https://news.example", "--url", url])
    assert r.exit_code == 1 and "url must be an absolute http(s) URL" in r.output, (r.output, r.exception)


def test_users_create_refuses_an_undecodable_email(cli):
    r = cli.invoke(main, ["users", "create", "--email", "m\udcff@news.example", "--role", "admin"], input=PASSWORD + "\n")
    assert r.exit_code == 1 and "is not an e-mail address" in r.output, (r.output, r.exception)


def test_sites_thresholds_rules(cli):
    def thresholds(*args: str):
        return cli.invoke(main, ["sites", "thresholds", "--site", "https://news.example", *args])

    r = thresholds("--hold", "0.5")
    assert r.exit_code == 2 and "give both --hold and --reject the first time" in r.output, r.output
    assert thresholds("--hold", "0.4", "--reject", "0.9").exit_code == 0
    r = thresholds("--hold", "0.5")
    assert r.exit_code == 0 and "other  hold 0.500  reject 0.900  [site]" in r.output, r.output
    r = thresholds("--reject", "0.3")
    assert r.exit_code == 2 and "Invalid value for --hold/--reject" in r.output and "hold <= reject" in r.output, r.output
    assert "hold 0.5, reject 0.9" in cli.invoke(main, ["sites", "list"]).output  # unchanged
    r = thresholds("--lang", "id", "--hold", "0.2", "--reject", "0.8")
    assert r.exit_code == 0 and "id     hold 0.200  reject 0.800  [site_lang]" in r.output, r.output
    assert "id: 0.2/0.8" in cli.invoke(main, ["sites", "list"]).output
    r = thresholds("--lang", "xx", "--hold", "0.2", "--reject", "0.8")
    assert r.exit_code == 2 and "Invalid value for --lang" in r.output and "unknown language 'xx'" in r.output, r.output
    r = thresholds("--model-default", "--lang", "id")
    assert r.exit_code == 0 and "[site_lang]" not in r.output and "[site]" in r.output, r.output
    r = thresholds("--model-default")
    assert r.exit_code == 0 and "[site" not in r.output and "[model_lang]" in r.output and "[model]" in r.output, r.output
    assert "hold model, reject model" in cli.invoke(main, ["sites", "list"]).output
    r = cli.invoke(main, ["sites", "thresholds", "--site", "http://[::1", "--hold", "0.1", "--reject", "0.2"])
    assert r.exit_code == 1 and "site must be an absolute http(s) URL" in r.output, (r.output, r.exception)
    r = cli.invoke(main, ["sites", "thresholds", "--site", "https://unknown.example", "--model-default"])
    assert r.exit_code == 1 and "no site 'https://unknown.example'" in r.output, r.output


def test_comment_history_prints_no_control_characters(cli, clean_db, make_comment):
    """A reason quoting a comment, or a moderator's note, with an escape sequence or a direction
    override is printed escaped: it cannot clear the terminal or reverse the line."""
    from sqlalchemy import select

    from service.store.tables import Comment, Site

    with clean_db.session() as s:
        site_id = s.scalar(select(Site.id))
    cid = make_comment(site_id)
    with clean_db.session() as s:
        s.get(Comment, cid).reasons = ['Gambling term "\x1b[2JPSTOTO99"', "line\nbreak \u202eevil"]
        s.commit()
    r = cli.invoke(main, ["comments", "history", cid])
    assert r.exit_code == 0, r.output
    assert "\x1b" not in r.output and "\u202e" not in r.output
    assert 'reason: Gambling term "\\x1b[2JPSTOTO99"' in r.output and "line\\nbreak \\u202eevil" in r.output


def test_sites_thresholds_refuses_what_it_cannot_mean(cli):
    """An empty --lang (an unset shell variable) set every language; --lang id,en set only id;
    --model-default dropped --hold/--reject silently. Each is refused and nothing changes."""
    def thresholds(*args: str):
        return cli.invoke(main, ["sites", "thresholds", "--site", "https://news.example", *args])

    assert thresholds("--hold", "0.4", "--reject", "0.9").exit_code == 0
    for lang in ("", "  ", "id,en"):
        r = thresholds("--lang", lang, "--hold", "0.1", "--reject", "0.2")
        assert r.exit_code == 2 and "Invalid value for --lang" in r.output and "one language code" in r.output, r.output
        r = thresholds("--lang", lang, "--model-default")
        assert r.exit_code == 2 and "Invalid value for --lang" in r.output, r.output
    r = thresholds("--model-default", "--hold", "0.1")
    assert r.exit_code == 2 and "without --hold/--reject" in r.output, r.output
    listing = cli.invoke(main, ["sites", "list"]).output
    assert "hold 0.4, reject 0.9" in listing and "id:" not in listing, listing
