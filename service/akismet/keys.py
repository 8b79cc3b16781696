"""Where an Akismet request carries its API key (reference section 2); plain Python, no Flask.

Three shapes are accepted: ``api_key``/``key`` in the body, ``api_key``/``key`` in the query string,
and the key as the left-most label of the Host header (``K.rest.akismet.com``,
``K.saring.example``, ``K.localhost:8000``). The Host header itself never makes a request fail.
"""
from __future__ import annotations

import ipaddress

from service.akismet.form import AkismetForm


def host_key(host: str, api_host: str) -> str | None:
    """The key carried as the left-most label of ``host``, or ``None``.

    A label is taken when ``host`` (port dropped, compared case-insensitively) ends with
    ``.<api_host>``, ends with ``.localhost``, or has more labels than ``api_host``. IP addresses
    never carry a key.

    >>> host_key("ABCDEF123456.rest.akismet.com", "rest.akismet.com")
    'abcdef123456'
    >>> host_key("rest.akismet.com", "rest.akismet.com") is None
    True
    """
    name = (host or "").strip().lower()
    if name.startswith("["):
        return None  # [IPv6]:port
    name = name.rsplit(":", 1)[0] if name.count(":") == 1 else name
    name = name.rstrip(".")
    if not name or "." not in name:
        return None
    try:
        ipaddress.ip_address(name)
        return None
    except ValueError:
        pass
    api = (api_host or "").strip().lower().rstrip(".")
    label, _, rest = name.partition(".")
    if name.endswith("." + api) and api or rest == "localhost" or name.count(".") > api.count("."):
        return label or None
    return None


def find_key(form: AkismetForm, query: AkismetForm, host: str, api_host: str, verify: bool = False) -> tuple[str, str]:
    """The API key of a request and where it was found.

    Order (reference section 2): on verify-key ``key`` then ``api_key`` (WordPress sends
    ``key=NEW&...&api_key=OLD`` while a new key is being verified); elsewhere ``api_key`` then
    ``key``. The body wins over the query string, which wins over the Host header.

    Returns ``(key, where)`` with ``where`` one of ``body``, ``query``, ``host``; ``("", "")`` when
    no key was sent.
    """
    names = ("key", "api_key") if verify else ("api_key", "key")
    for where, source in (("body", form), ("query", query)):
        for name in names:
            value = source.get(name).strip()
            if value:
                return value, where
    label = host_key(host, api_host)
    if label:
        return label, "host"
    return "", ""
