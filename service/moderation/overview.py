"""The moderation overview: per site, comments per status and decisions per UTC day.

Plain Python, no Flask.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from service.errors import ValidationFailed
from service.moderation.actors import Actor, visible_sites
from service.moderation.actions import ACTIONS
from service.store.tables import STATUSES, Comment, CommentEvent, Site, utcnow


@dataclass
class DayCounts:
    """Decisions taken on one UTC day: automatic ones by outcome and moderators' by action
    (undone actions are not counted)."""

    day: dt.date
    accepted: int = 0
    held: int = 0
    rejected: int = 0
    approve: int = 0
    spam: int = 0
    reject: int = 0


@dataclass
class SiteOverview:
    """One site's counts per status and its decisions per day (oldest day first)."""

    site: Site
    counts: dict[str, int]
    days: list[DayCounts] = field(default_factory=list)


def site_overview(session: Session, actor: Actor, days: int = 14, today: dt.date | None = None) -> list[SiteOverview]:
    """For every site ``actor`` moderates: comments per status and decisions per day over the last
    ``days`` UTC days (today included). Raises ``ValidationFailed`` unless 1 ≤ days ≤ 366."""
    if not 1 <= days <= 366:
        raise ValidationFailed("days must be between 1 and 366", field="days")
    today = today or utcnow().date()
    first = today - dt.timedelta(days=days - 1)
    start = dt.datetime.combine(first, dt.time(), tzinfo=dt.timezone.utc)
    sites = visible_sites(session, actor)
    site_ids = [s.id for s in sites]
    out = {s.id: SiteOverview(s, dict.fromkeys(STATUSES, 0),
                              [DayCounts(first + dt.timedelta(days=i)) for i in range(days)]) for s in sites}
    if not site_ids:
        return []
    for site_id, status, n in session.execute(
            select(Comment.site_id, Comment.status, func.count(Comment.id))
            .where(Comment.site_id.in_(site_ids)).group_by(Comment.site_id, Comment.status)):
        out[site_id].counts[status] = int(n)
    created = CommentEvent.created_at
    if session.get_bind().dialect.name == "postgresql":
        created = func.timezone("UTC", created)
    day_col = func.date(created)
    stmt = (select(Comment.site_id, day_col, CommentEvent.action, CommentEvent.to_status, func.count(CommentEvent.id))
            .join(Comment, Comment.id == CommentEvent.comment_id)
            .where(Comment.site_id.in_(site_ids), CommentEvent.created_at >= start,
                   or_(CommentEvent.action == "decide",
                       and_(CommentEvent.actor_type == "moderator", CommentEvent.action.in_(list(ACTIONS)),
                            CommentEvent.undone.is_(False))))
            .group_by(Comment.site_id, day_col, CommentEvent.action, CommentEvent.to_status))
    for site_id, day, action, to_status, n in session.execute(stmt):
        day = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)[:10])
        index = (day - first).days
        if not 0 <= index < days:
            continue
        bucket = out[site_id].days[index]
        name = to_status if action == "decide" else action
        if hasattr(bucket, name) and name != "day":
            setattr(bucket, name, getattr(bucket, name) + int(n))
    return [out[i] for i in site_ids]
