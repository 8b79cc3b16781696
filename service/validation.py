"""Checks on values that reach the database: integers, comment ids, free text (plain Python, no Flask).

One place for what every query string, path segment, form field and domain function needs, so
that bad input raises ``ValidationFailed`` naming the field instead of overflowing a database
integer or failing to encode:

* ``parse_int``: ASCII digits only (no ``²``, no sign), at most 19 digits, within a range
  (default: a positive database id, up to ``DB_INT_MAX``);
* ``is_comment_id``: 32 lowercase hex characters;
* ``check_text``: refuses control characters (NUL included) and lone surrogates, which the
  database cannot store or compare (PostgreSQL refuses NUL; SQLite stops a LIKE pattern at it).

The web layer's marshmallow field and URL converters over these are in ``service.web.params``.
"""
from __future__ import annotations

import ipaddress
import re
from typing import Any

from service.errors import ValidationFailed

#: Largest value of an ``Integer`` column on every database we run on (PostgreSQL INTEGER is
#: 32-bit signed; SQLite's is 64-bit). Every id and revision column is ``Integer``.
DB_INT_MAX = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")
#: A comment id: 32 lowercase hex characters (``service.store.tables.new_guid``).
COMMENT_ID = re.compile(r"[0-9a-f]{32}")


def parse_int(value: str | int, field: str, minimum: int = 1, maximum: int = DB_INT_MAX) -> int:
    """``value`` as an int in ``[minimum, maximum]``.

    Accepts an ``int`` (not ``bool``) or a string of 1–19 ASCII digits, surrounding spaces
    ignored. Raises ``ValidationFailed`` (``field``) otherwise, saying what is expected.
    """
    expected = f"{field} must be a whole number between {minimum} and {maximum}"
    if isinstance(value, bool):
        raise ValidationFailed(expected, field=field)
    if isinstance(value, int):
        number = value
    else:
        text = value.strip() if isinstance(value, str) else ""
        if not _DIGITS.fullmatch(text):
            raise ValidationFailed(expected, field=field)
        number = int(text)
    if not minimum <= number <= maximum:
        raise ValidationFailed(expected, field=field)
    return number


def is_comment_id(value: Any) -> bool:
    """Whether ``value`` is a well-formed comment id (32 lowercase hex characters)."""
    return isinstance(value, str) and COMMENT_ID.fullmatch(value) is not None


def check_text(value: str, field: str, max_chars: int) -> str:
    """``value`` unchanged when it has at most ``max_chars`` characters and no control character
    or lone surrogate (tab and newline allowed). Raises ``ValidationFailed`` (``field``)."""
    if len(value) > max_chars:
        raise ValidationFailed(f"{field} must have at most {max_chars} characters", field=field)
    for ch in value:
        code = ord(ch)
        if (code < 32 and ch not in "\t\n\r") or code == 0x7F or 0xD800 <= code <= 0xDFFF:
            raise ValidationFailed(f"{field} must not contain control characters (found U+{code:04X})",
                                   field=field)
    return value


#: JSON Schema ``pattern`` of what ``check_text`` lets through (lone surrogates aside, which JSON
#: Schema cannot name): no control character but tab, newline and carriage return.
NO_CONTROL_PATTERN = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$"


#: An IPv6 zone id (``%eth0``, ``%3``): interface names are short printable ASCII.
_ZONE = re.compile(r"[0-9A-Za-z._-]{1,32}")


def canonical_ip(text: str) -> str | None:
    """``text`` as a canonical IPv4 / IPv6 address, or ``None`` when it is not one. A zone id must
    be printable ASCII (``ipaddress`` accepts any text after ``%``, control characters included)."""
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    zone = getattr(addr, "scope_id", None)
    if zone is not None and not _ZONE.fullmatch(zone):
        return None
    return str(addr)


def _is_blank_char(ch: str) -> bool:
    """Whitespace (``str.isspace``) or an invisible format character (Unicode category Cf:
    zero-width space/joiner, BOM, soft hyphen, direction controls)."""
    import unicodedata

    return ch.isspace() or unicodedata.category(ch) == "Cf"


def is_blank(text: str) -> bool:
    """Whether ``text`` shows nothing: empty, or only whitespace and invisible format characters."""
    return all(_is_blank_char(ch) for ch in text)


def _not_blank_pattern() -> str:
    """The regular expression (JSON Schema ``pattern``) of a text the JSON API stores as content:
    no NUL (``NO_NUL_PATTERN``) and one character outside the blank ones (``is_blank``) of the
    Basic Multilingual Plane."""
    blank = [cp for cp in range(0x10000) if _is_blank_char(chr(cp))]
    ranges: list[list[int]] = []
    for cp in blank:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    parts = "".join(f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges)
    return f"^[^\\u0000]*[^{parts}\\u0000][^\\u0000]*$"


#: JSON Schema ``pattern`` of a string field: no NUL (PostgreSQL text cannot hold it; the JSON
#: API refuses it, ``service.web.context.require_json_object``).
NO_NUL_PATTERN = "^[^\\u0000]*$"
#: ``pattern`` of a text that must not be blank either (documents ``is_blank`` in the OpenAPI document).
NOT_BLANK_PATTERN = _not_blank_pattern()
