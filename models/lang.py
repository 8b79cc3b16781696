"""A cheap guess of a comment's language between English and Indonesian (the two we measure).

Counts very common function words of each language among the comment's words. It answers ``""``
(unknown) unless one language has at least two hits and at least twice the other's: short or
mixed comments and other languages stay unknown, and the policy then uses the model's pooled
thresholds.
"""
from __future__ import annotations

import re

_WORD = re.compile(r"[a-z]+")

EN_WORDS = frozenset(
    "the and is are was were to of in it this that for you your my with on be have has not but "
    "they what so if at as just can will would from about all there their an or do does".split()
)
ID_WORDS = frozenset(
    "yang dan di ini itu tidak saya untuk dengan ada aku kamu gak ga nggak ya juga dari ke "
    "kita kami mereka sudah belum akan bisa karena tapi pak bu semoga sama lagi banget aja "
    "apa kalau kalo deh sih nya dong jangan sangat".split()
)


def guess_lang(text: str, max_chars: int = 2000) -> str:
    """``"en"``, ``"id"`` or ``""`` (unknown) for ``text`` (only its first ``max_chars`` are read)."""
    words = _WORD.findall(text[:max_chars].lower())
    en = sum(w in EN_WORDS for w in words)
    idn = sum(w in ID_WORDS for w in words)
    if en >= 2 and en >= 2 * idn:
        return "en"
    if idn >= 2 and idn >= 2 * en:
        return "id"
    return ""


def comment_lang(declared: str, text: str) -> str:
    """The language thresholds are chosen for: the text's guess, else the declared language
    (``lang`` / Akismet ``blog_lang``, reduced to its primary subtag), else ``""``."""
    guess = guess_lang(text)
    if guess:
        return guess
    return (declared or "").strip().lower().replace("-", "_").split("_")[0].split(",")[0].strip()
