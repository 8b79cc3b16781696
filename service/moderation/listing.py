"""Listing the moderation queue: filters, pages, counts per status, one comment and its history.

Plain Python, no Flask. Used by the queue API (``service.api.queue``) and the moderation page.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from service.errors import Forbidden, NotFound, ValidationFailed
from service.moderation.actors import Actor
from service.store.tables import STATUSES, Comment, CommentEvent
from service.validation import check_text, is_comment_id, parse_int

#: Sort orders of the listing: newest first, oldest first, highest spam_score first, lowest first.
SORTS = ("newest", "oldest", "score", "score_asc")
MAX_PER_PAGE = 200
#: Highest page number asked for (200 million comments at ``MAX_PER_PAGE``).
MAX_PAGE = 1_000_000
MAX_QUERY_CHARS = 200


@dataclass
class QueueFilter:
    """What to list. ``status=None`` lists every status. Scores are spam_score in [0, 1]; ``since``
    and ``until`` bound ``created_at`` (``until`` exclusive); ``q`` searches content, author,
    e-mail, URL and IP (case-insensitive substring)."""

    status: str | None = "held"
    site_id: int | None = None
    min_score: float | None = None
    max_score: float | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    q: str = ""
    sort: str = "newest"
    page: int = 1
    per_page: int = 50

    def validate(self) -> "QueueFilter":
        """Raises ``ValidationFailed`` naming the first bad field; returns ``self``."""
        if self.status is not None and self.status not in STATUSES:
            raise ValidationFailed(f"status must be one of {', '.join(STATUSES)} or all, not {self.status!r}",
                                   field="status")
        for name in ("min_score", "max_score"):
            value = getattr(self, name)
            if value is not None and not 0.0 <= value <= 1.0:
                raise ValidationFailed(f"{name} must be between 0 and 1", field=name)
        # an empty range (min_score above max_score, since after until) is a filter that matches nothing
        self.since, self.until = _utc(self.since, "since"), _utc(self.until, "until")
        if self.sort not in SORTS:
            raise ValidationFailed(f"sort must be one of {', '.join(SORTS)}, not {self.sort!r}", field="sort")
        parse_int(self.page, "page", 1, MAX_PAGE)
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise ValidationFailed(f"per_page must be between 1 and {MAX_PER_PAGE}", field="per_page")
        check_text(self.q, "q", MAX_QUERY_CHARS)
        return self


@dataclass
class Page:
    """One page of comments: ``items`` (with ``site`` and ``label`` loaded), ``total`` matching."""

    items: list[Comment]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def _utc(value: dt.datetime | None, name: str) -> dt.datetime | None:
    """``value`` in UTC (naive = UTC). Raises ``ValidationFailed`` when the offset takes it past
    year 1 or 9999."""
    if value is None:
        return None
    try:
        return _aware(value).astimezone(dt.timezone.utc)
    except OverflowError:
        raise ValidationFailed(f"{name} is out of range (years 1 to 9999 in UTC)", field=name) from None


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(stmt: Select, actor: Actor, flt: QueueFilter) -> Select:
    stmt = stmt.where(actor.site_clause())
    if flt.status is not None:
        stmt = stmt.where(Comment.status == flt.status)
    if flt.site_id is not None:
        stmt = stmt.where(Comment.site_id == flt.site_id)
    if flt.min_score is not None:
        stmt = stmt.where(Comment.spam_score >= flt.min_score)
    if flt.max_score is not None:
        stmt = stmt.where(Comment.spam_score <= flt.max_score)
    if flt.since is not None:
        stmt = stmt.where(Comment.created_at >= _aware(flt.since))
    if flt.until is not None:
        stmt = stmt.where(Comment.created_at < _aware(flt.until))
    q = flt.q.strip()
    if q:
        pattern = _like_pattern(q)
        stmt = stmt.where(or_(*(col.ilike(pattern, escape="\\") for col in (
            Comment.content, Comment.author, Comment.author_email, Comment.author_url, Comment.user_ip))))
    return stmt


def list_comments(session: Session, actor: Actor, flt: QueueFilter) -> Page:
    """The page of comments matching ``flt`` among the sites ``actor`` moderates.

    Raises ``ValidationFailed`` for a bad filter and ``Forbidden`` when ``flt.site_id`` is a site
    the actor does not moderate.
    """
    flt.validate()
    if flt.site_id is not None and not actor.can_moderate(flt.site_id):
        raise Forbidden("you do not moderate this site", field="site")
    order = {
        "newest": (Comment.created_at.desc(), Comment.id.desc()),
        "oldest": (Comment.created_at.asc(), Comment.id.asc()),
        "score": (Comment.spam_score.desc(), Comment.created_at.desc()),
        "score_asc": (Comment.spam_score.asc(), Comment.created_at.desc()),
    }[flt.sort]
    total = session.scalar(_filtered(select(func.count(Comment.id)), actor, flt)) or 0
    stmt = (_filtered(select(Comment), actor, flt)
            .options(joinedload(Comment.site), selectinload(Comment.label), selectinload(Comment.events))
            .order_by(*order).offset((flt.page - 1) * flt.per_page).limit(flt.per_page))
    return Page(list(session.scalars(stmt)), int(total), flt.page, flt.per_page)


def status_counts(session: Session, actor: Actor, site_id: int | None = None) -> dict[str, int]:
    """``{status: number of comments}`` for every status (0 included), over the actor's sites or
    one of them. Raises ``Forbidden`` for a site the actor does not moderate."""
    if site_id is not None and not actor.can_moderate(site_id):
        raise Forbidden("you do not moderate this site", field="site")
    stmt = select(Comment.status, func.count(Comment.id)).where(actor.site_clause()).group_by(Comment.status)
    if site_id is not None:
        stmt = stmt.where(Comment.site_id == site_id)
    counts = dict.fromkeys(STATUSES, 0)
    for status, n in session.execute(stmt):
        counts[status] = int(n)
    return counts


def get_comment(session: Session, actor: Actor, comment_id: str) -> Comment:
    """One comment with its site, label and history. Raises ``NotFound`` / ``Forbidden``."""
    if not is_comment_id(comment_id):
        raise NotFound(f"no comment {comment_id!r} (comment ids are 32 hex characters)", field="id")
    comment = session.get(Comment, comment_id, options=[
        joinedload(Comment.site), selectinload(Comment.events), selectinload(Comment.label)])
    if comment is None:
        raise NotFound(f"no comment {comment_id!r}", field="id")
    if not actor.can_moderate(comment.site_id):
        raise Forbidden(f"comment {comment_id} belongs to a site you do not moderate", field="id")
    return comment


def history(session: Session, actor: Actor, comment_id: str) -> list[CommentEvent]:
    """The audit log of one comment, oldest first. Raises ``NotFound`` / ``Forbidden``."""
    return list(get_comment(session, actor, comment_id).events)
