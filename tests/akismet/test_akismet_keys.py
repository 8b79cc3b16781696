"""service.akismet.keys: key in body, query string or Host header."""
from __future__ import annotations

import pytest

from service.akismet.form import parse_form
from service.akismet.keys import find_key, host_key

API = "rest.akismet.com"


@pytest.mark.parametrize("host,expected", [
    ("abcdef123456.rest.akismet.com", "abcdef123456"),
    ("ABCDEF123456.REST.AKISMET.COM:443", "abcdef123456"),
    ("abcdef123456.localhost:5000", "abcdef123456"),
    ("k1.saring.example.org", "k1"),
    ("rest.akismet.com", None),
    ("localhost:8000", None),
    ("127.0.0.1:8000", None),
    ("[::1]:8000", None),
    ("", None),
])
def test_host_key(host, expected):
    assert host_key(host, API) == expected


def test_verify_prefers_key_over_api_key():
    form = parse_form(b"key=NEWKEY123456&blog=http%3A%2F%2Fb.example&api_key=OLDKEY123456")
    assert find_key(form, parse_form(b""), API, API, verify=True) == ("NEWKEY123456", "body")
    assert find_key(form, parse_form(b""), API, API) == ("OLDKEY123456", "body")


def test_body_then_query_then_host():
    empty = parse_form(b"")
    assert find_key(empty, parse_form(b"api_key=q"), "h.rest.akismet.com", API) == ("q", "query")
    assert find_key(empty, empty, "h.rest.akismet.com", API) == ("h", "host")
    assert find_key(empty, empty, API, API) == ("", "")
