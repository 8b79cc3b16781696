"""``saring worker``: the RQ worker of our queue (webhook deliveries, background retrains), after
the migrations, with a sweeper that re-enqueues pending webhook deliveries that have no job."""
from __future__ import annotations

import logging
import threading

import click

from service.cli.context import CliContext, pass_cli

log = logging.getLogger(__name__)


def _sweep_loop(rt, jobs, every: float, stop: threading.Event) -> None:
    """Every ``every`` seconds, enqueue pending webhook deliveries that have no job (until ``stop``)."""
    from service.webhooks import outbox as webhooks

    while not stop.wait(every):
        try:
            with rt.db.session() as s:
                n = webhooks.sweep(s, jobs)
            if n:
                log.info("sweeper: re-enqueued %d pending webhook deliveries", n)
        except Exception:  # noqa: BLE001 - the sweeper must outlive a database hiccup
            log.exception("webhook sweeper failed; trying again in %ss", every)


@click.command()
@click.option("--burst", is_flag=True, help="run the jobs queued now, then exit")
@click.option("--sweep-every", default=60.0, show_default=True, type=float,
              help="seconds between sweeps for pending webhook deliveries without a job")
@pass_cli
def worker(cli: CliContext, burst: bool, sweep_every: float) -> None:
    """Run background jobs (webhook deliveries with retries) from the Redis queue.

    Uses REDIS_URL (or the embedded Redis of `saring serve` under SARING_HOME) and DATABASE_URL.
    """
    import redis
    from rq import SimpleWorker

    from service.infra import jobs as jobs_mod
    from service.webhooks import outbox as webhooks

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    cli.upgrade()
    rt = cli.runtime
    jobs_mod.configure(rt.db)
    queue = jobs_mod.JobQueue(rt.redis, rt.keys)
    # A connection without the service's short socket timeouts: the worker blocks on the queue.
    conn = redis.Redis.from_url(rt.redis_url)
    click.echo(f"worker on queue {rt.keys.queue_name!r} at {rt.redis_url}; database {rt.db.url.split('@')[-1]}")
    with rt.db.session() as s:
        n = webhooks.sweep(s, queue, min_age_seconds=0)
    if n:
        click.echo(f"re-enqueued {n} pending webhook deliveries")
    stop = threading.Event()
    sweeper = None
    if not burst:
        sweeper = threading.Thread(target=_sweep_loop, args=(rt, queue, sweep_every, stop), daemon=True,
                                   name="webhook-sweeper")
        sweeper.start()
    try:
        # SimpleWorker runs jobs in this process (no fork), so the database pool is never shared
        # across a fork; webhook jobs are short HTTP calls.
        SimpleWorker([rt.keys.queue_name], connection=conn).work(burst=burst, with_scheduler=True)
    finally:
        stop.set()
        if sweeper is not None:
            sweeper.join(timeout=5)
        cli.close()
