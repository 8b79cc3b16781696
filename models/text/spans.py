"""Map a word of the normalised text back to the span of the comment it was read from.

The classifier's features are words of :func:`models.text.normalize_text` (``ctattr`` for
``стаття``, ``slot gacor`` for ``s l o t  g a c o r``, ``ini.info`` for ``ini. Info``); a person
checking a reason needs the words *as written*. :func:`find_span` finds them: first a literal,
case-insensitive match on word boundaries; else the comment's whitespace-separated pieces are
normalised one by one, reduced to their letters and digits (marker tokens such as ``urlx``
dropped), concatenated, and the term's letters are searched in that string — so spacing, dots,
look-alike letters and leet digits between the pieces do not matter. The span found covers whole
pieces, trimmed of surrounding punctuation.
"""
from __future__ import annotations

import bisect
import functools
import re

from models.text.normalize import normalize_text

#: Pieces of a comment read when searching a term (a longer comment is searched in its start).
MAX_PIECES = 3000
#: Longest quote returned by :func:`quote` (longer spans are cut with an ellipsis).
MAX_QUOTE_CHARS = 48

_PIECE_RE = re.compile(r"\S+")
_MARKER_RE = re.compile(r"\b(?:urlx|urlshort|emailx|phonex|urldom_\w+|maildom_\w+)\b")
_KEEP_RE = re.compile(r"[^a-z0-9]+")
_TRIM = "\"'.,;:!?()[]{}<>*#~`“”‘’«»…-_/\\|"


def _key(text: str) -> str:
    """Letters and digits of ``text``'s normalised form, marker tokens removed."""
    return _KEEP_RE.sub("", _MARKER_RE.sub(" ", normalize_text(text)))


def _literal(content: str, term: str) -> tuple[int, int] | None:
    if not term.strip():
        return None
    m = re.search(r"(?<!\w)" + re.escape(term) + r"(?!\w)", content, re.IGNORECASE)
    return (m.start(), m.end()) if m else None


def _trimmed(content: str, start: int, end: int) -> tuple[int, int]:
    while start < end and content[start] in _TRIM:
        start += 1
    while end > start and content[end - 1] in _TRIM:
        end -= 1
    return start, end


@functools.lru_cache(maxsize=16)
def _index(content: str) -> tuple[list[tuple[int, int]], list[str], list[int], str, frozenset[int]]:
    """The pieces of ``content`` (offsets), their keys, where each key starts in the joined keys,
    the joined keys and every piece boundary in it (memoised: one comment's reasons share it)."""
    pieces = [(m.start(), m.end()) for _, m in zip(range(MAX_PIECES), _PIECE_RE.finditer(content))]
    keys = [_key(content[a:b]) for a, b in pieces]
    starts, pos = [], 0
    for k in keys:
        starts.append(pos)
        pos += len(k)
    return pieces, keys, starts, "".join(keys), frozenset(starts) | {s + len(k) for s, k in zip(starts, keys)}


def find_span(content: str, term: str) -> tuple[int, int] | None:
    """``(start, end)`` character offsets into ``content`` of the text ``term`` (a word or phrase
    of ``normalize_text(content)``) was read from, or ``None`` when it cannot be found (a term made
    only of marker tokens, or past the first :data:`MAX_PIECES` pieces)."""
    found = _literal(content, term)
    if found is not None:
        return found
    target = _KEEP_RE.sub("", _MARKER_RE.sub(" ", term.lower()))  # the term is normalised already
    if not target:
        return None
    pieces, keys, starts, joined, boundaries = _index(content)
    at = joined.find(target)
    while at >= 0:
        if at in boundaries and at + len(target) in boundaries:
            break
        piece = bisect.bisect_right(starts, at) - 1  # inside one piece: only a word of its own reading
        if (piece == bisect.bisect_right(starts, at + len(target) - 1) - 1
                and term.lower() in normalize_text(content[pieces[piece][0]:pieces[piece][1]]).split()):
            break
        at = joined.find(target, at + 1)
    if at < 0:
        return None
    first = bisect.bisect_right(starts, at) - 1
    last = bisect.bisect_right(starts, at + len(target) - 1) - 1
    while first < last and not keys[first]:
        first += 1
    start, end = _trimmed(content, pieces[first][0], pieces[last][1])
    return (start, end) if start < end else None


#: Whitespace and control characters (C0, DEL, C1): a quote shows each run of them as one space, so
#: no reason carries a terminal escape sequence (``\x1b[2J``) or a bell into a page, a log or a
#: terminal (``saring comments history``).
_BLANK_RE = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")


def quote(content: str, term: str, max_chars: int = MAX_QUOTE_CHARS) -> str | None:
    """The text of ``content`` that ``term`` was read from (whitespace and control characters
    collapsed to single spaces, cut to ``max_chars`` with an ellipsis), or ``None``
    (:func:`find_span`, or nothing but control characters)."""
    span = find_span(content, term)
    if span is None:
        return None
    text = _BLANK_RE.sub(" ", content[span[0]:span[1]]).strip()
    if not text:
        return None
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"
