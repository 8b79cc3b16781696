"""Text normalisation against the obfuscations comment spammers use.

Spam that tries to slip past keyword and n-gram filters (Indonesian online-gambling
"judol" promotion especially) writes ``𝐏𝐑𝟎𝐁𝐄𝟖𝟓𝟓`` (math alphanumerics), ``ѕlоt`` (Cyrillic
look-alikes), ``s l o t  g a c o r`` (spaced letters), ``g4c0r`` (leet digits) and hides
links behind shorteners (``bit.ly``, ``s.id``). :func:`normalize_text` folds all of that
to plain lower-case ASCII words plus a few marker tokens, so that the same n-gram
features fire for the obfuscated and the plain spelling.

Sources: Unicode Standard Annex #15 (normalisation forms, NFKC) and Unicode Technical
Standard #39 (security mechanisms; the "confusables" idea — the table here is a small
hand-picked subset of UTS #39 ``confusables.txt`` for Cyrillic/Greek/small-capital
letters that look like Latin ones).

Marker tokens written into the normalised text (all ASCII words, so a word tokenizer
keeps them whole):

- ``urlx``: a link was here; ``urldom_<domain>``: its registered domain with dots as
  underscores (``urldom_bit_ly``); ``urlshort``: the domain is a known URL shortener.
- ``emailx``: an e-mail address; ``phonex``: a long digit run (phone / WhatsApp number).
"""
from __future__ import annotations

import re

from models.text.links import DOT_OBFUSCATION_RE, EMAIL_RE, domain_token, link_matches
from models.caches import text_cache
from models.text.lookalikes import MAX_TEXT_CHARS, prepare
from models.text.spacing import join_spaced_letters

_WS_RE = re.compile(r"\s+")
_REPEAT_RE = re.compile(r"([a-z])\1{2,}")
_PHONE_RE = re.compile(r"(?<!\w)\+?\d(?:[\d\s.-]{7,16})\d(?!\w)")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t"})
_LEET_TOKEN_RE = re.compile(r"\b(?=\w*[a-z])\w*[a-z][013457]+[a-z]\w*\b")


@text_cache(max_chars=5_500_000)
def _normalize_cached(s: str) -> str:
    text = prepare(s).lower()
    text = DOT_OBFUSCATION_RE.sub(".", text)

    if "@" in text:
        text = EMAIL_RE.sub(
            lambda m: " emailx " + domain_token(m.group(1)).replace("urldom_", "maildom_") + " ",
            text,
        )

    # links -> marker tokens (+ the domain's name as a word)
    pieces: list[str] = []
    pos = 0
    for m, info in link_matches(text):
        pieces.append(text[pos : m.start()])
        name = info.domain.split(".", 1)[0]
        toks = [" urlx", domain_token(info.domain), name]
        if info.shortener:
            toks.append("urlshort")
        pieces.append(" ".join(toks) + " ")
        pos = m.end()
    if pieces:
        pieces.append(text[pos:])
        text = "".join(pieces)

    text = _PHONE_RE.sub(lambda m: " " + re.sub(r"\D", "", m.group(0)) + " phonex ", text)
    text = join_spaced_letters(text)
    text = _REPEAT_RE.sub(r"\1\1", text)
    text = _WS_RE.sub(" ", text).strip()

    # extra token stream: leet-folded variants ("g4c0r" -> "gacor") appended
    leet = [tok.translate(_LEET) for tok in _LEET_TOKEN_RE.findall(text)]
    if leet:
        text = text + " " + " ".join(leet)
    return text


def normalize_text(s: str) -> str:
    """Normalise a comment for n-gram features.

    Steps, in order: HTML entity unescaping and tag stripping (``<a href>`` keeps its
    URL), removal of invisible characters (zero-width, BOM, variation selectors), NFKC
    (folds math alphanumerics ``𝐏𝐑𝟎𝐁𝐄𝟖𝟓𝟓`` → ``PR0BE855``, full-width, circled letters;
    UAX #15), confusable folding (Cyrillic/Greek/small-capital look-alikes → Latin,
    after UTS #39), combining-mark removal, lower-casing, de-obfuscation of
    ``example . com``/``example(dot)com``, links → ``urlx urldom_<domain> <name>
    [urlshort]``, e-mail → ``emailx maildom_<domain>``, long digit runs → ``<digits>
    phonex``, spaced-letter joining (``s l o t  g a c o r`` → ``slot gacor``), letter
    repeats capped at two (``gacorrrr`` → ``gacorr``), whitespace collapsing; finally
    leet-folded copies of words with digits inside (``g4c0r`` → ``gacor``) are
    appended as an extra token stream.

    Args:
        s: raw comment text (any Unicode; ``None`` is treated as ``""``).

    Returns:
        Lower-case normalised text; ``""`` for empty input. Only the first
        ``MAX_TEXT_CHARS`` characters are read. Results are memoised (LRU bounded by
        characters, ``models.caches.text_cache``), so repeated texts cost a dictionary look-up.
    """
    if not s:
        return ""
    return _normalize_cached(str(s)[:MAX_TEXT_CHARS])  # prepare reads no further
