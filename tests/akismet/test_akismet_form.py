"""service.akismet.form: reading bodies with a limit, decoding with the charset fallback."""
from __future__ import annotations

import io

import pytest

from service.akismet.form import MalformedBody, clean_text, normalize_charset, parse_form, read_body


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


@pytest.mark.parametrize("label", ["utf-7", "UTF-7", "punycode", "unicode_escape", "raw_unicode_escape", "idna",
                                   "base64", "rot13", "hex", "utf-32"])
def test_codecs_that_are_not_text_encodings_are_ignored(label):
    assert normalize_charset(label) is None


@pytest.mark.parametrize("label,codec", [("UTF-8", "utf-8"), ("windows-1251", "cp1251"), ("Shift_JIS", "shift_jis"),
                                         ("koi8-r", "koi8-r"), ("ISO-8859-2", "iso8859-2"), ("gb18030", "gb18030")])
def test_text_encodings_are_used(label, codec):
    assert normalize_charset(label) == codec


def test_utf7_blog_charset_falls_back_to_utf8():
    # in UTF-7 "+2AA-" is a lone surrogate, which no database column stores
    form = parse_form(b"blog_charset=utf-7&comment_content=hi%2B2AA-")
    assert form.get("comment_content") == "hi+2AA-"


@pytest.mark.parametrize("charset", ["punycode", "unicode_escape", "raw_unicode_escape", "utf-7"])
def test_content_type_charset_that_is_not_text_falls_back(charset):
    form = parse_form(b"comment_content=caf%C3%A9+%5Cud800+%5Cx00", charset)
    assert form.get("comment_content") == "caf\u00e9 \\ud800 \\x00"


def test_nul_becomes_a_replacement_character_in_names_and_values():
    form = parse_form(b"comment_content=a%00b&n%00=1")
    assert form.get("comment_content") == "a\ufffdb" and form.names() == ["comment_content", "n\ufffd"]


class _BrokenChunks(io.RawIOBase):
    """A stream failing like gunicorn's body reader on a chunk size that is not hexadecimal."""

    def read(self, size=-1):
        raise ValueError("Invalid chunk size: b'ZZ'")


def test_unreadable_body_raises_malformed_body():
    with pytest.raises(MalformedBody) as err:
        read_body(_BrokenChunks(), limit=100, drain_limit=1000)
    assert err.value.field == "body" and "Invalid chunk size" in err.value.message


def test_unreadable_body_names_the_servers_own_error_under_a_wrapper():
    class Wrapped(io.RawIOBase):
        def read(self, size=-1):
            try:
                raise ValueError("Invalid chunk size: b'ZZ'")
            except ValueError:
                raise OSError("the request body could not be read") from None

    with pytest.raises(MalformedBody, match=r"\(ValueError: Invalid chunk size: b'ZZ'\)"):
        read_body(Wrapped(), limit=100, drain_limit=1000)


def test_clean_text_replaces_lone_surrogates_and_nul():
    assert clean_text("a\ud800b\udfff\x00c\U0001f642") == "a\ufffdb\ufffd\ufffdc\U0001f642"
