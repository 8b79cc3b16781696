"""Where a webhook may be sent: public addresses only, unless the operator allows internal ones.

A callback URL is chosen by whoever configures a site; without a check, Saring's worker would
POST to ``http://169.254.169.254/`` (cloud metadata), ``http://127.0.0.1:6379/`` (its own Redis)
or any host of the private network. :func:`check_url` refuses URLs with credentials, and
:func:`resolve` refuses every host that resolves (``socket.getaddrinfo``, which also reads the
odd IPv4 forms ``2130706433`` and ``0x7f.1``) to an address that is not globally routable
(:attr:`ipaddress.IPv4Address.is_global`: loopback, private, shared 100.64/10, link-local,
unique-local IPv6, multicast, reserved; IPv4-mapped IPv6 is judged as its IPv4 address).
Delivery connects to the address that was checked (:func:`pinned_request`), so a DNS answer that
changes between the check and the connection cannot redirect it.

``SARING_WEBHOOK_ALLOW_INTERNAL=1`` (``Settings.webhook_allow_internal``) lifts the address check
for installations whose sites really live on the private network (and for tests).
"""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from service.errors import ValidationFailed

__all__ = ["Target", "TargetRefused", "check_url", "is_public", "pinned_request", "resolve"]


class TargetRefused(ValidationFailed):
    """A callback URL whose host is internal, unresolvable at delivery, or carries credentials."""


@dataclass(frozen=True)
class Target:
    """A checked callback: the URL as given, its host name and the address to connect to."""

    url: str
    host: str
    address: str  # an IP address, or the host itself when internal targets are allowed
    port: int


def is_public(address: str) -> bool:
    """Whether ``address`` (an IP address string) is globally routable."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(ip.is_global) and not ip.is_multicast


def check_url(url: str) -> tuple[str, int]:
    """``(host, port)`` of an http(s) callback URL without credentials.

    Raises :class:`TargetRefused` (field ``url``) otherwise."""
    try:
        parts = urlsplit(url.strip())
        host, port = parts.hostname, parts.port
    except ValueError:
        raise TargetRefused("url must be an absolute http(s) URL", field="url") from None
    if parts.scheme not in ("http", "https") or not host:
        raise TargetRefused("url must be an absolute http(s) URL", field="url")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("url must not carry a user name or password (use the signing secret)", field="url")
    return host, port or (443 if parts.scheme == "https" else 80)


def resolve(url: str, allow_internal: bool = False, must_resolve: bool = True) -> Target | None:
    """Check ``url`` and pick the address to connect to.

    Args:
        url: the callback URL.
        allow_internal: skip the address check (the operator's explicit choice).
        must_resolve: at delivery, a host that does not resolve is refused; at registration
            (``False``) it is accepted (its DNS may come later) and ``None`` is returned.

    Raises:
        TargetRefused: credentials in the URL, a host that resolves to any address that is not
            public (every address must be public: a name with one internal address is refused),
            or, with ``must_resolve``, a host that does not resolve.
    """
    host, port = check_url(url)
    if allow_internal:
        return Target(url, host, host, port)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        if must_resolve:
            raise TargetRefused(f"callback host {host!r} does not resolve", field="url") from None
        return None
    addresses = sorted({info[4][0] for info in infos})
    internal = [a for a in addresses if not is_public(a)]
    if internal:
        raise TargetRefused(f"callback host {host!r} resolves to an internal address ({internal[0]}); "
                            "set SARING_WEBHOOK_ALLOW_INTERNAL=1 to allow internal targets", field="url")
    return Target(url, host, addresses[0], port)


def pinned_request(target: Target) -> tuple[str, dict[str, str], dict[str, str]]:
    """``(url, headers, extensions)`` for an httpx request to ``target.address``: the URL with the
    checked address in place of the host, the ``Host`` header and, for https, the TLS server name
    (``sni_hostname``, also used to verify the certificate) set to the original host."""
    if target.address == target.host:
        return target.url, {}, {}
    parts = urlsplit(target.url)
    literal = f"[{target.address}]" if ":" in target.address else target.address
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    host_header = target.host + (f":{parts.port}" if parts.port else "")
    extensions = {"sni_hostname": target.host} if parts.scheme == "https" else {}
    return url, {"Host": host_header}, extensions
