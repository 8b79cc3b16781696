"""The ``saring`` command line (click).

The group callback puts a ``CliContext`` in ``ctx.obj`` (settings resolved once; the database and
the runtime built on first use, closed when the command ends). One module per noun; each command
parses its options, calls the domain functions and prints. Only ``serve``, ``db upgrade`` and
``worker`` apply migrations.
"""
from __future__ import annotations

import click

from service.cli.comments import comments
from service.cli.context import CliContext
from service.cli.db import db
from service.cli.keys import keys
from service.cli.models import models
from service.cli.serve import serve
from service.cli.sites import sites
from service.cli.train import retrain, train
from service.cli.users import users
from service.cli.webhooks import webhooks
from service.cli.worker import worker


@click.group()
@click.version_option(package_name="saring")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Saring: self-hosted, Akismet-compatible comment moderation."""
    if not isinstance(ctx.obj, CliContext):
        ctx.obj = CliContext()
    ctx.call_on_close(ctx.obj.close)


main.add_command(serve)
main.add_command(db)
main.add_command(keys)
main.add_command(sites)
main.add_command(users)
main.add_command(train)
main.add_command(retrain)
main.add_command(models)
main.add_command(comments)
main.add_command(worker)
main.add_command(webhooks)
