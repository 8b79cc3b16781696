"""Hostile and odd input on the Akismet endpoints: every one gets an Akismet answer (a verdict, or
200 ``invalid`` with ``X-akismet-debug-help``), never a 503 (kept for a database failure), a JSON
error or Flask's default answer; and what is stored fits every column (also on PostgreSQL)."""
from __future__ import annotations

import socket

import pytest
from akismet_support import BLOG, stored
from sqlalchemy import func, select

from service.store.db import session_scope
from service.store.tables import Comment, Label

HAM_TEXT = "Thanks for the clear explanation, the second example finally made it click for me."
FORM = "application/x-www-form-urlencoded"
THANKS = "Thanks for making the web a better place."


def fields(k1, **extra):
    return {"api_key": k1, "blog": BLOG, "user_ip": "203.0.113.50", "comment_content": HAM_TEXT, **extra}


def assert_invalid(r, says: str = ""):
    assert (r.status_code, r.data, r.mimetype) == (200, b"invalid", "text/plain"), (r.status_code, r.data[:200])
    assert says in r.headers["X-akismet-debug-help"]


def verdict(r) -> Comment:
    assert r.status_code == 200 and r.text in ("true", "false"), (r.status_code, r.data[:200], r.headers)
    return r.headers["X-akismet-guid"]


@pytest.mark.parametrize("blog", ["https://news.example:99999", "http://[::1", "https://a\r\nX-Injected:1.example",
                                  "https://x:abc", "http://blog.example/" + "a" * 3000])
@pytest.mark.parametrize("path", ["/1.1/comment-check", "/1.1/submit-spam", "/1.1/submit-ham", "/1.1/verify-key",
                                  "/1.1/get-stats", "/1.1/get-subscription", "/1.1/deactivate"])
def test_bad_blog_is_invalid_not_503(client, k1, path, blog):
    r = client.post(path, data=fields(k1, key=k1, blog=blog))
    assert_invalid(r, "We were unable to parse your blog URI")


@pytest.mark.parametrize("date", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "9" * 5000,
                                  "9999-12-31T23:59:59+00:00", "0001-01-01 00:00:00"])
def test_dates_at_the_limits_get_a_verdict(client, k1, clean_db, date):
    guid = verdict(client.post("/1.1/comment-check", data=fields(k1, comment_date_gmt=date,
                                                                 comment_post_modified_gmt=date)))
    row = stored(clean_db, guid)
    if row.comment_date_gmt is None:
        assert row.extra["unparsed_dates"]["comment_date_gmt"] == date[:64]
    assert client.post("/1.1/submit-spam", data=fields(k1, comment_date_gmt=date, comment_content="x " + date[:20],
                                                       )).text == THANKS


@pytest.mark.parametrize("blog_charset", ["utf-7", "punycode", "unicode_escape", "raw_unicode_escape", "base64"])
def test_charsets_that_are_not_text_fall_back(client, k1, clean_db, blog_charset):
    body = (f"api_key={k1}&blog=http%3A%2F%2Fblog.example&user_ip=203.0.113.50&blog_charset={blog_charset}"
            "&comment_content=hi%2B2AA-+%5Cud800").encode()
    guid = verdict(client.post("/1.1/comment-check", data=body, content_type=FORM))
    assert stored(clean_db, guid).content == "hi+2AA- \\ud800"


@pytest.mark.parametrize("charset", ["utf-7", "punycode", "unicode_escape"])
def test_content_type_charsets_that_are_not_text_fall_back(client, k1, clean_db, charset):
    body = f"api_key={k1}&blog=http%3A%2F%2Fblog.example&user_ip=203.0.113.50&comment_content=caf%C3%A9+%2B2AA-"
    guid = verdict(client.post("/1.1/comment-check", data=body.encode(), content_type=f"{FORM}; charset={charset}"))
    assert stored(clean_db, guid).content == "café +2AA-"


def test_nul_and_surrogate_escapes_are_replaced_before_storage(client, k1, clean_db):
    guid = verdict(client.post("/1.1/comment-check", data=fields(
        k1, comment_content="hi\x00there", comment_author="a\x00", honeypot_field_name="hp", hp="\x00",
        HTTP_X_ODD="v\x00", comment_context="t\x00")))
    row = stored(clean_db, guid)
    assert (row.content, row.author, row.honeypot_value) == ("hi\ufffdthere", "a\ufffd", "\ufffd")
    assert row.extra["env"]["HTTP_X_ODD"] == "v\ufffd" and row.comment_context == ["t\ufffd"]
    assert row.decision == "reject"  # a filled honeypot, even with a replaced character


def test_nul_reporter_and_guid_on_submit(client, k1, clean_db):
    r = client.post("/1.1/submit-spam", data=fields(k1, reporter="mod\x00", guid="\x00" * 40,
                                                    comment_content="Unseen and reported"))
    assert r.text == THANKS
    with session_scope(clean_db) as s:
        assert s.scalars(select(Label.reporter)).one() == "mod\ufffd"


def test_comment_context_index_overflow_gets_a_verdict(client, k1, clean_db):
    guid = verdict(client.post("/1.1/comment-check", data={**fields(k1), f"comment_context[{'9' * 5000}]": "a",
                                                            "comment_context[1]": "b"}))
    assert stored(clean_db, guid).comment_context == ["b", "a"]


@pytest.mark.parametrize("query,field", [("offset=9223372036854775808", "offset"), ("offset=" + "9" * 5000, "offset"),
                                         ("limit=9223372036854775808", "limit"), ("offset=%C2%B2", "offset"),
                                         ("limit=%D9%A3", "limit"), ("offset=-1", "offset")])
def test_key_sites_paging_overflow_is_invalid_naming_the_field(client, k1, query, field):
    assert_invalid(client.get(f"/1.2/key-sites?api_key={k1}&{query}"), field)


@pytest.mark.parametrize("name,column,limit", [
    ("comment_author", "author", 4096), ("comment_author_email", "author_email", 4096),
    ("comment_author_url", "author_url", 4096), ("user_agent", "user_agent", 4096), ("referrer", "referrer", 4096),
    ("permalink", "permalink", 4096), ("user_ip", "user_ip", 255)])
def test_long_fields_are_stored_cut_and_marked(client, k1, clean_db, name, column, limit):
    guid = verdict(client.post("/1.1/comment-check", data=fields(k1, **{name: "a" * 1_000_000})))
    row = stored(clean_db, guid)
    assert getattr(row, column) == "a" * limit and row.extra["truncated_fields"] == {name: 1_000_000}


def test_long_honeypot_value_and_scoped_ipv6_fit_their_columns(client, k1, clean_db):
    guid = verdict(client.post("/1.1/comment-check", data=fields(
        k1, user_ip="fe80::1%" + "x" * 300, honeypot_field_name="hp", hp="h" * 10_000)))
    row = stored(clean_db, guid)
    assert len(row.user_ip) == 255 and row.honeypot_value == "h" * 4096
    assert row.extra["truncated_fields"] == {"user_ip": 308, "honeypot_value": 10_000}


def test_long_reporter_is_cut(client, k1, clean_db):
    assert client.post("/1.1/submit-spam", data=fields(k1, reporter="r" * 5000)).text == THANKS
    with session_scope(clean_db) as s:
        assert s.scalars(select(Label.reporter)).one() == "r" * 255


# --------------------------------------------------------------------------- methods, paths, Host
@pytest.mark.parametrize("method", ["TRACE", "OPTIONS", "PROPFIND", "CONNECT", "MKCOL"])
@pytest.mark.parametrize("path", ["/1.1/comment-check", "/1.2/key-sites", "/1.1/nothing-here"])
def test_every_method_is_answered_invalid(client, k1, method, path):
    assert_invalid(client.open(path, method=method, data=fields(k1)), f"{method} is not answered on {path}")


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_listed_methods_on_a_post_endpoint_name_the_method(client, k1, method):
    assert_invalid(client.open("/1.1/comment-check", method=method, data=fields(k1)), f"not {method}")


def test_get_on_a_post_endpoint_names_the_method(client, k1):
    assert_invalid(client.get(f"/1.1/comment-check?api_key={k1}"), "comment-check takes POST, not GET")


@pytest.mark.parametrize("path", ["/1.1", "/1.1/", "/1.2", "/1.2/", "/1.1/%0d%0aX", "/1.1/comment-check/extra"])
def test_every_path_is_answered_invalid(client, k1, path):
    assert_invalid(client.post(path, data=fields(k1)), "Unknown endpoint")


def test_other_paths_keep_their_own_errors(client):
    r = client.get("/1.10/comment-check")
    assert r.status_code == 404 and r.is_json


@pytest.mark.parametrize("host", ["blog..example", "." * 3000, "a" * 8000, "x" * 64 + ".example", "a b",
                                  "blog.example:99999"])
def test_odd_host_header_never_fails_the_request(client, k1, host):
    verdict(client.post("/1.1/comment-check", data=fields(k1), headers={"Host": host}))


def test_key_in_an_odd_host_header_is_still_read(client, k1):
    data = fields(k1)
    del data["api_key"]
    verdict(client.post("/1.1/comment-check", data=data, headers={"Host": f"{k1}.rest..akismet.com"}))


def test_no_duplicate_comment_from_parallel_identical_reports(app, k1, clean_db):
    """Item C.13 through the endpoint: parallel submit-spam for a comment never checked."""
    from concurrent.futures import ThreadPoolExecutor

    def one(_i):
        return app.test_client().post("/1.1/submit-spam", data=fields(k1, comment_content="Never checked")).text

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(one, range(8))) == {THANKS}
    with session_scope(clean_db) as s:
        assert s.scalar(select(func.count()).select_from(Comment)) == 1
        assert s.scalar(select(func.count()).select_from(Label)) == 1


# --------------------------------------------------------------------------- through gunicorn
def _raw_http(port: int, request: bytes) -> bytes:
    """Send ``request`` and read until the server closes the connection (15 s at most)."""
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_malformed_chunked_body_is_invalid_and_closes(live_server, k1):
    answer = _raw_http(live_server.port, (
        b"POST /1.1/comment-check HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Transfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n"))
    head, _, rest = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and rest[:7] == b"invalid", answer[:600]
    assert b"X-akismet-debug-help: The request body could not be read" in head
    # the connection was closed (_raw_http read to its end; gunicorn cannot parse what follows)
    assert live_server.raw("GET", "/healthz").status == 200


def test_odd_host_through_gunicorn(live_server, k1):
    body = f"api_key={k1}&blog=http%3A%2F%2Fblog.example&user_ip=203.0.113.50&comment_content=hello"
    r = live_server.raw("POST", "/1.1/comment-check", body,
                        {"Host": "blog..example", "Content-Type": FORM})
    assert r.status == 200 and r.text in ("true", "false"), (r.text, r.headers.get("X-akismet-debug-help"))


def test_an_oversized_multipart_body_is_answered_before_the_connection_closes(live_server, k1):
    """Issue 11 (11): gunicorn closed the connection mid-upload; now the body is drained and answered."""
    boundary = "b0undary"
    content = "y" * (5 * 1024 * 1024)
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="api_key"\r\n\r\n{k1}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="comment_content"\r\n\r\n{content}\r\n'
            f"--{boundary}--\r\n")
    r = live_server.raw("POST", "/1.1/comment-check", body,
                        {"Content-Type": f"multipart/form-data; boundary={boundary}"}, timeout=30)
    assert r.status == 200 and r.text == "invalid" and "multipart body is over" in r.headers["X-akismet-debug-help"]
