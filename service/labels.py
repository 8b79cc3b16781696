"""Training labels: one per comment, the newest report wins; every report is also an audit event.

Used by moderator actions (the queue) and by the Akismet / JSON feedback calls (submit-spam,
submit-ham). Plain Python, no Flask. The caller commits.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from service.store.tables import Comment, Label, utcnow

LABELS = ("spam", "ham")


def record_label(session: Session, comment: Comment, label: str, source: str, reporter: str = "") -> tuple[Label, bool]:
    """Set ``comment``'s label to ``label`` (``spam`` | ``ham``) from ``source`` (``moderator``,
    ``akismet``, ``api``).

    Idempotent: the same label again changes nothing and returns ``changed=False``. ``is_test``
    comments are stored but their labels are never used for training (``training`` filters them).

    Returns ``(label_row, changed)``. Raises ``ValueError`` for an unknown label.
    """
    if label not in LABELS:
        raise ValueError(f"label must be one of {LABELS}, not {label!r}")
    row = comment.label
    if row is None:
        row = Label(comment_id=comment.id, label=label, source=source, reporter=reporter)
        session.add(row)
        comment.label = row
        return row, True
    if row.label == label:
        return row, False
    row.label, row.source, row.reporter, row.updated_at = label, source, reporter, utcnow()
    return row, True


def clear_label(session: Session, comment: Comment) -> bool:
    """Remove the label of ``comment`` (used by undo). Returns whether there was one."""
    if comment.label is None:
        return False
    session.delete(comment.label)
    comment.label = None
    return True
