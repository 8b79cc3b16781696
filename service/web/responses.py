"""Response headers shared by blueprints: the moderator APIs' and the moderators' pages'.

* ``moderator_api_headers``: the queue and admin APIs (``Cache-Control: no-store``; a fresh
  ``X-CSRFToken`` for a session-authenticated caller, for its next unsafe request);
* ``page_security_headers``: every moderators' page (strict Content-Security-Policy, no framing,
  no sniffing, no referrer; ``no-store`` except for static files).
"""
from __future__ import annotations

from flask import Response, g, request

from service.web.auth import fresh_csrf_token

#: Sent with every page: nothing but this server's own scripts, styles and forms.
CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


def moderator_api_headers(response: Response) -> Response:
    """``after_request`` of the queue and admin APIs: never cached; a session-authenticated caller
    gets a fresh CSRF token in ``X-CSRFToken``."""
    response.headers["Cache-Control"] = "no-store"
    if g.get("auth_by") == "session":
        response.headers["X-CSRFToken"] = fresh_csrf_token()
    return response


def page_security_headers(response: Response) -> Response:
    """``after_request`` of the moderators' pages: ``CONTENT_SECURITY_POLICY`` and the other
    security headers; ``Cache-Control: no-store`` except on a blueprint's static files."""
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    if not (request.endpoint or "").endswith(".static"):
        response.headers["Cache-Control"] = "no-store"
    return response
