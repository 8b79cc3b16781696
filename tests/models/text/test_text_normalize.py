"""models.text: look-alikes, math alphanumerics, spaced letters, links."""

from __future__ import annotations

import socket

import pytest

from models.text import (
    extract_links,
    find_spaced_runs,
    join_spaced_letters,
    lookalike_stats,
    normalize_text,
    registered_domain,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("𝐏𝐑𝟎𝐁𝐄𝟖𝟓𝟓", "pr0be855"),  # math bold
        ("𝗠𝗘𝗧𝗘𝗢𝗥𝗪𝗜𝗡", "meteorwin"),  # math sans bold
        ("ＰＳＴＯＴＯ９９", "pstoto99"),  # full-width
        ("ⓈⓁⓄⓉ", "slot"),  # circled
        ("ѕlоt gасоr", "slot gacor"),  # Cyrillic s, o, a, c, o
        ("ΡSΤΟΤΟ99", "pstoto99"),  # Greek capitals Rho, Tau, Omicron
        ("ꜱʟᴏᴛ ɢᴀᴄᴏʀ", "slot gacor"),  # small capitals
        ("🅂🄻🄾🅃", "slot"),  # squared letters
        ("s̶l̶o̶t̶", "slot"),  # combining strike-through
        ("sl\u200bot ga\u200dcor", "slot gacor"),  # zero-width characters
    ],
)
def test_lookalikes_fold_to_ascii(raw: str, expected: str) -> None:
    assert expected in normalize_text(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("s l o t  g a c o r", "slot gacor"),
        ("main di s l o t  g a c o r  m a x w i n ya", "main di slot gacor maxwin ya"),
        ("⭐ A L E X I S 1 7 ⭐", "alexis17"),
        ("s.l.o.t g-a-c-o-r", "slot gacor"),
        ("j u d i online", "judi online"),
    ],
)
def test_spaced_letters_are_joined(raw: str, expected: str) -> None:
    assert expected in normalize_text(raw)


def test_short_letter_runs_are_left_alone() -> None:
    assert join_spaced_letters("plan a b c") == "plan a b c"
    assert normalize_text("I am a b") == "i am a b"


def test_find_spaced_runs_reports_original_run() -> None:
    assert find_spaced_runs("ayo s l o t  g a c o r!") == ["s l o t  g a c o r"]
    assert find_spaced_runs("nothing spaced here") == []


@pytest.mark.parametrize(
    ("raw", "domain"),
    [
        ("cek bit.ly/abc123 sekarang", "bit.ly"),
        ("daftar di https://s.id/pstoto99 ya", "s.id"),
        ("http://tinyurl.com/y6abc", "tinyurl.com"),
        ("klik cutt.ly/xyz", "cutt.ly"),
        ("go to https://t.ly/Ab1", "t.ly"),
        ("www.rebrand.ly/promo", "rebrand.ly"),
    ],
)
def test_shortened_links(raw: str, domain: str) -> None:
    links = extract_links(raw)
    assert [link.domain for link in links] == [domain]
    assert links[0].shortener
    norm = normalize_text(raw)
    assert "urlshort" in norm.split()
    assert "urldom_" + domain.replace(".", "_") in norm.split()


def test_links_without_shortener_and_obfuscated_dots() -> None:
    (link,) = extract_links("Check out my site kidsmediausa . com !!")
    assert link.domain == "kidsmediausa.com" and not link.shortener
    (link,) = extract_links("visit WWW.Example.CO.ID/promo")
    assert link.domain == "example.co.id"
    (link,) = extract_links('great <a href="http://www.spam-site.net/x">post</a>')
    assert link.domain == "spam-site.net"
    assert "urlshort" not in normalize_text("see https://www.example.com/page")


@pytest.mark.parametrize("raw", ["plt.show() and df.info() worked", "e.g. this, i.e. that", "version 1.2.3", ""])
def test_code_and_abbreviations_are_not_links(raw: str) -> None:
    assert extract_links(raw) == []


def test_lookalike_stats() -> None:
    n_alnum, n_look, _ = lookalike_stats("ѕlоt gасоr")
    assert n_look == 5 and n_alnum == 9
    n_alnum, n_look, _ = lookalike_stats("𝐏𝐑𝟎𝐁𝐄 main")
    assert n_look == 5
    # plain Cyrillic text is not "look-alike"
    assert lookalike_stats("Привет как дела")[1] == 0
    # plain text, emoji are non-ASCII but not look-alike
    n_alnum, n_look, n_non_ascii = lookalike_stats("terima kasih 🙏")
    assert (n_look, n_non_ascii) == (0, 1)


def test_leet_extra_tokens_and_markers() -> None:
    norm = normalize_text("WA 0812-3456-7890 sl0t g4c0r")
    tokens = norm.split()
    assert {"sl0t", "g4c0r", "slot", "gacor", "phonex", "081234567890"} <= set(tokens)
    assert "emailx" in normalize_text("mail me at joe@example.com")
    assert normalize_text("gacorrrrr!!!") == "gacorr!!!"
    assert normalize_text("") == ""


def test_html_entities_and_tags() -> None:
    assert normalize_text("it&#39;s<br />great&amp;fun") == "it's great&fun"


def test_registered_domain_is_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    registered_domain.cache_clear()
    assert registered_domain("https://sub.brand-new-host.co.uk/x") == "brand-new-host.co.uk"
    assert registered_domain("localhost") == ""


@pytest.mark.parametrize(
    "raw",
    ["a." * 20000, "<a href=" * 10000, "s.l." * 10000, "a-" * 20000 + "@", "www." * 10000, "x (dot) " * 10000, "a" * 1_000_000],
    ids=["dots", "tags", "punct-spaced", "email", "www", "dot-word", "megabyte"],
)
def test_pathological_input_is_bounded(raw: str) -> None:
    """Regexes are bounded and input is truncated: no quadratic blow-up (ReDoS)."""
    import time

    t0 = time.perf_counter()
    normalize_text(raw)
    extract_links(raw)
    find_spaced_runs(raw)
    lookalike_stats(raw)
    assert time.perf_counter() - t0 < 2.0
