"""Links in a comment: explicit and bare host names, registered domains (offline), shorteners."""
from __future__ import annotations

import re
from dataclasses import dataclass

import tldextract

from models.caches import text_cache
from models.text.lookalikes import MAX_TEXT_CHARS, prepare

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

# "example . com", "example(dot)com", "example[.]com"  ->  "example.com"
DOT_OBFUSCATION_RE = re.compile(
    r"(?<=[a-z0-9])\s*(?:\(\s*dot\s*\)|\[\s*(?:dot|\.)\s*\]|\{\s*dot\s*\}|\s\.\s|\s\.|\.\s| dot )\s*"
    r"(?=(?:com|net|org|co|id|me|ly|io|info|biz|xyz|site|online|vip|top|club|link|live|asia|pro)\b)"
)
EMAIL_RE = re.compile(r"\b[\w.+-]{1,64}@([a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){1,8})\b")
_URL_RE = re.compile(
    r"""(?:(?:https?|hxxps?|ftp)://|www\.)[^\s<>"'`]+"""  # explicit links
    r"""|\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.){1,8}[a-z]{2,12}\b(?:/[^\s<>"'`]*)?""",  # bare
)

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


@text_cache(max_chars=200_000)
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


def link_matches(text: str) -> list[tuple[re.Match[str], LinkInfo]]:
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
    return list(_extract_links_cached(text[:MAX_TEXT_CHARS]))  # prepare reads no further


@text_cache(max_chars=350_000)
def _extract_links_cached(text: str) -> tuple[LinkInfo, ...]:
    prepared = DOT_OBFUSCATION_RE.sub(".", prepare(text).lower())
    prepared = EMAIL_RE.sub(" ", prepared)
    return tuple(info for _, info in link_matches(prepared))


def domain_token(domain: str) -> str:
    return "urldom_" + re.sub(r"[^a-z0-9]+", "_", domain.lower()).strip("_")
