"""marshmallow schemas of the JSON API (requests and responses)."""
from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates

from service.api.timestamps import Timestamp
from service.checking.why import explain
from service.store.tables import DECISIONS, STATUSES
from service.validation import NO_NUL_PATTERN, NOT_BLANK_PATTERN, canonical_ip, is_blank

_text = dict(load_default="", validate=validate.Length(max=4096), metadata={"pattern": NO_NUL_PATTERN})

#: Longest ``user_ip`` accepted: an IPv6 address (≤ 45 characters) with a zone id such as
#: ``%eth0``; ``ipaddress`` accepts a zone id of any length, the ``comments.user_ip`` column does not.
MAX_USER_IP_CHARS = 64
#: Most characters ``content`` may have: its 64 KiB limit is in UTF-8 bytes (``Settings.max_content_bytes``,
#: a 413), so no longer text can pass; the schema declares this bound.
MAX_CONTENT_CHARS = 64 * 1024


class CommentIn(Schema):
    """Body of ``POST /api/v1/comments``. Unknown fields are refused."""

    class Meta:
        unknown = RAISE

    content = fields.String(required=True, validate=validate.Length(min=1, max=MAX_CONTENT_CHARS), metadata={
        "description": "Comment text (may contain HTML): at most 64 KiB in UTF-8 (413 over it), not only "
                       "whitespace or invisible format characters",
        "pattern": NOT_BLANK_PATTERN})
    author = fields.String(**_text)
    author_email = fields.String(**_text)
    author_url = fields.String(**_text)
    user_ip = fields.String(load_default="", validate=validate.Length(max=MAX_USER_IP_CHARS), metadata={
        "description": "IPv4 or IPv6 address of the submitter (empty: unknown)",
        "anyOf": [{"maxLength": 0}, {"format": "ipv4"}, {"format": "ipv6"}]})
    user_agent = fields.String(**_text)
    referrer = fields.String(**_text)
    permalink = fields.String(**_text)
    comment_type = fields.String(load_default="", validate=validate.Length(max=64), metadata={"pattern": NO_NUL_PATTERN})
    lang = fields.String(load_default="", validate=validate.Length(max=64), metadata={"pattern": NO_NUL_PATTERN})
    form_seconds = fields.Float(load_default=None, allow_nan=False, validate=validate.Range(min=0, max=86400 * 365),
                                metadata={"description": "Seconds between the comment form being shown and "
                                                         "its submission (a bot signal under the site's "
                                                         "min_form_seconds, 2 by default)"})

    @validates("content")
    def _content(self, value: str, **_kw) -> None:
        """Empty also when only whitespace or invisible format characters (zero-width space/joiner,
        BOM, direction controls: Unicode category Cf) remain."""
        if is_blank(value):
            raise ValidationError("content must not be empty.")

    @validates("user_ip")
    def _user_ip(self, value: str, **_kw) -> None:
        if value and canonical_ip(value.strip()) is None:
            raise ValidationError("user_ip must be an IPv4 or IPv6 address.")


class WhyThresholdsOut(Schema):
    hold = fields.Float(metadata={"description": "Held at or above this spam_score (0..1)"})
    reject = fields.Float(metadata={"description": "Rejected at or above this spam_score (0..1)"})
    source = fields.String(allow_none=True, metadata={
        "description": "site_lang | site | model_lang | model | fallback (models.thresholds.SOURCES)"})
    source_text = fields.String(metadata={"description": "Where the thresholds came from, in words"})


class WhyOut(Schema):
    """Why the comment was decided (``service.checking.why``)."""

    recorded = fields.Boolean(metadata={"description": "false for comments decided before these facts were kept"})
    decision = fields.String(validate=validate.OneOf(DECISIONS))
    answered = fields.String(validate=validate.OneOf(DECISIONS))
    shadow = fields.Boolean()
    rule = fields.String(metadata={"description": "The rule that decided: score, reputation, list, honeypot, "
                                                  "timing, bidi, flood, near_duplicate, language, known_ham, "
                                                  "trusted_commenter, admin_role, test_trigger"})
    rule_text = fields.String()
    spam_score = fields.Float(metadata={"description": "The model's calibrated probability of spam (never "
                                                       "changed by a rule)"})
    decision_score = fields.Float(metadata={"description": "spam_score moved by the site's reputation signals: "
                                                           "the score compared with the thresholds"})
    language = fields.String(metadata={"description": "Detected language the thresholds were chosen for "
                                                      "(fastText code; empty: none)"})
    language_name = fields.String()
    thresholds = fields.Nested(WhyThresholdsOut, allow_none=True)
    reasons = fields.List(fields.String())
    site_note = fields.String(allow_none=True, metadata={
        "description": "Why the comment is stored under this site and not the blog it named (a blog that is "
                       "another key's site); null otherwise"})


class WhyField(fields.Nested):
    """The ``why`` of the comment being dumped (computed from its columns)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(WhyOut, dump_only=True, **kwargs)

    def serialize(self, attr, obj, accessor=None, **kwargs):  # noqa: D102 - marshmallow hook
        return self._serialize(explain(obj), attr, obj, **kwargs)


class CheckOut(Schema):
    """Answer of ``POST /api/v1/comments``."""

    id = fields.String(metadata={"description": "Comment id (32 hex characters)"})
    decision = fields.String(attribute="answered", validate=validate.OneOf(DECISIONS), metadata={
        "description": "What to do with the comment (always accept for a site in shadow mode)"})
    shadow = fields.Boolean(metadata={"description": "The site is in shadow mode: decision is accept, "
                                                     "would_be is what Saring decided"})
    would_be = fields.String(attribute="decision", validate=validate.OneOf(DECISIONS), metadata={
        "description": "The decision computed (acted on unless shadow is true)"})
    spam_score = fields.Float(metadata={"description": "Calibrated probability of spam, 0..1"})
    model_version = fields.String()
    reasons = fields.List(fields.String())
    why = WhyField()


class EventOut(Schema):
    action = fields.String()
    actor_type = fields.String()
    actor = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    reason = fields.String()
    undone = fields.Boolean()
    created_at = Timestamp()


class CommentOut(Schema):
    """A stored comment with its decision, current status and history."""

    id = fields.String()
    site = fields.Function(lambda c: c.site.url)
    content = fields.String()
    author = fields.String()
    author_email = fields.String()
    author_url = fields.String()
    user_ip = fields.String()
    user_agent = fields.String()
    referrer = fields.String()
    permalink = fields.String()
    comment_type = fields.String()
    lang = fields.String()
    decision = fields.String(validate=validate.OneOf(DECISIONS), metadata={
        "description": "The decision computed (in shadow mode the answer was accept)"})
    shadow = fields.Boolean()
    status = fields.String(validate=validate.OneOf(STATUSES))
    spam_score = fields.Float()
    model_version = fields.String()
    reasons = fields.List(fields.String())
    why = WhyField()
    label = fields.Function(lambda c: c.label.label if c.label else None)
    created_at = Timestamp()
    updated_at = Timestamp()
    history = fields.List(fields.Nested(EventOut), attribute="events")

