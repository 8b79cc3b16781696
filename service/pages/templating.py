"""What every moderators' page template may use, whichever blueprint renders it: the filters
``domain`` / ``linkable`` / ``utc`` / ``controls`` and the ``logout_form`` global of ``moderation/base.html``.

Installed on the app by ``service.app.create_app`` (``install``), so that the models page does not
depend on the moderation blueprint's side effects.
"""
from __future__ import annotations

import datetime as dt
import unicodedata

from flask import Flask
from markupsafe import Markup, escape

from service.infra.url_domains import linkable, registered_domain
from service.checking.why import explain
from service.pages.moderation.forms import CsrfForm


def utc(value: dt.datetime | None) -> str:
    """``value`` as ``YYYY-MM-DD HH:MM UTC`` (a naive datetime is taken as UTC; ``None`` → "")."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


#: Short names of the bidirectional controls (UAX #9), shown in place of the invisible character.
BIDI_NAMES = {"\u202a": "LRE", "\u202b": "RLE", "\u202c": "PDF", "\u202d": "LRO", "\u202e": "RLO",
              "\u2066": "LRI", "\u2067": "RLI", "\u2068": "FSI", "\u2069": "PDI", "\u200e": "LRM",
              "\u200f": "RLM", "\u061c": "ALM"}


def visible_controls(value: object) -> Markup:
    """``value`` escaped, every format character (Unicode category Cf: bidirectional controls,
    zero-width characters, soft hyphen, BOM) replaced by a visible ``<span class="ctl">`` marker
    naming it, e.g. ``⟨RLO⟩`` for U+202E. A moderator sees the characters in the order they were
    typed, and sees that something was meant to change how they are shown. ``None`` → ``""``."""
    text = "" if value is None else str(value)
    if text.isascii():
        return escape(text)
    out: list[str] = []
    for ch in text:
        if unicodedata.category(ch) == "Cf":
            code = f"U+{ord(ch):04X}"
            label = BIDI_NAMES.get(ch, code)
            title = f"{code} {unicodedata.name(ch, 'FORMAT CHARACTER')}"
            out.append(f'<span class="ctl" title="{escape(title)}">\u27e8{label}\u27e9</span>')
        else:
            out.append(str(escape(ch)))
    return Markup("".join(out))


def logout_form() -> CsrfForm:
    """The sign-out form of every page, never bound to the request's body (an error page for a
    malformed JSON body must not parse that body again)."""
    return CsrfForm(formdata=None)


def install(app: Flask) -> None:
    """Add the pages' template filters and globals to ``app``'s Jinja environment."""
    app.add_template_filter(registered_domain, "domain")
    app.add_template_filter(linkable, "linkable")
    app.add_template_filter(utc, "utc")
    app.add_template_filter(visible_controls, "controls")
    app.add_template_filter(explain, "why")
    app.jinja_env.globals.setdefault("logout_form", logout_form)
