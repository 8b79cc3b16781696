"""The moderation queue: listing held (and other) comments, and moderators' actions on them.

Plain Python, no Flask. Used by the queue API (``service.api.queue``) and the web page
(``service.pages.moderation``).

Actions (issue 4):

=========  ================  =========  ======================================================
action     new status        label      note
=========  ================  =========  ======================================================
approve    ``accepted``      ham        the comment is fine: publish it, learn "ham"
spam       ``spam``          spam       learn "spam"
reject     ``rejected``      (none)     off-topic, abusive, ...: not published; clears any label
undo       the status before the last action, and the label before it
=========  ================  =========  ======================================================

Concurrency: every status change bumps ``Comment.revision`` with a conditional
``UPDATE … WHERE revision = <seen>``. An action that names the revision the moderator saw
(``expected_revisions``) and finds another one raises ``Conflict`` (409); so does an action that
would change nothing (the comment is already there) and one that loses a race at the UPDATE.
Bulk actions are all-or-nothing: one conflict, unknown id or forbidden id and nothing changes.

Every action appends ``CommentEvent`` rows (who, when, from → to, why) in the same transaction as
the change, records the label (``_set_label``, the one place labels change here), and, when the
site registered a callback URL, a ``WebhookDelivery`` row. After the commit the deliveries are
enqueued (RQ, fail open: a sweeper re-enqueues pending rows) and label listeners are called.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Select, and_, false, func, or_, select, true, update
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from service.moderation import labels
from service.webhooks import outbox as webhooks
from service.infra.jobs import JobQueue
from service.errors import Conflict, Forbidden, NotFound, ValidationFailed
from service.web.params import DB_INT_MAX, check_text, is_comment_id, parse_int
from service.store.tables import STATUSES, Comment, CommentEvent, Site, User, utcnow

log = logging.getLogger(__name__)

#: action → (new status, label it records; ``None`` = no label)
ACTIONS: dict[str, tuple[str, str | None]] = {
    "approve": ("accepted", "ham"),
    "spam": ("spam", "spam"),
    "reject": ("rejected", None),
}
#: The label each kind of audit event leaves behind (used to restore the label on undo).
EVENT_LABEL: dict[str, str | None] = {
    "approve": "ham", "spam": "spam", "reject": None, "report_ham": "ham", "report_spam": "spam",
}
#: Most ids one bulk action accepts.
MAX_BULK = 500
#: Sort orders of the listing: newest first, oldest first, highest spam_score first, lowest first.
SORTS = ("newest", "oldest", "score", "score_asc")
MAX_PER_PAGE = 200
#: Highest page number asked for (200 million comments at ``MAX_PER_PAGE``).
MAX_PAGE = 1_000_000
MAX_QUERY_CHARS = 200
MAX_REASON_CHARS = 1000


# --------------------------------------------------------------------------- who acts


@dataclass(frozen=True)
class Actor:
    """A signed-in moderator or admin.

    Attributes:
        user_id: ``users.id``.
        name: the e-mail, as written in the audit log.
        role: ``admin`` | ``moderator``.
        site_ids: ids of the sites they moderate; ``None`` for an admin (every site).
    """

    user_id: int
    name: str
    role: str
    site_ids: frozenset[int] | None

    @classmethod
    def of(cls, user: User) -> "Actor":
        """The actor for a ``User`` row (its sites must be loadable)."""
        ids = None if user.role == "admin" else frozenset(s.id for s in user.sites)
        return cls(user.id, user.email, user.role, ids)

    def can_moderate(self, site_id: int) -> bool:
        return self.site_ids is None or site_id in self.site_ids

    def site_clause(self):
        """SQL condition limiting ``Comment`` rows to this actor's sites."""
        if self.site_ids is None:
            return true()
        if not self.site_ids:
            return false()
        return Comment.site_id.in_(sorted(self.site_ids))


def visible_sites(session: Session, actor: Actor) -> list[Site]:
    """The sites ``actor`` moderates (every site for an admin), by URL."""
    stmt = select(Site).order_by(Site.url)
    if actor.site_ids is not None:
        stmt = stmt.where(Site.id.in_(sorted(actor.site_ids) or [-1]))
    return list(session.scalars(stmt))


def resolve_site(session: Session, actor: Actor, value: str | int | None) -> Site | None:
    """The site named by ``value`` (its id or URL) if ``actor`` moderates it; ``None`` for no value.

    Raises ``NotFound`` (field ``site``) for an unknown site and ``Forbidden`` for one the actor
    does not moderate.
    """
    if value is None or value == "":
        return None
    text = str(value).strip()
    if text.isascii() and text.isdigit():
        site = session.get(Site, parse_int(text, "site"))
    else:
        from service.accounts.sites import normalize_site_url

        site = session.scalar(select(Site).where(Site.url == normalize_site_url(text)))
    if site is None:
        raise NotFound(f"no site {text!r}", field="site")
    if not actor.can_moderate(site.id):
        raise Forbidden(f"you do not moderate {site.url}", field="site")
    return site


# --------------------------------------------------------------------------- listing


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
        if self.min_score is not None and self.max_score is not None and self.min_score > self.max_score:
            raise ValidationFailed("min_score must not be above max_score", field="min_score")
        self.since, self.until = _utc(self.since, "since"), _utc(self.until, "until")
        if self.since and self.until and self.since > self.until:
            raise ValidationFailed("since must not be after until", field="since")
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


# --------------------------------------------------------------------------- actions


@dataclass(frozen=True)
class LabelChange:
    """A label set or cleared by a moderator action, told to listeners after the commit.

    ``label`` is the new label (``spam`` | ``ham`` | ``None`` when cleared), ``previous`` the old one.
    """

    comment_id: str
    site_id: int
    content: str
    label: str | None
    previous: str | None
    action: str
    actor: str


@dataclass(frozen=True)
class Moved:
    """One comment changed by an action."""

    comment_id: str
    site_id: int
    action: str
    from_status: str
    to_status: str
    revision: int
    event_id: int
    label: str | None


@dataclass
class ActionResult:
    """What an action changed (``moved``, in the order of the ids given) and the webhook
    deliveries it recorded."""

    action: str
    moved: list[Moved]
    delivery_ids: list[int] = field(default_factory=list)
    label_changes: list[LabelChange] = field(default_factory=list)


LabelListener = Callable[[Session, LabelChange], None]
_label_listeners: list[LabelListener] = []


def on_label_change(listener: LabelListener) -> LabelListener:
    """Register ``listener(session, change)``, called after every committed moderator label change
    (e.g. to remember comments marked spam). Its errors are logged and never fail the action.
    Usable as a decorator; returns ``listener``."""
    if listener not in _label_listeners:
        _label_listeners.append(listener)
    return listener


def _set_label(session: Session, comment: Comment, label: str | None, actor: Actor, action: str,
               changes: list[LabelChange]) -> None:
    """The one place a moderator action records or clears a training label."""
    previous = comment.label.label if comment.label is not None else None
    if label is None:
        changed = labels.clear_label(session, comment)
    else:
        _row, changed = labels.record_label(session, comment, label, "moderator", actor.name)
    if changed:
        changes.append(LabelChange(comment.id, comment.site_id, comment.content, label, previous, action, actor.name))


def _clean_ids(ids: Iterable[str]) -> list[str]:
    if isinstance(ids, (str, bytes)) or not isinstance(ids, Iterable):
        raise ValidationFailed("ids must be a list of comment ids", field="ids")
    out: list[str] = []
    for value in ids:
        value = value.strip().lower() if isinstance(value, str) else value
        if not is_comment_id(value):
            raise ValidationFailed(f"ids: {value!r} is not a comment id (32 hex characters)", field="ids")
        if value not in out:
            out.append(value)
    if not out:
        raise ValidationFailed("ids must name at least one comment", field="ids")
    if len(out) > MAX_BULK:
        raise ValidationFailed(f"ids: at most {MAX_BULK} comments per action", field="ids")
    return out


def _load_for_action(session: Session, actor: Actor, ids: Sequence[str], field: str = "ids") -> dict[str, Comment]:
    rows = {c.id: c for c in session.scalars(
        select(Comment).where(Comment.id.in_(list(ids)))
        .options(joinedload(Comment.site), selectinload(Comment.label), selectinload(Comment.events))
        .execution_options(populate_existing=True))}
    missing = [i for i in ids if i not in rows]
    if missing:
        raise NotFound(f"no comment {missing[0]!r}" + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
                       + "; nothing was changed", field=field, fields={"missing": missing})
    foreign = [i for i in ids if not actor.can_moderate(rows[i].site_id)]
    if foreign:
        raise Forbidden(f"comment {foreign[0]} belongs to a site you do not moderate; nothing was changed",
                        field=field, fields={"forbidden": foreign})
    return rows


def _describe_state(comment: Comment) -> dict:
    last = comment.events[-1] if comment.events else None
    return {
        "status": comment.status,
        "revision": comment.revision,
        "by": last.actor if last else "",
        "at": last.created_at.isoformat() if last and last.created_at else None,
        "action": last.action if last else None,
    }


def _conflict(conflicts: dict[str, dict], why: str) -> Conflict:
    first_id, first = next(iter(conflicts.items()))
    who = f" by {first['by']}" if first.get("by") else ""
    more = f" (and {len(conflicts) - 1} more)" if len(conflicts) > 1 else ""
    return Conflict(f"comment {first_id} {why}: it is now {first['status']}{who} (revision {first['revision']})"
                    f"{more}; nothing was changed — reload to see it", field="ids", fields={"conflicts": conflicts})


def _check_expected(expected_revisions: Mapping[str, int] | None, ids: Sequence[str]) -> dict[str, int]:
    if expected_revisions is None:
        return {}
    if not isinstance(expected_revisions, Mapping):
        raise ValidationFailed("expected_revisions must be an object {comment id: revision}", field="expected_revisions")
    out: dict[str, int] = {}
    for key, value in expected_revisions.items():
        key = key.strip().lower() if isinstance(key, str) else key
        if key not in ids:
            raise ValidationFailed(f"expected_revisions names {key!r}, which is not in ids", field="expected_revisions")
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= DB_INT_MAX:
            raise ValidationFailed(f"expected_revisions[{key!r}] must be a positive integer", field="expected_revisions")
        out[key] = value
    return out


def _move_all(session: Session, comments: Sequence[Comment], to_status: str, now: dt.datetime) -> bool:
    """Conditional update of every comment from the revision it was loaded with: one
    ``UPDATE … WHERE id IN (…) AND revision = <seen>`` per distinct seen revision. Returns ``True``
    when every row still had its seen revision (and was moved); ``False`` when another transaction
    got there first (the caller rolls back). The loaded objects get the new values without being
    marked dirty (no second UPDATE at flush)."""
    by_revision: dict[int, list[Comment]] = {}
    for comment in comments:
        by_revision.setdefault(comment.revision, []).append(comment)
    for seen, group in by_revision.items():
        result = session.execute(
            update(Comment).where(Comment.id.in_([c.id for c in group]), Comment.revision == seen)
            .values(status=to_status, revision=seen + 1, updated_at=now)
            .execution_options(synchronize_session=False))
        if result.rowcount != len(group):
            return False
        for comment in group:
            set_committed_value(comment, "status", to_status)
            set_committed_value(comment, "revision", seen + 1)
            set_committed_value(comment, "updated_at", now)
    return True


def _lost_race(session: Session, ids: Sequence[str], seen: Mapping[str, int]) -> Conflict:
    """After a failed conditional update (rolled back): the conflict naming the comments moved."""
    fresh = {c.id: c for c in session.scalars(
        select(Comment).where(Comment.id.in_(list(ids))).options(selectinload(Comment.events))
        .execution_options(populate_existing=True))}
    moved = {i: _describe_state(fresh[i]) for i in ids if i in fresh and fresh[i].revision != seen[i]}
    return _conflict(moved or {i: _describe_state(fresh[i]) for i in ids[:1] if i in fresh},
                     "was moved by someone else just now")


def _check_reason(reason: str) -> str:
    if not isinstance(reason, str):
        raise ValidationFailed("reason must be a string", field="reason")
    if len(reason) > MAX_REASON_CHARS:
        raise ValidationFailed(f"reason must have at most {MAX_REASON_CHARS} characters", field="reason")
    return reason.strip()


def act(session: Session, actor: Actor, action: str, ids: Iterable[str],
        expected_revisions: Mapping[str, int] | None = None, reason: str = "",
        jobs: JobQueue | None = None) -> ActionResult:
    """Apply ``action`` (``approve`` | ``spam`` | ``reject``) to every comment in ``ids``, all or
    nothing, and commit.

    Args:
        session: an open session (committed here, rolled back on any error).
        actor: who acts (their sites bound what they may touch).
        ids: comment ids (duplicates ignored; at most ``MAX_BULK``).
        expected_revisions: ``{id: revision the moderator saw}``; strongly advised (the web page
            always sends them) so that a comment moved meanwhile is not moved again.
        reason: optional note kept in the audit log.
        jobs: where to enqueue webhook deliveries after the commit (``None``: leave them pending
            for the sweeper).

    Returns the ``ActionResult``. Raises ``ValidationFailed`` (bad action, ids, revisions, reason),
    ``NotFound`` (an unknown id), ``Forbidden`` (an id of a site the actor does not moderate),
    ``Conflict`` (a comment moved by someone else, already in that state, or moved during this
    call). Nothing is changed when it raises.
    """
    if action not in ACTIONS:
        raise ValidationFailed(f"action must be one of {', '.join(ACTIONS)} (or use undo), not {action!r}",
                               field="action")
    id_list = _clean_ids(ids)
    expected = _check_expected(expected_revisions, id_list)
    reason = _check_reason(reason)
    to_status, label = ACTIONS[action]
    try:
        rows = _load_for_action(session, actor, id_list)
        stale = {i: _describe_state(rows[i]) for i in id_list
                 if i in expected and rows[i].revision != expected[i]}
        if stale:
            raise _conflict(stale, "was changed since you saw it")
        same = {i: _describe_state(rows[i]) for i in id_list
                if rows[i].status == to_status and (rows[i].label.label if rows[i].label else None) == label}
        if same:
            raise _conflict(same, f"is already {to_status}")
        result = ActionResult(action, [])
        comments = [rows[i] for i in id_list]
        before = {c.id: (c.status, c.revision) for c in comments}
        now = utcnow()
        if not _move_all(session, comments, to_status, now):
            session.rollback()
            raise _lost_race(session, id_list, {i: before[i][1] for i in id_list})
        moves = [(c, _log_action(session, result, actor, c, action, before[c.id][0], to_status, label, reason, now),
                  label) for c in comments]
        _record_moves(session, result, actor, moves, now)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    _after_commit(session, result, jobs)
    return result


def _log_action(session: Session, result: ActionResult, actor: Actor, comment: Comment, action: str,
                from_status: str, to_status: str, label: str | None, reason: str, now: dt.datetime) -> CommentEvent:
    """Append the audit event of one moved comment and set its label (noted in ``result``)."""
    event = CommentEvent(comment_id=comment.id, action=action, actor_type="moderator", actor=actor.name,
                         user_id=actor.user_id, from_status=from_status, to_status=to_status, reason=reason,
                         created_at=now)
    comment.events.append(event)
    _set_label(session, comment, label, actor, action, result.label_changes)
    return event


def _record_moves(session: Session, result: ActionResult, actor: Actor,
                  moves: list[tuple[Comment, CommentEvent, str | None]], now: dt.datetime) -> None:
    """Flush the new events, note each ``(comment, event, label)`` in ``result`` and record its
    webhook delivery (flushed for its id). The caller commits."""
    session.flush()
    deliveries = []
    for comment, event, label in moves:
        moved = Moved(comment.id, comment.site_id, event.action, event.from_status or "", event.to_status,
                      comment.revision, event.id, label)
        result.moved.append(moved)
        delivery = webhooks.record_delivery(session, comment, moved, actor.name, event.reason, now)
        if delivery is not None:
            deliveries.append(delivery)
    if deliveries:
        session.flush()
        result.delivery_ids.extend(d.id for d in deliveries)


def can_undo(comment: Comment) -> bool:
    """Whether the last event of ``comment`` (``events`` loaded) is a moderator action that can
    still be undone."""
    last = comment.events[-1] if comment.events else None
    return (last is not None and last.actor_type == "moderator" and last.action in ACTIONS and not last.undone
            and last.to_status == comment.status)


def undo(session: Session, actor: Actor, comment_id: str, expected_revision: int | None = None,
         reason: str = "", jobs: JobQueue | None = None) -> ActionResult:
    """Undo the last moderator action on one comment and commit.

    The comment goes back to the status before that action and to the label it had before it
    (from the audit log); the undone event is marked ``undone=True`` and an ``undo`` event is
    appended. Only the very last action can be undone, once: a second undo raises ``Conflict``.

    Raises ``ValidationFailed``, ``NotFound``, ``Forbidden``, ``Conflict`` (nothing to undo, or
    ``expected_revision`` differs, or moved meanwhile). Nothing is changed when it raises.
    """
    cid = _clean_ids([comment_id])[0]
    expected = _check_expected({cid: expected_revision} if expected_revision is not None else None, [cid])
    reason = _check_reason(reason)
    try:
        comment = _load_for_action(session, actor, [cid], field="id")[cid]
        if cid in expected and comment.revision != expected[cid]:
            raise _conflict({cid: _describe_state(comment)}, "was changed since you saw it")
        events = list(comment.events)
        last = events[-1] if events else None
        if not can_undo(comment):
            what = f"the last change was {last.action!r} by {last.actor}" if last else "it has no history"
            raise Conflict(f"nothing to undo on comment {cid}: {what}", field="id",
                           fields={"conflicts": {cid: _describe_state(comment)}})
        previous_label: str | None = None
        for event in reversed(events[:-1]):
            if event.undone or event.action == "undo":
                continue
            if event.action in EVENT_LABEL:
                previous_label = EVENT_LABEL[event.action]
                break
        from_status, to_status, seen = comment.status, last.from_status or comment.decision, comment.revision
        now = utcnow()
        if not _move_all(session, [comment], to_status, now):
            session.rollback()
            raise _lost_race(session, [cid], {cid: seen})
        last.undone = True
        result = ActionResult("undo", [])
        event = _log_action(session, result, actor, comment, "undo", from_status, to_status, previous_label,
                            reason or f"undo of {last.action} by {last.actor} (event {last.id})", now)
        _record_moves(session, result, actor, [(comment, event, previous_label)], now)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    _after_commit(session, result, jobs)
    return result


def _after_commit(session: Session, result: ActionResult, jobs: JobQueue | None) -> None:
    if jobs is not None and result.delivery_ids:
        jobs.enqueue_deliveries(result.delivery_ids)
    for change in result.label_changes:
        for listener in list(_label_listeners):
            try:
                listener(session, change)
            except Exception:  # noqa: BLE001 - a listener never fails a committed action
                log.exception("label listener %r failed for comment %s", listener, change.comment_id)


def history(session: Session, actor: Actor, comment_id: str) -> list[CommentEvent]:
    """The audit log of one comment, oldest first. Raises ``NotFound`` / ``Forbidden``."""
    return list(get_comment(session, actor, comment_id).events)
