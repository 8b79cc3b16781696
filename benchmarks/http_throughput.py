"""HTTP throughput and latency of ``POST /api/v1/comments`` under gunicorn, beside a bare Flask app.

Starts two gunicorn servers on 127.0.0.1 with the same settings (workers, threads, worker class):
Saring (``saring serve`` on a temporary SARING_HOME: embedded Redis, SQLite; or REDIS_URL /
DATABASE_URL when set) and a bare Flask app whose endpoint only parses the same JSON and answers a
fixed JSON body. Drives both with wrk (Debian package ``wrk``) for the same duration and
connections, and prints requests/s, p50 and p99 latency and the ratios.

    .venv/bin/python benchmarks/http_throughput.py [--seconds 15] [--connections 8] [--workers 2] [--threads 4]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
BODY = {"content": "Terima kasih infonya, semoga jalan di depan pasar segera diperbaiki. "
                   "Slot gacor? Tidak, ini komentar biasa tentang berita kota.",
        "author": "Budi", "user_ip": "203.0.113.9", "lang": "id"}

BARE_APP = textwrap.dedent('''
    from flask import Flask, jsonify, request
    app = Flask(__name__)

    @app.post("/api/v1/comments")
    def check():
        body = request.get_json()
        return jsonify(id="0" * 32, decision="accept", spam_score=0.01, model_version="bare",
                       reasons=[str(len(body.get("content", "")))])
''')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except Exception:  # noqa: BLE001
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up")


def wait_port(port: int, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"port {port} did not open")


def wrk(url: str, key: str, seconds: int, connections: int, threads: int) -> dict:
    lua = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    lua.write(textwrap.dedent(f'''
        wrk.method = "POST"
        wrk.body = {json.dumps(json.dumps(BODY))}
        wrk.headers["Content-Type"] = "application/json"
        wrk.headers["Authorization"] = "Bearer {key}"
    '''))
    lua.close()
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency",
                          "-s", lua.name, url], capture_output=True, text=True, check=True).stdout
    os.unlink(lua.name)

    def ms(label: str) -> float:
        m = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": ms("50%"), "p99": ms("99%"), "non2xx": int(errors.group(1)) if errors else 0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=15)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=4)
    args = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk not found: apt-get install wrk")

    home = Path(tempfile.mkdtemp(prefix="saring-bench-"))
    env = {**os.environ, "SARING_HOME": str(home), "SARING_LOG_LEVEL": "WARNING"}
    saring = VENV_BIN / "saring"
    key = subprocess.run([str(saring), "keys", "create", "--site", "https://bench.example"], env=env,
                         check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    (home / "bare_app.py").write_text(BARE_APP)

    sp, bp = free_port(), free_port()
    procs = []
    try:
        procs.append(subprocess.Popen([str(saring), "serve", "--port", str(sp), "--workers", str(args.workers),
                                       "--threads", str(args.threads)], env=env, cwd=REPO,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        worker_class = "gthread" if args.threads > 1 else "sync"
        procs.append(subprocess.Popen([str(VENV_BIN / "gunicorn"), "-b", f"127.0.0.1:{bp}", "-w", str(args.workers),
                                       "--threads", str(args.threads), "-k", worker_class, "bare_app:app"],
                                      cwd=home, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      start_new_session=True))
        wait_http(f"http://127.0.0.1:{sp}/readyz")
        wait_port(bp)
        wrk_threads = min(2, args.connections)
        # warm-up both
        wrk(f"http://127.0.0.1:{sp}/api/v1/comments", key, 3, args.connections, wrk_threads)
        wrk(f"http://127.0.0.1:{bp}/api/v1/comments", key, 3, args.connections, wrk_threads)
        s = wrk(f"http://127.0.0.1:{sp}/api/v1/comments", key, args.seconds, args.connections, wrk_threads)
        b = wrk(f"http://127.0.0.1:{bp}/api/v1/comments", key, args.seconds, args.connections, wrk_threads)
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in procs:
            p.wait(timeout=30)

    print(f"gunicorn {args.workers} workers x {args.threads} threads, wrk {args.connections} connections, "
          f"{args.seconds} s each, on {os.cpu_count()} cores")
    print(f"{'':<24}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>10}")
    for name, r in (("Saring POST /comments", s), ("bare Flask", b)):
        print(f"{name:<24}{r['rps']:>10.1f}{r['p50']:>10.2f}{r['p99']:>10.2f}{r['non2xx']:>10}")
    print(f"ratio Saring/bare: throughput {s['rps'] / b['rps']:.3f}x, p50 {s['p50'] / b['p50']:.1f}x, "
          f"p99 {s['p99'] / b['p99']:.1f}x")
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
