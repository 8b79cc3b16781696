"""The per-comment memo caches are bounded by characters (``models.caches.text_cache``), key on the
prefix their function reads, and ``clear_all`` / ``clear_caches`` still empty them."""
from __future__ import annotations

import random
import threading

import pytest

from models import caches, features, lang, lexicon, text
from models.caches import ENTRY_OVERHEAD, chars_of, text_cache
from models.text import MAX_TEXT_CHARS, extract_links, normalize_text
from models.text import normalize as normalize_mod


def _long_texts(n: int, size: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyzéñ𝐏 "
    return [f"{i} " + "".join(rng.choice(letters) for _ in range(size)) for i in range(n)]


def test_cache_holds_at_most_its_budget_of_characters() -> None:
    @text_cache(max_chars=50_000)
    def double(s: str) -> str:
        return s + s

    try:
        for t in _long_texts(200, 2_000):
            assert double(t) == t + t
            assert double.cache.currsize <= 50_000
        # about 50,000 / 6,000 entries fit: the oldest were evicted
        assert 5 <= len(double.cache) <= 9
        assert double.cache.currsize == sum(chars_of(k) + chars_of(v[1]) + ENTRY_OVERHEAD
                                            for k, v in double.cache.items())
    finally:
        caches._REGISTRY.remove(double)


def test_result_larger_than_the_budget_is_returned_not_cached() -> None:
    calls = []

    @text_cache(max_chars=100)
    def upper(s: str) -> str:
        calls.append(s)
        return s.upper()

    try:
        assert upper("x" * 500) == "X" * 500
        assert upper("x" * 500) == "X" * 500
        assert len(calls) == 2 and len(upper.cache) == 0
        assert upper("ab") == "AB" and upper("ab") == "AB"
        assert len(calls) == 3  # small ones are cached
    finally:
        caches._REGISTRY.remove(upper)


def test_cache_is_safe_across_threads() -> None:
    @text_cache(max_chars=20_000)
    def rev(s: str) -> str:
        return s[::-1]

    texts = _long_texts(100, 300, seed=1)
    errors: list[str] = []

    def work() -> None:
        for t in texts * 3:
            if rev(t) != t[::-1]:
                errors.append(t)

    try:
        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors and rev.cache.currsize <= 20_000
    finally:
        caches._REGISTRY.remove(rev)


def test_max_chars_must_be_positive() -> None:
    with pytest.raises(ValueError):
        text_cache(max_chars=0)


def test_every_comment_cache_stays_within_its_budget_on_many_long_comments() -> None:
    caches.clear_all()
    try:
        for t in _long_texts(300, 9_000, seed=2):
            features._signals_row(t, "Dana", "", "")
            lexicon._row(t, "Dana", "", "")
            lang.detect_lang(t)
            extract_links(t)
        for cached in caches.registered():
            assert cached.cache.currsize <= cached.max_chars, cached.__name__
        assert sum(c.cache.currsize for c in caches.registered()) <= caches.total_budget()
        # the whole budget (with service.learning.lists' 0.5 M when imported): at 4 bytes per
        # character at most about 82 MB of text in the worst case
        assert caches.total_budget() <= 20_500_000
    finally:
        caches.clear_all()


def test_clear_all_and_clear_caches_empty_them() -> None:
    normalize_text("Visit bit.ly/abc for s l o t g a c o r")
    features._signals_row("a comment with example.com", "Dana", "", "")
    lang.detect_lang("this is an english sentence about the weather today")
    assert len(normalize_mod._normalize_cached.cache) > 0
    text.clear_caches()
    assert len(normalize_mod._normalize_cached.cache) == 0
    assert len(features._signals_row_cached.cache) > 0
    caches.clear_all()
    assert all(len(c.cache) == 0 for c in caches.registered())
    names = {c.__name__ for c in caches.registered()}
    assert {"_normalize_cached", "_prepare_cached", "_extract_links_cached", "registered_domain",
            "_signals_row_cached", "_row_cached", "_content_hits", "_detect_cached"} <= names


def test_caches_key_on_the_prefix_that_is_read() -> None:
    caches.clear_all()
    base = "word " * (MAX_TEXT_CHARS // 5)
    a, b = base + "tail one casino", base + "another tail slot gacor"
    assert normalize_text(a) == normalize_text(b)
    assert len(normalize_mod._normalize_cached.cache) == 1
    assert extract_links(a) == extract_links(b)
    assert lexicon._row(a, "", "", "") == lexicon._row(b, "", "", "")
    assert len(lexicon._row_cached.cache) == 1
    # the signals keep the whole length (log_length) beside the prefix
    assert features._signals_row(a, "", "", "")[:7] == features._signals_row(b, "", "", "")[:7]
    assert len(features._signals_row_cached.cache) == 2
    long_a = "the weather is lovely today and we walk by the river " * 60
    assert lang.detect_lang(long_a + "x" * 5_000) == lang.detect_lang(long_a + "y" * 9_000)
    assert len(lang._detect_cached.cache) == 1
    assert all(len(k[0]) <= lang.MAX_CHARS for k in lang._detect_cached.cache)
    caches.clear_all()
