"""Akismet answers: byte-exact ``text/plain; charset=utf-8`` bodies (one token, no newline, no BOM),
the ``invalid`` form with ``X-akismet-debug-help``, and the key-sites JSON/CSV reports."""
from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from flask import Response

from service.akismet.calls import KeySitesReport

#: Longest ``X-akismet-debug-help`` value sent (characters; header values stay one short line).
MAX_DEBUG_HELP = 300

_UNSAFE_CSV = re.compile(r"^[=+\-@\t\r]")


def plain(body: str, headers: dict[str, str] | None = None, status: int = 200) -> Response:
    """``body`` exactly, as ``text/plain; charset=utf-8``."""
    response = Response(body.encode("utf-8"), status=status, mimetype="text/plain")
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def debug_help(message: str) -> str:
    """``message`` made safe for a header: one line of printable ASCII (others escaped), capped."""
    one_line = " ".join((message or "").split())
    ascii_only = one_line.encode("ascii", "backslashreplace").decode("ascii")
    return ascii_only[:MAX_DEBUG_HELP]


def invalid(message: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Akismet's failure answer: body ``invalid`` and ``X-akismet-debug-help: <message>``."""
    return plain("invalid", {"X-akismet-debug-help": debug_help(message), **(headers or {})}, status)


def json_answer(data: Any) -> Response:
    """A JSON document (``application/json``)."""
    return Response(json.dumps(data, ensure_ascii=False, separators=(",", ":")), mimetype="application/json")


def _cell(value: Any) -> str:
    """A CSV cell that spreadsheets will not run as a formula (OWASP "CSV injection")."""
    text = str(value)
    return "'" + text if _UNSAFE_CSV.match(text) else text


def key_sites(report: KeySitesReport) -> Response:
    """The key-sites report in ``report.format`` (reference section 3.1)."""
    if report.format == "csv":
        out = io.StringIO()
        out.write(f"Active sites for {report.key} during {report.month} "
                  f"(limit:{report.limit}, offset: {report.offset}, total: {report.total})\n")
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["Site", "Total API Calls", "Spam", "Ham", "Missed Spam", "False Positives", "Is Revoked"])
        for row in report.rows:
            writer.writerow([_cell(row.site), row.api_calls, row.spam, row.ham, row.missed_spam,
                             row.false_positives, "true" if row.is_revoked else "false"])
        response = Response(out.getvalue().encode("utf-8"), mimetype="text/csv")
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
        return response
    sites = []
    for row in report.rows:
        item: dict[str, Any] = {"site": row.site, "api_calls": row.api_calls, "spam": row.spam, "ham": row.ham,
                                "missed_spam": row.missed_spam, "false_positives": row.false_positives,
                                "is_revoked": row.is_revoked}
        if report.extended:
            item["eligibleForRevoke"] = False
        sites.append(item)
    return json_answer({report.month: sites, "limit": report.limit, "offset": report.offset, "total": report.total})
