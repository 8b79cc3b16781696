"""service.akismet.form: reading bodies with a limit, decoding with the charset fallback."""
from __future__ import annotations

import io

from service.akismet.form import normalize_charset, parse_form, read_body


def test_plus_and_percent20_are_spaces():
    form = parse_form(b"comment_content=a+b%20c&x=1")
    assert form.get("comment_content") == "a b c"
    assert form.get("x") == "1"


def test_content_type_charset_latin1_decodes_e_acute():
    form = parse_form(b"blog_charset=ISO-8859-1&comment_content=Caf%E9+au+lait", "ISO-8859-1")
    assert form.get("comment_content") == "Café au lait"


def test_blog_charset_used_when_content_type_has_none():
    form = parse_form(b"comment_content=caf%E9&blog_charset=ISO-8859-1")
    assert form.get("comment_content") == "café"


def test_latin1_label_reads_windows_1252_quotes():
    form = parse_form(b"comment_content=%93hi%94", "ISO-8859-1")
    assert form.get("comment_content") == "\u201chi\u201d"


def test_invalid_utf8_without_charset_falls_back_to_latin1():
    form = parse_form(b"comment_content=%C3%28&user_ip=1.2.3.4")
    assert form.get("comment_content") == "\u00c3("
    assert form.charsets == {"comment_content": "latin-1"}


def test_content_type_charset_wins_over_blog_charset():
    # bytes valid in UTF-8: the Content-Type charset decides
    form = parse_form("comment_content=caf\u00e9".encode().replace(b"\xc3\xa9", b"%C3%A9") + b"&blog_charset=ISO-8859-1",
                      "utf-8")
    assert form.get("comment_content") == "café"


def test_unknown_charset_label_is_ignored():
    assert normalize_charset("x-klingon") is None
    form = parse_form(b"comment_content=%F0%9F%99%82", "x-klingon")
    assert form.get("comment_content") == "\U0001f642"


def test_repeated_and_bracketed_names_keep_order():
    form = parse_form(b"comment_context=a&comment_context=b&comment_context%5B0%5D=c")
    assert form.getlist("comment_context") == ["a", "b"]
    assert form.names() == ["comment_context", "comment_context[0]"]


def test_truncated_body_keeps_partial_content_only():
    form = parse_form(b"user_ip=1.2.3.4&comment_content=abc%4", truncated=True)
    assert form.get("comment_content") == "abc"
    form = parse_form(b"comment_content=abc&user_agent=Mozi", truncated=True)
    assert "user_agent" not in form
    assert form.get("comment_content") == "abc"


def test_read_body_keeps_limit_and_drains_rest():
    raw = b"x" * 1000
    got = read_body(io.BytesIO(raw), limit=100, drain_limit=10_000, content_length=len(raw))
    assert got.data == b"x" * 100 and got.total_bytes == 1000 and got.truncated and got.complete


def test_read_body_stops_at_drain_limit():
    stream = io.BytesIO(b"y" * 5000)
    got = read_body(stream, limit=100, drain_limit=1000, content_length=5000)
    assert got.total_bytes == 1000 and not got.complete


def test_read_body_without_content_length_reads_to_eof():
    got = read_body(io.BytesIO(b"a=1&b=2"), limit=100, drain_limit=1000)
    assert got.data == b"a=1&b=2" and got.complete and not got.truncated
