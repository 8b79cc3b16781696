"""The service's side of ``training.ports``: feedback, the model store and the run record, from the
database (and Redis for publishing). ``training`` never imports this; the CLI and the RQ job build
the ports here and pass them in (:func:`for_database`, :func:`retrain`).

One rule for "a retrain is under way": a run ``queued`` or ``running`` (``training.ports.ACTIVE_STATUSES``);
the database holds at most one (partial unique index ``one_active_retrain``), so two starts at once
cannot both succeed. A run left active by a process that died is ended as ``failed`` by the next
start once it is older than ``RUN_STALE_AFTER``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from models import artifact
from models.classifier import SpamClassifier
from models.comment import FEATURE_COLUMNS, to_frame
from service.errors import Conflict
from service.serving import versions
from service.serving.registry import ModelRegistry
from service.store.db import Database, session_scope
from service.store.tables import Comment, Label, RetrainRun, utcnow
from training.feedback import FEEDBACK_DATASET
from training.ports import ACTIVE_STATUSES, RetrainPorts, RunStatus

#: A ``queued``/``running`` run older than this (seconds) is taken for dead (its process died).
RUN_STALE_AFTER = 2 * 3600


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


# --------------------------------------------------------------------------- runs


def active_run(db: Database, now: dt.datetime | None = None) -> RetrainRun | None:
    """The run under way (``queued``/``running``, started less than ``RUN_STALE_AFTER`` ago), if any:
    the rule the retrain API, the job starter, the CLI and the models page share."""
    now = now or utcnow()
    with session_scope(db) as s:
        run = s.scalars(select(RetrainRun).where(RetrainRun.status.in_(ACTIVE_STATUSES))
                        .order_by(RetrainRun.id.desc())).first()
    if run is None or (now - _aware(run.started_at)).total_seconds() >= RUN_STALE_AFTER:
        return None
    return run


def start_run(db: Database, started_by: str, options: dict[str, Any], status: str = RunStatus.RUNNING) -> int:
    """Record a new ``RetrainRun`` (``queued`` for a background job, else ``running``); returns its id.

    Raises ``Conflict`` (field ``run``, ``run_id`` of the active one) when another run is under way,
    also when two starts race (the database's unique index decides). Stale active runs are ended
    as ``failed`` first."""
    if status not in ACTIVE_STATUSES:
        raise ValueError(f"a run starts queued or running, not {status!r}")
    cutoff = utcnow() - dt.timedelta(seconds=RUN_STALE_AFTER)
    with session_scope(db) as s:
        s.execute(update(RetrainRun).where(RetrainRun.status.in_(ACTIVE_STATUSES), RetrainRun.started_at < cutoff)
                  .values(status=RunStatus.FAILED, finished_at=utcnow(),
                          summary={"error": "stale: no outcome within RUN_STALE_AFTER (its process died?)"}))
    try:
        with session_scope(db) as s:
            run = RetrainRun(status=str(status), started_by=started_by[:255],
                             progress={"stage": str(status), "percent": 0.0, "options": options})
            s.add(run)
            s.flush()
            return int(run.id)
    except IntegrityError:
        running = active_run(db)
        rid = running.id if running is not None else None
        raise Conflict(f"retrain run {rid} is already {running.status if running else 'active'}; follow it at "
                       f"/api/v1/admin/retrain/{rid}", field="run", fields={"run_id": rid}) from None


def finish_run(db: Database, run_id: int, status: str, **values: Any) -> None:
    """Set a run's outcome (a ``training.ports.RunStatus``) and ``finished_at``."""
    status = RunStatus(status)
    with session_scope(db) as s:
        run = s.get(RetrainRun, run_id)
        run.status = str(status)
        run.finished_at = utcnow()
        for k, v in values.items():
            setattr(run, k, v)


@dataclass
class DatabaseRuns:
    """``training.ports.RunRecorder`` on the ``retrain_runs`` table."""

    db: Database

    def start(self, started_by: str, options: dict[str, Any], status: RunStatus = RunStatus.RUNNING) -> int:
        return start_run(self.db, started_by, options, status)

    def progress(self, run_id: int, progress: dict[str, Any]) -> None:
        with session_scope(self.db) as s:
            run = s.get(RetrainRun, run_id)
            run.status = str(RunStatus.RUNNING)
            run.progress = progress

    def finish(self, run_id: int, status: RunStatus, **values: Any) -> None:
        finish_run(self.db, run_id, status, **values)


# --------------------------------------------------------------------------- feedback


def load_feedback(db: Database, since: dt.datetime | None = None) -> pd.DataFrame:
    """Labelled comments from the database, for training (``training.ports.FeedbackSource.load``).

    Every ``labels`` row (one per comment; the newest report already won there) whose comment is
    not ``is_test``; with ``since``, only labels set (``updated_at``) at or after it.

    Returns:
        Comment frame (:data:`models.comment.FEATURE_COLUMNS`) plus ``label`` (0 ham / 1 spam),
        ``dataset`` (``"feedback"``), ``labelled_at`` (UTC timestamps), ``comment_id``,
        ``site_id`` and ``source`` (``moderator`` | ``akismet`` | ``api``), oldest label first.
    """
    cols = [getattr(Comment, c) for c in FEATURE_COLUMNS]
    stmt = (select(*cols, Comment.id, Comment.site_id, Label.label, Label.updated_at, Label.source)
            .join(Label, Label.comment_id == Comment.id)
            .where(Comment.is_test.is_(False)))
    if since is not None:
        stmt = stmt.where(Label.updated_at >= _aware(since))
    with session_scope(db) as s:
        rows = s.execute(stmt).all()
    records = [dict(zip([*FEATURE_COLUMNS, "comment_id", "site_id", "label", "labelled_at", "source"], r))
               for r in rows]
    frame = to_frame(records)
    frame["label"] = np.array([1 if r["label"] == "spam" else 0 for r in records], dtype=int)
    frame["dataset"] = FEEDBACK_DATASET
    frame["labelled_at"] = pd.to_datetime([_aware(r["labelled_at"]) for r in records], utc=True)
    frame["comment_id"] = [r["comment_id"] for r in records]
    frame["site_id"] = [int(r["site_id"]) for r in records]
    frame["source"] = [r["source"] for r in records]
    return frame.sort_values(["labelled_at", "comment_id"], kind="stable").reset_index(drop=True)


@dataclass
class DatabaseFeedback:
    """``training.ports.FeedbackSource`` on the ``labels`` table."""

    db: Database

    def load(self, since: dt.datetime | None = None) -> pd.DataFrame:
        return load_feedback(self.db, since)


# --------------------------------------------------------------------------- models


@dataclass
class PublishedModels:
    """``training.ports.ModelStore``: the database's versions (the trusted record) and Redis."""

    db: Database
    registry: ModelRegistry | None

    def current(self) -> SpamClassifier | None:
        row = versions.current(self.db)
        return artifact.loads(row.artifact, expected_sha256=row.sha256) if row is not None else None

    def has(self, version: str) -> bool:
        return versions.get(self.db, version) is not None

    def publish(self, version: str, blob: bytes, metadata: dict[str, Any], *, published_by: str,
                report_path: str = "", make_current: bool = True) -> bool:
        versions.publish(self.db, self.registry, version, blob, metadata, published_by=published_by,
                         report_path=report_path or None, make_current=make_current)
        return self.registry is not None


def for_database(db: Database, registry: ModelRegistry | None) -> RetrainPorts:
    """The ports of one retrain on ``db``; ``registry`` ``None`` when Redis is unreachable (versions
    are then recorded in the database only; workers pick them up when Redis is back)."""
    return RetrainPorts(DatabaseFeedback(db), PublishedModels(db, registry), DatabaseRuns(db))


def retrain(db: Database, registry: ModelRegistry | None, options: Any, report_root: Path | str,
            run_id: int | None = None, progress: bool = True) -> Any:
    """``training.retrain.retrain`` on this database and Redis (see there for ``options`` and the result)."""
    from training.retrain import retrain as run

    return run(for_database(db, registry), options, report_root, run_id=run_id, progress=progress)
