"""ORM tables of the relational store (SQLAlchemy 2 declarative, typed).

Status and decision vocabularies:

* ``Comment.decision``: the automatic decision, ``accept`` | ``hold`` | ``reject``.
* ``Comment.status``: where the comment is now: ``accepted`` | ``held`` | ``rejected`` (automatic or a
  moderator's reject without label) | ``spam`` | ``ham`` (a moderator's or site's label).
* ``Label.label``: ``spam`` | ``ham``; one row per comment, the newest report wins.
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from service.vocab import Decision, Status

DECISIONS = tuple(Decision)
STATUSES = tuple(Status)
DECISION_TO_STATUS = {d: d.status for d in Decision}


def utcnow() -> dt.datetime:
    """Current time, timezone-aware UTC."""
    return dt.datetime.now(dt.timezone.utc)


class UtcDateTime(TypeDecorator):
    """``DateTime(timezone=True)`` that reads back timezone-aware UTC on every database.

    PostgreSQL keeps the offset; SQLite keeps none, so values are written there in UTC (an aware
    value in another zone is converted first, a naive one is taken as UTC) and read back with
    ``tzinfo=UTC``. The API's timestamps are then valid RFC 3339 ``date-time`` on both.
    """

    impl = DateTime
    cache_ok = True

    def __init__(self) -> None:
        super().__init__(timezone=True)

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value


def new_guid() -> str:
    """A comment id: 32 lowercase hex characters (also the Akismet ``X-akismet-guid``)."""
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Site(Base):
    """A website that posts comments to Saring."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    hold_threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    reject_threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    #: Overrides per language, ``{"id": {"hold": h, "reject": r}}`` (``models.thresholds.operating_point``).
    thresholds_by_lang: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    callback_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    callback_secret: Mapped[str | None] = mapped_column(String(128), nullable=True)
    #: Shadow mode: every decision is computed and stored, every answer is accept (``service.learning``).
    shadow_mode: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    #: Expected languages (ISO codes as fastText names them); empty = no language policy.
    languages: Mapped[list[Any]] = mapped_column(JSON, default=list)
    #: Site-learning settings that differ from ``service.learning.settings.DEFAULTS``.
    learning: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)

    keys: Mapped[list["ApiKey"]] = relationship(back_populates="site")


class ApiKey(Base):
    """An API key of a site. Only a keyed hash of the key is stored (``service.accounts.sites``)."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: 1 = sha256(key) (before migration 0005), 2 = HMAC-SHA-256(api_key_secret, sha256(key))
    hash_version: Mapped[int] = mapped_column(Integer, default=2, server_default="1")
    key_hint: Mapped[str] = mapped_column(String(16))  # first characters (sites.HINT_CHARS), for listings
    label: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    site: Mapped[Site] = relationship(back_populates="keys")


class KeySite(Base):
    """A site an API key covers besides its own (``ApiKey.site_id``): a site first named by the
    key's ``blog`` (``service.accounts.key_sites``). Comments of a covered ``blog`` are stored and
    counted under that site."""

    __tablename__ = "key_sites"

    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Comment(Base):
    """A checked comment with every field it came with and its automatic decision."""

    __tablename__ = "comments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_guid)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"), nullable=True)
    source: Mapped[str] = mapped_column(String(16), default="api")  # api | akismet | report
    content: Mapped[str] = mapped_column(Text, default="")
    content_truncated: Mapped[bool] = mapped_column(Boolean, default=False)
    author: Mapped[str] = mapped_column(Text, default="")
    author_email: Mapped[str] = mapped_column(Text, default="")
    author_url: Mapped[str] = mapped_column(Text, default="")
    user_ip: Mapped[str] = mapped_column(String(255), default="")
    user_agent: Mapped[str] = mapped_column(Text, default="")
    referrer: Mapped[str] = mapped_column(Text, default="")
    permalink: Mapped[str] = mapped_column(Text, default="")
    comment_type: Mapped[str] = mapped_column(String(64), default="")
    lang: Mapped[str] = mapped_column(String(64), default="")
    blog: Mapped[str] = mapped_column(String(2048), default="")
    blog_charset: Mapped[str] = mapped_column(String(64), default="")
    user_role: Mapped[list[Any]] = mapped_column(JSON, default=list)
    comment_context: Mapped[list[Any]] = mapped_column(JSON, default=list)
    comment_date_gmt: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    comment_post_modified_gmt: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    recheck_reason: Mapped[str] = mapped_column(String(255), default="")
    honeypot_field_name: Mapped[str] = mapped_column(String(255), default="")
    honeypot_value: Mapped[str] = mapped_column(Text, default="")
    is_test: Mapped[bool] = mapped_column(Boolean, default=False)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # server environment etc.

    spam_score: Mapped[float] = mapped_column(Float)
    decision: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    model_version: Mapped[str] = mapped_column(String(64))
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Why the decision (``service.checking.why``); None on comments decided before migration 0007.
    #: The language the thresholds were chosen for (``models.lang.comment_lang``; "" = none).
    detected_lang: Mapped[str | None] = mapped_column(String(16), nullable=True)
    #: The thresholds applied and where they came from (``models.thresholds.SOURCES``).
    hold_threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    reject_threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    threshold_source: Mapped[str | None] = mapped_column(String(16), nullable=True)
    #: The policy rule that decided (``service.checking.policy``: score, list, honeypot, ...).
    rule: Mapped[str | None] = mapped_column(String(32), nullable=True)
    #: The score the thresholds were compared with: ``spam_score`` moved by the site's reputation
    #: signals (equal to it when nothing moved it). ``spam_score`` itself is never changed.
    decision_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    #: The commenter's identity on this site (``service.learning.entities.commenter_key``), or None.
    commenter: Mapped[str | None] = mapped_column(String(255), nullable=True)
    #: SHA-1 of the normalised content (``service.learning.entities.content_hash``).
    content_hash: Mapped[str | None] = mapped_column(String(40), nullable=True)
    #: Decided while the site was in shadow mode: the answer was accept whatever ``decision`` says.
    shadow: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    revision: Mapped[int] = mapped_column(Integer, default=1)  # bumped by every status change
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    site: Mapped[Site] = relationship()
    events: Mapped[list["CommentEvent"]] = relationship(
        back_populates="comment", order_by="CommentEvent.id", cascade="all, delete-orphan"
    )
    label: Mapped["Label | None"] = relationship(back_populates="comment", uselist=False)

    __table_args__ = (
        Index("ix_comments_site_status_created", "site_id", "status", "created_at"),
        Index("ix_comments_site_score", "site_id", "spam_score"),
        Index("ix_comments_site_commenter", "site_id", "commenter", "created_at"),
        Index("ix_comments_site_content_hash", "site_id", "content_hash"),
    )

    @property
    def answered(self) -> str:
        """The decision the site was answered: ``accept`` in shadow mode, else ``decision``."""
        return "accept" if self.shadow else self.decision


class SiteEvent(Base):
    """The audit log of a site's settings: thresholds, callback, keys, moderators, lists, learning
    (never updated)."""

    __tablename__ = "site_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(255), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)


class CommentEvent(Base):
    """The audit log: the automatic decision, then every action on a comment (never updated)."""

    __tablename__ = "comment_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[str] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(32))  # decide|approve|spam|reject|undo|report_spam|report_ham
    actor_type: Mapped[str] = mapped_column(String(16))  # system | moderator | site
    actor: Mapped[str] = mapped_column(String(255), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    from_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    undone: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)

    comment: Mapped[Comment] = relationship(back_populates="events")


class Label(Base):
    """The training label of a comment: the newest report (moderator or site) wins."""

    __tablename__ = "labels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[str] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), unique=True)
    label: Mapped[str] = mapped_column(String(8))  # spam | ham
    source: Mapped[str] = mapped_column(String(16))  # moderator | akismet | api
    reporter: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    comment: Mapped[Comment] = relationship(back_populates="label")


class Reputation(Base):
    """Per-site label counts of one entity (commenter, e-mail, domain, IP; ``service.learning.reputation``).

    Kept by the label writer (``service.moderation.labels``) in the transaction that changes a label:
    ``spam`` / ``ham`` count the site's comments carrying the entity whose label is spam / ham now.
    """

    __tablename__ = "reputation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # commenter | email | email_domain | url_domain | link_domain | ip
    value: Mapped[str] = mapped_column(String(255))
    spam: Mapped[int] = mapped_column(Integer, default=0)
    ham: Mapped[int] = mapped_column(Integer, default=0)
    first_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("site_id", "kind", "value", name="uq_reputation_site_kind_value"),)


class ListEntry(Base):
    """An allow / block list entry of a site (``service.learning.lists``)."""

    __tablename__ = "list_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # word | domain | email | ip | author
    value: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(8))  # accept | hold | reject
    note: Mapped[str] = mapped_column(String(255), default="")
    created_by: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("site_id", "kind", "value", name="uq_list_entries_site_kind_value"),)


class User(Base):
    """A moderator or admin of the web page."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))  # admin | moderator
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    api_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    #: Bumped on sign-out and password change: a session cookie made with another value is refused.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    sites: Mapped[list[Site]] = relationship(secondary="user_sites")


class UserSite(Base):
    __tablename__ = "user_sites"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)


class ModelVersion(Base):
    """Every published model version; the artifact bytes are kept here as well as in Redis."""

    __tablename__ = "model_versions"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    artifact: Mapped[bytes] = mapped_column(LargeBinary)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    published_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    published_by: Mapped[str] = mapped_column(String(255), default="")
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    report_path: Mapped[str | None] = mapped_column(Text, nullable=True)


class UsageMonthly(Base):
    """Per key, site (``blog``) and month usage counters (written through with the Redis counters, see ``service.checking.usage``)."""

    __tablename__ = "usage_monthly"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"))
    blog: Mapped[str] = mapped_column(String(2048))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    api_calls: Mapped[int] = mapped_column(Integer, default=0)
    spam: Mapped[int] = mapped_column(Integer, default=0)
    ham: Mapped[int] = mapped_column(Integer, default=0)
    missed_spam: Mapped[int] = mapped_column(Integer, default=0)
    false_positives: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("api_key_id", "blog", "month", name="uq_usage_key_blog_month"),)


class WebhookDelivery(Base):
    """A moderator decision to be POSTed to a site's callback URL (sent by an RQ job)."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[str] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    __table_args__ = (Index("ix_webhook_deliveries_status_created", "status", "created_at"),)


class RetrainRun(Base):
    """One ``saring retrain`` run (CLI or background job) and its outcome."""

    __tablename__ = "retrain_runs"
    #: at most one queued-or-running run (``service.retraining.ports.start_run`` relies on it)
    __table_args__ = (Index("one_active_retrain", text("(status IN ('queued', 'running'))"), unique=True,
                            sqlite_where=text("status IN ('queued', 'running')"),
                            postgresql_where=text("status IN ('queued', 'running')")),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="running")  # running|published|refused|failed|dry-run
    started_by: Mapped[str] = mapped_column(String(255), default="")
    candidate_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    report_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    progress: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
