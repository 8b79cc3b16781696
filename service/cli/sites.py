"""``saring sites list|set-callback|thresholds``: a site's callback URL and thresholds.

The rules live in ``service.accounts.sites`` (lookup, thresholds) and ``service.webhooks.outbox``
(callback URL and secret).
"""
from __future__ import annotations

import click

from service.cli.context import CliContext, fail, pass_cli
from service.errors import SaringError


def _find_site(session, url: str):
    """The site registered under ``url``; a click error naming `saring keys create` otherwise."""
    from service.accounts.sites import find_site

    site = find_site(session, url)
    if site is None:
        raise click.ClickException(f"no site {url!r}: create it with `saring keys create --site {url}`")
    return site


def _threshold_text(value: float | None, default: str) -> str:
    return str(value) if value is not None else default


@click.group()
def sites() -> None:
    """Sites: list, callback URL for decisions, thresholds."""


@sites.command("list")
@pass_cli
def sites_list(cli: CliContext) -> None:
    """List sites with their thresholds and callback URL."""
    from service.accounts.sites import list_sites
    from service.store.db import session_scope

    with session_scope(cli.database) as s:
        rows = list_sites(s)
        for site in rows:
            th = (f"hold {_threshold_text(site.hold_threshold, 'model')}, "
                  f"reject {_threshold_text(site.reject_threshold, 'model')}")
            click.echo(f"{site.id:>4}  {site.url:<40}  {th}  callback: {site.callback_url or '-'}")
        if not rows:
            click.echo("no sites yet: saring keys create --site URL")


@sites.command("set-callback")
@click.option("--site", "site_url", required=True, help="the site's URL")
@click.option("--url", "callback_url", default=None, help="where moderator decisions are POSTed")
@click.option("--secret", default=None, help="HMAC secret (default: keep the current one or generate)")
@click.option("--clear", is_flag=True, help="stop sending decisions to this site")
@pass_cli
def sites_set_callback(cli: CliContext, site_url: str, callback_url: str | None, secret: str | None,
                       clear: bool) -> None:
    """Register the URL that receives each moderator decision (signed JSON POST).
    The last line printed is the signing secret."""
    from service.store.db import session_scope
    from service.webhooks import outbox as webhooks

    if not clear and not callback_url:
        raise click.UsageError("give --url CALLBACK or --clear")
    try:
        with session_scope(cli.database) as s:
            site = _find_site(s, site_url)
            in_force = webhooks.set_callback(s, site, None if clear else callback_url, secret,
                                             allow_internal=cli.settings.webhook_allow_internal)
            url = site.url
    except SaringError as exc:
        raise fail(exc) from None
    if clear:
        click.echo(f"{url}: callback removed")
        return
    click.echo(f"{url}: decisions go to {callback_url}, signed with HMAC-SHA256 in "
               f"{webhooks.SIGNATURE_HEADER}: sha256=<hex>. Secret:")
    click.echo(in_force)


@sites.command("thresholds")
@click.option("--site", "site_url", required=True)
@click.option("--hold", type=float, default=None, help="hold at spam_score ≥ this")
@click.option("--reject", type=float, default=None, help="reject at spam_score ≥ this")
@click.option("--model-default", is_flag=True, help="use the model's validated thresholds again")
@pass_cli
def sites_thresholds(cli: CliContext, site_url: str, hold: float | None, reject: float | None,
                     model_default: bool) -> None:
    """Set the site's own hold / reject thresholds (0 ≤ hold ≤ reject ≤ 1)."""
    from service.accounts import sites as sites_mod
    from service.store.db import session_scope

    try:
        with session_scope(cli.database) as s:
            site = _find_site(s, site_url)
            if model_default:
                sites_mod.clear_thresholds(s, site)
            else:
                sites_mod.set_thresholds(s, site, hold, reject)
            click.echo(f"{site.url}: hold {_threshold_text(site.hold_threshold, 'model default')}, "
                       f"reject {_threshold_text(site.reject_threshold, 'model default')}")
    except sites_mod.IncompleteThresholds:
        raise click.UsageError("give both --hold and --reject the first time") from None
    except SaringError as exc:
        if exc.field == "thresholds":
            raise click.BadParameter(exc.message, param_hint="--hold/--reject") from None
        raise fail(exc) from None
