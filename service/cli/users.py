"""``saring users create|list|sites|password|disable|token``: moderators and admins.

The rules live in ``service.accounts.users``.
"""
from __future__ import annotations

import sys

import click

from service.cli.context import CliContext, fail, pass_cli
from service.errors import SaringError


def _read_password(confirm: bool = True) -> str:
    """Prompt (hidden, twice) on a terminal; otherwise read one line from stdin."""
    if sys.stdin is not None and sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=confirm)
    line = sys.stdin.readline() if sys.stdin is not None else ""
    return line.rstrip("\r\n")


@click.group()
def users() -> None:
    """Moderators and admins of the moderation page and queue API."""


@users.command("create")
@click.option("--email", required=True, help="sign-in e-mail")
@click.option("--role", required=True, type=click.Choice(["admin", "moderator"]),
              help="admin: every site; moderator: only the --site ones")
@click.option("--site", "sites", multiple=True, help="a site this user moderates (repeatable)")
@pass_cli
def users_create(cli: CliContext, email: str, role: str, sites: tuple[str, ...]) -> None:
    """Create a user. The password is asked for (twice) on a terminal, or read from stdin:

    echo 'a long passphrase' | saring users create --email m@news.example --role moderator --site https://news.example
    """
    from service.accounts import users as users_mod
    from service.store.db import session_scope

    password = _read_password()
    try:
        with session_scope(cli.database) as s:
            user = users_mod.create_user(s, email, password, role, sites, actor="cli")
            site_list = ", ".join(x.url for x in user.sites) or ("every site" if role == "admin" else "no site yet")
            click.echo(f"created {role} {user.email} (id {user.id}); sites: {site_list}")
    except SaringError as exc:
        raise fail(exc) from None
    if role == "moderator" and not sites:
        click.echo("note: this moderator sees no comments until you add a site: saring users sites --email … --add URL")


@users.command("list")
@pass_cli
def users_list(cli: CliContext) -> None:
    """List users: id, e-mail, role, active, API token, sites."""
    from service.accounts import users as users_mod
    from service.store.db import session_scope

    with session_scope(cli.database) as s:
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
@pass_cli
def users_sites(cli: CliContext, email: str, add: tuple[str, ...], remove: tuple[str, ...]) -> None:
    """Add or remove sites a moderator moderates."""
    from service.accounts import users as users_mod
    from service.store.db import session_scope

    try:
        with session_scope(cli.database) as s:
            user = users_mod.get_user(s, email)
            users_mod.set_sites(s, user, add, add=True, actor="cli")
            users_mod.set_sites(s, user, remove, add=False, actor="cli")
            click.echo(f"{user.email}: " + (", ".join(x.url for x in user.sites) or "no sites"))
    except SaringError as exc:
        raise fail(exc) from None


@users.command("password")
@click.option("--email", required=True)
@pass_cli
def users_password(cli: CliContext, email: str) -> None:
    """Set a new password (asked for, or read from stdin). Signs the user out everywhere."""
    from service.accounts import users as users_mod
    from service.store.db import session_scope

    password = _read_password()
    try:
        with session_scope(cli.database) as s:
            users_mod.set_password(s, users_mod.get_user(s, email), password)
    except SaringError as exc:
        raise fail(exc) from None
    click.echo(f"password of {email} changed")


@users.command("disable")
@click.option("--email", required=True)
@click.option("--enable", is_flag=True, help="enable again instead")
@pass_cli
def users_disable(cli: CliContext, email: str, enable: bool) -> None:
    """Disable (or --enable) a user: a disabled user cannot sign in and their token stops working."""
    from service.accounts import users as users_mod
    from service.store.db import session_scope

    try:
        with session_scope(cli.database) as s:
            users_mod.set_active(s, users_mod.get_user(s, email), enable)
    except SaringError as exc:
        raise fail(exc) from None
    click.echo(f"{email} {'enabled' if enable else 'disabled'}")


@users.command("token")
@click.option("--email", required=True, help="an admin's e-mail")
@pass_cli
def users_token(cli: CliContext, email: str) -> None:
    """Create a new API token for an admin (replaces the old one). The last line is the token."""
    from service.accounts import users as users_mod
    from service.store.db import session_scope

    try:
        with session_scope(cli.database) as s:
            token = users_mod.create_api_token(s, users_mod.get_user(s, email))
    except SaringError as exc:
        raise fail(exc) from None
    click.echo("Use it as `Authorization: Bearer <token>` on /api/v1/queue. Only its hash is stored:")
    click.echo(token)
