"""WSGI middleware of the Akismet paths (``/1.1…``, ``/1.2…``): Host headers the router cannot use.

werkzeug binds its URL map to the request's host and refuses (``400 BadHost``) a name that is not
valid IDNA (``blog..example``, a run of dots, a label over 63 characters) before any view runs.
Akismet clients put the API key in the Host name and the protocol says the Host header never makes
a request fail, so on those paths such a Host header is moved aside (``RAW_HOST``) and the request is
routed on the server's own name; ``service.akismet.views`` still reads a key from the original.
Such an X-Forwarded-Host header (behind ``SARING_TRUSTED_PROXIES``) is dropped.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

#: ``environ`` key holding a Host header set aside by ``HostGuard``.
RAW_HOST = "saring.akismet.raw_host"
#: Headers whose value werkzeug (directly, or through ProxyFix) routes on.
_HOST_HEADERS = ("HTTP_HOST", "HTTP_X_FORWARDED_HOST")


def is_akismet_path(path: str) -> bool:
    """``/1.1``, ``/1.2`` and everything under them."""
    return path in ("/1.1", "/1.2") or path.startswith(("/1.1/", "/1.2/"))


def routable_host(value: str) -> bool:
    """Whether werkzeug's router accepts ``value`` (``host[:port]``, or a comma list of them as in
    X-Forwarded-Host): every name must encode as IDNA, as ``werkzeug.routing.Map.bind`` requires."""
    for item in value.split(","):
        try:
            item.strip().partition(":")[0].encode("idna")
        except UnicodeError:
            return False
    return True


class HostGuard:
    """Wraps a WSGI app; see the module docstring.

    Args:
        wsgi_app: the application (Flask's ``app.wsgi_app``).
    """

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if is_akismet_path(environ.get("PATH_INFO", "")):
            for name in _HOST_HEADERS:
                value = environ.get(name)
                if value is not None and not routable_host(value):
                    if name == "HTTP_HOST":
                        environ[RAW_HOST] = value
                    del environ[name]
        return self.wsgi_app(environ, start_response)
