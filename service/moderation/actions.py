"""Moderators' actions on comments: act (approve / spam / reject, one or in bulk) and undo.

Plain Python, no Flask. Used by the queue API (``service.api.queue``) and the web page
(``service.pages.moderation``); listing lives in ``listing``, the actor in ``actors``.

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
enqueued (RQ, fail open: a sweeper re-enqueues pending rows) and label observers are told
(``labels.observe``).
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from service.moderation import labels
from service.webhooks import outbox as webhooks
from service.infra.jobs import JobQueue
from service.errors import Conflict, Forbidden, NotFound, ValidationFailed
from service.moderation.actors import Actor
from service.store.tables import Comment, CommentEvent, utcnow
from service.vocab import Action, Label, Status
from service.validation import DB_INT_MAX, is_comment_id

log = logging.getLogger(__name__)

#: action → (new status, label it records; ``None`` = no label)
ACTIONS: dict[str, tuple[str, str | None]] = {
    Action.APPROVE: (Status.ACCEPTED, Label.HAM),
    Action.SPAM: (Status.SPAM, Label.SPAM),
    Action.REJECT: (Status.REJECTED, None),
}
#: The label each kind of audit event leaves behind (used to restore the label on undo).
EVENT_LABEL: dict[str, str | None] = {
    Action.APPROVE: Label.HAM, Action.SPAM: Label.SPAM, Action.REJECT: None,
    Action.REPORT_HAM: Label.HAM, Action.REPORT_SPAM: Label.SPAM,
}
#: Most ids one bulk action accepts.
MAX_BULK = 500
MAX_REASON_CHARS = 1000


# --------------------------------------------------------------------------- actions


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


def _set_label(session: Session, comment: Comment, label: str | None, actor: Actor) -> None:
    """Record or clear the training label a moderator action leaves (through ``labels``)."""
    if label is None:
        labels.clear_label(session, comment)
    else:
        labels.record_label(session, comment, label, "moderator", actor.name)


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


def _conflict(conflicts: dict[str, dict], why: str, field: str = "ids") -> Conflict:
    first_id, first = next(iter(conflicts.items()))
    who = f" by {first['by']}" if first.get("by") else ""
    more = f" (and {len(conflicts) - 1} more)" if len(conflicts) > 1 else ""
    return Conflict(f"comment {first_id} {why}: it is now {first['status']}{who} (revision {first['revision']})"
                    f"{more}; nothing was changed — reload to see it", field=field, fields={"conflicts": conflicts})


def _check_expected(expected_revisions: Mapping[str, int] | None, ids: Sequence[str]) -> dict[str, int]:
    if expected_revisions is None:
        return {}
    if not isinstance(expected_revisions, Mapping):
        raise ValidationFailed("expected_revisions must be an object {comment id: revision}", field="expected_revisions")
    out: dict[str, int] = {}
    for key, value in expected_revisions.items():
        key = key.strip().lower() if isinstance(key, str) else key
        if key not in ids:
            continue  # a revision of a comment this action does not move checks nothing (a page may send them all)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= DB_INT_MAX:
            raise ValidationFailed(f"expected_revisions[{key!r}] must be a positive integer", field="expected_revisions")
        out[key] = value
    return out


def move_if_unchanged(session: Session, comments: Sequence[Comment], to_status: str, now: dt.datetime) -> bool:
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


def _lost_race(session: Session, ids: Sequence[str], seen: Mapping[str, int], field: str = "ids") -> Conflict:
    """After a failed conditional update (rolled back): the conflict naming the comments moved."""
    fresh = {c.id: c for c in session.scalars(
        select(Comment).where(Comment.id.in_(list(ids))).options(selectinload(Comment.events))
        .execution_options(populate_existing=True))}
    moved = {i: _describe_state(fresh[i]) for i in ids if i in fresh and fresh[i].revision != seen[i]}
    return _conflict(moved or {i: _describe_state(fresh[i]) for i in ids[:1] if i in fresh},
                     "was moved by someone else just now", field)


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
            always sends them) so that a comment moved meanwhile is not moved again; entries of
            comments not in ``ids`` are ignored.
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
        if not move_if_unchanged(session, comments, to_status, now):
            session.rollback()
            raise _lost_race(session, id_list, {i: before[i][1] for i in id_list})
        moves = [(c, _log_action(session, result, actor, c, action, before[c.id][0], to_status, label, reason, now),
                  label) for c in comments]
        _record_moves(session, result, actor, moves, now)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    _after_commit(result, jobs)
    return result


def _log_action(session: Session, result: ActionResult, actor: Actor, comment: Comment, action: str,
                from_status: str, to_status: str, label: str | None, reason: str, now: dt.datetime) -> CommentEvent:
    """Append the audit event of one moved comment and set its label (noted in ``result``)."""
    event = CommentEvent(comment_id=comment.id, action=action, actor_type="moderator", actor=actor.name,
                         user_id=actor.user_id, from_status=from_status, to_status=to_status, reason=reason,
                         created_at=now)
    comment.events.append(event)
    _set_label(session, comment, label, actor)
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
    if expected_revision is not None and (isinstance(expected_revision, bool) or not isinstance(expected_revision, int)
                                          or not 1 <= expected_revision <= DB_INT_MAX):
        raise ValidationFailed("expected_revision must be a positive integer", field="expected_revision")
    expected = {cid: expected_revision} if expected_revision is not None else {}
    reason = _check_reason(reason)
    try:
        comment = _load_for_action(session, actor, [cid], field="id")[cid]
        if cid in expected and comment.revision != expected[cid]:
            raise _conflict({cid: _describe_state(comment)}, "was changed since you saw it", field="expected_revision")
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
        if not move_if_unchanged(session, [comment], to_status, now):
            session.rollback()
            raise _lost_race(session, [cid], {cid: seen}, field="id")
        last.undone = True
        result = ActionResult("undo", [])
        event = _log_action(session, result, actor, comment, "undo", from_status, to_status, previous_label,
                            reason or f"undo of {last.action} by {last.actor} (event {last.id})", now)
        _record_moves(session, result, actor, [(comment, event, previous_label)], now)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    _after_commit(result, jobs)
    return result


def _after_commit(result: ActionResult, jobs: JobQueue | None) -> None:
    if jobs is not None and result.delivery_ids:
        jobs.enqueue_deliveries(result.delivery_ids)
