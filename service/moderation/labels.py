"""Training labels: one per comment, the newest report wins; every report is also an audit event.

Used by moderator actions (the queue) and by the Akismet / JSON feedback calls (submit-spam,
submit-ham): the one place labels are written, and so the one place the site's reputation counts
change (``service.learning.reputation.apply_label_change``, in the same transaction). Plain Python, no Flask. The caller commits;
observers (``observe``) hear of each change after that commit.

Concurrent reports on one comment (fifty parallel submit-spam, a moderator and a site at once)
cannot both create its label: the row is inserted with ``INSERT … ON CONFLICT (comment_id) DO
NOTHING`` (PostgreSQL and SQLite), so the one that loses the race reads the winner's row and treats
it as an existing label (the same label again: nothing changes) instead of failing on the unique
constraint.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from service.errors import Conflict
from service.infra.on_commit import after_commit
from service.learning import reputation
from service.store.dialect import insert_or_ignore
from service.store.tables import Comment, Label, utcnow
from service.vocab import Label as LabelName

LABELS = tuple(LabelName)


@dataclass(frozen=True)
class LabelChange:
    """A committed label change: ``label`` is the new one (``spam`` | ``ham``, ``None`` = removed)."""

    site_id: int
    comment_id: str
    content: str
    label: str | None


LabelObserver = Callable[[LabelChange], None]
_observers: dict[int, list[LabelObserver]] = {}
_observers_lock = threading.Lock()


def observe(engine: Engine, observer: LabelObserver) -> None:
    """Call ``observer(change)`` after the commit of every label change written on ``engine``
    (e.g. the near-duplicate memory; ``Runtime.create`` registers it). Test comments are never told."""
    with _observers_lock:
        _observers.setdefault(id(engine), []).append(observer)


def unobserve(engine: Engine, observer: LabelObserver | None = None) -> None:
    """Forget ``observer`` of ``engine`` (every observer of it when ``None``)."""
    with _observers_lock:
        if observer is None:
            _observers.pop(id(engine), None)
        elif observer in _observers.get(id(engine), []):
            _observers[id(engine)].remove(observer)


def _announce(session: Session, comment: Comment, label: str | None) -> None:
    """Register the observers' after-commit step for one changed label (no query: the comment is loaded)."""
    observers = _observers.get(id(session.get_bind().engine))
    if not observers or comment.is_test:
        return
    change = LabelChange(comment.site_id, comment.id, comment.content, label)
    for observer in list(observers):
        after_commit(session, observer, change)


def record_label(session: Session, comment: Comment, label: str, source: str, reporter: str = "") -> tuple[Label, bool]:
    """Set ``comment``'s label to ``label`` (``spam`` | ``ham``) from ``source`` (``moderator``,
    ``akismet``, ``api``).

    Idempotent, also under concurrency: the same label again (or a concurrent request having just
    set it) changes nothing and returns ``changed=False``. ``is_test`` comments are stored but their
    labels are never used for training (``training`` filters them).

    Returns ``(label_row, changed)``. Raises ``ValueError`` for an unknown label.
    """
    if label not in LABELS:
        raise ValueError(f"label must be one of {LABELS}, not {label!r}")
    row = comment.label
    if row is None:
        session.flush()  # the comment row exists before its label refers to it
        inserted = insert_or_ignore(session, Label.__table__,
                                    {"comment_id": comment.id, "label": label, "source": source,
                                     "reporter": reporter}, ["comment_id"])
        row = session.scalars(select(Label).where(Label.comment_id == comment.id)
                              .execution_options(populate_existing=True)).one()
        comment.label = row
        if inserted:
            reputation.apply_label_change(session, comment, None, label)
            _announce(session, comment, label)
            return row, True
    for _ in range(CHANGE_ATTEMPTS):
        if row.label == label:
            return row, False
        old, now = row.label, utcnow()
        # compare-and-set: a concurrent change of this label makes this UPDATE match no row, so the
        # reputation counts move once per real change, never from a stale label
        changed = session.execute(
            update(Label).where(Label.id == row.id, Label.label == old)
            .values(label=label, source=source, reporter=reporter, updated_at=now)
            .execution_options(synchronize_session=False)).rowcount
        if changed == 1:
            for name, value in (("label", label), ("source", source), ("reporter", reporter), ("updated_at", now)):
                set_committed_value(row, name, value)
            reputation.apply_label_change(session, comment, old, label)
            _announce(session, comment, label)
            return row, True
        session.refresh(row)
    raise Conflict(f"the label of comment {comment.id} keeps changing; report it again", field="guid")


#: Compare-and-set attempts of a label change before giving up (each loses only to a concurrent change).
CHANGE_ATTEMPTS = 5


def clear_label(session: Session, comment: Comment) -> bool:
    """Remove the label of ``comment`` (used by undo). Returns whether there was one."""
    row = comment.label
    if row is None:
        return False
    removed = session.execute(delete(Label).where(Label.id == row.id, Label.label == row.label)
                              .execution_options(synchronize_session=False)).rowcount
    if removed == 1:
        reputation.apply_label_change(session, comment, row.label, None)
    session.expunge(row)
    set_committed_value(comment, "label", None)
    _announce(session, comment, None)
    return removed == 1
