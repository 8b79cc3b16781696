"""What retraining needs from the rest of Saring, as ``typing.Protocol`` s: ``training`` never
imports ``service``; the service implements these ports (``service.retraining.ports``) and
passes them in.

* ``FeedbackSource``: the labelled comments (moderator actions, submit-spam/ham) as a frame;
* ``ModelStore``: the current model, and publishing a new version (database first, then Redis);
* ``RunRecorder``: the ``RetrainRun`` record (start, progress, outcome) admins watch.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # light to import: service.vocab uses RunStatus
    import pandas as pd

    from models.classifier import SpamClassifier


class RunStatus(StrEnum):
    """Status of a retrain run: waiting for a worker, working, and the four outcomes."""

    QUEUED = "queued"
    RUNNING = "running"
    PUBLISHED = "published"
    REFUSED = "refused"
    FAILED = "failed"
    DRY_RUN = "dry-run"


#: Statuses of a run that has not ended.
ACTIVE_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


def utc_now_iso() -> str:
    """Now, UTC, ISO 8601 with its offset."""
    return dt.datetime.now(dt.timezone.utc).isoformat()


class FeedbackSource(Protocol):
    def load(self, since: dt.datetime | None = None) -> pd.DataFrame:
        """Labelled comments, oldest label first: ``models.comment.FEATURE_COLUMNS`` plus ``label``
        (0 ham / 1 spam), ``dataset`` (``"feedback"``), ``labelled_at`` (UTC timestamps),
        ``comment_id``, ``site_id``, ``source``; with ``since``, labels set at or after it."""
        ...


class ModelStore(Protocol):
    def current(self) -> SpamClassifier | None:
        """The current model from the trusted record (``None``: the shipped default applies)."""
        ...

    def has(self, version: str) -> bool:
        """Whether ``version`` is recorded (so that it can be rolled back to)."""
        ...

    def publish(self, version: str, blob: bytes, metadata: dict[str, Any], *, published_by: str,
                report_path: str = "", make_current: bool = True) -> bool:
        """Record the version and (with ``make_current``) make it current. Returns whether Redis,
        where workers load it from, was reached (``False``: recorded in the database only)."""
        ...


class RunRecorder(Protocol):
    def start(self, started_by: str, options: dict[str, Any], status: RunStatus = RunStatus.RUNNING) -> int:
        """Record a new run; returns its id. Raises when another run is active."""
        ...

    def progress(self, run_id: int, progress: dict[str, Any]) -> None:
        """Store the run's progress (stage, percent, …) and mark it running."""
        ...

    def finish(self, run_id: int, status: RunStatus, **values: Any) -> None:
        """Store the run's outcome (``summary``, ``candidate_version``, ``report_path``, ``progress``)."""
        ...


@dataclass(frozen=True)
class RetrainPorts:
    """The three ports one retrain uses."""

    feedback: FeedbackSource
    models: ModelStore
    runs: RunRecorder
