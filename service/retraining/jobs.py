"""Retraining in the background: an RQ job on the project's queue (``service.infra.jobs``), started from
the admin API or the moderators' web page, run by ``saring worker``.

The run is recorded (``RetrainRun``, status ``queued``) before the job is enqueued, so the caller
gets its id at once and can follow ``RetrainRun.progress`` (stage, step, percent), which the job
updates per stage; at the end the run holds its outcome, summary and the report folder.

Plain Python, no Flask.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

import redis

from service.infra import metrics
from service.errors import Conflict, ServiceUnavailable
from service.infra.jobs import JobQueue
from service.retraining.ports import active_run, finish_run, retrain, start_run
from service.store.db import Database

log = logging.getLogger(__name__)

#: Longest a retrain job may run (seconds) before RQ stops it.
RETRAIN_JOB_TIMEOUT = 3600
#: How long RQ keeps a finished / failed retrain job's record (seconds); the run row stays forever.
RESULT_TTL = 7 * 24 * 3600


def retrain_job_id(queue_name: str, run_id: int) -> str:
    """The RQ job id of one run (RQ job ids are global to a Redis server: it carries the queue name)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", queue_name) + f"-retrain-{run_id}"


def enqueue_retrain(db: Database, jobs: JobQueue, started_by: str, since: dt.datetime | None = None,
                    force: bool = False, dry_run: bool = False) -> int:
    """Record a ``queued`` retrain run and enqueue its job. Returns the run id.

    Raises ``Conflict`` (409) when a run is already queued or running (the message names it), and
    ``ServiceUnavailable`` (503) when Redis is unreachable (logged and counted; the run is then
    recorded as ``failed``: nothing will pick it up).
    """

    running = active_run(db)
    if running is not None and _job_lost(db, jobs, running):
        running = active_run(db)
    if running is not None:
        raise Conflict(f"retrain run {running.id} is already {running.status}; follow it at "
                       f"/api/v1/admin/retrain/{running.id}", field="run", fields={"run_id": running.id})
    options: dict[str, Any] = {"since": since.isoformat() if since else None, "force": force, "dry_run": dry_run}
    run_id = start_run(db, started_by, options, status="queued")
    try:
        jobs.queue.enqueue_call(
            "service.retraining.jobs.run_retrain", args=(run_id,), kwargs=options,
            job_id=retrain_job_id(jobs.queue.name, run_id), timeout=RETRAIN_JOB_TIMEOUT,
            result_ttl=RESULT_TTL, failure_ttl=RESULT_TTL, description=f"retrain run {run_id}")
    except redis.RedisError as exc:
        metrics.REDIS_ERRORS.labels("enqueue").inc()
        log.warning("could not enqueue retrain run %s: %s", run_id, exc)
        finish_run(db, run_id, "failed", summary={"error": f"job queue unreachable: {exc}"})
        raise ServiceUnavailable("the job queue (Redis) is unreachable: the retrain was not started; "
                                 "try again, or run `saring retrain` on a server") from None
    return run_id


#: A queued run whose job is not in Redis yet is given this long (seconds) before it counts as lost
#: (the run row is written just before its job is enqueued).
ENQUEUE_GRACE_SECONDS = 30.0
#: RQ job states in which the job will never finish its run.
_DEAD_JOB_STATES = ("failed", "stopped", "canceled")


def _job_lost(db: Database, jobs: JobQueue, run: Any) -> bool:
    """Mark ``run`` (queued or running) ``failed`` and return ``True`` when its RQ job will never
    finish it: the job vanished from Redis (Redis restarted without its data, or was flushed), or
    it failed / was stopped without recording an outcome (a worker killed mid-run). ``False`` when
    the job is alive, was enqueued less than ``ENQUEUE_GRACE_SECONDS`` ago, or Redis cannot tell."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    try:
        job = Job.fetch(retrain_job_id(jobs.queue.name, run.id), connection=jobs.queue.connection)
        status = job.get_status(refresh=True)
        state = str(getattr(status, "value", status) or "")
        reason = f"its job ended as {state} without recording an outcome" if state in _DEAD_JOB_STATES else ""
    except NoSuchJobError:
        started = run.started_at if run.started_at.tzinfo else run.started_at.replace(tzinfo=dt.timezone.utc)
        age = (dt.datetime.now(dt.timezone.utc) - started).total_seconds()
        reason = "its job is no longer in Redis (restarted or flushed)" if age > ENQUEUE_GRACE_SECONDS else ""
    except redis.RedisError:
        return False
    if not reason:
        return False
    log.warning("retrain run %s (%s) marked failed: %s", run.id, run.status, reason)
    finish_run(db, run.id, "failed", summary={"error": f"run lost: {reason}"})
    return True


def run_retrain(run_id: int, since: str | None = None, force: bool = False, dry_run: bool = False) -> str:
    """The RQ job: run the recorded retrain ``run_id`` with the settings of this process's environment
    (the same as the web app's: ``DATABASE_URL``, ``REDIS_URL``, ``SARING_DATA_DIR`` ...).

    Returns the run's final status. Errors are recorded on the run (``failed``) and re-raised so
    RQ marks the job failed.
    """
    from service.config import Settings
    from service.runtime import Runtime
    from training.retrain import RetrainOptions

    settings = Settings.from_env()
    rt = Runtime.create(settings, load_model=False)
    try:
        options = RetrainOptions(
            data_dir=settings.data_dir, since=dt.datetime.fromisoformat(since) if since else None,
            force=force, dry_run=dry_run, quick=settings.retrain_quick, started_by=_started_by(rt.db, run_id))
        result = retrain(rt.db, rt.registry, options, settings.report_root, run_id=run_id, progress=False)
        log.info("retrain run %s: %s (candidate %s)", run_id, result.status, result.candidate_version)
        return result.status
    finally:
        rt.close()


def _started_by(db: Database, run_id: int) -> str:
    from service.store.db import session_scope
    from service.store.tables import RetrainRun

    with session_scope(db) as s:
        run = s.get(RetrainRun, run_id)
        if run is None:
            raise LookupError(f"retrain run {run_id} is not recorded")
        return run.started_by
