"""service.retraining.jobs: a run whose job is lost does not block later retrains (issue 11, defect 6)."""
from __future__ import annotations

import datetime as dt

import pytest

from service.errors import Conflict
from service.infra.jobs import JobQueue
from service.infra.redis_conn import connect
from service.infra.redis_keys import RedisKeys
from service.retraining import jobs as retrain_jobs
from service.retraining.ports import active_run
from service.store.db import session_scope
from service.store.tables import RetrainRun


@pytest.fixture
def queue(redis_url, redis_prefix):
    client = connect(redis_url)
    yield JobQueue(client, RedisKeys(redis_prefix))
    client.close()


def _age(db, run_id: int, seconds: float) -> None:
    with session_scope(db) as s:
        s.get(RetrainRun, run_id).started_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=seconds)


def test_a_queued_run_whose_job_vanished_is_failed_and_a_new_one_starts(clean_db, queue):
    first = retrain_jobs.enqueue_retrain(clean_db, queue, "admin:a")
    with pytest.raises(Conflict):  # its job is in Redis: a real conflict
        retrain_jobs.enqueue_retrain(clean_db, queue, "admin:b")
    queue.queue.connection.delete(f"rq:job:{retrain_jobs.retrain_job_id(queue.queue.name, first)}")
    with pytest.raises(Conflict):  # just enqueued: within the grace period
        retrain_jobs.enqueue_retrain(clean_db, queue, "admin:b")
    _age(clean_db, first, retrain_jobs.ENQUEUE_GRACE_SECONDS + 1)
    second = retrain_jobs.enqueue_retrain(clean_db, queue, "admin:b")
    assert second > first and active_run(clean_db).id == second
    with session_scope(clean_db) as s:
        lost = s.get(RetrainRun, first)
        assert lost.status == "failed" and "no longer in Redis" in lost.summary["error"]


def test_a_run_whose_job_failed_without_an_outcome_is_failed(clean_db, queue):
    from rq.job import Job

    first = retrain_jobs.enqueue_retrain(clean_db, queue, "admin:a")
    job = Job.fetch(retrain_jobs.retrain_job_id(queue.queue.name, first), connection=queue.queue.connection)
    job.set_status("failed")  # as RQ leaves a job whose worker was killed
    assert retrain_jobs.enqueue_retrain(clean_db, queue, "admin:b") > first
    with session_scope(clean_db) as s:
        assert "ended as failed" in s.get(RetrainRun, first).summary["error"]
