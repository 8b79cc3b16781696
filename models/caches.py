"""The memo caches of the per-comment steps: bounded by characters, emptied together.

One request reads the same text several times (features, lexicon, reasons, the near-duplicate
signature) and training reads the same texts in every fold, so normalisation, links, signals,
lexicon rows and language id are memoised. Served comments are nearly all distinct, so a cache
bounded by *entries* only grows (65,536 entries of comments of up to 10,000 characters is gigabytes);
:func:`text_cache` bounds each cache by the *characters* it holds instead:

    a cache holds at most ``max_chars`` characters of keys and values, each entry also counting
    :data:`ENTRY_OVERHEAD` for its bookkeeping; the least recently used entries are evicted first.

Characters are counted by :func:`chars_of` (a ``str`` its length, a container the sum of its items).
A Python ``str`` costs 1, 2 or 4 bytes per character (ASCII, BMP, astral), so a cache of
``max_chars`` holds at most about ``4 × max_chars`` bytes of text; the budgets of all caches together
are :func:`total_budget` (20 M characters for the models' caches, 0.5 M more for the list matching of
``service.learning.lists``: at most about 82 MB in the worst case, far less for the mostly
ASCII comments and shared key strings of practice: ~14 MB measured after 2,500 distinct 2 kB comments).
A request always hits its own earlier entries. Training's working set (base data, authors and the
out-of-source sets) is larger than the row caches (signals, lexicon), so later folds recompute
some rows.

:func:`clear_all` empties every cache (for latency measurements that must not be flattered by cache
hits from training or an earlier run).
"""
from __future__ import annotations

import dataclasses
import functools
import threading
from collections.abc import Callable
from typing import Any, Protocol, TypeVar, cast

import cachetools
import cachetools.keys

__all__ = ["ENTRY_OVERHEAD", "TextCached", "chars_of", "clear_all", "registered", "text_cache", "total_budget"]

#: Characters each entry counts besides its key and value (its dictionary slots, key tuple and LRU
#: link are a few hundred bytes: without this, many tiny entries would escape the budget).
ENTRY_OVERHEAD = 8

_F = TypeVar("_F", bound=Callable[..., Any])
_REGISTRY: list["TextCached"] = []


class TextCached(Protocol):
    """A function memoised by :func:`text_cache`."""

    cache: cachetools.LRUCache
    max_chars: int

    def __call__(self, *args: Any) -> Any: ...

    def cache_clear(self) -> None: ...


def chars_of(obj: Any) -> int:
    """Characters of ``obj``: a ``str`` / ``bytes`` its length, a tuple, list, set or dataclass the
    sum over its items, anything else (numbers, ``None``) 1."""
    if isinstance(obj, (str, bytes)):
        return len(obj)
    if isinstance(obj, (tuple, list, frozenset, set)):
        return sum(chars_of(item) for item in obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return sum(chars_of(getattr(obj, f.name)) for f in dataclasses.fields(obj))
    return 1


def _entry_chars(entry: tuple[tuple[Any, ...], Any]) -> int:
    args, value = entry
    return chars_of(args) + chars_of(value) + ENTRY_OVERHEAD


def text_cache(max_chars: int) -> Callable[[_F], _F]:
    """Memoise a function of hashable positional arguments (texts) in a thread-safe LRU cache that
    holds at most ``max_chars`` characters of keys and values (see the module docstring).

    The decorated function keeps ``cache_clear()`` (as ``functools.lru_cache``), and ``cache`` /
    ``max_chars`` for inspection. A result larger than the whole budget is returned, not cached.
    """
    if max_chars < 1:
        raise ValueError(f"max_chars must be positive, not {max_chars}")

    def decorate(func: _F) -> _F:
        cache: cachetools.LRUCache = cachetools.LRUCache(maxsize=max_chars, getsizeof=_entry_chars)
        lock = threading.Lock()

        # the cached value carries the arguments, so that getsizeof (which sees only values) counts
        # the key's characters too; they are the same objects as the key's, not copies
        @cachetools.cached(cache, key=cachetools.keys.hashkey, lock=lock)
        def entry(*args: Any) -> tuple[tuple[Any, ...], Any]:
            return args, func(*args)

        @functools.wraps(func)
        def wrapper(*args: Any) -> Any:
            return entry(*args)[1]

        def cache_clear() -> None:
            with lock:
                cache.clear()

        wrapped = cast(Any, wrapper)
        wrapped.cache = cache
        wrapped.max_chars = max_chars
        wrapped.cache_clear = cache_clear
        _REGISTRY.append(wrapped)
        return cast(_F, wrapper)

    return decorate


def registered() -> list[TextCached]:
    """Every function memoised by :func:`text_cache` so far (in import order)."""
    return list(_REGISTRY)


def total_budget() -> int:
    """Characters all the caches of the per-comment steps may hold together."""
    _import_cached_modules()
    return sum(c.max_chars for c in _REGISTRY)


def _import_cached_modules() -> None:
    from models import features, lang, lexicon, text  # noqa: F401  (their caches register on import)
    from models.text import links, lookalikes, normalize  # noqa: F401


def clear_all() -> None:
    """Empty every cache of text normalisation, links, signals, lexicon and language id."""
    _import_cached_modules()
    for cached in _REGISTRY:
        cached.cache_clear()
