"""``saring webhooks list|sweep|retry``: deliveries of moderator decisions to the sites' callback URLs."""
from __future__ import annotations

import click

from service.cli.context import CliContext, fail, pass_cli
from service.errors import SaringError


@click.group()
def webhooks() -> None:
    """Deliveries of moderator decisions to the sites' callback URLs."""


@webhooks.command("list")
@click.option("--status", type=click.Choice(["pending", "delivered", "failed"]), default=None)
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@pass_cli
def webhooks_list(cli: CliContext, status: str | None, limit: int) -> None:
    """The latest deliveries: id, status, attempts, comment, action, last error."""
    from service.webhooks.outbox import latest_deliveries

    with cli.database.session() as s:
        rows = latest_deliveries(s, status, limit)
        for d in rows:
            click.echo(f"{d.id:>6}  {d.status:<9}  attempts {d.attempts:<2}  {d.comment_id}  "
                       f"{d.payload.get('action', ''):<7} → {d.payload.get('status', ''):<9}  {d.last_error}")
        if not rows:
            click.echo("no deliveries")


@webhooks.command("sweep")
@pass_cli
def webhooks_sweep(cli: CliContext) -> None:
    """Enqueue every pending delivery that has no job (e.g. Redis was down when it was recorded)."""
    from service.infra.jobs import JobQueue
    from service.webhooks import outbox

    rt = cli.runtime
    with rt.db.session() as s:
        n = outbox.sweep(s, JobQueue(rt.redis, rt.keys), min_age_seconds=0)
    click.echo(f"enqueued {n} pending deliveries")


@webhooks.command("retry")
@click.option("--site", "site_url", default=None, help="only this site's failed deliveries")
@pass_cli
def webhooks_retry(cli: CliContext, site_url: str | None) -> None:
    """Send failed deliveries again (after fixing the site's endpoint)."""
    from service.accounts.sites import find_site
    from service.infra.jobs import JobQueue
    from service.webhooks import outbox

    rt = cli.runtime
    with rt.db.session() as s:
        site = None
        if site_url:
            try:
                site = find_site(s, site_url)
            except SaringError as exc:
                raise fail(exc) from None
            if site is None:
                raise click.ClickException(f"no site {site_url!r}")
        n = outbox.retry_failed(s, JobQueue(rt.redis, rt.keys), site)
    click.echo(f"{n} failed deliveries queued again")
