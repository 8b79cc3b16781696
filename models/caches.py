"""The memo caches of the per-comment steps, emptied together (for latency measurements that must
not be flattered by cache hits from training or an earlier run)."""
from __future__ import annotations


def clear_all() -> None:
    """Empty every ``functools.lru_cache`` of text normalisation, signals, lexicon and language id."""
    from models import features, lang, lexicon, text

    text.clear_caches()
    for cache in (features._signals_row, lexicon._row, lexicon._content_hits, lang.detect_lang):
        cache.cache_clear()
