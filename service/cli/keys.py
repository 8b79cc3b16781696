"""``saring keys create|list|revoke``: sites' API keys (the rules live in ``service.accounts.sites``)."""
from __future__ import annotations

import click

from service.cli.context import CliContext, pass_cli
from service.errors import SaringError


@click.group()
def keys() -> None:
    """Sites and their API keys."""


@keys.command("create")
@click.option("--site", "site_url", required=True, help="the site's URL, e.g. https://news.example")
@click.option("--label", default="", help="a note shown in listings")
@pass_cli
def keys_create(cli: CliContext, site_url: str, label: str) -> None:
    """Register SITE (if new) and print a new API key (the last line of output is the key)."""
    from service.accounts import key_sites, sites
    from service.store.db import session_scope

    try:
        with session_scope(cli.database) as s:
            new = sites.create_key(s, site_url, label, actor="cli")
            earlier = [f"key {k.id} ({k.key_hint}…, site {k.site.url})" for k in key_sites.covering_keys(s, new.site_id)]
    except SaringError as exc:
        raise click.BadParameter(exc.message, param_hint=f"--{exc.field}" if exc.field == "label" else "--site") from None
    click.echo(f"Site {new.site_url} (id {new.site_id}); key id {new.key_id}. Keep the key: only its hash is stored.")
    if earlier:
        click.echo(f"Note: {new.site_url} was first named as a blog by {', '.join(earlier)}; now that it has a key "
                   "of its own that key no longer writes into it or reads it (see docs/akismet.md). Check who "
                   "moderates it: saring users list (saring users sites EMAIL --remove URL).")
    click.echo(new.key)


@keys.command("list")
@pass_cli
def keys_list(cli: CliContext) -> None:
    """List keys (id, hint, site, created, revoked) and the other sites each covers (a ``blog``
    first named by the key becomes a site it covers; see docs/akismet.md)."""
    from service.accounts import key_sites, sites
    from service.store.db import session_scope

    with session_scope(cli.database) as s:
        rows = sites.list_keys(s)
        for k in rows:
            state = f"revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "active"
            hint = k.key_hint + "*" * (sites.KEY_LENGTH - len(k.key_hint))
            click.echo(f"{k.id:>4}  {hint}  {k.site.url:<40}  {k.created_at:%Y-%m-%d}  {state}  {k.label}")
            covered = key_sites.covered_sites(s, k)
            if covered:
                click.echo(f"      also covers: {', '.join(site.url for site in covered)}")
        if not rows:
            click.echo("no keys yet: saring keys create --site URL")


@keys.command("rehash")
@pass_cli
def keys_rehash(cli: CliContext) -> None:
    """Re-store keys of the old plain-SHA-256 form as HMAC-SHA-256 under the server's
    api_key_secret (saring serve also does this at start; idempotent)."""
    from service.accounts import sites
    from service.store.db import session_scope

    with session_scope(cli.database) as s:
        n = sites.upgrade_key_hashes(s)
    click.echo(f"{n} key(s) re-stored as HMAC-SHA-256" if n else "every key is already stored as HMAC-SHA-256")


@keys.command("revoke")
@click.argument("key_or_id")
@pass_cli
def keys_revoke(cli: CliContext, key_or_id: str) -> None:
    """Revoke a key given by its id (see `keys list`) or the key itself."""
    from service.accounts import sites
    from service.store.db import session_scope

    try:
        with session_scope(cli.database) as s:
            row = sites.revoke_key(s, key_or_id, actor="cli")
            click.echo(f"key {row.id} ({row.key_hint}…) of {row.site.url} revoked")
    except SaringError as exc:
        raise click.ClickException(exc.message) from None
