"""The OpenAPI document (``/api/openapi.json``), kept true to what the API answers.

flask-smorest documents errors with its own payload (``{"code": int, "status", "message",
"errors"}``) and request validation as a 422; Saring answers every error as ``ErrorOut``
(``{"error": {"code", "message", "field"?, "fields"?}}``, ``service.errors.SaringError.to_dict``)
and validation as a 400 (``service.web.errors``). ``make_api`` builds the ``Api`` with
``ErrorOut`` as its error schema, and ``ErrorResponses`` rewrites each operation as it is added
to the document: its 422 becomes a 400, and every 4xx/5xx answer without a body schema gets
``ErrorOut`` (a 503 also its ``Retry-After`` header). Unlisted statuses fall to ``default``,
which is ``ErrorOut`` too.
"""
from __future__ import annotations

from typing import Any

from apispec import BasePlugin
from flask import Flask
from flask_smorest import Api
from marshmallow import Schema, fields

JSON = "application/json"


class ErrorBody(Schema):
    """What went wrong."""

    code = fields.String(required=True, metadata={"description": "machine-readable, e.g. invalid_input, "
                                                                 "unauthorized, not_found, method_not_allowed"})
    message = fields.String(required=True, metadata={"description": "for people; names the field"})
    field = fields.String(metadata={"description": "the request field, header or parameter at fault"})
    fields_ = fields.Dict(data_key="fields", metadata={"description": "every invalid field: list of messages"})


class ErrorOut(Schema):
    """Body of every error answer of the JSON API."""

    error = fields.Nested(ErrorBody, required=True)


class SaringApi(Api):
    """flask-smorest's ``Api`` documenting ``ErrorOut`` as the error payload."""

    ERROR_SCHEMA = ErrorOut


class ErrorResponses(BasePlugin):
    """apispec plugin: each operation's error answers as the API really gives them."""

    def operation_helper(self, path: str | None = None, operations: dict | None = None, **_kw: Any) -> None:
        for operation in (operations or {}).values():
            responses = operation.get("responses")
            if not isinstance(responses, dict):
                continue
            invalid = responses.pop("422", None) or responses.pop(422, None)
            if invalid is not None:
                responses.setdefault("400", {"description": "Invalid field (the error names it)"})
            for status, response in list(responses.items()):
                if not isinstance(response, dict) or "$ref" in response or not str(status)[:1] in "45":
                    continue
                response.setdefault("content", {JSON: {"schema": "ErrorOut"}})
                if str(status) == "503":
                    response.setdefault("headers", {"Retry-After": {
                        "description": "seconds to wait before retrying", "schema": {"type": "integer"}}})


def make_api(app: Flask) -> SaringApi:
    """The app's ``Api`` with the two ways to authenticate: a ``bearer`` key or token, and a
    moderator's ``session`` cookie (unsafe methods also need ``X-CSRFToken``)."""
    api = SaringApi(app, spec_kwargs={
        "extra_plugins": [ErrorResponses()],
        "components": {"securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "description": "A site's API key, or an admin's "
                                                                          "API token (srt_…)"}}}})
    api.spec.components.security_scheme(
        "session", {"type": "apiKey", "in": "cookie", "name": app.config.get("SESSION_COOKIE_NAME", "session"),
                    "description": "A moderator's session from /moderation/login (send X-CSRFToken on POST)"})
    return api
