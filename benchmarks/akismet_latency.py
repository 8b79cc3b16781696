"""Latency of Akismet ``POST /1.1/comment-check`` under gunicorn for 1 kB and 60 kB comments (and a
2.5 MB one, judged on its first 64 Ki characters), beside a bare Flask endpoint measured in the same run.

Starts two gunicorn servers on 127.0.0.1 with the same workers/threads (``benchmarks.servers``): Saring
(``saring serve`` on a temporary SARING_HOME: embedded Redis and SQLite, or REDIS_URL / DATABASE_URL
when set) and a bare Flask app whose ``/1.1/comment-check`` only parses the same form and answers
``false``. Sends the
requests one at a time on a kept-alive connection, as an Akismet client does (the Python client's
default timeout is 1 s), and prints p50 / p99 / max in milliseconds, the workers' CPU milliseconds per
request (their user + system time, from ``/proc``) and the ratio Saring / bare.

    .venv/bin/python benchmarks/akismet_latency.py [--requests 300] [--workers 2] [--threads 4]
"""
from __future__ import annotations

import argparse
import http.client
import shutil
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.servers import (describe_stores, free_port, prepare, start_bare, start_saring, stop,  # noqa: E402
                                wait_http, wait_port, worker_cpu)

BLOG = "http://bench.example"
PARAGRAPH = ("The council met on Tuesday to discuss the new bus lanes along the river road, and most residents "
             "who spoke were in favour of extending them to the market. ")

def body_of(key: str, size: int, i: int) -> bytes:
    """A comment-check body whose comment_content is ``size`` characters (unique per ``i``)."""
    content = (f"{i} " + PARAGRAPH * (size // len(PARAGRAPH) + 1))[:size]
    return urllib.parse.urlencode({
        "api_key": key, "blog": BLOG, "user_ip": f"203.0.{i // 250 % 250}.{i % 250 + 1}",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        "comment_type": "comment", "comment_author": "Dana", "comment_content": content,
    }).encode()


def measure(port: int, key: str, size: int, requests: int, warmup: int = 10) -> list[float]:
    """Latencies (ms) of ``requests`` sequential comment-checks on one kept-alive connection (after
    ``warmup`` unmeasured ones)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Host": "rest.akismet.com"}
    times = []
    for i in range(requests + warmup):
        body = body_of(key, size, i)
        started = time.perf_counter()
        conn.request("POST", "/1.1/comment-check", body=body, headers=headers)
        resp = conn.getresponse()
        answer = resp.read()
        elapsed = (time.perf_counter() - started) * 1000
        if resp.status != 200 or answer not in (b"true", b"false"):
            raise RuntimeError(f"unexpected answer {resp.status} {answer[:100]!r}")
        if i >= warmup:  # the first ones warm the connection and the worker
            times.append(elapsed)
    conn.close()
    return times


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=4)
    args = ap.parse_args()

    home, env, key = prepare("saring-akismet-bench-", BLOG)
    sp, bp = free_port(), free_port()
    procs = [start_saring(env, sp, args.workers, args.threads), start_bare(home, bp, args.workers, args.threads)]
    try:
        wait_http(f"http://127.0.0.1:{sp}/healthz")
        wait_port(bp)
        print(f"gunicorn: {args.workers} workers x {args.threads} threads; "
              f"{args.requests} sequential comment-checks per case, kept-alive connection; {describe_stores()}")
        print(f"{'case':<26}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'mean ms':>9}{'CPU ms/req':>12}")
        figures = {}
        for size in (1_000, 60_000, 2_500_000):
            n = args.requests if size < 1_000_000 else max(5, args.requests // 15)
            for name, port, master in (("bare Flask", bp, procs[1].pid), ("Saring", sp, procs[0].pid)):
                cpu = worker_cpu(master)
                times = measure(port, key, size, n, warmup=10 if size < 1_000_000 else 1)
                cpu = (worker_cpu(master) - cpu) / (n + (10 if size < 1_000_000 else 1)) * 1000
                figures[(name, size)] = times
                print(f"{name + f' {size // 1000} kB (n={n})':<26}{pct(times, 50):>9.2f}{pct(times, 99):>9.2f}"
                      f"{max(times):>9.2f}{statistics.mean(times):>9.2f}{cpu:>12.2f}")
        for size in (1_000, 60_000, 2_500_000):
            s, b = figures[("Saring", size)], figures[("bare Flask", size)]
            print(f"ratio Saring / bare, {size // 1000} kB: p50 x{pct(s, 50) / pct(b, 50):.1f}, "
                  f"p99 x{pct(s, 99) / pct(b, 99):.1f}")
        worst = max(pct(figures[("Saring", size)], 99) for size in (1_000, 60_000, 2_500_000))
        print(f"Saring's worst p99 of the three sizes {worst:.1f} ms = {worst / 10:.1f} % of the Python client's "
              "1 s default timeout")
    finally:
        stop(procs)
        shutil.rmtree(home, ignore_errors=True)

if __name__ == "__main__":
    main()
