"""Showing untrusted URLs to moderators: their registered domain, and whether they may be linked.

The public suffix list is tldextract's bundled snapshot (``suffix_list_urls=()``, no cache
directory): no network access, ever.
"""
from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

import tldextract

_extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def registered_domain(url: str) -> str:
    """``https://www.bbc.co.uk/x`` → ``bbc.co.uk``; an IP address or a host without a public
    suffix is returned as is (``192.0.2.1``, ``localhost``); ``""`` when there is no host."""
    url = (url or "").strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https"):
            if "://" in url or (parts.scheme and not parts.path.split("/")[0].isdigit()):
                return ""  # javascript:, data:, ftp://, mailto: … have no web domain to show
            parts = urlsplit(f"http://{url}")  # "example.com/page" or "host:8080/page"
        host = parts.hostname or ""
    except ValueError:
        return ""
    if not host:
        return ""
    parts = _extract(host)
    if parts.suffix and parts.domain:
        return f"{parts.domain}.{parts.suffix}"
    return host


def linkable(url: str) -> str | None:
    """``url`` when it is an absolute http(s) URL with a host (safe as an ``href``), else ``None``
    (``javascript:``, ``data:`` and relative URLs, and URLs with format characters such as a
    direction override, are shown as text only)."""
    url = (url or "").strip()
    if not url.isascii() and any(unicodedata.category(ch) == "Cf" for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.hostname:
        return url
    return None
