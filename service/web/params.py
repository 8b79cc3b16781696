"""Parsing request parameters that reach the database: integers, comment ids, search text.

One place for the checks every query string, path segment and form field needs, so that bad
input answers 400/404 naming the field instead of overflowing a database integer or failing to
encode:

* ``parse_int``: ASCII digits only (no ``²``, no sign), at most 19 digits, within a range
  (default: a positive database id, up to ``DB_INT_MAX``). ``IntParam`` is the marshmallow field using it.
* ``DbIntConverter`` (``<dbint:…>``) and ``CommentIdConverter`` (``<comment_id:…>``): URL
  converters that answer 404 for an id no row can have.
* ``check_text``: refuses control characters (NUL included) and lone surrogates, which the
  database cannot store or compare (PostgreSQL refuses NUL; SQLite stops a LIKE pattern at it).
"""
from __future__ import annotations

import re
from typing import Any

from flask import Flask
from marshmallow import ValidationError, fields
from werkzeug.routing import BaseConverter
from werkzeug.routing import ValidationError as NoRouteMatch

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


class IntParam(fields.Integer):
    """marshmallow integer field parsed by ``parse_int``: ASCII digits, bounded by ``minimum`` /
    ``maximum`` (default a positive database id)."""

    def __init__(self, *, minimum: int = 1, maximum: int = DB_INT_MAX, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.minimum, self.maximum = minimum, maximum

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        try:
            return parse_int(value, attr or self.name or "value", self.minimum, self.maximum)
        except ValidationFailed as exc:
            raise ValidationError(exc.message) from None


class DbIntConverter(BaseConverter):
    """``<dbint:name>``: a database id (1 … ``DB_INT_MAX``); anything else matches no route (404)."""

    regex = r"[0-9]{1,19}"
    part_isolating = True

    def to_python(self, value: str) -> int:
        try:
            return parse_int(value, "id")
        except ValidationFailed:
            raise NoRouteMatch() from None

    def to_url(self, value: int) -> str:
        return str(int(value))


class CommentIdConverter(BaseConverter):
    """``<comment_id:name>``: 32 hex characters (upper case folded); anything else is a 404."""

    regex = r"[0-9a-fA-F]{32}"
    part_isolating = True

    def to_python(self, value: str) -> str:
        return value.lower()


def register_converters(app: Flask, api: Any = None) -> None:
    """Add ``dbint`` and ``comment_id`` to ``app``'s URL converters (idempotent; call before
    registering a blueprint that uses them) and document them on the flask-smorest ``api``."""
    app.url_map.converters.setdefault("dbint", DbIntConverter)
    app.url_map.converters.setdefault("comment_id", CommentIdConverter)
    if api is not None and not getattr(api, "_saring_converters", False):
        api.register_converter(DbIntConverter, lambda _c: {"type": "integer", "minimum": 1, "maximum": DB_INT_MAX})
        api.register_converter(CommentIdConverter, lambda _c: {"type": "string", "pattern": "^[0-9a-fA-F]{32}$"})
        api._saring_converters = True
