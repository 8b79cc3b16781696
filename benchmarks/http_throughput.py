"""Throughput, latency and CPU per request of ``POST /api/v1/comments`` and ``POST /1.1/comment-check``
under gunicorn, beside a bare Flask app measured in the same run.

Starts two gunicorn servers on 127.0.0.1 with the same settings (workers, threads, worker class):
Saring (``saring serve`` on a temporary SARING_HOME: embedded Redis and SQLite, or REDIS_URL /
DATABASE_URL when set) and a bare Flask app whose endpoints only parse the same body and answer a
fixed one. Drives each with wrk (Debian's package ``wrk``) for the same duration and connections;
every request carries a distinct comment and one of 250 IPs (as a flood of distinct texts would).

Prints requests/s, p50/p99 latency, non-2xx and socket errors, and the CPU seconds per request of
the gunicorn workers (their own user + system time over the run, from ``/proc``), of the Redis
server and of PostgreSQL, with the ratios to bare Flask. On a shared machine req/s swing with
whatever else runs; the workers' CPU per request is the steadier figure. Afterwards it checks every
answered comment is in the database (durable before the answer).

    .venv/bin/python benchmarks/http_throughput.py [--seconds 15] [--connections 16] [--workers 2]
        [--threads 4] [--path api|akismet|both]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.servers import (Load, count_comments, describe_stores, free_port, prepare,  # noqa: E402
                                start_bare, start_saring, stop, wait_http, wait_port, wrk, wrk_script)

SITE = "https://bench.example"
BODY = {"content": "Terima kasih infonya NNNN, semoga jalan di depan pasar segera diperbaiki. "
                   "Slot gacor? Tidak, ini komentar biasa tentang berita kota.",
        "author": "Budi", "user_ip": "203.0.113.III", "lang": "id"}
FORM = {"blog": SITE, "user_ip": "203.0.113.III", "comment_type": "comment", "comment_author": "Budi",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        "comment_content": BODY["content"]}


def scripts(key: str) -> dict[str, tuple[str, str]]:
    """``path → (URL path, wrk script)``."""
    form = urllib.parse.urlencode({"api_key": key, **FORM})  # the NNNN and III markers survive
    return {
        "api": ("/api/v1/comments", wrk_script("POST", "application/json", json.dumps(BODY),
                                               {"Authorization": f"Bearer {key}"})),
        "akismet": ("/1.1/comment-check", wrk_script("POST", "application/x-www-form-urlencoded", form,
                                                     {"Host": "rest.akismet.com"})),
    }


def row(name: str, r: Load) -> str:
    return (f"{name:<22}{r.rps:>9.1f}{r.p50:>8.2f}{r.p99:>8.2f}{r.non2xx:>8}{r.socket_errors:>8}"
            f"{r.per_request_ms(r.worker_cpu_s):>12.3f}{r.per_request_ms(r.redis_cpu_s):>12.3f}"
            f"{r.per_request_ms(r.db_cpu_s):>12.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=15)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--path", choices=("api", "akismet", "both"), default="both")
    args = ap.parse_args()

    home, env, key = prepare("saring-bench-", SITE)
    sp, bp = free_port(), free_port()
    procs = [start_saring(env, sp, args.workers, args.threads), start_bare(home, bp, args.workers, args.threads)]
    results: dict[str, tuple[Load, Load]] = {}
    stored = 0
    try:
        wait_http(f"http://127.0.0.1:{sp}/readyz")
        wait_port(bp)
        for path in (("api", "akismet") if args.path == "both" else (args.path,)):
            url_path, script = scripts(key)[path]
            for port in (sp, bp):  # warm-up both
                wrk(f"http://127.0.0.1:{port}{url_path}", script, 3, args.connections)
            stored_before = count_comments(env)
            s = wrk(f"http://127.0.0.1:{sp}{url_path}", script, args.seconds, args.connections, master=procs[0].pid)
            stored += count_comments(env) - stored_before
            b = wrk(f"http://127.0.0.1:{bp}{url_path}", script, args.seconds, args.connections, master=procs[1].pid)
            results[path] = (s, b)
    finally:
        stop(procs)

    print(f"gunicorn {args.workers} workers x {args.threads} threads, wrk {args.connections} connections, "
          f"{args.seconds} s each, on {os.cpu_count()} cores; {describe_stores()}")
    print(f"{'':<22}{'req/s':>9}{'p50 ms':>8}{'p99 ms':>8}{'non-2xx':>8}{'socket':>8}"
          f"{'workers':>12}{'Redis':>12}{'Postgres':>12}")
    print(f"{'':<22}{'':>33}{'errors':>8}{'CPU ms/req':>12}{'CPU ms/req':>12}{'CPU ms/req':>12}")
    answered = 0
    for path, (s, b) in results.items():
        print(row(f"Saring {path}", s))
        print(row(f"bare Flask {path}", b))
        answered += s.requests - s.non2xx
    print("(workers: the gunicorn workers' own user + system CPU over the run, per request; Redis / Postgres: every\n"
          " redis-server / postgres process on the machine, so other clients count too; SQLite runs in the workers)")
    for path, (s, b) in results.items():
        saring_ms, bare_ms = s.per_request_ms(s.worker_cpu_s), b.per_request_ms(b.worker_cpu_s)
        print(f"{path}: Saring's throughput is {s.rps / b.rps:.3f}x bare Flask's; Saring's p99 is {s.p99 / b.p99:.1f}x "
              f"bare Flask's; Saring's workers use {saring_ms / max(1e-9, bare_ms):.1f}x the CPU per request "
              f"({saring_ms:.2f} ms vs {bare_ms:.2f} ms: bare/Saring = {bare_ms / max(1e-9, saring_ms):.3f}x)")
    print(f"comments stored during the measured runs {stored}; answered 2xx as counted by wrk {answered}: "
          f"{'every answered comment stored' if stored >= answered else 'MISSING COMMENTS'} (wrk does not count "
          "the few requests still in flight when it stops: they are stored too)")
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
