"""Request parameters that reach the database, for the web layer (checks in ``service.validation``):

* ``IntParam``: the marshmallow field using ``parse_int``;
* ``DbIntConverter`` (``<dbint:…>``) and ``CommentIdConverter`` (``<comment_id:…>``): URL
  converters that answer 404 for an id no row can have.
"""
from __future__ import annotations

from typing import Any

from flask import Flask
from marshmallow import ValidationError, fields, validate
from werkzeug.routing import BaseConverter
from werkzeug.routing import ValidationError as NoRouteMatch

from service.errors import ValidationFailed
from service.validation import DB_INT_MAX, parse_int


class IntParam(fields.Integer):
    """marshmallow integer field parsed by ``parse_int``: ASCII digits, bounded by ``minimum`` /
    ``maximum`` (default a positive database id)."""

    def __init__(self, *, minimum: int = 1, maximum: int = DB_INT_MAX, **kwargs: Any) -> None:
        validators = [*_as_list(kwargs.pop("validate", None)), validate.Range(minimum, maximum)]  # documents the bounds
        super().__init__(validate=validators, **kwargs)
        self.minimum, self.maximum = minimum, maximum

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        try:
            return parse_int(value, attr or self.name or "value", self.minimum, self.maximum)
        except ValidationFailed as exc:
            raise ValidationError(exc.message) from None


class StrictBool(fields.Boolean):
    """A JSON ``true`` / ``false`` only (marshmallow's ``Boolean`` also takes 0, 1, "yes", "on" …,
    which the OpenAPI document's ``boolean`` does not)."""

    default_error_messages = {"invalid": "Not a boolean (true or false)."}

    def _deserialize(self, value, attr, data, **kwargs) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def _as_list(validators: Any) -> list:
    return [] if validators is None else list(validators) if isinstance(validators, (list, tuple)) else [validators]


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
