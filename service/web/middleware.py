"""WSGI middleware of the web app: a request body that cannot be read is the client's mistake (400).

``BodyReadErrors`` wraps ``wsgi.input`` so that a malformed or broken body (bad chunked encoding, a
client gone or silent mid-body) raises werkzeug's ``ClientDisconnected`` (a 400 ``BadRequest``)
wherever it is read, and the connection is closed after the answer.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator

from werkzeug.exceptions import ClientDisconnected

#: Under gunicorn, longest wait (seconds) for the next bytes of a request body; then the request
#: fails with 400 and its thread is free again. A limit per read, not per body (see README "Deploying").
BODY_READ_TIMEOUT = 5.0


def body_read_exceptions() -> tuple[type[BaseException], ...]:
    """What the WSGI server's input stream raises for a malformed or broken body: gunicorn's parse
    errors (bad chunk size, missing chunk terminator, ...) and ``OSError`` (its ``NoMoreData``,
    a reset or timed out socket)."""
    try:
        from gunicorn.http.errors import ParseException
    except ImportError:  # served by another WSGI server
        return (OSError,)
    return (OSError, ParseException)


class BodyReadErrors:
    """WSGI middleware: a request body that cannot be read (malformed chunked encoding, a client
    gone mid-body, a client silent for ``BODY_READ_TIMEOUT`` under gunicorn) raises werkzeug's
    ``ClientDisconnected`` (a 400 ``BadRequest``) wherever it is read (Flask's form and JSON
    parsers, the Akismet reader of ``wsgi.input``), so every error handler answers it as the
    client's mistake rather than a 500."""

    def __init__(self, wsgi_app: Callable[..., Any]) -> None:
        self.wsgi_app = wsgi_app
        self.errors = body_read_exceptions()

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Any:
        stream = environ.get("wsgi.input")
        if stream is None:
            return self.wsgi_app(environ, start_response)
        guarded = environ["wsgi.input"] = GuardedInput(stream, self.errors)

        def _start_response(status, headers, exc_info=None):
            if guarded.failed:  # the rest of the body is unusable: no keep-alive, no draining it
                headers = [(k, v) for k, v in headers if k.lower() != "connection"] + [("Connection", "close")]
            return start_response(status, headers, exc_info)

        sock = environ.get("gunicorn.socket")
        if sock is None or not hasattr(sock, "settimeout"):
            return self.wsgi_app(environ, _start_response)
        # gunicorn has no body read timeout: a client that stops sending would hold this thread forever
        prior = sock.gettimeout()
        sock.settimeout(BODY_READ_TIMEOUT)
        try:
            return self.wsgi_app(environ, _start_response)
        finally:
            sock.settimeout(prior)


class GuardedInput:
    """A ``wsgi.input`` whose read errors become ``ClientDisconnected`` (see ``BodyReadErrors``)."""

    def __init__(self, stream: Any, errors: tuple[type[BaseException], ...]) -> None:
        self._stream = stream
        self._errors = errors
        self.failed = False

    def _call(self, name: str, *args: Any) -> Any:
        try:
            return getattr(self._stream, name)(*args)
        except self._errors as exc:
            self.failed = True
            raise ClientDisconnected(f"the request body could not be read: {exc}") from None

    def read(self, *args: Any) -> bytes:
        return self._call("read", *args)

    def readline(self, *args: Any) -> bytes:
        return self._call("readline", *args)

    def readlines(self, *args: Any) -> list[bytes]:
        return self._call("readlines", *args)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))  # gunicorn's body has no readinto of its own
        buffer[: len(data)] = data
        return len(data)

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.readline, b"")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
