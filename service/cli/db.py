"""``saring db upgrade``: the database migrations (Alembic)."""
from __future__ import annotations

import click

from service.cli.context import CliContext, pass_cli


@click.group()
def db() -> None:
    """Database migrations (Alembic)."""


@db.command("upgrade")
@click.argument("revision", default="head")
@pass_cli
def db_upgrade(cli: CliContext, revision: str) -> None:
    """Apply migrations up to REVISION (default head)."""
    database = cli.upgrade(revision)
    click.echo(f"{cli.settings.database_url}: at revision {database.current_revision()}")
