"""Explicit after-commit steps: work that must run only once a transaction's changes are durable.

A domain write that has a side effect outside the database (enqueue a job, update a Redis cache)
registers it with :func:`after_commit` in the same session; it runs right after that session
commits and is dropped if the session rolls back. A failing step is logged and never undoes or
fails the committed change (the caches it feeds are rebuildable from the database).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_KEY = "saring_after_commit"


def after_commit(session: Session, step: Callable[..., Any], *args: Any) -> None:
    """Run ``step(*args)`` after ``session``'s next commit (dropped on rollback)."""
    session.info.setdefault(_KEY, []).append((step, args))


def pending(session: Session) -> int:
    """How many steps wait for ``session``'s commit."""
    return len(session.info.get(_KEY, ()))


@event.listens_for(Session, "after_commit")
def _run(session: Session) -> None:
    steps: list[tuple[Callable[..., Any], tuple[Any, ...]]] = session.info.pop(_KEY, [])
    for step, args in steps:
        try:
            step(*args)
        except Exception:  # noqa: BLE001 - the change is committed; a side effect never fails it
            log.exception("after-commit step %s failed", getattr(step, "__qualname__", step))


@event.listens_for(Session, "after_rollback")
def _drop(session: Session) -> None:
    session.info.pop(_KEY, None)
