"""service.akismet.fields: every comment-check parameter normalised into CommentData."""
from __future__ import annotations

import datetime as dt

import pytest

from service.akismet.fields import comment_data, parse_gmt, parse_ip, parse_lang, parse_roles
from service.akismet.form import parse_form

UTC = dt.timezone.utc


@pytest.mark.parametrize("raw,expected", [
    ("2024-05-01T10:00:00+00:00", dt.datetime(2024, 5, 1, 10, tzinfo=UTC)),
    ("2024-05-01T12:00:00+02:00", dt.datetime(2024, 5, 1, 10, tzinfo=UTC)),
    ("2024-05-01T10:00:00Z", dt.datetime(2024, 5, 1, 10, tzinfo=UTC)),
    ("2024-05-01 10:00:00", dt.datetime(2024, 5, 1, 10, tzinfo=UTC)),
    ("1714557600", dt.datetime(2024, 5, 1, 10, tzinfo=UTC)),
    ("0000-00-00 00:00:00", None),
    ("yesterday", None),
    ("", None),
])
def test_parse_gmt(raw, expected):
    assert parse_gmt(raw) == expected


@pytest.mark.parametrize("raw,ip,valid", [
    ("2001:db8::1", "2001:db8::1", True),
    ("2001:DB8:0::1", "2001:db8::1", True),
    ("127.0.0.1", "127.0.0.1", True),
    ("203.0.113.7, 10.0.0.2", "203.0.113.7", True),
    ("10.0.0.2, 8.8.7.7, 1.1.1.1", "8.8.7.7", True),  # X-Forwarded-For: the first public address
    ("200181", "200181", False),
    ("2a02", "2a02", False),
    ("", "", False),
])
def test_parse_ip(raw, ip, valid):
    assert parse_ip(raw) == (ip, valid)


def test_roles_and_lang():
    assert parse_roles("administrator,Editor") == ["administrator", "editor"]
    assert parse_roles("0") == [] and parse_roles("") == []
    assert parse_lang("en_US") == "en" and parse_lang("id_ID, en") == "id" and parse_lang("") == ""


def form(body: str, charset: str | None = None):
    return parse_form(body.encode("latin-1"), charset)


def test_every_field_is_read():
    data = comment_data(form(
        "blog=https%3A%2F%2Fb.example&user_ip=203.0.113.9&user_agent=UA&referrer=https%3A%2F%2Fr.example"
        "&permalink=https%3A%2F%2Fb.example%2Fp&comment_type=Forum-Post&comment_author=Ann"
        "&comment_author_email=ann%40mail.example&comment_author_url=https%3A%2F%2Fann.example"
        "&comment_content=Hello&comment_date_gmt=2024-05-01+10%3A00%3A00"
        "&comment_post_modified_gmt=2024-04-01T00%3A00%3A00Z&blog_lang=en_US&blog_charset=UTF-8"
        "&user_role=administrator%2Ceditor&is_test=true&recheck_reason=edit&honeypot_field_name=hp&hp=filled"
        "&comment_context%5B1%5D=Tips&comment_context%5B0%5D=News&comment_parent=7&reporter=mod"
        "&HTTP_ACCEPT=text%2Fhtml&POST_foo=bar&HTTP_COOKIE=secret&REQUEST_URI=%2Fwp-comments-post.php"), 1000)
    assert (data.content, data.author, data.author_email, data.author_url) == (
        "Hello", "Ann", "ann@mail.example", "https://ann.example")
    assert (data.user_ip, data.user_agent, data.referrer, data.permalink) == (
        "203.0.113.9", "UA", "https://r.example", "https://b.example/p")
    assert data.comment_type == "forum-post" and data.lang == "en" and data.blog_charset == "UTF-8"
    assert data.user_role == ["administrator", "editor"]
    assert data.comment_context == ["News", "Tips"]
    assert data.comment_date_gmt == dt.datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert data.comment_post_modified_gmt == dt.datetime(2024, 4, 1, tzinfo=UTC)
    assert data.is_test and data.recheck_reason == "edit"
    assert (data.honeypot_field_name, data.honeypot_value) == ("hp", "filled")
    assert data.extra["env"] == {"HTTP_ACCEPT": "text/html", "POST_foo": "bar", "REQUEST_URI": "/wp-comments-post.php"}
    assert data.extra["blog_lang"] == "en_US" and data.extra["comment_parent"] == "7" and data.extra["reporter"] == "mod"


@pytest.mark.parametrize("body", [
    "comment_context=news&comment_context=tips",
    "comment_context%5B%5D=news&comment_context%5B%5D=tips",
    "comment_context%5B0%5D=news&comment_context%5B1%5D=tips",
])
def test_comment_context_encodings(body):
    assert comment_data(form(body), 100).comment_context == ["news", "tips"]


def test_single_comment_context_string():
    assert comment_data(form("comment_context=news%2C+tips"), 100).comment_context == ["news, tips"]


def test_long_content_is_truncated_and_marked():
    data = comment_data(form("comment_content=" + "a" * 50), 20)
    assert data.content == "a" * 20 and data.content_truncated and data.extra["content_chars"] == 50


def test_malformed_ip_kept_and_marked():
    data = comment_data(form("user_ip=200181"), 100)
    assert data.user_ip == "200181" and data.extra["user_ip_malformed"] is True


def test_proxy_chain_ip_uses_first_and_keeps_raw():
    data = comment_data(form("user_ip=203.0.113.7%2C+10.0.0.2"), 100)
    assert data.user_ip == "203.0.113.7" and data.extra["user_ip_raw"] == "203.0.113.7, 10.0.0.2"


def test_test_trigger_is_flagged_as_test():
    data = comment_data(form("comment_author=akismet-guaranteed-spam"), 100)
    assert data.is_test and data.extra["test_trigger"] is True


def test_honeypot_naming_a_core_field_is_ignored():
    data = comment_data(form("honeypot_field_name=comment_content&comment_content=hello"), 100)
    assert data.honeypot_value == ""


def test_nul_characters_are_replaced():
    data = comment_data(form("comment_content=a%00b&honeypot_field_name=hp&hp=x%00&reporter=%00"), 100)
    assert data.content == "a\ufffdb" and data.honeypot_value == "x\ufffd" and data.extra["reporter"] == "\ufffd"


@pytest.mark.parametrize("raw", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "9" * 5000])
def test_dates_past_the_utc_range_are_none(raw):
    assert parse_gmt(raw) is None


def test_dates_past_the_utc_range_are_kept_as_text():
    data = comment_data(form("comment_date_gmt=9999-12-31T23%3A59%3A59-14%3A00"), 100)
    assert data.comment_date_gmt is None
    assert data.extra["unparsed_dates"] == {"comment_date_gmt": "9999-12-31T23:59:59-14:00"}


def test_comment_context_with_a_huge_index_sorts_last_among_indexed():
    body = f"comment_context%5B{'9' * 5000}%5D=huge&comment_context=plain&comment_context%5B2%5D=two"
    assert comment_data(form(body), 100).comment_context == ["two", "huge", "plain"]


def test_comment_context_is_bounded():
    data = comment_data(form("&".join(f"comment_context%5B%5D={'t' * 300}{i}" for i in range(150))), 100)
    assert len(data.comment_context) == 100 and {len(t) for t in data.comment_context} == {255}


@pytest.mark.parametrize("name,attr,limit", [
    ("comment_author", "author", 4096), ("comment_author_email", "author_email", 4096),
    ("comment_author_url", "author_url", 4096), ("user_agent", "user_agent", 4096),
    ("referrer", "referrer", 4096), ("permalink", "permalink", 4096), ("user_ip", "user_ip", 255),
])
def test_long_fields_are_cut_and_marked(name, attr, limit):
    data = comment_data(form(f"{name}={'a' * (limit + 10)}"), 100)
    assert getattr(data, attr) == "a" * limit
    assert data.extra["truncated_fields"] == {name: limit + 10}


def test_long_honeypot_value_is_cut_and_marked():
    data = comment_data(form(f"honeypot_field_name=hp&hp={'a' * 5000}"), 100)
    assert data.honeypot_value == "a" * 4096 and data.extra["truncated_fields"] == {"honeypot_value": 5000}


def test_valid_ipv6_with_a_long_zone_id_is_cut_to_the_column():
    data = comment_data(form("user_ip=fe80%3A%3A1%25" + "x" * 300), 100)
    assert len(data.user_ip) == 255 and data.user_ip.startswith("fe80::1%x")
    assert data.extra["truncated_fields"] == {"user_ip": 308}


def test_short_fields_are_not_marked():
    assert "truncated_fields" not in comment_data(form("comment_author=Ann&user_ip=203.0.113.9"), 100).extra


def test_referer_alias():
    assert comment_data(form("referer=https%3A%2F%2Fr.example"), 100).referrer == "https://r.example"


@pytest.mark.parametrize("name,attr,limit", [("recheck_reason", "recheck_reason", 255),
                                             ("honeypot_field_name", "honeypot_field_name", 255),
                                             ("comment_type", "comment_type", 64), ("blog_charset", "blog_charset", 64)])
def test_short_columns_are_cut_and_marked(name, attr, limit):
    data = comment_data(form(f"{name}={'b' * 300}"), 100)
    assert getattr(data, attr) == "b" * limit and data.extra["truncated_fields"] == {name: 300}
