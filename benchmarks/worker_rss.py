"""Resident memory of one Saring worker while it judges many distinct ~2 kB comments.

Starts ``saring serve --workers 1`` on a temporary SARING_HOME (``benchmarks.servers``: embedded Redis
and SQLite, or REDIS_URL / DATABASE_URL when set), sends ``--comments`` Akismet comment-checks whose
``comment_content`` is a distinct ~2 kB text every time (seeded random words, a serial number in
front) from varied IPs over ``--connections`` kept-alive connections (``http.client``, one thread
each), and samples the worker's RSS (``/proc``) every ``--every`` comments. Prints the table and the
final RSS against the target (300 MB after 100,000 comments).

    .venv/bin/python benchmarks/worker_rss.py [--comments 100000] [--every 10000] [--connections 4]
"""
from __future__ import annotations

import argparse
import http.client
import random
import shutil
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.servers import describe_stores, free_port, prepare, start_saring, stop, wait_http, worker_rss  # noqa: E402

BLOG = "http://bench.example"
TARGET_MB = 300.0
#: Words the comments are drawn from (news-comment register, a few spam words among them).
WORDS = ("the council met on tuesday to discuss new bus lanes along river road and most residents who spoke "
         "were in favour of extending them market school bridge water price rent football match weather "
         "holiday recipe garden train station library museum festival concert election budget hospital "
         "doctor nurse teacher student shop bakery coffee bicycle parking traffic police fire storm flood "
         "harvest farmer fish boat harbour island mountain forest village city street square church mosque "
         "temple park playground swimming pool cinema theatre gallery painting photo camera phone laptop "
         "internet website online cheap discount offer bonus casino slot loan crypto").split()


def comment_text(i: int, size: int = 2000) -> str:
    """A distinct text of about ``size`` characters for comment number ``i``."""
    rng = random.Random(i)
    words = [f"comment {i}:"]
    length = len(words[0])
    while length < size:
        w = rng.choice(WORDS)
        if rng.random() < 0.08:
            w = f"{w}{rng.randrange(10_000)}."
        words.append(w)
        length += len(w) + 1
    return " ".join(words)[:size]


def body_of(key: str, i: int) -> bytes:
    """An Akismet comment-check body for comment ``i`` (distinct text, one of 62,500 IPs)."""
    return urllib.parse.urlencode({
        "api_key": key, "blog": BLOG, "user_ip": f"198.{i // 62_500 % 250}.{i // 250 % 250}.{i % 250 + 1}",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        "comment_type": "comment", "comment_author": f"Reader {i % 997}", "comment_content": comment_text(i),
    }).encode()


class Sender:
    """Hands out comment numbers to the client threads and counts the answers."""

    def __init__(self, port: int, key: str, total: int) -> None:
        self.port, self.key, self.total = port, key, total
        self.next_i = 0
        self.done = 0
        self.errors = 0
        self.lock = threading.Lock()

    def take(self) -> int | None:
        with self.lock:
            if self.next_i >= self.total:
                return None
            self.next_i += 1
            return self.next_i - 1

    def run(self) -> None:
        """One client: sequential comment-checks on one kept-alive connection until none are left."""
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Host": "rest.akismet.com"}
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while (i := self.take()) is not None:
            try:
                conn.request("POST", "/1.1/comment-check", body=body_of(self.key, i), headers=headers)
                resp = conn.getresponse()
                ok = resp.status == 200 and resp.read() in (b"true", b"false")
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                ok = False
            with self.lock:
                self.done += 1
                self.errors += not ok
        conn.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--comments", type=int, default=100_000)
    ap.add_argument("--every", type=int, default=0,
                    help="sample the RSS every this many comments (default: a tenth of --comments)")
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--threads", type=int, default=4, help="gunicorn threads of the one worker")
    args = ap.parse_args()
    args.every = args.every or max(1, args.comments // 10)

    home, env, key = prepare("saring-rss-bench-", BLOG)
    port = free_port()
    procs = [start_saring(env, port, 1, args.threads)]
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        master = procs[0].pid
        print(f"gunicorn: 1 worker x {args.threads} threads; {args.comments} distinct ~2 kB comment-checks over "
              f"{args.connections} kept-alive connections; {describe_stores()}")
        warm = Sender(port, key, 10)  # load the model and warm the worker before the first sample
        warm.next_i = args.comments
        warm.total = args.comments + 10
        warm.run()
        sender = Sender(port, key, args.comments)
        threads = [threading.Thread(target=sender.run, daemon=True) for _ in range(args.connections)]
        started = time.perf_counter()
        rows = [(0, sum(worker_rss(master)) / 2**20, 0.0)]  # after 10 warm-up comments
        print(f"{'comments':>9}{'RSS MB':>9}{'seconds':>9}{'req/s':>8}{'errors':>8}", flush=True)
        print(f"{0:>9}{rows[0][1]:>9.1f}{0.0:>9.1f}{'':>8}{0:>8}", flush=True)
        for t in threads:
            t.start()
        next_sample = min(args.every, args.comments)
        while True:
            time.sleep(0.05)
            with sender.lock:
                done, errors = sender.done, sender.errors
            if done >= next_sample:
                elapsed = time.perf_counter() - started
                rss = sum(worker_rss(master)) / 2**20
                rows.append((done, rss, elapsed))
                print(f"{done:>9}{rss:>9.1f}{elapsed:>9.1f}{done / elapsed:>8.1f}{errors:>8}", flush=True)
                if done >= args.comments:
                    break
                next_sample = min(next_sample + args.every, args.comments)
        for t in threads:
            t.join()
        final = rows[-1][1]
        verdict = "within" if final <= TARGET_MB else "OVER"
        if rows[-1][0] < 100_000:
            verdict += " (the target is for 100,000 comments: this shorter run only shows the trend)"
        print(f"final worker RSS {final:.1f} MB after {rows[-1][0]} comments: {verdict} the {TARGET_MB:.0f} MB target "
              f"(growth {final - rows[0][1]:+.1f} MB since the first sample; {sender.errors} errors)")
    finally:
        stop(procs)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
