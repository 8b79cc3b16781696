"""service.learning.entities: who wrote a comment, what it links to, which addresses count."""
from __future__ import annotations

import pytest

from service.learning.entities import commenter_key, content_hash, entities, link_hosts, public_ip


@pytest.mark.parametrize("user_ip,expected", [
    ("8.8.8.8", "8.8.8.8"),
    ("10.0.0.1, 8.8.7.7, 1.1.1.1", "8.8.7.7"),  # X-Forwarded-For: first public
    ("127.0.0.1", ""), ("10.1.2.3", ""), ("172.16.5.4", ""), ("192.168.0.9", ""), ("100.64.3.2", ""),
    ("169.254.1.1", ""), ("::1", ""), ("fd12::1", ""), ("fe80::1%eth0", ""), ("224.0.0.1", ""),
    ("::ffff:8.8.4.4", "8.8.4.4"), ("2001:4860:4860::8888", "2001:4860:4860::8888"),
    ("junk, 9.9.9.9", "9.9.9.9"), ("", ""), ("200181", ""),
])
def test_public_ip(user_ip, expected):
    assert public_ip(user_ip) == expected


def test_commenter_is_the_email_else_name_and_url_else_name_and_public_ip():
    assert commenter_key("Rina", " Rina@Example.COM ", "", "") == "e:rina@example.com"
    assert commenter_key("Rina", "", "https://www.YouTube.com/@Rina/", "") == "n:rina|youtube.com/@rina"
    assert commenter_key("Rina", "", "", "8.8.8.8") == "n:rina|8.8.8.8"
    assert commenter_key("Rina", "", "", "10.0.0.1") is None  # a private address identifies no one
    assert commenter_key("", "", "https://x.example", "8.8.8.8") is None


def test_entities_skip_free_mail_and_profile_platform_domains():
    keys = dict(entities("Ann", "ann@gmail.com", "https://www.youtube.com/@ann", "8.8.8.8", "hi"))
    assert "email_domain" not in keys and "url_domain" not in keys and keys["ip"] == "8.8.8.8"
    keys = entities("Ann", "ann@pharma.example", "http://www.spam.example/x", "", "see https://a.b.casino.co.uk/x")
    assert ("email_domain", "pharma.example") in keys and ("url_domain", "spam.example") in keys
    assert ("link_domain", "casino.co.uk") in keys


def test_link_hosts_find_schemes_www_and_bare_domains():
    assert link_hosts("go to https://A.example/x, www.b.example and c.example/path now") == [
        "a.example", "www.b.example", "c.example"]


def test_content_hash_folds_dress():
    assert content_hash("SLOT GACOR hari ini") == content_hash("s l o t  g a c o r   hari ini")
    assert content_hash("one text") != content_hash("another text")


def test_long_emails_and_dotted_text_are_safe_and_fast():
    import time

    assert commenter_key("", "a" * 256 + "@x.io", "", "") is None
    assert entities("", "a" * 256 + "@x.io", "", "", "hi") == []
    start = time.perf_counter()
    link_hosts("a." * 32_000)
    link_hosts("a.b" * 20_000)
    assert time.perf_counter() - start < 0.5
