"""Who wrote a comment and what it points at: the keys site learning counts labels under.

Plain Python, no Flask, no database. The same functions run when a comment is checked and when its
label changes (``service.learning.reputation``), so a label is counted under the keys its comment
was checked with.

Keys (``kind``, ``value``):

* ``commenter``: :func:`commenter_key`: ``e:<e-mail>`` (normalised author e-mail), else
  ``n:<author name>|<author URL host and path>``, else ``n:<author name>|<public IP>`` (the IP only as a
  weak extra, for a name without e-mail or URL); ``None`` for an anonymous comment.
* ``email``: the normalised author e-mail; ``email_domain``: its domain unless a public mailbox
  provider (:data:`FREEMAIL`: a gmail.com reputation would pool every reader);
* ``url_domain``: registered domain of the author URL, unless a profile platform (:data:`PLATFORMS`); ``link_domain``: registered domains of the
  links in the content (at most :data:`MAX_LINK_DOMAINS`);
* ``ip``: :func:`public_ip`: the first public address of ``user_ip`` (an ``X-Forwarded-For``-style
  list is read left to right). Loopback, private (RFC 1918, fc00::/7), link-local, shared
  (100.64.0.0/10, RFC 6598), documentation-free reserved and multicast addresses never count: many
  readers behind one proxy or NAT would share one reputation.
"""
from __future__ import annotations

import hashlib
import ipaddress
import re
import unicodedata
from urllib.parse import unquote, urlsplit

from models.text import normalize_text
from service.infra.url_domains import registered_domain

#: Platforms whose URLs are people's profile pages (``youtube.com/@name``): an author URL there says
#: who the author is (the commenter key keeps its path) but its domain pools everyone.
PLATFORMS = frozenset({
    "youtube.com", "facebook.com", "twitter.com", "x.com", "instagram.com", "tiktok.com", "github.com",
    "medium.com", "wordpress.com", "blogspot.com", "linkedin.com", "reddit.com", "mastodon.social",
})
#: Public mailbox providers: their domain says nothing about the sender.
FREEMAIL = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.id", "ymail.com", "hotmail.com", "outlook.com",
    "live.com", "msn.com", "icloud.com", "me.com", "aol.com", "gmx.com", "gmx.de", "mail.com", "mail.ru",
    "yandex.ru", "yandex.com", "proton.me", "protonmail.com", "zoho.com", "qq.com", "163.com", "web.de",
})
#: Link domains counted for reputation; list matching reads every link (up to :data:`MAX_LINKS_READ`).
MAX_LINK_DOMAINS = 10
MAX_LINKS_READ = 500
MAX_VALUE_CHARS = 255
#: A host name is at most 253 characters: longer tokens are not links (and are never scanned).
MAX_HOST_TOKEN = 300
_URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"'\]\[)(]+", re.I)
_BARE_DOMAIN_RE = re.compile(r"(?:[^\W_](?:[\w-]{0,62})\.)+[^\W\d_]{2,24}(?=$|[/:?#])")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip().casefold()


def _idna(host: str) -> str:
    """A host as browsers resolve it: NFKC (full-width letters, ideographic full stops), lower case,
    each label IDNA-encoded (``казино.example`` → ``xn--80aodfsg.example``); ``""`` when it cannot be."""
    host = unicodedata.normalize("NFKC", host).replace("\u3002", ".").lower().rstrip(".")
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return ""


def normal_email(email: str) -> str:
    """``" Reader@Example.COM. "`` → ``"reader@example.com"`` (the domain IDNA-encoded); ``""`` when
    not an e-mail address or longer than 255 characters."""
    email = _fold(email)
    if len(email) > MAX_VALUE_CHARS or not _EMAIL_RE.match(email):
        return ""
    local, domain = email.rsplit("@", 1)
    domain = _idna(domain)
    return f"{local}@{domain}" if domain and "." in domain else ""


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip().strip("[]")
    if text.count(":") == 1 and "." in text:  # "203.0.113.5:443"
        text = text.split(":")[0]
    try:
        addr = ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return addr


def addresses(user_ip: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Every address in ``user_ip`` (one address, or a comma/space separated list as in
    ``X-Forwarded-For``), in order; junk items are skipped."""
    return [a for a in (_address(part) for part in re.split(r"[,\s]+", user_ip or "") if part) if a is not None]


def is_public(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether ``addr`` is globally routable (``ipaddress``'s ``is_global``: not loopback, private,
    link-local, shared 100.64/10, reserved or multicast)."""
    return addr.is_global and not addr.is_multicast


def public_ip(user_ip: str) -> str:
    """The first public address of ``user_ip`` (canonical text), ``""`` when it has none."""
    for addr in addresses(user_ip):
        if is_public(addr):
            return str(addr)
    return ""


def host_of(url: str) -> str:
    """Lower-case host of an http(s) URL or ``www.``/bare-domain text; ``""`` when none."""
    url = (url or "").strip().replace("\\", "/")  # browsers read a backslash as a slash
    if not url:
        return ""
    if "://" not in url:
        url = "http://" + url
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return _idna(unquote(host))


def link_hosts(content: str, limit: int = MAX_LINK_DOMAINS) -> list[str]:
    """Hosts of the links in ``content`` (``http(s)://``, ``www.`` and bare ``name.tld/...``), in
    order, without repeats, at most ``limit``. Linear in the text: bare domains are only looked for
    at the start of whitespace-separated tokens of at most :data:`MAX_HOST_TOKEN` characters."""
    out: list[str] = []
    text = unicodedata.normalize("NFKC", content or "")
    candidates: list[str] = []
    rest: list[str] = []  # the text with every link replaced by a space (one regex scan, not two)
    pos = 0
    for m in _URL_RE.finditer(text):
        candidates.append(m.group(0))
        rest.append(text[pos:m.start()])
        pos = m.end()
    rest.append(text[pos:])
    for token in " ".join(rest).split():
        if "." not in token and "\u3002" not in token:  # cannot be a bare domain (cheap test first)
            continue
        token = token.strip("\"'()[]<>,;!*").replace("\u3002", ".")
        if len(token) <= MAX_HOST_TOKEN and "." in token:
            m = _BARE_DOMAIN_RE.match(token)
            if m:
                candidates.append(m.group(0))
    for candidate in candidates:
        host = host_of(candidate)
        if host and "." in host and host not in out:
            out.append(host)
            if len(out) >= limit:
                break
    return out


def site_domain(url_or_host: str) -> str:
    """The registered domain (``shop.casino.co.uk`` → ``casino.co.uk``, public suffix list); a host
    without a known suffix loses only a leading ``www.`` (``www.pharma.example`` → ``pharma.example``)."""
    dom = registered_domain(url_or_host)
    return (dom[4:] if dom.startswith("www.") else dom)[:MAX_VALUE_CHARS]


def _url_identity(url: str) -> str:
    """``https://www.YouTube.com/@Rina/`` → ``youtube.com/@rina``: host (without ``www.``) and path."""
    host = host_of(url)
    if not host:
        return ""
    try:
        path = urlsplit(url if "://" in url else "http://" + url).path.rstrip("/").lower()
    except ValueError:
        path = ""
    return (host[4:] if host.startswith("www.") else host) + path


def commenter_key(author: str, author_email: str, author_url: str, user_ip: str) -> str | None:
    """The commenter's identity on a site (see the module docstring), at most 255 characters."""
    email = normal_email(author_email)
    if email:
        return f"e:{email}"
    name = " ".join(_fold(author).split())
    if not name:
        return None
    extra = _url_identity(author_url) or public_ip(user_ip)
    if not extra:
        return None
    return f"n:{name}|{extra}"[:MAX_VALUE_CHARS]


def entities(author: str, author_email: str, author_url: str, user_ip: str, content: str) -> list[tuple[str, str]]:
    """The ``(kind, value)`` keys of one comment (see the module docstring), without repeats."""
    out: list[tuple[str, str]] = []
    commenter = commenter_key(author, author_email, author_url, user_ip)
    if commenter:
        out.append(("commenter", commenter))
    email = normal_email(author_email)
    if email:
        out.append(("email", email))
        domain = email.rsplit("@", 1)[1]
        if domain not in FREEMAIL:
            out.append(("email_domain", domain))
    url_domain = site_domain(author_url)
    if url_domain and url_domain not in PLATFORMS:
        out.append(("url_domain", url_domain))
    for host in link_hosts(content):
        dom = site_domain(host)
        if dom and ("link_domain", dom) not in out:
            out.append(("link_domain", dom))
    ip = public_ip(user_ip)
    if ip:
        out.append(("ip", ip))
    return out


def content_hash(content: str) -> str:
    """SHA-1 hex of the normalised content (look-alike letters, spacing and case folded), so that
    the same text sent again matches however it was dressed."""
    return hashlib.sha1(normalize_text(content or "").encode("utf-8", "surrogatepass")).hexdigest()
