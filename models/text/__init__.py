"""Text normalisation against the obfuscations comment spammers use (see ``normalize``).

* ``lookalikes``: hidden characters, HTML, NFKC and look-alike letters (``fold_lookalikes``, ``lookalike_stats``);
* ``links``: links, registered domains, shorteners (``extract_links``, ``registered_domain``);
* ``spacing``: spaced-out letters (``find_spaced_runs``, ``join_spaced_letters``);
* ``normalize``: ``normalize_text``, the form the classifier's n-grams read.
"""
from models.text.links import SHORTENER_DOMAINS, LinkInfo, extract_links, registered_domain
from models.text.lookalikes import MAX_TEXT_CHARS, fold_lookalikes, lookalike_stats
from models.text.normalize import normalize_text
from models.text.spacing import find_spaced_runs, join_spaced_letters


def clear_caches() -> None:
    """Empty the memo caches of the text steps (for latency measurements without cache hits)."""
    from models.text import links, lookalikes, normalize

    for cached in (normalize._normalize_cached, links.registered_domain, links._extract_links_cached,
                   lookalikes._prepare_cached):
        cached.cache_clear()


__all__ = [
    "MAX_TEXT_CHARS",
    "SHORTENER_DOMAINS",
    "clear_caches",
    "LinkInfo",
    "extract_links",
    "find_spaced_runs",
    "fold_lookalikes",
    "join_spaced_letters",
    "lookalike_stats",
    "normalize_text",
    "registered_domain",
]
