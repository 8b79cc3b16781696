"""``saring worker`` (the RQ worker of our queue) and ``saring webhooks …`` (list, sweep, retry).

Registered on the ``saring`` group by ``service.cli``.
"""
from __future__ import annotations

import logging
import threading

import click

log = logging.getLogger(__name__)


def _runtime():
    from service.cli import settings
    from service.runtime import Runtime

    rt = Runtime.create(settings(), load_model=False)
    rt.db.upgrade()
    return rt


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


def register(main: click.Group) -> None:
    """Add ``worker`` and the ``webhooks`` group to ``main``."""

    @main.command()
    @click.option("--burst", is_flag=True, help="run the jobs queued now, then exit")
    @click.option("--sweep-every", default=60.0, show_default=True, type=float,
                  help="seconds between sweeps for pending webhook deliveries without a job")
    def worker(burst: bool, sweep_every: float) -> None:
        """Run background jobs (webhook deliveries with retries) from the Redis queue.

        Uses REDIS_URL (or the embedded Redis of `saring serve` under SARING_HOME) and DATABASE_URL.
        """
        import redis
        from rq import SimpleWorker

        from service.infra import jobs as jobs_mod
        from service.webhooks import outbox as webhooks

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        rt = _runtime()
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
            rt.close()

    @main.group()
    def webhooks() -> None:
        """Deliveries of moderator decisions to the sites' callback URLs."""

    @webhooks.command("list")
    @click.option("--status", type=click.Choice(["pending", "delivered", "failed"]), default=None)
    @click.option("--limit", default=50, show_default=True, type=int)
    def webhooks_list(status: str | None, limit: int) -> None:
        """The latest deliveries: id, status, attempts, comment, action, last error."""
        from sqlalchemy import select

        from service.store.tables import WebhookDelivery

        rt = _runtime()
        try:
            with rt.db.session() as s:
                stmt = select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(limit)
                if status:
                    stmt = stmt.where(WebhookDelivery.status == status)
                rows = list(s.scalars(stmt))
                for d in rows:
                    click.echo(f"{d.id:>6}  {d.status:<9}  attempts {d.attempts:<2}  {d.comment_id}  "
                               f"{d.payload.get('action', ''):<7} → {d.payload.get('status', ''):<9}  {d.last_error}")
                if not rows:
                    click.echo("no deliveries")
        finally:
            rt.close()

    @webhooks.command("sweep")
    def webhooks_sweep() -> None:
        """Enqueue every pending delivery that has no job (e.g. Redis was down when it was recorded)."""
        from service.webhooks import outbox as webhooks_mod
        from service.infra.jobs import JobQueue

        rt = _runtime()
        try:
            with rt.db.session() as s:
                n = webhooks_mod.sweep(s, JobQueue(rt.redis, rt.keys), min_age_seconds=0)
        finally:
            rt.close()
        click.echo(f"enqueued {n} pending deliveries")

    @webhooks.command("retry")
    @click.option("--site", "site_url", default=None, help="only this site's failed deliveries")
    def webhooks_retry(site_url: str | None) -> None:
        """Send failed deliveries again (after fixing the site's endpoint)."""
        from sqlalchemy import select

        from service.webhooks import outbox as webhooks_mod
        from service.infra.jobs import JobQueue
        from service.accounts.sites import normalize_site_url
        from service.store.tables import Site

        rt = _runtime()
        try:
            with rt.db.session() as s:
                site = None
                if site_url:
                    site = s.scalar(select(Site).where(Site.url == normalize_site_url(site_url)))
                    if site is None:
                        raise click.ClickException(f"no site {site_url!r}")
                n = webhooks_mod.retry_failed(s, JobQueue(rt.redis, rt.keys), site)
        finally:
            rt.close()
        click.echo(f"{n} failed deliveries queued again")
