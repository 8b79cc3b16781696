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

import functools
import html
import re
import unicodedata
from dataclasses import dataclass

import tldextract

__all__ = [
    "SHORTENER_DOMAINS",
    "LinkInfo",
    "extract_links",
    "find_spaced_runs",
    "fold_lookalikes",
    "join_spaced_letters",
    "lookalike_stats",
    "normalize_text",
    "registered_domain",
]

# --------------------------------------------------------------------------- tables

#: Registered domains of public URL shorteners (and link-in-bio redirectors often used
#: the same way). A link through one of these hides its real destination.
SHORTENER_DOMAINS: frozenset[str] = frozenset(
    {
        "bit.ly", "bitly.com", "bitly.is", "s.id", "tinyurl.com", "cutt.ly", "t.ly",
        "rebrand.ly", "rb.gy", "goo.gl", "ow.ly", "is.gd", "v.gd", "buff.ly", "t.co",
        "shorturl.at", "shorturl.asia", "tiny.cc", "lnkd.in", "bl.ink", "short.io",
        "shorte.st", "adf.ly", "bc.vc", "ouo.io", "soo.gd", "clck.ru", "u.to", "qr.ae",
        "tr.im", "x.co", "po.st", "mcaf.ee", "su.pr", "trib.al", "db.tt", "yourls.org",
        "linktr.ee", "heylink.me", "lynk.id", "bio.link", "msha.ke", "tap.bio",
        "linkr.bio", "taplink.cc", "wa.link", "wa.me", "rotf.lol", "kutt.it",
        "shrtco.de", "gg.gg", "zpr.io", "1url.com", "2.gp", "han.gl", "me2.kr",
        "linkin.bio", "bitly.ws", "l.ead.me", "urlz.fr", "tny.im", "dub.sh", "dub.co",
    }
)

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
_CONFUSABLES: dict[int, str] = {ord(k): v for k, v in _CONFUSABLE_PAIRS.items()}

# Scripts whose letters count as "look-alike" only when they sit in Latin text.
_SCRIPT_CONFUSABLE = frozenset(
    ch for ch in _CONFUSABLE_PAIRS if "\u0370" <= ch <= "\u058f"
)

_INVISIBLE_RE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)
_TAG_A_RE = re.compile(r"""<a\s[^>]{0,200}?href\s*=\s*["']?([^"'\s>]{1,2000})[^>]{0,200}>""", re.I)
_TAG_BR_RE = re.compile(r"<\s*(br|p|div|li)\b[^>]*>", re.I)
_TAG_RE = re.compile(r"</?[a-zA-Z][^>]{0,300}>")
_WS_RE = re.compile(r"\s+")
_REPEAT_RE = re.compile(r"([a-z])\1{2,}")
# "example . com", "example(dot)com", "example[.]com"  ->  "example.com"
_DOT_OBFUSCATION_RE = re.compile(
    r"(?<=[a-z0-9])\s*(?:\(\s*dot\s*\)|\[\s*(?:dot|\.)\s*\]|\{\s*dot\s*\}|\s\.\s|\s\.|\.\s| dot )\s*"
    r"(?=(?:com|net|org|co|id|me|ly|io|info|biz|xyz|site|online|vip|top|club|link|live|asia|pro)\b)"
)
_EMAIL_RE = re.compile(r"\b[\w.+-]{1,64}@([a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){1,8})\b")
_URL_RE = re.compile(
    r"""(?:(?:https?|hxxps?|ftp)://|www\.)[^\s<>"'`]+"""  # explicit links
    r"""|\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.){1,8}[a-z]{2,12}\b(?:/[^\s<>"'`]*)?""",  # bare
)
_PHONE_RE = re.compile(r"(?<!\w)\+?\d(?:[\d\s.-]{7,16})\d(?!\w)")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t"})
_LEET_TOKEN_RE = re.compile(r"\b(?=\w*[a-z])\w*[a-z][013457]+[a-z]\w*\b")
# Single letters/digits separated by one punctuation mark: "s.l.o.t", "g-a-c-o-r".
_PUNCT_SPACED_RE = re.compile(r"(?<![\w.])(?:[^\W_][.\-_*·•/|] ?){3,}[^\W_](?![\w])")
_SPACE_TOKEN_RE = re.compile(r"\S+|\s+")

#: Bare (scheme-less) host names count as links only with one of these suffixes, so
#: code such as ``plt.show`` or ``df.info`` in a programming-blog comment is not a link.
_BARE_SUFFIXES = frozenset(
    {
        "com", "net", "org", "id", "co.id", "or.id", "web.id", "my.id", "biz.id",
        "me", "ly", "io", "biz", "xyz", "site", "online", "vip", "top", "club", "link",
        "live", "asia", "pro", "store", "shop", "fun", "icu", "win", "bet", "casino",
        "games", "space", "website", "co", "us", "uk", "co.uk", "in", "ru", "cn", "tk",
        "ml", "ga", "cf", "gq", "cc", "ws", "tv", "gl", "gd", "gy", "gp", "lol", "sh",
        "ee", "to", "so", "la", "cx", "im", "app", "dev", "page", "blog", "news",
        "today", "world", "life", "tips", "click", "download", "mobi", "name",
    }
)

_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


# --------------------------------------------------------------------------- links


@dataclass(frozen=True)
class LinkInfo:
    """One link found in a text.

    Attributes:
        text: the link as written (after look-alike folding, lower-case).
        domain: registered domain (``"bit.ly"``, ``"pstoto99.com"``); for an IP address
            the address itself.
        shortener: ``True`` when ``domain`` is in :data:`SHORTENER_DOMAINS`.
    """

    text: str
    domain: str
    shortener: bool


@functools.lru_cache(maxsize=65536)
def registered_domain(host_or_url: str) -> str:
    """Registered domain of a host name or URL, offline.

    Uses tldextract with its bundled Public Suffix List snapshot (``suffix_list_urls=()``:
    never touches the network).

    Args:
        host_or_url: ``"https://www.Example.co.id/x"``, ``"bit.ly/abc"``, ``"1.2.3.4"``.

    Returns:
        ``"example.co.id"``, ``"bit.ly"``, ``"1.2.3.4"``; ``""`` when no public suffix
        is found (``"localhost"``, ``"e.g"``).
    """
    s = host_or_url.strip().lower()
    if not s:
        return ""
    ext = _EXTRACTOR(s)
    if ext.suffix and ext.domain:
        return f"{ext.domain}.{ext.suffix}"
    if ext.domain and re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", ext.domain):
        return ext.domain
    return ""


def _link_matches(text: str) -> list[tuple[re.Match[str], LinkInfo]]:
    out: list[tuple[re.Match[str], LinkInfo]] = []
    for m in _URL_RE.finditer(text):
        raw = m.group(0).rstrip(".,;:!?)]}'\"")
        explicit = raw.startswith(("http", "hxxp", "ftp", "www."))
        host = re.sub(r"^(?:https?|hxxps?|ftp)://", "", raw)
        host = re.split(r"[/?#]", host, maxsplit=1)[0].split("@")[-1].split(":")[0]
        domain = registered_domain(host)
        if not domain:
            continue
        if not explicit:
            suffix = domain.split(".", 1)[1] if "." in domain else ""
            has_path = "/" in raw
            followed_by_paren = text[m.end() : m.end() + 1] == "("
            if followed_by_paren or (suffix not in _BARE_SUFFIXES and not has_path):
                continue
            if suffix not in _BARE_SUFFIXES and suffix.count(".") == 0 and len(suffix) > 3:
                continue
        out.append((m, LinkInfo(raw, domain, domain in SHORTENER_DOMAINS)))
    return out


#: Only the first this many characters of a comment are analysed (bounds the work an
#: adversarial megabyte comment can cause; the longest training comment has ~3,000).
MAX_TEXT_CHARS = 10_000


@functools.lru_cache(maxsize=4096)
def _prepare(text: str) -> str:
    """Truncation to :data:`MAX_TEXT_CHARS`, HTML unescape/strip, invisible-character
    removal, NFKC, look-alike folding."""
    text = text[:MAX_TEXT_CHARS]
    if "&" in text:
        text = html.unescape(text)
    if "<" in text:
        text = _TAG_A_RE.sub(lambda m: f" {m.group(1)} ", text)
        text = _TAG_BR_RE.sub(" ", text)
        text = _TAG_RE.sub(" ", text)
    text = _INVISIBLE_RE.sub("", text)
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_CONFUSABLES)
    if not text.isascii():
        # drop combining marks (strike-through, accents): "s̶l̶o̶t̶" -> "slot"
        decomposed = unicodedata.normalize("NFD", text)
        text = unicodedata.normalize(
            "NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        )
    return text


def extract_links(text: str) -> list[LinkInfo]:
    """Links in a comment, with registered domain and shortener flag.

    Finds explicit links (``http(s)://``, ``www.``) and bare host names with a common
    suffix (``pstoto99.com``, ``s.id/abc``, ``kidsmediausa . com``); look-alike letters
    and HTML ``<a href>`` are handled first. Offline (bundled public suffix list).

    Args:
        text: raw comment text.

    Returns:
        One :class:`LinkInfo` per link, in order of appearance.
    """
    return list(_extract_links_cached(text))


@functools.lru_cache(maxsize=4096)
def _extract_links_cached(text: str) -> tuple[LinkInfo, ...]:
    prepared = _DOT_OBFUSCATION_RE.sub(".", _prepare(text).lower())
    prepared = _EMAIL_RE.sub(" ", prepared)
    return tuple(info for _, info in _link_matches(prepared))


# --------------------------------------------------------------------------- letters


def fold_lookalikes(text: str) -> str:
    """NFKC plus confusable folding, case preserved (``"𝐏𝐑𝟎𝐁𝐄"`` → ``"PR0BE"``)."""
    return _prepare(text)


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
            if ch in _SCRIPT_CONFUSABLE:
                w_script += 1
                n_alnum += 1
                continue
            folded = unicodedata.normalize("NFKC", ch).translate(_CONFUSABLES)
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


def _letter_of(tok: str, last: bool = False) -> str | None:
    """The letter of a spaced-run token: one alphanumeric (the run's last token may
    carry trailing punctuation, "r!")."""
    if len(tok) == 1:
        return tok if tok.isalnum() else None
    if last and tok[0].isalnum() and not any(c.isalnum() for c in tok[1:]) and not tok[1:].isspace():
        return tok[0]
    return None


def _space_runs(text: str, min_letters: int) -> list[tuple[int, int, list[str], str]]:
    """Spaced runs in ``text`` as ``(start_part, end_part, words, trailing)`` where parts
    are :data:`_SPACE_TOKEN_RE` tokens, ``end_part`` is exclusive and ``trailing`` is
    punctuation stuck to the last letter."""
    parts = _SPACE_TOKEN_RE.findall(text)
    out: list[tuple[int, int, list[str], str]] = []
    i = 0
    n = len(parts)
    while i < n:
        if _letter_of(parts[i]) is not None:
            j = i
            letters = [parts[i]]
            gaps: list[int] = []
            trailing = ""
            while j + 2 < n and parts[j + 1].isspace():
                nxt = parts[j + 2]
                if _letter_of(nxt) is not None:
                    gaps.append(len(parts[j + 1]))
                    letters.append(nxt)
                    j += 2
                    continue
                ch = _letter_of(nxt, last=True)
                if ch is not None:
                    gaps.append(len(parts[j + 1]))
                    letters.append(ch)
                    trailing = nxt[1:]
                    j += 2
                break
            if len(letters) >= min_letters:
                base = min(gaps)
                words: list[str] = []
                cur = letters[0]
                for gap, letter in zip(gaps, letters[1:]):
                    if gap > base:
                        words.append(cur)
                        cur = letter
                    else:
                        cur += letter
                words.append(cur)
                out.append((i, j + 1, words, trailing))
                i = j + 1
                continue
        i += 1
    return out


def find_spaced_runs(text: str, min_letters: int = 4) -> list[str]:
    """Runs of single letters/digits separated by spaces or single punctuation marks.

    ``"Main di s l o t  g a c o r ya"`` → ``["s l o t  g a c o r"]``;
    ``"A.L.E.X.I.S"`` → ``["A.L.E.X.I.S"]``. Look-alikes are folded first.

    Args:
        text: raw comment text.
        min_letters: shortest run (in characters) to report.

    Returns:
        The runs as written (after look-alike folding, without trailing punctuation),
        in order.
    """
    prepared = _prepare(text)
    runs = [m.group(0) for m in _PUNCT_SPACED_RE.finditer(prepared)]
    rest = _PUNCT_SPACED_RE.sub(" ", prepared)
    parts = _SPACE_TOKEN_RE.findall(rest)
    for start, end, _words, trailing in _space_runs(rest, min_letters):
        run = "".join(parts[start:end])
        runs.append(run[: len(run) - len(trailing)] if trailing else run)
    return runs


def join_spaced_letters(text: str, min_letters: int = 4) -> str:
    """Join spaced-out letters: ``"s l o t  g a c o r"`` → ``"slot gacor"``.

    A wider gap than the run's narrowest one separates words. Single letters joined by
    one punctuation mark (``"s.l.o.t"``, ``"g-a-c-o-r"``) are joined too. Runs shorter
    than ``min_letters`` characters are left alone (``"a b c"``).

    Args:
        text: text (ideally already look-alike folded).
        min_letters: shortest run to join.

    Returns:
        The text with runs replaced by the joined words (surrounded by spaces).
    """
    text = _PUNCT_SPACED_RE.sub(lambda m: " " + re.sub(r"[\W_]", "", m.group(0)) + " ", text)
    runs = _space_runs(text, min_letters)
    if not runs:
        return text
    parts = _SPACE_TOKEN_RE.findall(text)
    out: list[str] = []
    pos = 0
    for start, end, words, trailing in runs:
        out.append("".join(parts[pos:start]))
        out.append(" " + " ".join(words) + trailing + " ")
        pos = end
    out.append("".join(parts[pos:]))
    return "".join(out)


# --------------------------------------------------------------------------- main


def _domain_token(domain: str) -> str:
    return "urldom_" + re.sub(r"[^a-z0-9]+", "_", domain.lower()).strip("_")


@functools.lru_cache(maxsize=65_536)
def _normalize_cached(s: str) -> str:
    text = _prepare(s).lower()
    text = _DOT_OBFUSCATION_RE.sub(".", text)

    if "@" in text:
        text = _EMAIL_RE.sub(
            lambda m: " emailx " + _domain_token(m.group(1)).replace("urldom_", "maildom_") + " ",
            text,
        )

    # links -> marker tokens (+ the domain's name as a word)
    pieces: list[str] = []
    pos = 0
    for m, info in _link_matches(text):
        pieces.append(text[pos : m.start()])
        name = info.domain.split(".", 1)[0]
        toks = [" urlx", _domain_token(info.domain), name]
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
        Lower-case normalised text; ``""`` for empty input. Results are memoised
        (LRU, 65,536 entries), so repeated texts cost a dictionary look-up.
    """
    if not s:
        return ""
    return _normalize_cached(str(s))
