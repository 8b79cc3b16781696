"""WordPress-shaped raw HTTP/1.0 requests (what no client library sends) and protocol edge cases:
checks 20–30 of the reference's section 10, against the live gunicorn server."""
from __future__ import annotations

import urllib.parse

import pytest
from akismet_support import BLOG, KX, stored

from service.accounts import sites
from service.store.db import session_scope

WP_UA = "WordPress/6.7.1 | Akismet/5.3.5"
HAM_TEXT = "Thanks for the clear explanation, the second example finally made it click for me."
BODIES = {"true", "false", "valid", "invalid", "Thanks for making the web a better place.", "deactivated"}


def wp_headers(charset: str = "UTF-8", host: str = "rest.akismet.com") -> dict[str, str]:
    return {"Content-Type": f"application/x-www-form-urlencoded; charset={charset}", "Host": host,
            "User-Agent": WP_UA}


def form(**fields: str) -> str:
    return urllib.parse.urlencode(fields)


def check_plain(answer, body: str | None = None) -> None:
    """Check 30: status 200, exact token, no BOM, no newline, text/plain; charset=utf-8."""
    assert answer.status == 200
    assert answer.header("Content-Type") == "text/plain; charset=utf-8"
    assert answer.text in BODIES
    assert not answer.body.startswith(b"\xef\xbb\xbf") and not answer.body.endswith(b"\n")
    if body is not None:
        assert answer.text == body, (answer.text, answer.header("X-akismet-debug-help"))


def test_20_verify_key_prefers_new_key(live_server, k1, clean_db):
    with session_scope(clean_db) as s:
        old = sites.create_key(s, "http://other.example").key
    answer = live_server.raw("POST", "/1.1/verify-key", f"key={k1}&blog=http%3A%2F%2Fblog.example&api_key={old}",
                             wp_headers())
    check_plain(answer, "valid")
    answer = live_server.raw("POST", "/1.1/verify-key", f"key={KX}&blog=http%3A%2F%2Fblog.example&api_key={old}",
                             wp_headers())
    check_plain(answer, "invalid")
    assert answer.header("X-akismet-debug-help")


def test_21_latin1_comment_is_decoded(live_server, k1, clean_db):
    body = (f"api_key={k1}&blog=http%3A%2F%2Fblog.example&user_ip=203.0.113.30&blog_charset=ISO-8859-1"
            "&comment_content=caf%E9")
    answer = live_server.raw("POST", "/1.1/comment-check", body, wp_headers("ISO-8859-1"))
    check_plain(answer)
    assert stored(clean_db, answer.header("X-akismet-guid")).content == "café"


def test_22_wordpress_context_and_environment_fields(live_server, k1, clean_db):
    fields = {"api_key": k1, "blog": BLOG, "user_ip": "203.0.113.31", "comment_content": HAM_TEXT,
              "comment_type": "comment", "comment_author": "Rina", "comment_post_ID": "12", "user_ID": "0",
              "akismet_comment_nonce": "passed", "REMOTE_ADDR": "203.0.113.31",
              "REQUEST_URI": "/wp-comments-post.php"}
    for i in range(30):
        fields[f"HTTP_X_HEADER_{i}"] = f"value {i}"
        fields[f"POST_field_{i}"] = f"posted {i}"
    body = form(**fields) + "&comment_context%5B0%5D=News&comment_context%5B1%5D=Tips"
    answer = live_server.raw("POST", "/1.1/comment-check", body, wp_headers())
    check_plain(answer)
    row = stored(clean_db, answer.header("X-akismet-guid"))
    assert row.comment_context == ["News", "Tips"]
    assert row.extra["env"]["HTTP_X_HEADER_29"] == "value 29" and row.extra["env"]["akismet_comment_nonce"] == "passed"
    assert len(row.extra["env"]) == 65


def test_23_admin_and_editor_roles_are_ham(live_server, k1):
    body = form(api_key=k1, blog=BLOG, user_ip="203.0.113.32", comment_content="Buy cheap viagra now",
                user_role="administrator,editor")
    check_plain(live_server.raw("POST", "/1.1/comment-check", body, wp_headers()), "false")


def test_24_host_rest_akismet_com_on_loopback(live_server, k1):
    body = form(api_key=k1, blog=BLOG, user_ip="203.0.113.33", comment_content=HAM_TEXT)
    answer = live_server.raw("POST", "/1.1/comment-check", body, wp_headers(host="rest.akismet.com"))
    check_plain(answer, "false")
    assert live_server.records()[-1]["host"] == "rest.akismet.com"


def test_25_key_as_host_subdomain(live_server, k1):
    body = form(blog=BLOG, user_ip="203.0.113.34", comment_author="akismet-guaranteed-spam")
    answer = live_server.raw("POST", "/1.1/comment-check", body, wp_headers(host=f"{k1}.rest.akismet.com"))
    check_plain(answer, "true")
    answer = live_server.raw("POST", "/1.1/comment-check", body, wp_headers(host=f"{KX}.rest.akismet.com"))
    check_plain(answer, "invalid")


@pytest.mark.parametrize("comment_type", ["pingback", "trackback", "webmention", "review", "", "signup"])
def test_26_comment_types(live_server, k1, comment_type):
    body = form(api_key=k1, blog=BLOG, user_ip="203.0.113.35", comment_content=HAM_TEXT, comment_type=comment_type)
    answer = live_server.raw("POST", "/1.1/comment-check", body, wp_headers())
    check_plain(answer)
    assert answer.text in ("true", "false")


def test_27_admin_screens(live_server, k1):
    import json

    body = form(key=k1, blog=BLOG)
    answer = live_server.raw("POST", "/1.1/get-subscription", body, wp_headers())
    assert answer.status == 200 and json.loads(answer.body)["status"] == "active"
    check_plain(live_server.raw("POST", "/1.1/deactivate", body, wp_headers()), "deactivated")
    answer = live_server.raw("POST", "/1.1/get-stats", body + "&from=6-months", wp_headers())
    figures = json.loads(answer.body)
    assert answer.status == 200 and answer.header("Content-Type") == "application/json"
    assert set(figures) >= {"spam", "ham", "missed_spam", "false_positives", "accuracy", "time_saved", "breakdown"}
    assert len(figures["breakdown"]) == 6  # this month and the five before (the figures: test_akismet_stats.py)
    answer = live_server.raw("POST", "/1.2/get-key-stats", form(key=k1), wp_headers())
    assert answer.status == 200 and set(json.loads(answer.body)) >= {"month", "api_calls", "spam", "ham"}
    check_plain(live_server.raw("POST", "/1.1/deactivate", form(key=KX, blog=BLOG), wp_headers()), "invalid")


@pytest.mark.parametrize("case,body,needle", [
    ("missing key", "blog=http%3A%2F%2Fblog.example&user_ip=203.0.113.36", '"api_key"'),
    ("unknown key", f"api_key={KX}&blog=http%3A%2F%2Fblog.example&user_ip=203.0.113.36", "Invalid key"),
    ("missing blog", "api_key={k1}&user_ip=203.0.113.36", "blog URI"),
    ("relative blog", "api_key={k1}&blog=%2Fmy-blog&user_ip=203.0.113.36", "blog URI"),
    ("missing user_ip", "api_key={k1}&blog=http%3A%2F%2Fblog.example", "user_ip"),
    ("unknown key, relative blog", f"api_key={KX}&blog=%2Fmy-blog1&user_ip=203.0.113.36", "Invalid key"),
])
def test_28_required_fields(live_server, k1, case, body, needle):
    answer = live_server.raw("POST", "/1.1/comment-check", body.format(k1=k1), wp_headers())
    check_plain(answer, "invalid")
    assert needle in answer.header("X-akismet-debug-help"), answer.header("X-akismet-debug-help")


@pytest.mark.parametrize("path", ["/1.1/comment-check", "/1.1/verify-key", "/1.1/submit-spam", "/1.1/submit-ham"])
def test_28_get_on_1_1_is_invalid_not_405(live_server, k1, path):
    answer = live_server.raw("GET", f"{path}?api_key={k1}&blog=http%3A%2F%2Fblog.example&user_ip=1.2.3.4")
    check_plain(answer, "invalid")
    assert "POST" in answer.header("X-akismet-debug-help")


def test_28_unknown_endpoint_is_invalid(live_server, k1):
    answer = live_server.raw("POST", "/1.1/no-such-thing", form(api_key=k1), wp_headers())
    check_plain(answer, "invalid")
    assert "Unknown endpoint" in answer.header("X-akismet-debug-help")


def test_29_two_and_a_half_megabytes(live_server, k1, clean_db):
    content = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 50_000)[:2_500_000]
    body = form(api_key=k1, blog=BLOG, user_ip="203.0.113.37", comment_content=content)
    answer = live_server.raw("POST", "/1.1/comment-check", body, wp_headers(), timeout=15)
    check_plain(answer)
    assert answer.text in ("true", "false")
    row = stored(clean_db, answer.header("X-akismet-guid"))
    assert row.content_truncated and row.extra["content_chars"] == 2_500_000


def test_29_body_over_the_limit_gets_an_answer(live_server, k1, clean_db):
    """A 5 MB body (over the 4 MiB limit): read to the end, judged on its beginning."""
    head = form(api_key=k1, blog=BLOG, user_ip="203.0.113.38")
    body = head + "&comment_content=" + "word+" * 1_000_000
    answer = live_server.raw("POST", "/1.1/comment-check", body, wp_headers(), timeout=15)
    check_plain(answer)
    assert answer.text in ("true", "false")
    row = stored(clean_db, answer.header("X-akismet-guid"))
    assert row.content_truncated and row.extra["body_truncated_at_bytes"] == len(body)


def test_30_every_comment_check_has_a_guid_and_exact_bodies(live_server, k1):
    for fields in ({"comment_content": HAM_TEXT}, {"comment_author": "akismet-guaranteed-spam"},
                   {"comment_author": "x", "honeypot_field_name": "hp", "hp": "filled"}):
        answer = live_server.raw("POST", "/1.1/comment-check",
                                 form(api_key=k1, blog=BLOG, user_ip="203.0.113.39", **fields), wp_headers())
        check_plain(answer)
        assert len(answer.header("X-akismet-guid")) == 32
    for path in ("/1.1/submit-spam", "/1.1/submit-ham"):
        check_plain(live_server.raw("POST", path, form(api_key=k1, blog=BLOG, user_ip="203.0.113.40",
                                                       comment_content="x"), wp_headers()),
                    "Thanks for making the web a better place.")
