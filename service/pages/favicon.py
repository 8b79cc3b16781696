"""``/favicon.ico``: Saring's icon, a small SVG kept with the moderation page's static files.

The pages link it (``moderation/base.html``: ``<link rel="icon">``); this route answers the
browsers and tools that ask for ``/favicon.ico`` anyway, instead of a 404. Nothing is fetched
from elsewhere.
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, send_from_directory

bp = Blueprint("favicon", __name__)

#: The moderation page's static folder, where ``favicon.svg`` lives.
STATIC = Path(__file__).resolve().parent / "moderation" / "static"
#: Browsers may keep the icon this long (seconds).
MAX_AGE = 86400


@bp.route("/favicon.ico")
def favicon() -> Response:
    """The SVG icon (``image/svg+xml``)."""
    return send_from_directory(STATIC, "favicon.svg", mimetype="image/svg+xml", max_age=MAX_AGE)
