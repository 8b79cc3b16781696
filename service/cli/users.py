"""``saring users …`` (moderators and admins) and ``saring sites …`` (callback URL, thresholds).

Registered on the ``saring`` group by ``service.cli``.
"""
from __future__ import annotations

import sys

import click

from service.errors import SaringError


def _session_scope():
    from service.cli import _database
    from service.store.db import session_scope

    return session_scope(_database())


def _read_password(confirm: bool = True) -> str:
    """Prompt (hidden, twice) on a terminal; otherwise read one line from stdin."""
    if sys.stdin is not None and sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=confirm)
    line = sys.stdin.readline() if sys.stdin is not None else ""
    return line.rstrip("\r\n")


def _fail(exc: SaringError) -> click.ClickException:
    hint = f" ({exc.field})" if exc.field else ""
    return click.ClickException(exc.message + hint)


def _find_site(session, url: str):
    from sqlalchemy import select

    from service.accounts.sites import normalize_site_url
    from service.store.tables import Site

    site = session.scalar(select(Site).where(Site.url == normalize_site_url(url)))
    if site is None:
        raise click.ClickException(f"no site {url!r}: create it with `saring keys create --site {url}`")
    return site


def register(main: click.Group) -> None:
    """Add the ``users`` and ``sites`` command groups to ``main``."""

    @main.group()
    def users() -> None:
        """Moderators and admins of the moderation page and queue API."""

    @users.command("create")
    @click.option("--email", required=True, help="sign-in e-mail")
    @click.option("--role", required=True, type=click.Choice(["admin", "moderator"]),
                  help="admin: every site; moderator: only the --site ones")
    @click.option("--site", "sites", multiple=True, help="a site this user moderates (repeatable)")
    def users_create(email: str, role: str, sites: tuple[str, ...]) -> None:
        """Create a user. The password is asked for (twice) on a terminal, or read from stdin:

        echo 'a long passphrase' | saring users create --email m@news.example --role moderator --site https://news.example
        """
        from service.accounts import users as users_mod

        password = _read_password()
        try:
            with _session_scope() as s:
                user = users_mod.create_user(s, email, password, role, sites)
                site_list = ", ".join(x.url for x in user.sites) or ("every site" if role == "admin" else "no site yet")
                click.echo(f"created {role} {user.email} (id {user.id}); sites: {site_list}")
        except SaringError as exc:
            raise _fail(exc) from None
        if role == "moderator" and not sites:
            click.echo("note: this moderator sees no comments until you add a site: saring users sites --email … --add URL")

    @users.command("list")
    def users_list() -> None:
        """List users: id, e-mail, role, active, API token, sites."""
        from service.accounts import users as users_mod

        with _session_scope() as s:
            rows = users_mod.list_users(s)
            for u in rows:
                sites_text = "every site" if u.role == "admin" else (", ".join(x.url for x in u.sites) or "-")
                click.echo(f"{u.id:>4}  {u.email:<32}  {u.role:<9}  {'active' if u.active else 'disabled':<8}  "
                           f"{'token' if u.api_token_hash else '-':<5}  {sites_text}")
            if not rows:
                click.echo("no users yet: saring users create --email E --role admin")

    @users.command("sites")
    @click.option("--email", required=True)
    @click.option("--add", "add", multiple=True, help="site URL to add (repeatable)")
    @click.option("--remove", "remove", multiple=True, help="site URL to remove (repeatable)")
    def users_sites(email: str, add: tuple[str, ...], remove: tuple[str, ...]) -> None:
        """Add or remove sites a moderator moderates."""
        from service.accounts import users as users_mod

        try:
            with _session_scope() as s:
                user = users_mod.get_user(s, email)
                users_mod.set_sites(s, user, add, add=True)
                users_mod.set_sites(s, user, remove, add=False)
                click.echo(f"{user.email}: " + (", ".join(x.url for x in user.sites) or "no sites"))
        except SaringError as exc:
            raise _fail(exc) from None

    @users.command("password")
    @click.option("--email", required=True)
    def users_password(email: str) -> None:
        """Set a new password (asked for, or read from stdin). Signs the user out everywhere."""
        from service.accounts import users as users_mod

        password = _read_password()
        try:
            with _session_scope() as s:
                users_mod.set_password(s, users_mod.get_user(s, email), password)
        except SaringError as exc:
            raise _fail(exc) from None
        click.echo(f"password of {email} changed")

    @users.command("disable")
    @click.option("--email", required=True)
    @click.option("--enable", is_flag=True, help="enable again instead")
    def users_disable(email: str, enable: bool) -> None:
        """Disable (or --enable) a user: a disabled user cannot sign in and their token stops working."""
        from service.accounts import users as users_mod

        try:
            with _session_scope() as s:
                user = users_mod.get_user(s, email)
                user.active = enable
        except SaringError as exc:
            raise _fail(exc) from None
        click.echo(f"{email} {'enabled' if enable else 'disabled'}")

    @users.command("token")
    @click.option("--email", required=True, help="an admin's e-mail")
    def users_token(email: str) -> None:
        """Create a new API token for an admin (replaces the old one). The last line is the token."""
        from service.accounts import users as users_mod

        try:
            with _session_scope() as s:
                token = users_mod.create_api_token(s, users_mod.get_user(s, email))
        except SaringError as exc:
            raise _fail(exc) from None
        click.echo("Use it as `Authorization: Bearer <token>` on /api/v1/queue. Only its hash is stored:")
        click.echo(token)

    sites_group = main.commands.get("sites")
    if not isinstance(sites_group, click.Group):
        @main.group("sites")
        def sites_group() -> None:
            """Sites: list, callback URL for decisions, thresholds."""

    @sites_group.command("list")
    def sites_list() -> None:
        """List sites with their thresholds and callback URL."""
        from sqlalchemy import select

        from service.store.tables import Site

        with _session_scope() as s:
            rows = list(s.scalars(select(Site).order_by(Site.id)))
            for site in rows:
                th = (f"hold {site.hold_threshold if site.hold_threshold is not None else 'model'}, "
                      f"reject {site.reject_threshold if site.reject_threshold is not None else 'model'}")
                click.echo(f"{site.id:>4}  {site.url:<40}  {th}  callback: {site.callback_url or '-'}")
            if not rows:
                click.echo("no sites yet: saring keys create --site URL")

    @sites_group.command("set-callback")
    @click.option("--site", "site_url", required=True, help="the site's URL")
    @click.option("--url", "callback_url", default=None, help="where moderator decisions are POSTed")
    @click.option("--secret", default=None, help="HMAC secret (default: keep the current one or generate)")
    @click.option("--clear", is_flag=True, help="stop sending decisions to this site")
    def sites_set_callback(site_url: str, callback_url: str | None, secret: str | None, clear: bool) -> None:
        """Register the URL that receives each moderator decision (signed JSON POST).
        The last line printed is the signing secret."""
        from service.webhooks import outbox as webhooks

        if not clear and not callback_url:
            raise click.UsageError("give --url CALLBACK or --clear")
        try:
            with _session_scope() as s:
                site = _find_site(s, site_url)
                in_force = webhooks.set_callback(s, site, None if clear else callback_url, secret)
                url = site.url
        except SaringError as exc:
            raise _fail(exc) from None
        if clear:
            click.echo(f"{url}: callback removed")
            return
        click.echo(f"{url}: decisions go to {callback_url}, signed with HMAC-SHA256 in "
                   f"{webhooks.SIGNATURE_HEADER}: sha256=<hex>. Secret:")
        click.echo(in_force)

    @sites_group.command("thresholds")
    @click.option("--site", "site_url", required=True)
    @click.option("--hold", type=float, default=None, help="hold at spam_score ≥ this")
    @click.option("--reject", type=float, default=None, help="reject at spam_score ≥ this")
    @click.option("--model-default", is_flag=True, help="use the model's validated thresholds again")
    def sites_thresholds(site_url: str, hold: float | None, reject: float | None, model_default: bool) -> None:
        """Set the site's own hold / reject thresholds (0 ≤ hold ≤ reject ≤ 1)."""
        from service.checking.policy import Thresholds

        with _session_scope() as s:
            site = _find_site(s, site_url)
            if model_default:
                site.hold_threshold = site.reject_threshold = None
            else:
                new_hold = hold if hold is not None else site.hold_threshold
                new_reject = reject if reject is not None else site.reject_threshold
                if new_hold is None or new_reject is None:
                    raise click.UsageError("give both --hold and --reject the first time")
                try:
                    Thresholds(new_hold, new_reject)
                except ValueError as exc:
                    raise click.BadParameter(str(exc), param_hint="--hold/--reject") from None
                site.hold_threshold, site.reject_threshold = new_hold, new_reject
            click.echo(f"{site.url}: hold {site.hold_threshold if site.hold_threshold is not None else 'model default'}, "
                       f"reject {site.reject_threshold if site.reject_threshold is not None else 'model default'}")
