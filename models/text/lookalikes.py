"""Look-alike letters and hidden characters: the text every other step reads.

Sources: Unicode Standard Annex #15 (normalisation forms, NFKC) and Unicode Technical
Standard #39 (security mechanisms; the "confusables" idea — the table here is a small
hand-picked subset of UTS #39 ``confusables.txt`` for Cyrillic/Greek/small-capital
letters that look like Latin ones).
"""
from __future__ import annotations

import html
import re
import unicodedata

from models.caches import text_cache
from models.text.bidi import visual_order

# Cyrillic / Greek / Armenian / Latin-extension letters that render like Latin ones
# (subset of UTS #39 confusables.txt). Mapped *after* NFKC.
_CONFUSABLE_PAIRS = {
    # Cyrillic lower
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i",
    "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l", "ɡ": "g", "ү": "y",
    "ʏ": "y", "ь": "b", "ғ": "f", "ո": "n", "ս": "u", "զ": "q", "օ": "o", "ց": "g",
    "ԍ": "g", "ԃ": "d", "ᴦ": "r", "п": "n", "г": "r", "ц": "u", "ш": "w", "щ": "w",
    "ж": "x", "з": "3", "л": "n", "д": "a", "и": "u", "й": "u", "я": "r",
    # Cyrillic upper
    "А": "A", "В": "B", "Е": "E", "Ё": "E", "К": "K", "М": "M", "Н": "H", "О": "O",
    "Р": "P", "С": "C", "Т": "T", "У": "Y", "Х": "X", "Ѕ": "S", "І": "I", "Ї": "I",
    "Ј": "J", "Ԁ": "D", "Ԛ": "Q", "Ԝ": "W", "Һ": "H", "Ӏ": "I", "Ү": "Y", "З": "3",
    # Greek
    "α": "a", "β": "b", "γ": "y", "δ": "d", "ε": "e", "η": "n", "ι": "i", "κ": "k",
    "ν": "v", "ο": "o", "ρ": "p", "σ": "o", "τ": "t", "υ": "u", "χ": "x", "ω": "w",
    "ς": "c", "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K",
    "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    # Latin small capitals and other look-alikes NFKC leaves alone
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ɢ": "g", "ʜ": "h", "ɪ": "i",
    "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ǫ": "q",
    "ʀ": "r", "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ᴢ": "z", "ı": "i",
    "ȷ": "j", "ɑ": "a", "ɩ": "i", "ɵ": "o", "ø": "o", "Ø": "O", "ð": "d", "ŧ": "t",
    "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ħ": "h", "ƅ": "b", "ƿ": "p",
}
# Negative circled / negative squared / regional-indicator letters (no NFKC mapping).
for _base in (0x1F150, 0x1F170, 0x1F1E6):
    for _i in range(26):
        _CONFUSABLE_PAIRS[chr(_base + _i)] = chr(ord("a") + _i)
CONFUSABLES: dict[int, str] = {ord(k): v for k, v in _CONFUSABLE_PAIRS.items()}

# Scripts whose letters count as "look-alike" only when they sit in Latin text.
SCRIPT_CONFUSABLE = frozenset(
    ch for ch in _CONFUSABLE_PAIRS if "\u0370" <= ch <= "\u058f"
)

_INVISIBLE_RE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)
_TAG_A_RE = re.compile(r"""<a\s[^>]{0,200}?href\s*=\s*["']?([^"'\s>]{1,2000})[^>]{0,200}>""", re.I)
_TAG_BR_RE = re.compile(r"<\s*(br|p|div|li)\b[^>]*>", re.I)
_TAG_RE = re.compile(r"</?[a-zA-Z][^>]{0,300}>")


#: Only the first this many characters of a comment are analysed (bounds the work an
#: adversarial megabyte comment can cause; the longest training comment has ~3,000).
MAX_TEXT_CHARS = 10_000


def prepare(text: str) -> str:
    """Truncation to :data:`MAX_TEXT_CHARS`, bidirectional overrides resolved to the displayed
    order (:func:`models.text.bidi.visual_order`), HTML unescape/strip, invisible-character
    removal, NFKC, look-alike folding (memoised on the prefix it reads)."""
    return _prepare_cached(text[:MAX_TEXT_CHARS])


@text_cache(max_chars=350_000)
def _prepare_cached(text: str) -> str:
    text = visual_order(text)  # bidi overrides: the order a reader sees
    if "&" in text:
        text = html.unescape(text)
    if "<" in text:
        text = _TAG_A_RE.sub(lambda m: f" {m.group(1)} ", text)
        text = _TAG_BR_RE.sub(" ", text)
        text = _TAG_RE.sub(" ", text)
    text = _INVISIBLE_RE.sub("", text)
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(CONFUSABLES)
    if not text.isascii():
        # drop combining marks (strike-through, accents): "s̶l̶o̶t̶" -> "slot"
        decomposed = unicodedata.normalize("NFD", text)
        text = unicodedata.normalize(
            "NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        )
    return text


def fold_lookalikes(text: str) -> str:
    """NFKC plus confusable folding, case preserved (``"𝐏𝐑𝟎𝐁𝐄"`` → ``"PR0BE"``)."""
    return prepare(text)


def lookalike_stats(text: str) -> tuple[int, int, int]:
    """Count letters, look-alike letters and non-ASCII characters.

    A *look-alike* is a non-ASCII character that folds (NFKC or the confusables table)
    to an ASCII letter or digit: math alphanumerics, full-width and circled letters and
    small capitals always count; Cyrillic/Greek look-alikes count when the word also has
    Latin letters or the text is mostly Latin (so a plain Russian comment does not).

    Args:
        text: raw comment text.

    Returns:
        ``(n_alnum, n_lookalike, n_non_ascii)``: number of alphanumeric characters,
        of look-alike characters, and of non-ASCII non-space characters (emoji count).
    """
    text = text[:MAX_TEXT_CHARS]
    if text.isascii():  # no look-alikes and nothing non-ASCII: just the alphanumerics (C speed)
        return sum(map(str.isalnum, text)), 0, 0
    n_alnum = n_look = n_non_ascii = 0
    latin = other = 0
    script_words: list[int] = []
    for word in text.split():
        w_ascii = w_script = w_compat = 0
        for ch in word:
            if ch.isascii():
                if ch.isalnum():
                    n_alnum += 1
                    if ch.isalpha():
                        w_ascii += 1
                continue
            n_non_ascii += 1
            if ch in SCRIPT_CONFUSABLE:
                w_script += 1
                n_alnum += 1
                continue
            folded = unicodedata.normalize("NFKC", ch).translate(CONFUSABLES)
            if folded.isascii() and folded.isalnum():
                w_compat += 1
                n_alnum += 1
            elif ch.isalnum():
                n_alnum += 1
                other += 1
        latin += w_ascii + w_compat
        n_look += w_compat
        if w_script:
            if w_ascii or w_compat:
                n_look += w_script
            else:
                script_words.append(w_script)
    if script_words and latin > other:
        n_look += sum(script_words)
    return n_alnum, n_look, n_non_ascii
