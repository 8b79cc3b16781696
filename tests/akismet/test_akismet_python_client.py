"""The real Python ``akismet`` client (PyPI, 25.10.1) against Saring: checks 1–12 of the reference's
section 10, each with SyncClient (in-process app) and AsyncClient (live gunicorn)."""
from __future__ import annotations

import urllib.parse

import akismet
import httpx
import pytest
from akismet_support import BLOG, KX, Driver, stored
from sqlalchemy import func, select

from service.store.db import session_scope
from service.store.tables import Label

HAM_TEXT = ("Thanks for the clear explanation, the second example finally made it click for me. "
            "I tried it on my own data and it worked the first time.")


def form_of(record: dict) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(record["body"], keep_blank_values=True)


def last(driver: Driver, path: str) -> dict:
    return [r for r in driver.records() if r["path"] == path][-1]


def test_client_version_is_the_current_release():
    from importlib.metadata import version

    assert version("akismet") == "25.10.1"
    assert akismet.USER_AGENT.startswith("akismet.py/25.10.1")


def test_1_validated_client(driver, k1):
    driver.validated(k1)
    record = last(driver, "/1.1/verify-key")
    assert form_of(record) == {"key": [k1], "blog": [BLOG]}
    assert record["host"] == "rest.akismet.com"
    with pytest.raises(akismet.APIKeyError):
        driver.validated(KX)


def test_2_ham(driver, k1, clean_db):
    assert driver.call(k1, "comment_check", "203.0.113.9", comment_content="Nice post") == akismet.CheckResponse.HAM


def test_2b_longer_ham_is_stored_with_guid(driver, k1, clean_db):
    assert driver.call(k1, "comment_check", "203.0.113.10", comment_content=HAM_TEXT,
                       comment_author="Dana") == akismet.CheckResponse.HAM
    rows = _comments(clean_db)
    assert len(rows) == 1 and rows[0].decision == "accept" and rows[0].source == "akismet"


def test_3_spam_author(driver, k1):
    assert driver.call(k1, "comment_check", "203.0.113.11", comment_content="Nice post",
                       comment_author="akismet-guaranteed-spam") == akismet.CheckResponse.SPAM


def test_4_spam_email_and_admin_role(driver, k1):
    assert driver.call(k1, "comment_check", "203.0.113.12", comment_content="Nice post",
                       comment_author_email="akismet-guaranteed-spam@example.com") == akismet.CheckResponse.SPAM
    assert driver.call(k1, "comment_check", "203.0.113.13", comment_content="Nice post",
                       user_role="administrator") == akismet.CheckResponse.HAM


def test_4b_role_wins_over_spam_trigger(driver, k1):
    assert driver.call(k1, "comment_check", "203.0.113.14", comment_author="akismet-guaranteed-spam",
                       user_role="administrator") == akismet.CheckResponse.HAM


def test_5_is_test_and_context(driver, k1, clean_db):
    driver.call(k1, "comment_check", "203.0.113.15", comment_content=HAM_TEXT, is_test=True,
                comment_context=["news", "tips"])
    sent = form_of(last(driver, "/1.1/comment-check"))
    assert sent["is_test"] == ["true"] and sent["comment_context"] == ["news", "tips"]
    (row,) = _comments(clean_db)
    assert row.is_test is True and row.comment_context == ["news", "tips"]


def test_6_ipv6_and_emoji_only(driver, k1, clean_db):
    answer = driver.call(k1, "comment_check", "2001:db8::1", comment_content="\U0001f642")
    assert answer in (akismet.CheckResponse.HAM, akismet.CheckResponse.SPAM)
    (row,) = _comments(clean_db)
    assert row.user_ip == "2001:db8::1" and row.content == "\U0001f642"


def test_7_submit_spam_and_ham_are_feedback(driver, k1, clean_db):
    kw = {"comment_content": "Cheap pills at pharmacy-deals.example, buy now", "comment_author": "Bo"}
    assert driver.call(k1, "submit_spam", "198.51.100.20", **kw) is True
    assert driver.call(k1, "submit_spam", "198.51.100.20", **kw) is True
    assert driver.call(k1, "submit_ham", "198.51.100.21", comment_content=HAM_TEXT, comment_author="Cy") is True
    rows = {r.content: r for r in _comments(clean_db)}
    assert len(rows) == 2
    with session_scope(clean_db) as s:
        labels = dict(s.execute(select(Label.comment_id, Label.label)).all())
        assert s.scalar(select(func.count()).select_from(Label)) == 2
    assert labels[rows[kw["comment_content"]].id] == "spam" and labels[rows[HAM_TEXT].id] == "ham"


def test_8_usage_limit(driver, k1):
    driver.call(k1, "comment_check", "203.0.113.16", comment_content=HAM_TEXT)
    usage = driver.call(k1, "usage_limit")
    assert set(usage) >= {"limit", "usage", "percentage", "throttled"}
    assert usage["usage"] == 1 and usage["limit"] == "none" and usage["throttled"] is False
    assert usage["percentage"] == "0.00"


@pytest.mark.parametrize("result_format", ["json", "csv"])
def test_9_key_sites_without_api_key_is_invalid(driver, k1, result_format):
    """Documented choice: 25.10.1 sends no api_key to key-sites; we answer invalid, like Akismet."""
    with pytest.raises(akismet.APIKeyError):
        driver.call(k1, "key_sites", result_format=result_format)
    record = last(driver, "/1.2/key-sites")
    assert "api_key" not in urllib.parse.parse_qs(record["query"])


def test_11_invalid_key_on_comment_check_raises_api_key_error(driver, k1):
    with pytest.raises(akismet.APIKeyError):
        driver.call(KX, "comment_check", "203.0.113.17", comment_content="Nice post")


def test_12_trailing_newline_is_a_protocol_error(app, k1):
    """Regression guard: the client compares bodies exactly, so ``true\\n`` must fail."""

    def add_newline(environ, start_response):
        body = b"".join(app(environ, start_response))
        return [body + b"\n"]

    transport = httpx.WSGITransport(app=add_newline)
    with httpx.Client(transport=transport, headers={"User-Agent": akismet.USER_AGENT}) as http_client:
        client = akismet.SyncClient(config=akismet.Config(key=k1, url=BLOG), http_client=http_client)
        with pytest.raises(akismet.ProtocolError):
            client.comment_check("203.0.113.18", comment_author="akismet-guaranteed-spam")


def test_api_url_monkeypatch_sync_and_async(live_server, k1, monkeypatch):
    """The test-only shortcut of section 9.1: the clients' own httpx clients, ``_API_URL`` patched."""
    import asyncio

    import akismet._common

    monkeypatch.setattr(akismet._common, "_API_URL", live_server.url)
    config = akismet.Config(key=k1, url=BLOG)
    with akismet.SyncClient.validated_client(config=config) as client:
        assert client.comment_check("203.0.113.19", comment_author="akismet-guaranteed-spam") == akismet.CheckResponse.SPAM

    async def run():
        async with akismet.AsyncClient(config=config) as client:
            return await client.comment_check("203.0.113.20", comment_content=HAM_TEXT)
    assert asyncio.run(run()) == akismet.CheckResponse.HAM


def test_10_sixty_kb_comments_within_default_timeout(live_server, k1, monkeypatch):
    """200 sequential comment-checks with a 60 kB body through the client's own httpx client and its
    default 1 s timeout: a slower answer would raise ``RequestError`` (timings: benchmarks/)."""
    import akismet._common

    assert akismet._common._TIMEOUT == 1.0
    monkeypatch.setattr(akismet._common, "_API_URL", live_server.url)
    paragraph = ("The council met on Tuesday to discuss the new bus lanes along the river road, and most "
                 "residents who spoke were in favour of extending them to the market. ")
    content = (paragraph * (60_000 // len(paragraph) + 1))[:60_000]
    client = akismet.SyncClient(config=akismet.Config(key=k1, url=BLOG))
    for i in range(200):
        assert client.comment_check(f"203.0.{i // 250}.{i % 250 + 1}", comment_content=content + str(i)) in (
            akismet.CheckResponse.HAM, akismet.CheckResponse.SPAM, akismet.CheckResponse.DISCARD)


def _comments(database):
    from service.store.tables import Comment

    with session_scope(database) as s:
        rows = list(s.scalars(select(Comment).order_by(Comment.created_at)))
        for row in rows:
            s.expunge(row)
        return rows


def test_guid_header_is_the_stored_comment(app, k1, clean_db):
    client = app.test_client()
    r = client.post("/1.1/comment-check", data={"api_key": k1, "blog": BLOG, "user_ip": "203.0.113.21",
                                                 "comment_content": HAM_TEXT})
    guid = r.headers["X-akismet-guid"]
    assert stored(clean_db, guid) is not None
