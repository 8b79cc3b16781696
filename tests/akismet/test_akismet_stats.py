"""get-stats as the WordPress plugin asks for it (Akismet_Admin::get_stats in class.akismet-admin.php:
POST key, blog, from=6-months and from=all, the stored key appended as api_key), answered with the
figures of checks and reports, through the in-process app (real Redis, real database)."""
from __future__ import annotations

import datetime as dt
import urllib.parse

import pytest
from akismet_support import BLOG

from service.checking.stats import SECONDS_SAVED_PER_SPAM, shift_month
from service.checking.usage import month_of
from service.store.db import session_scope
from service.accounts import sites

WP = {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8", "Host": "rest.akismet.com",
      "User-Agent": "WordPress/6.7.1 | Akismet/5.3.5"}
HAM_TEXT = "Thanks for the clear explanation, the second example finally made it click for me."


def wp_post(client, path: str, **fields: str):
    return client.post(path, data=urllib.parse.urlencode(fields), headers=WP)


def check(client, key: str, spam: bool, n: int) -> str:
    who = {"comment_author": "akismet-guaranteed-spam"} if spam else {"user_role": "administrator"}
    r = wp_post(client, "/1.1/comment-check", api_key=key, blog=BLOG, user_ip=f"203.0.113.{90 + n}",
                comment_content=f"{HAM_TEXT} ({n})", comment_type="comment", **who)
    assert r.text == ("true" if spam else "false"), r.headers.get("X-akismet-debug-help")
    return r.headers["X-akismet-guid"]


def report(client, key: str, label: str, guid: str) -> None:
    r = wp_post(client, f"/1.1/submit-{label}", api_key=key, blog=BLOG, user_ip="203.0.113.90", guid=guid,
                reporter="editor")
    assert r.text == "Thanks for making the web a better place."


def get_stats(client, key: str, interval: str | None) -> dict:
    fields = {"blog": BLOG, "key": key, **({"from": interval} if interval else {}), "api_key": key}
    r = wp_post(client, "/1.1/get-stats", **fields)
    assert r.status_code == 200 and r.mimetype == "application/json", r.headers.get("X-akismet-debug-help")
    return r.json


@pytest.fixture
def history(app, client, k1, clean_db):
    """This month: 3 checks answered spam, 2 ham, one missed spam and one false positive reported.
    Counted earlier: 7 spam + 3 ham three months ago, 20 spam + 5 ham eight months ago."""
    spam = [check(client, k1, True, n) for n in range(3)]
    ham = [check(client, k1, False, n) for n in range(3, 5)]
    report(client, k1, "spam", ham[0])
    report(client, k1, "ham", spam[0])
    with session_scope(clean_db) as s:
        key_id = sites.find_key(s, k1).id
    usage = app.extensions["saring"].usage
    now = dt.datetime.now(dt.timezone.utc).replace(day=1, hour=12)
    for months_ago, counts in ((3, {"api_calls": 10, "spam": 7, "ham": 3}), (8, {"api_calls": 25, "spam": 20, "ham": 5})):
        month = shift_month(month_of(now), -months_ago)
        usage.add(key_id, BLOG, counts, when=dt.datetime(int(month[:4]), int(month[5:]), 12, tzinfo=dt.timezone.utc))
    return k1


def test_six_months(client, history):
    got = get_stats(client, history, "6-months")
    this = month_of()
    assert {k: got[k] for k in ("spam", "ham", "missed_spam", "false_positives", "accuracy", "time_saved")} == {
        "spam": 10, "ham": 5, "missed_spam": 1, "false_positives": 1, "accuracy": 86.67,
        "time_saved": 9 * SECONDS_SAVED_PER_SPAM}
    assert list(got["breakdown"]) == [shift_month(this, n) for n in range(-5, 1)]
    assert got["breakdown"][this] == {"date": this, "spam": 3, "ham": 2, "missed_spam": 1, "false_positives": 1}
    assert got["breakdown"][shift_month(this, -3)]["spam"] == 7
    assert (got["interval"], got["site"]) == ("6-months", BLOG)


def test_all_time_is_also_the_default(client, history):
    got = get_stats(client, history, "all")
    assert (got["spam"], got["ham"], got["missed_spam"], got["false_positives"]) == (30, 10, 1, 1)
    assert got["accuracy"] == 95.0 and got["time_saved"] == 29 * SECONDS_SAVED_PER_SPAM
    assert list(got["breakdown"])[0] == shift_month(month_of(), -8) and len(got["breakdown"]) == 9
    assert get_stats(client, history, None) == got


def test_sixty_days(client, history):
    got = get_stats(client, history, "60-days")
    assert list(got["breakdown"])[-1] == month_of() and 2 <= len(got["breakdown"]) <= 3  # months the days touch
    assert got["spam"] == 3  # three months ago is past 60 days whatever today is


def test_a_new_key_has_zeros(client, k1):
    got = get_stats(client, k1, "6-months")
    assert (got["spam"], got["ham"], got["accuracy"], got["time_saved"]) == (0, 0, 100.0, 0)


@pytest.mark.parametrize("fields,needle", [
    ({"from": "six-months"}, "from must be one of 60-days, 6-months, all"),
    ({"from": "6-months", "blog": "/my-blog"}, "blog URI"),
    ({"from": "6-months", "key": "0123456789ab"}, "Invalid key"),
    ({"from": "6-months", "key": ""}, 'Empty "key" value'),
])
def test_bad_requests_are_invalid(client, k1, fields, needle):
    body = {"blog": BLOG, "key": k1, **fields}
    r = wp_post(client, "/1.1/get-stats", **body)
    assert r.status_code == 200 and r.text == "invalid"
    assert needle in r.headers["X-akismet-debug-help"]


def test_get_is_invalid(client, k1):
    r = client.get(f"/1.1/get-stats?key={k1}&blog={BLOG}")
    assert r.text == "invalid" and "POST" in r.headers["X-akismet-debug-help"]
