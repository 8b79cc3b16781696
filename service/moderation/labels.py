"""Training labels: one per comment, the newest report wins; every report is also an audit event.

Used by moderator actions (the queue) and by the Akismet / JSON feedback calls (submit-spam,
submit-ham). Plain Python, no Flask. The caller commits.

Concurrent reports on one comment (fifty parallel submit-spam, a moderator and a site at once)
cannot both create its label: the row is inserted with ``INSERT … ON CONFLICT (comment_id) DO
NOTHING`` (PostgreSQL and SQLite), so the one that loses the race reads the winner's row and treats
it as an existing label (the same label again: nothing changes) instead of failing on the unique
constraint.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from service.store.tables import Comment, Label, utcnow

LABELS = ("spam", "ham")


def insert_or_ignore(session: Session, table: Table, values: dict[str, Any], index_elements: list[str]) -> bool:
    """``INSERT … ON CONFLICT (index_elements) DO NOTHING`` of one row in the session's transaction
    (PostgreSQL or SQLite); column defaults apply. Returns whether the row was inserted (``False``:
    a row with the same key exists, possibly committed by a concurrent transaction meanwhile)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = (insert(table).values(**values).on_conflict_do_nothing(index_elements=index_elements)
            .returning(*table.primary_key.columns))
    return session.execute(stmt).first() is not None


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
