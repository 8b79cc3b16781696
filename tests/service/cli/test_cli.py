"""The saring CLI: keys create/list/revoke, db upgrade."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from service.cli import main


@pytest.fixture
def cli_env(test_config, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", test_config["database_url"])
    monkeypatch.setenv("REDIS_URL", test_config["redis_url"])
    monkeypatch.setenv("SARING_HOME", str(test_config["home"]))
    return CliRunner()


def test_keys_create_prints_key_last_and_it_works(cli_env, app, client):
    r = cli_env.invoke(main, ["keys", "create", "--site", "https://Blog.Example/"])
    assert r.exit_code == 0, r.output
    key = r.output.strip().splitlines()[-1]
    assert len(key) == 12 and all(c in "0123456789abcdef" for c in key)
    resp = client.post("/api/v1/comments", json={"content": "hello"}, headers={"Authorization": f"Bearer {key}"})
    assert resp.status_code == 200
    listing = cli_env.invoke(main, ["keys", "list"])
    assert "https://blog.example" in listing.output and key not in listing.output  # only a hint is shown
    revoke = cli_env.invoke(main, ["keys", "revoke", key])
    assert revoke.exit_code == 0 and "revoked" in revoke.output
    resp = client.post("/api/v1/comments", json={"content": "hello"}, headers={"Authorization": f"Bearer {key}"})
    assert resp.status_code == 401


def test_keys_are_stored_hashed(cli_env, app):
    from sqlalchemy import select

    from service.store.tables import ApiKey

    key = cli_env.invoke(main, ["keys", "create", "--site", "https://x.example"]).output.strip().splitlines()[-1]
    with app.extensions["saring"].db.session() as s:
        stored = s.scalars(select(ApiKey.key_hash)).all()
    assert key not in stored and len(stored[0]) == 64


@pytest.mark.parametrize("site", ["not a url", "ftp://x.example", "/relative"])
def test_keys_create_refuses_bad_site(cli_env, site):
    r = cli_env.invoke(main, ["keys", "create", "--site", site])
    assert r.exit_code != 0 and "site" in r.output.lower()


def test_revoke_unknown_key(cli_env):
    r = cli_env.invoke(main, ["keys", "revoke", "999999"])
    assert r.exit_code != 0 and "no key" in r.output


def test_db_upgrade(cli_env):
    r = cli_env.invoke(main, ["db", "upgrade"])
    assert r.exit_code == 0 and "revision" in r.output


@pytest.mark.parametrize("site", ["https://x:99999", "http://[::1", "https://a:abc", "https://a\r\nb.example"])
def test_keys_create_refuses_malformed_urls_cleanly(cli_env, site):
    r = cli_env.invoke(main, ["keys", "create", "--site", site])
    assert r.exit_code == 2 and "site" in r.output.lower() and "Traceback" not in r.output


def test_revoke_huge_id_is_a_clean_error(cli_env):
    r = cli_env.invoke(main, ["keys", "revoke", "9" * 30])
    assert r.exit_code == 1 and "no key" in r.output


def test_ipv6_site_keeps_brackets():
    from service.accounts.sites import normalize_site_url

    assert normalize_site_url("http://[::1]:8080/blog/") == "http://[::1]:8080/blog"
    assert normalize_site_url("http://[::1]:80/blog/") == "http://[::1]/blog"  # the default port goes


@pytest.mark.parametrize("limit", ["-1", "0", "99999999999999999999999"])
def test_webhooks_list_limit_out_of_range_is_a_usage_error(cli_env, limit):
    r = cli_env.invoke(main, ["webhooks", "list", "--limit", limit])
    assert r.exit_code == 2 and "--limit" in r.output and "Traceback" not in r.output


def test_keys_list_shows_the_sites_a_key_covers(cli_env, app, client):
    key = cli_env.invoke(main, ["keys", "create", "--site", "https://blog.example"]).output.strip().splitlines()[-1]
    r = client.post("/1.1/comment-check", data={"api_key": key, "blog": "https://shop.example", "user_ip": "203.0.113.9",
                                                "user_role": "administrator"})
    assert r.text == "false"
    listing = cli_env.invoke(main, ["keys", "list"]).output
    assert "also covers: https://shop.example" in listing, listing


def test_keys_create_for_a_site_another_key_named_first_says_so_and_ends_its_cover(cli_env, app, client):
    key = cli_env.invoke(main, ["keys", "create", "--site", "https://blog.example"]).output.strip().splitlines()[-1]
    client.post("/1.1/comment-check", data={"api_key": key, "blog": "https://shop.example", "user_ip": "203.0.113.9",
                                            "user_role": "administrator"})
    r = cli_env.invoke(main, ["keys", "create", "--site", "https://shop.example"])
    assert r.exit_code == 0, r.output
    lines = r.output.strip().splitlines()
    assert len(lines[-1]) == 12 and "was first named as a blog by key" in r.output, r.output
    assert "also covers" not in cli_env.invoke(main, ["keys", "list"]).output
