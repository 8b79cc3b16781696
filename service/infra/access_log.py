"""gunicorn's access log without secrets: ``api_key=`` / ``key=`` / ``token=`` / ``password=``
values in every logged string (request line, query string, referrer, headers) are replaced by ``[redacted]``.

The Akismet protocol allows keys in the query string (``GET /1.2/key-sites?api_key=…``), and an
access log is usually kept longer and read by more people than the database.
"""
from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

__all__ = ["RedactingLogger", "redact"]

_SECRET_PARAM_RE = re.compile(r"(?i)((?:^|[?&;])(?:api_key|key|token|access_token|password)=)[^&;\s#]*")


def redact(text: str) -> str:
    """``text`` (a request line, query string or URL) with secret parameter values replaced."""
    return _SECRET_PARAM_RE.sub(r"\1[redacted]", text) if text and "=" in text else text


class RedactingLogger(Logger):
    """gunicorn ``logger_class``: the default access log, secrets redacted (:func:`redact`)."""

    def atoms(self, resp: Any, req: Any, environ: dict, request_time: Any) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        # every string atom: the request line and query (r, q), the referrer (f), and the
        # {header}i / {variable}e atoms that repeat them (RAW_URI, QUERY_STRING, …)
        return {name: redact(value) if isinstance(value, str) else value for name, value in atoms.items()}
