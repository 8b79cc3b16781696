"""``saring sites list|set-callback|rotate-secret|thresholds|lists|learning|events``: a site's
callback URL, thresholds, lists and learning settings, and the audit log of their changes.

The rules live in ``service.accounts.sites`` (lookup, thresholds), ``service.webhooks.outbox``
(callback URL and secret) and ``service.learning``; each change is audited there (actor ``cli``).
"""
from __future__ import annotations

import click

from service.cli.context import CliContext, fail, pass_cli
from service.errors import SaringError

#: Who the audit log names for changes made on the command line.
ACTOR = "cli"


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
            if site.thresholds_by_lang:
                th += " (" + ", ".join(f"{lang}: {p['hold']}/{p['reject']}"
                                       for lang, p in sorted(site.thresholds_by_lang.items())) + ")"
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
                                             allow_internal=cli.settings.webhook_allow_internal, actor=ACTOR)
            url = site.url
    except SaringError as exc:
        raise fail(exc) from None
    if clear:
        click.echo(f"{url}: callback removed")
        return
    click.echo(f"{url}: decisions go to {callback_url}, signed with HMAC-SHA256 in "
               f"{webhooks.SIGNATURE_HEADER}: sha256=<hex>. Secret:")
    click.echo(in_force)


@sites.command("rotate-secret")
@click.option("--site", "site_url", required=True, help="the site's URL")
@pass_cli
def sites_rotate_secret(cli: CliContext, site_url: str) -> None:
    """Give the site a new callback signing secret (the last line printed); the old one stops
    verifying at once."""
    from service.store.db import session_scope
    from service.webhooks import outbox as webhooks

    try:
        with session_scope(cli.database) as s:
            site = _find_site(s, site_url)
            secret = webhooks.rotate_secret(s, site, actor=ACTOR)
            url = site.url
    except SaringError as exc:
        raise fail(exc) from None
    click.echo(f"{url}: new signing secret (the old one no longer verifies):")
    click.echo(secret)


@sites.command("events")
@click.option("--site", "site_url", required=True)
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@pass_cli
def sites_events(cli: CliContext, site_url: str, limit: int) -> None:
    """The audit log of the site's settings, newest first: when, who, what."""
    from service.store import site_audit
    from service.store.db import session_scope

    with session_scope(cli.database) as s:
        site = _find_site(s, site_url)
        rows = site_audit.events_of(s, site.id, limit=limit).events
        for e in rows:
            click.echo(f"{e.created_at:%Y-%m-%d %H:%M:%S}  {e.actor or '-':<24}  {site_audit.describe(e)}")
        if not rows:
            click.echo(f"{site.url}: no changes recorded")


@sites.command("thresholds")
@click.option("--site", "site_url", required=True)
@click.option("--hold", type=float, default=None, help="hold at spam_score ≥ this")
@click.option("--reject", type=float, default=None, help="reject at spam_score ≥ this")
@click.option("--lang", default=None, help="only for comments in this language (ISO 639 code: id, en, ...)")
@click.option("--model-default", is_flag=True, help="use the model's validated thresholds again")
@pass_cli
def sites_thresholds(cli: CliContext, site_url: str, hold: float | None, reject: float | None,
                     lang: str | None, model_default: bool) -> None:
    """Set the site's own hold / reject thresholds (0 ≤ hold ≤ reject ≤ 1), for every language or
    one (--lang); prints the thresholds in force per language afterwards. Without --hold, --reject
    or --model-default it only prints them."""
    from service.accounts import sites as sites_mod
    from service.serving import versions as model_versions
    from service.store.db import session_scope

    if model_default and (hold is not None or reject is not None):
        raise click.UsageError("--model-default returns to the model's thresholds: give it without --hold/--reject")
    try:
        with session_scope(cli.database) as s:
            site = _find_site(s, site_url)
            if model_default:
                sites_mod.clear_thresholds(s, site, lang, actor=ACTOR)
            elif hold is not None or reject is not None:
                sites_mod.set_thresholds(s, site, hold, reject, lang, actor=ACTOR)
            s.flush()
            version, meta = model_versions.current_metadata(cli.database)
            click.echo(f"{site.url}: thresholds in force (model {version}):")
            for row in sites_mod.thresholds_table(site, meta):
                own = (f"site {row.site_hold:.3f} / {row.site_reject:.3f}" if row.site_hold is not None
                       else "no site override")
                click.echo(f"  {row.lang or 'other':<6} hold {row.hold:.3f}  reject {row.reject:.3f}  "
                           f"[{row.source}]  model {row.model_hold:.3f} / {row.model_reject:.3f}, {own}")
    except sites_mod.IncompleteThresholds:
        raise click.UsageError("give both --hold and --reject the first time") from None
    except SaringError as exc:
        if exc.field in ("thresholds", "lang"):
            raise click.BadParameter(exc.message, param_hint="--lang" if exc.field == "lang" else "--hold/--reject") \
                from None
        raise fail(exc) from None


@sites.group("lists")
def sites_lists() -> None:
    """Allow and block lists of a site: words, link domains, e-mails, IPs, author names."""


def _entry_line(e) -> str:
    note = f"  # {e.note}" if e.note else ""
    return f"{e.id:>5}  {e.action:<6}  {e.kind:<6}  {e.value}{note}"


@sites_lists.command("show")
@click.option("--site", "site_url", required=True)
@pass_cli
def lists_show(cli: CliContext, site_url: str) -> None:
    """Print the site's entries: id, action, kind, value."""
    from service.learning import lists
    from service.store.db import session_scope

    with session_scope(cli.database) as s:
        site = _find_site(s, site_url)
        rows = lists.entries_of(s, site.id)
        for e in rows:
            click.echo(_entry_line(e))
        if not rows:
            click.echo(f"{site.url}: no list entries")


@sites_lists.command("add")
@click.option("--site", "site_url", required=True)
@click.option("--kind", type=click.Choice(["word", "domain", "email", "ip", "author"]), required=True)
@click.option("--value", required=True, help="word/phrase, domain, e-mail or domain, IP or CIDR, author name")
@click.option("--action", type=click.Choice(["accept", "hold", "reject"]), required=True)
@click.option("--note", default="", help="why (shown with the entry)")
@pass_cli
def lists_add(cli: CliContext, site_url: str, kind: str, value: str, action: str, note: str) -> None:
    """Add an entry (the same kind and value again changes its action)."""
    from service.learning import lists
    from service.store.db import session_scope

    try:
        with session_scope(cli.database) as s:
            site = _find_site(s, site_url)
            row = lists.add_entry(s, site.id, kind, value, action, note, created_by=ACTOR)
            click.echo(_entry_line(row))
    except SaringError as exc:
        if exc.field in ("value", "note"):
            raise click.BadParameter(exc.message, param_hint=f"--{exc.field}") from None
        raise fail(exc) from None


@sites_lists.command("remove")
@click.option("--site", "site_url", required=True)
@click.argument("entry_id", type=click.IntRange(1, 2**31 - 1))
@pass_cli
def lists_remove(cli: CliContext, site_url: str, entry_id: int) -> None:
    """Remove entry ENTRY_ID (see `show`)."""
    from service.learning import lists
    from service.store.db import session_scope

    try:
        with session_scope(cli.database) as s:
            site = _find_site(s, site_url)
            row = lists.remove_entry(s, site.id, entry_id, actor=ACTOR)
            click.echo(f"removed {_entry_line(row).strip()}")
    except SaringError as exc:
        raise fail(exc) from None


@sites.command("learning")
@click.option("--site", "site_url", required=True)
@click.option("--shadow/--no-shadow", default=None, help="shadow mode: answer accept, store the real decision")
@click.option("--languages", default=None, help="expected languages, comma separated (id,en); '' turns it off")
@click.option("--set", "assignments", multiple=True, metavar="NAME=VALUE",
              help="a site-learning setting (docs/site-learning.md); VALUE 'default' restores it")
@pass_cli
def sites_learning(cli: CliContext, site_url: str, shadow: bool | None, languages: str | None,
                   assignments: tuple[str, ...]) -> None:
    """Show or change a site's shadow mode, language policy and site-learning settings."""
    from service.learning import settings as learning
    from service.store.db import session_scope

    try:
        changes = {}
        for item in assignments:
            name, sep, value = item.partition("=")
            if not sep:
                raise click.BadParameter(f"{item!r} is not NAME=VALUE", param_hint="--set")
            changes[name.strip()] = learning.parse_value(name.strip(), value)
        langs = [c for c in (languages or "").replace(" ", ",").split(",") if c] if languages is not None else None
        with session_scope(cli.database) as s:
            site = _find_site(s, site_url)
            learning.configure_site(site, shadow, langs, changes, actor=ACTOR, session=s)
            d = learning.describe_site(site)
    except SaringError as exc:
        raise click.BadParameter(exc.message, param_hint=exc.field or "") from None
    click.echo(f"{d['site']}: shadow mode {'on' if d['shadow_mode'] else 'off'}, "
               f"languages {', '.join(d['languages']) or 'any'}")
    for name, value in d["settings"].items():
        mark = "  (site)" if name in d["overrides"] else ""
        click.echo(f"  {name} = {value}{mark}")
