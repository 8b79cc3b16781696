"""SQL that differs between PostgreSQL and SQLite, written once (insert-or-ignore)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session


def insert_for(dialect: str, table: Table) -> Any:
    """The ``INSERT`` construct of ``dialect`` (``postgresql``, else SQLite's) for ``table``: it has
    ``on_conflict_do_*`` (for statements built once, before any session)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def insert_of(session: Session, table: Table) -> Any:
    """The session's dialect's ``INSERT`` construct for ``table`` (it has ``on_conflict_do_*``)."""
    return insert_for(session.get_bind().dialect.name, table)


def insert_or_ignore(session: Session, table: Table, values: dict[str, Any], index_elements: list[str]) -> bool:
    """``INSERT … ON CONFLICT (index_elements) DO NOTHING`` of one row in the session's transaction
    (PostgreSQL or SQLite); column defaults apply. Returns whether the row was inserted (``False``:
    a row with the same key exists, possibly committed by a concurrent transaction meanwhile)."""
    stmt = (insert_of(session, table).values(**values).on_conflict_do_nothing(index_elements=index_elements)
            .returning(*table.primary_key.columns))
    return session.execute(stmt).first() is not None
