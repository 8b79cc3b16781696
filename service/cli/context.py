"""``ctx.obj`` of every ``saring`` command: the settings, resolved once, and the database and the
runtime, built lazily on first use and closed when the command ends.

Only ``saring serve``, ``saring db upgrade`` and ``saring worker`` migrate (``CliContext.upgrade``);
every other command uses the database as it is and stops with a clean error naming
``saring db upgrade`` when the schema is missing or behind.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

import click

from service.config import Settings
from service.errors import SaringError

if TYPE_CHECKING:
    from service.runtime import Runtime
    from service.store.db import Database


#: Characters a terminal acts on or reorders: C0 / DEL / C1 controls (escape sequences, bell) and the
#: bidirectional embedding, override and isolate controls.
_UNPRINTABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` safe to print on a terminal as one line: each control character but tab (newlines
    included) shown as its escape (``\\x1b``, ``\\u202e``), so stored text (a reason quoting a
    comment, a moderator's note) never moves the cursor, clears the screen or reverses the line."""
    return _UNPRINTABLE.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


class CliContext:
    """What the ``saring`` group callback puts in ``ctx.obj``.

    Args:
        environ: the environment to read settings from (default ``os.environ``).
    """

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = environ
        self._database: Database | None = None
        self._runtime: Runtime | None = None

    @cached_property
    def settings(self) -> Settings:
        """``Settings.from_env()``, read on first use (``--help`` reads nothing)."""
        return Settings.from_env(self._environ)

    def override(self, **fields: Any) -> Settings:
        """Replace settings fields by name (before the database or runtime are built)."""
        if self._database is not None or self._runtime is not None:
            raise RuntimeError("settings are fixed once the database or the runtime is built")
        self.settings = self.settings.with_overrides(fields)
        return self.settings

    @property
    def database(self) -> Database:
        """The database as it is (never migrated here).

        Raises ``click.ClickException`` naming ``saring db upgrade`` when its schema is missing or
        behind this version of Saring.
        """
        if self._runtime is not None:
            return self._runtime.db
        if self._database is None:
            database = _cli_database(self.settings)
            try:
                require_schema(database)
            except BaseException:
                database.dispose()
                raise
            self._database = database
        return self._database

    def upgrade(self, revision: str = "head") -> Database:
        """Apply the pending migrations up to ``revision`` and return the database."""
        if self._database is None:
            self._database = _cli_database(self.settings)
        self._database.upgrade(revision)
        return self._database

    @property
    def runtime(self) -> Runtime:
        """Database, Redis, model registry, … (``Runtime.create(settings, load_model=False)``) on a
        database whose schema is current (see ``database``)."""
        if self._runtime is None:
            from service.runtime import Runtime

            self.database  # noqa: B018 - the schema check, before the runtime touches the database
            self._runtime = Runtime.create(self.settings, load_model=False)
            if self._database is not None:
                self._database.dispose()
                self._database = None
        return self._runtime

    def close(self) -> None:
        """Close the runtime and dispose of the database (when they were built)."""
        runtime, database = self._runtime, self._database
        self._runtime = self._database = None
        try:
            if runtime is not None:
                runtime.close()
        finally:
            if database is not None:
                database.dispose()


#: ``@pass_cli`` gives a command the ``CliContext`` of its invocation as first argument.
pass_cli = click.make_pass_decorator(CliContext)


def require_schema(database: Database) -> None:
    """Raise ``click.ClickException`` unless ``database`` has Saring's schema at a revision this
    code knows to be current (a revision it does not know, written by a newer Saring, passes)."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError
    from sqlalchemy.engine import make_url

    from service.store.db import alembic_config

    where = make_url(database.url).render_as_string(hide_password=True)
    current = database.current_revision()
    if current is None:
        raise click.ClickException(f"the database {where} has no Saring schema yet: run `saring db upgrade` first")
    script = ScriptDirectory.from_config(alembic_config(database.url))
    heads = script.get_heads()
    if current in heads:
        return
    try:
        known = script.get_revision(current) is not None
    except CommandError:
        known = False
    if known:
        raise click.ClickException(f"the database {where} is at revision {current}, this Saring needs "
                                   f"{', '.join(heads)}: run `saring db upgrade` first")


def fail(exc: SaringError) -> click.ClickException:
    """A click error (exit status 1) from a domain error: its message and, when set, its field."""
    hint = f" ({exc.field})" if exc.field else ""
    return click.ClickException(exc.message + hint)


def _cli_database(settings: Settings) -> "Database":
    """The CLI's database: the service's settings, but patient (30 s lock wait, no statement limit:
    migrations and imports may take long)."""
    from service.store.db import Database

    return Database(settings.database_url, settings.api_key_secret, lock_timeout=30.0, statement_timeout=0)
