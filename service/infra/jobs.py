"""Background jobs on RQ, on the Redis of the runtime (queue name: ``RedisKeys.queue_name``).

Enqueueing fails open: when Redis is unreachable the error is logged and counted
(``saring_redis_errors_total{operation="enqueue"}``) and the work stays recorded in the database
(e.g. a ``pending`` webhook delivery), from where ``service.webhooks.outbox.sweep`` enqueues it again.
Jobs run in ``saring worker`` and find the database through ``database()``.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable

import redis
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from service.infra import metrics
from service.infra.redis_keys import RedisKeys
from service.store.db import Database

log = logging.getLogger(__name__)

#: Waits between delivery attempts (seconds): 10 s, 30 s, 1 min, 5 min, 15 min, 30 min, 1 h, 3 h,
#: 6 h, 12 h — eleven attempts over about 23 hours before a delivery is marked failed.
WEBHOOK_RETRY_INTERVALS: tuple[int, ...] = (10, 30, 60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600)
#: Longest one job may run (seconds).
JOB_TIMEOUT = 60
#: Job states in which a job will still run (so it must not be enqueued again).
LIVE_STATES = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}

_database: Database | None = None


def configure(db: Database) -> None:
    """Use ``db`` for jobs run in this process (``saring worker`` and tests call it)."""
    global _database
    _database = db


def database() -> Database:
    """The database jobs use: the configured one, else one built from the environment."""
    global _database
    if _database is None:
        from service.config import Settings

        settings = Settings.from_env()
        _database = Database(settings.database_url, settings.api_key_secret)
    return _database


def webhook_job_id(queue_name: str, delivery_id: int) -> str:
    """The RQ job id of one webhook delivery (one live job per delivery). RQ job ids are global to
    the Redis server, so they carry the queue name (which carries ``SARING_REDIS_PREFIX``): two
    Saring installations on one Redis never mistake each other's deliveries for their own."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", queue_name) + f"-webhook-{delivery_id}"


class JobQueue:
    """The RQ queue of one process.

    Args:
        client: a Redis client with ``decode_responses=False`` (RQ stores bytes).
        keys: key names (gives the queue name).
        retry_intervals: waits between webhook attempts (seconds); tests shorten them.
    """

    def __init__(self, client: redis.Redis, keys: RedisKeys,
                 retry_intervals: Iterable[int] = WEBHOOK_RETRY_INTERVALS) -> None:
        self.client = client
        self.queue = Queue(keys.queue_name, connection=client)
        self.retry_intervals = list(retry_intervals)

    def enqueue_deliveries(self, delivery_ids: Iterable[int]) -> int:
        """Enqueue ``service.webhooks.outbox.deliver`` for each delivery that has no live job yet.

        Returns how many were enqueued. Never raises for Redis errors (fail open: logged,
        counted, the rows stay ``pending`` for the sweeper).
        """
        count = 0
        try:
            for delivery_id in delivery_ids:
                job_id = webhook_job_id(self.queue.name, delivery_id)
                if self._live(job_id):
                    continue
                self.queue.enqueue_call(
                    "service.webhooks.outbox.deliver", args=(delivery_id,), job_id=job_id, timeout=JOB_TIMEOUT,
                    retry=Retry(max=len(self.retry_intervals), interval=self.retry_intervals),
                    result_ttl=24 * 3600, failure_ttl=7 * 24 * 3600,
                    description=f"webhook delivery {delivery_id}")
                count += 1
        except redis.RedisError as exc:
            metrics.REDIS_ERRORS.labels("enqueue").inc()
            log.warning("could not enqueue webhook deliveries (they stay pending for the sweeper): %s", exc)
        return count

    def _live(self, job_id: str) -> bool:
        try:
            job = Job.fetch(job_id, connection=self.client)
        except NoSuchJobError:
            return False
        status = job.get_status(refresh=False)
        if status in LIVE_STATES:
            return True
        job.delete()  # finished / failed / stopped: make room for a new job with this id
        return False
