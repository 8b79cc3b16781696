"""WSGI entry for the live test server: the Saring app wrapped in a recorder.

``RecordingMiddleware`` appends one JSON line per request (method, path, query, Host, headers,
body) to a file, so tests can assert what a real client sent on the wire. Used by gunicorn in
``tests/akismet/conftest.py`` (``recording_app:app``, settings from the environment) and, in process,
around the Flask app for the WSGI-transport tests.
"""
from __future__ import annotations

import io
import json
import os
import threading
from typing import Any, Callable, Iterable

#: Bytes of each body kept in the record (bodies are passed on whole).
RECORD_BODY_BYTES = 1 << 20


class RecordingMiddleware:
    """Record every request to ``path`` (JSON lines) or, with ``path=None``, to ``self.records``."""

    def __init__(self, app: Callable, path: str | None = None) -> None:
        self.app = app
        self.path = path
        self.records: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        length = environ.get("CONTENT_LENGTH")
        stream = environ["wsgi.input"]
        try:
            body = stream.read(int(length)) if length else stream.read()
        except Exception as exc:  # noqa: BLE001 - a malformed body: the app meets the same error
            environ["wsgi.input"] = _Failing(exc)
            return self.app(environ, start_response)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        record = {
            "method": environ["REQUEST_METHOD"],
            "path": environ.get("PATH_INFO", ""),
            "query": environ.get("QUERY_STRING", ""),
            "host": environ.get("HTTP_HOST", ""),
            "protocol": environ.get("SERVER_PROTOCOL", ""),
            "headers": {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")},
            "content_type": environ.get("CONTENT_TYPE", ""),
            "body": body[:RECORD_BODY_BYTES].decode("latin-1"),
            "body_bytes": len(body),
        }
        with self._lock:
            if self.path:
                with open(self.path, "a", encoding="utf-8") as fh:
                    fh.write(json.dumps(record) + "\n")
            else:
                self.records.append(record)
        return self.app(environ, start_response)


class _Failing(io.RawIOBase):
    """A ``wsgi.input`` whose reads raise ``exc`` (what the server raised on a malformed body)."""

    def __init__(self, exc: Exception) -> None:
        super().__init__()
        self.exc = exc

    def read(self, size: int = -1) -> bytes:
        raise self.exc


def _build() -> RecordingMiddleware:
    from service.app import create_app

    return RecordingMiddleware(create_app(), os.environ["SARING_TEST_RECORD"])


if os.environ.get("SARING_TEST_RECORD"):
    app = _build()
