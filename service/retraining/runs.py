"""Reading retrain runs for the admin API and the models page (plain Python, no Flask).

* ``get_run`` / ``recent_runs``: one run, the latest runs;
* ``active_run``: THE rule for "a retrain is under way" (blocks a new one; shown on the models
  page): ``service.retraining.ports.active_run``;
* ``is_unfinished``: a run without an outcome yet (its page refreshes itself, no report yet);
* ``report_run`` / ``report_folder``: a model's run report, and the folder a report file is
  served from (only ``REPORT_SUFFIXES``).

Runs are written through ``service.retraining.ports`` (start, progress, finish) by ``training.retrain``
and ``service.retraining.jobs``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import NotFound
from service.store.db import Database
from service.store.tables import RetrainRun

#: Statuses of a run that has no outcome yet.
UNFINISHED = ("queued", "running")
#: Files of a run's report folder that may be served, by suffix.
REPORT_SUFFIXES = frozenset({".html", ".png", ".json"})


def get_run(session: Session, run_id: int) -> RetrainRun:
    """The run with this id. Raises ``NotFound`` (field ``run_id``)."""
    run = session.get(RetrainRun, run_id)
    if run is None:
        raise NotFound(f"no retrain run {run_id}", field="run_id")
    return run


def recent_runs(session: Session, limit: int) -> list[RetrainRun]:
    """The latest ``limit`` runs, newest first."""
    return list(session.scalars(select(RetrainRun).order_by(RetrainRun.id.desc()).limit(limit)))


def active_run(db: Database) -> RetrainRun | None:
    """The run under way, if any: the one rule the retrain API, the job starter and the models
    page share (``service.retraining.ports.active_run``)."""
    from service.retraining.ports import active_run as ports_active_run

    return ports_active_run(db)


def is_unfinished(run: RetrainRun) -> bool:
    """Whether ``run`` has no outcome yet (``queued`` or ``running``)."""
    return run.status in UNFINISHED


def report_run(session: Session, meta: dict[str, Any] | None) -> RetrainRun | None:
    """The retrain run named by a model version's metadata (``retrain_run_id``) when it has a
    report, else ``None`` (the shipped model, or a run whose report is gone)."""
    run_id = (meta or {}).get("retrain_run_id")
    if run_id is None:
        return None
    run = session.get(RetrainRun, int(run_id))
    if run is None or not run.report_path:
        return None
    return run


def report_folder(session: Session, run_id: int, name: str) -> Path:
    """The folder from which file ``name`` of run ``run_id``'s report is served.

    Raises ``NotFound`` when the run is unknown, has no report, or ``name`` is not a report file
    (suffix outside ``REPORT_SUFFIXES``). The caller serves ``name`` from that folder safely
    (``flask.send_from_directory`` refuses paths leaving it).
    """
    run = session.get(RetrainRun, run_id)
    if run is None or not run.report_path or Path(name).suffix not in REPORT_SUFFIXES:
        raise NotFound(f"no report file {name!r} for retrain run {run_id}", field="name")
    return Path(run.report_path).parent
