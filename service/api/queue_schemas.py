"""marshmallow schemas of the queue API (``/api/v1/queue``)."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from service.validation import DB_INT_MAX, NO_CONTROL_PATTERN, NO_NUL_PATTERN
from service.web.params import IntParam
from service.moderation import ACTIONS, MAX_BULK, MAX_PAGE, MAX_PER_PAGE, MAX_QUERY_CHARS, MAX_REASON_CHARS, SORTS
from service.api.schemas import CommentOut
from service.api.timestamps import Timestamp
from service.store.tables import STATUSES
from service.infra.url_domains import registered_domain


#: A comment's revision as the client saw it (an ``Integer`` column).
_REVISION = validate.Range(1, DB_INT_MAX)


class QueueQuery(Schema):
    """Query string of ``GET /api/v1/queue/comments``. Unknown parameters are refused."""

    class Meta:
        unknown = RAISE

    status = fields.String(load_default="held", validate=validate.OneOf((*STATUSES, "all")),
                           metadata={"description": "held (default), accepted, rejected, spam, ham or all"})
    site = fields.String(load_default=None, metadata={"description": "site id or URL"})
    min_score = fields.Float(load_default=None, validate=validate.Range(0, 1))
    max_score = fields.Float(load_default=None, validate=validate.Range(0, 1))
    since = Timestamp(load_default=None, metadata={"description": "created at or after (ISO 8601; UTC if no offset)"})
    until = Timestamp(load_default=None, metadata={"description": "created before (ISO 8601)"})
    q = fields.String(load_default="", validate=validate.Length(max=MAX_QUERY_CHARS),
                      metadata={"description": "text in content, author, e-mail, URL or IP",
                                "pattern": NO_CONTROL_PATTERN})
    sort = fields.String(load_default="newest", validate=validate.OneOf(SORTS))
    page = IntParam(load_default=1, maximum=MAX_PAGE)
    per_page = IntParam(load_default=50, maximum=MAX_PER_PAGE)


class CountsQuery(Schema):
    class Meta:
        unknown = RAISE

    site = fields.String(load_default=None, metadata={"description": "site id or URL"})


class _QueueFields(Schema):
    site_id = fields.Integer()
    author_domain = fields.Function(lambda c: registered_domain(c.author_url),
                                    metadata={"description": "registered domain of author_url"})
    revision = fields.Integer(metadata={"description": "send it back in expected_revisions"})


class QueueCommentDetailOut(CommentOut, _QueueFields):
    """A comment as moderators see it, with its audit log (``history``)."""


class QueueCommentOut(QueueCommentDetailOut):
    """A comment in a queue listing (no history)."""

    class Meta:
        exclude = ("history",)


class QueuePageOut(Schema):
    items = fields.List(fields.Nested(QueueCommentOut))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    pages = fields.Integer()


class CountsOut(Schema):
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    total = fields.Integer()


class ActionIn(Schema):
    """Body of ``POST /api/v1/queue/actions``."""

    class Meta:
        unknown = RAISE

    action = fields.String(required=True, validate=validate.OneOf(tuple(ACTIONS)))
    ids = fields.List(fields.String(validate=validate.Regexp(r"\A\s*[0-9a-fA-F]{32}\s*\Z",
                                                             error="not a comment id (32 hex characters)")),
                      required=True, validate=validate.Length(1, MAX_BULK))
    expected_revisions = fields.Dict(keys=fields.String(), values=fields.Integer(strict=True, validate=_REVISION),
                                     load_default=None,
                                     metadata={"description": "{comment id: revision you saw}; a different one → 409"})
    reason = fields.String(load_default="", validate=validate.Length(max=MAX_REASON_CHARS),
                           metadata={"pattern": NO_NUL_PATTERN})


class UndoIn(Schema):
    class Meta:
        unknown = RAISE

    expected_revision = fields.Integer(strict=True, load_default=None, validate=_REVISION)
    reason = fields.String(load_default="", validate=validate.Length(max=MAX_REASON_CHARS),
                           metadata={"pattern": NO_NUL_PATTERN})


class MovedOut(Schema):
    id = fields.String(attribute="comment_id")
    site_id = fields.Integer()
    from_status = fields.String()
    to_status = fields.String(metadata={"description": "the comment's status now"})
    revision = fields.Integer()
    label = fields.String(allow_none=True)
    event_id = fields.Integer()


class ActionOut(Schema):
    action = fields.String()
    moved = fields.List(fields.Nested(MovedOut))
    webhooks = fields.Function(lambda r: len(r.delivery_ids), metadata={"description": "deliveries recorded"})
