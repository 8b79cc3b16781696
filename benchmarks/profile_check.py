"""CPU per checked comment, by stage, for ``POST /api/v1/comments`` and ``POST /1.1/comment-check``.

Runs the real app in this process (``create_app`` on a temporary SARING_HOME: embedded Redis and
SQLite, or REDIS_URL / DATABASE_URL when set) through Flask's test client, one request at a time,
with distinct comments (a counter and varied wording in every one, a new IP every time, so no memo
cache is hit across requests). The functions of each stage are wrapped by a timer that charges the
thread's CPU time (``time.thread_time``) and wall time to the innermost stage running, so the stages
add up to the request (``framework`` is what no stage covers: Flask, Werkzeug, the test client).
The shipped model scores; ``--cprofile N`` prints the N functions with most cumulative time
instead, from a separate cProfile run on CPU time (cProfile inflates Python-heavy code, so not for the table).

    .venv/bin/python benchmarks/profile_check.py [--requests 2000] [--path api|akismet|both] [--cprofile 40]
"""
from __future__ import annotations

import argparse
import cProfile
import functools
import json
import os
import pstats
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
VENV_BIN = Path(sys.executable).parent
BLOG = "https://bench.example"

#: Comment templates (ham and spam, Indonesian and English); {n} makes each one distinct.
TEMPLATES = (
    "Terima kasih infonya min, semoga jalan di depan pasar {n} segera diperbaiki sebelum musim hujan.",
    "Thanks for the article. The bus lane on river road {n} has made my commute a lot shorter this month.",
    "Slot gacor hari ini gampang maxwin {n}! Daftar sekarang di situs kami, bonus member baru 100% wd cepat.",
    "Saya warga RT {n}, lampu jalan di gang kami sudah mati dua minggu. Mohon pemkot segera cek.",
    "Best online casino bonus {n} — claim your free spins now at http://bit.ly/win{n} before it ends!",
    "Kapan ya pembangunan taman kota {n} selesai? Anak-anak butuh tempat bermain yang aman.",
    "TOGEL ONLINE TERPERCAYA {n} bandar resmi, hubungi WA 0812{n} sekarang juga, pasti bayar.",
    "I disagree with the council here; the parking fees on street {n} are already too high for shops.",
)
WORDS = ("banjir", "parkir", "sekolah", "market", "council", "weather", "pasar", "jalan", "harga", "traffic")


def comment(i: int, rng: random.Random) -> dict[str, str]:
    """The ``i``-th distinct comment (content ~100–200 characters) with its own IP."""
    text = TEMPLATES[i % len(TEMPLATES)].format(n=i) + " " + " ".join(rng.choice(WORDS) for _ in range(8))
    return {"content": text, "author": f"Pembaca {i % 97}", "user_ip": f"198.51.{i // 250 % 250}.{i % 250 + 1}",
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"}


class Stages:
    """Exclusive CPU and wall time per stage: a wrapped function charges the time since the last
    switch to the stage on top of the stack, then runs as the new top."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = defaultdict(float)
        self.wall: dict[str, float] = defaultdict(float)
        self.stack: list[str] = []
        self._mark = (0.0, 0.0)

    def _charge(self) -> None:
        cpu, wall = time.thread_time(), time.perf_counter()
        top = self.stack[-1] if self.stack else "framework"
        self.cpu[top] += cpu - self._mark[0]
        self.wall[top] += wall - self._mark[1]
        self._mark = (cpu, wall)

    def begin(self) -> None:
        self.stack.clear()
        self._mark = (time.thread_time(), time.perf_counter())

    def end(self) -> None:
        self._charge()

    def wrap(self, stage: str, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._charge()
            self.stack.append(stage)
            try:
                return fn(*args, **kwargs)
            finally:
                self._charge()
                self.stack.pop()
        return timed

    def patch(self, stage: str, owner: Any, name: str) -> None:
        """Wrap ``owner.name`` (a module global or a class attribute), if it exists."""
        if hasattr(owner, name):
            setattr(owner, name, self.wrap(stage, getattr(owner, name)))


def instrument(stages: Stages) -> None:
    """Wrap the functions of each stage where their callers look them up."""
    import importlib

    def mod(name: str) -> Any:
        return importlib.import_module(name)

    import marshmallow
    import sqlalchemy.orm
    import webargs.flaskparser

    targets: list[tuple[str, Any, str]] = [
        ("parse/validate", webargs.flaskparser.FlaskParser, "parse"),
        ("parse/validate", mod("service.api.comments"), "require_json_object"),
        ("parse/validate", mod("service.akismet.views"), "_akismet_request"),
        ("parse/validate", mod("service.akismet.calls"), "_comment"),
        ("key lookup", mod("service.api.comments"), "bearer_key"),
        ("key lookup", mod("service.akismet.calls"), "authenticate"),
        ("key lookup", mod("service.akismet.calls"), "_site_of"),
        ("language id", mod("models.lang"), "_detector"),
        ("language id", mod("service.checking.check"), "site_operating_point"),
        ("language id", mod("service.learning.site_signals"), "detect_lang"),
        ("normalisation", mod("models.text.normalize"), "_normalize_cached"),
        ("features", mod("models.classifier").SpamClassifier, "_features_and_lexicon"),
        ("score", mod("models.classifier").SpamClassifier, "_proba"),
        ("reasons", mod("models.explain").Explainer, "reasons"),
        ("site history (DB reads)", mod("service.checking.check"), "gather"),
        ("signals (Redis)", mod("service.checking.signals").SignalSource, "observe"),
        ("policy", mod("service.checking.check"), "decide"),
        ("SQL write + commit", mod("service.checking.check"), "_store"),
        ("SQL write + commit", sqlalchemy.orm.Session, "flush"),
        ("SQL write + commit", sqlalchemy.orm.Session, "commit"),
        ("response", marshmallow.Schema, "dump"),
        ("response", mod("service.akismet.responses"), "plain"),
        ("response", mod("service.akismet.calls"), "decision_answer"),
    ]
    for stage, owner, name in targets:
        stages.patch(stage, owner, name)


ORDER = ("parse/validate", "key lookup", "language id", "normalisation", "features", "score", "reasons",
         "site history (DB reads)", "signals (Redis)", "policy", "SQL write + commit", "response", "framework")


def make_app(home: Path) -> tuple[Any, str]:
    env = {**os.environ, "SARING_HOME": str(home), "SARING_LOG_LEVEL": "WARNING"}
    subprocess.run([str(VENV_BIN / "saring"), "db", "upgrade"], env=env, check=True, capture_output=True)
    key = subprocess.run([str(VENV_BIN / "saring"), "keys", "create", "--site", BLOG], env=env, check=True,
                         capture_output=True, text=True).stdout.strip().splitlines()[-1]
    os.environ.update(SARING_HOME=str(home), SARING_LOG_LEVEL="WARNING")
    from service.app import create_app

    return create_app(), key


def requester(client: Any, key: str, path: str) -> Callable[[dict[str, str]], None]:
    if path == "api":
        headers = {"Authorization": f"Bearer {key}"}

        def send(c: dict[str, str]) -> None:
            r = client.post("/api/v1/comments", data=json.dumps({**c, "lang": ""}), headers=headers,
                            content_type="application/json")
            if r.status_code != 200:
                raise RuntimeError(f"{r.status_code} {r.get_data(as_text=True)[:200]}")
    else:
        def send(c: dict[str, str]) -> None:
            form = {"api_key": key, "blog": BLOG, "user_ip": c["user_ip"], "user_agent": c["user_agent"],
                    "comment_type": "comment", "comment_author": c["author"], "comment_content": c["content"]}
            r = client.post("/1.1/comment-check", data=urllib.parse.urlencode(form),
                            content_type="application/x-www-form-urlencoded", headers={"Host": "rest.akismet.com"})
            if r.status_code != 200 or r.data not in (b"true", b"false"):
                raise RuntimeError(f"{r.status_code} {r.data[:200]!r}")
    return send


def run(send: Callable[[dict[str, str]], None], n: int, start: int, stages: Stages | None) -> tuple[float, float]:
    """Send ``n`` comments; returns (CPU s, wall s) of the whole loop."""
    rng = random.Random(start)
    cpu0, wall0 = time.thread_time(), time.perf_counter()
    for i in range(start, start + n):
        c = comment(i, rng)
        if stages:
            stages.begin()
        send(c)
        if stages:
            stages.end()
    return time.thread_time() - cpu0, time.perf_counter() - wall0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--path", choices=("api", "akismet", "both"), default="both")
    ap.add_argument("--cprofile", type=int, default=0, metavar="N",
                    help="print the N functions with most cumulative time (separate cProfile run)")
    ap.add_argument("--dump", metavar="FILE", help="with --cprofile: also write the pstats file (per path: FILE.api, ...)")
    args = ap.parse_args()
    home = Path(tempfile.mkdtemp(prefix="saring-profile-"))
    app = None
    try:
        app, key = make_app(home)
        client = app.test_client()
        paths = ("api", "akismet") if args.path == "both" else (args.path,)
        print(f"{args.requests} distinct comments per path, one at a time, in-process; "
              f"Redis: {os.environ.get('REDIS_URL', 'embedded')}; DB: {os.environ.get('DATABASE_URL', 'SQLite')}")
        start = 0
        if args.cprofile:
            for path in paths:
                send = requester(client, key, path)
                run(send, args.warmup, start, None)
                start += args.warmup
                prof = cProfile.Profile(time.thread_time)  # CPU time: waits on Redis or the DB do not count
                prof.enable()
                run(send, args.requests, start, None)
                prof.disable()
                start += args.requests
                print(f"\n== {path}: top {args.cprofile} by cumulative time (cProfile, inflated)")
                pstats.Stats(prof).sort_stats("cumulative").print_stats(args.cprofile)
                if args.dump:
                    prof.dump_stats(f"{args.dump}.{path}")
            return
        stages = Stages()
        instrument(stages)
        results = {}
        for path in paths:
            send = requester(client, key, path)
            run(send, args.warmup, start, None)
            start += args.warmup
            stages.cpu.clear()
            stages.wall.clear()
            cpu, wall = run(send, args.requests, start, stages)
            start += args.requests
            results[path] = (dict(stages.cpu), dict(stages.wall), cpu, wall)
        n = args.requests
        head = f"{'stage':<26}" + "".join(f"{p + ' CPU ms':>16}{'%':>6}{'wall ms':>9}" for p in paths)
        print(head)
        for stage in ORDER:
            row = f"{stage:<26}"
            for path in paths:
                cpu, wall, total, _ = results[path]
                row += f"{cpu.get(stage, 0) / n * 1000:>16.3f}{100 * cpu.get(stage, 0) / total:>6.1f}" \
                       f"{wall.get(stage, 0) / n * 1000:>9.3f}"
            print(row)
        row = f"{'total per request':<26}"
        for path in paths:
            _, _, total, wall = results[path]
            row += f"{total / n * 1000:>16.3f}{100.0:>6.1f}{wall / n * 1000:>9.3f}"
        print(row)
        for path in paths:
            total = results[path][2]
            print(f"{path}: {n / total:.0f} checked comments per CPU second in-process (one thread)")
    finally:
        if app is not None and "REDIS_URL" not in os.environ:  # stop the embedded Redis before its folder goes
            rt = app.extensions["saring"]
            rt.close()  # the model holder stops polling
            try:
                rt.redis.shutdown(nosave=True)
            except Exception:  # noqa: BLE001 - the server closes the connection as it exits
                pass
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
