"""``saring serve``: its start-up output ends with the next steps, and the commands it prints work."""
from __future__ import annotations

import os
import select
import shlex
import signal
import socket
import subprocess
import urllib.error
import urllib.request
import sys
import time
from pathlib import Path

import pytest

from service.cli.serve import next_steps, page_url, saring_command

REPO = Path(__file__).resolve().parents[3]
SARING = Path(sys.executable).parent / "saring"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("host, url", [("127.0.0.1", "http://127.0.0.1:8000/moderation/"),
                                       ("0.0.0.0", "http://127.0.0.1:8000/moderation/"),
                                       ("::", "http://[::1]:8000/moderation/"),
                                       ("2001:db8::7", "http://[2001:db8::7]:8000/moderation/"),
                                       ("saring.example", "http://saring.example:8000/moderation/")])
def test_page_url(host, url):
    assert page_url(host, 8000) == url


def test_saring_command(tmp_path, monkeypatch):
    venv = tmp_path / "clone" / ".venv" / "bin"
    venv.mkdir(parents=True)
    (venv / "saring").write_text("#!/bin/sh\n")
    (venv / "saring").chmod(0o755)
    monkeypatch.chdir(tmp_path / "clone")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert saring_command(".venv/bin/saring") == ".venv/bin/saring"  # ./dev serve
    assert saring_command(str(venv / "saring")) == ".venv/bin/saring"
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert saring_command(str(venv / "saring")) == str(venv / "saring")
    monkeypatch.setenv("PATH", f"{venv}:/usr/bin:/bin")
    assert saring_command(str(venv / "saring")) == "saring"  # an activated venv, or a system install
    assert saring_command("/usr/bin/python3") == "saring"


def test_next_steps_on_every_address():
    lines = next_steps(".venv/bin/saring", "0.0.0.0", 9000)
    assert len(lines) == 7 and lines[0].startswith("Next steps")
    assert "`.venv/bin/saring worker`" in lines[6]
    assert ".venv/bin/saring keys create --site https://your-site.example" in lines[2]
    assert ".venv/bin/saring users create --email you@your-site.example --role admin" in lines[4]
    assert lines[5] == "  3. sign in at http://127.0.0.1:9000/moderation/  (or this machine's address)"


def _read_for(proc: subprocess.Popen, seconds: float, until: str | None = None) -> str:
    """What ``proc`` writes on stdout within ``seconds`` (sooner once ``until`` appears, or it exits)."""
    fd, deadline, buf = proc.stdout.fileno(), time.monotonic() + seconds, b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        chunk = os.read(fd, 65536) if ready else b""
        if ready and not chunk:  # end of file: it exited
            break
        buf += chunk
        if until is not None and until.encode() in buf:
            break
    return buf.decode()


def test_serve_ends_its_start_up_output_with_next_steps_that_work(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "SARING_DB_SLOTS")}
    env.update(SARING_HOME=str(tmp_path / "home"), SARING_LOG_LEVEL="WARNING")
    proc = subprocess.Popen([str(SARING), "serve", "--port", str(port), "--workers", "2", "--threads", "2"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        out = _read_for(proc, 120, until="3. sign in at")
        assert "3. sign in at" in out, out
        out += _read_for(proc, 3)  # the second worker has loaded too: the steps are printed once
        # the workers' metrics reach /metrics (multiprocess files: the folder is set before prometheus_client loads)
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
        assert "saring_check_seconds_bucket" in metrics, metrics[:500]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Next steps"))
    assert any(line.startswith("Serving on ") for line in lines[:start])
    steps = lines[start:]
    assert len(steps) == 7 and "worker" in steps[6] and sum(line.startswith("Next steps") for line in lines) == 1
    assert steps[5].strip() == f"3. sign in at http://127.0.0.1:{port}/moderation/"
    shown = os.path.relpath(SARING, REPO) if SARING.is_relative_to(REPO) else str(SARING)
    key_cmd, user_cmd = shlex.split(steps[2]), shlex.split(steps[4])
    assert key_cmd[0] == shown and user_cmd[0] == shown

    # the printed commands, run as printed (from the same folder, same environment), do what they say
    key = subprocess.run(key_cmd, cwd=REPO, env=env, capture_output=True, text=True, check=True).stdout
    assert len(key.strip().splitlines()[-1]) == 12
    made = subprocess.run(user_cmd, cwd=REPO, env=env, input="a long passphrase 123\n", capture_output=True,
                          text=True, check=True).stdout
    assert "created admin you@your-site.example" in made


def test_cli_imports_no_metrics():
    """``saring serve`` sets PROMETHEUS_MULTIPROC_DIR before prometheus_client loads; importing the
    CLI must not load it (else the workers count in memory and /metrics is empty)."""
    code = "import sys, service.cli; sys.exit('prometheus_client' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO).returncode == 0


def test_serve_starts_degraded_when_redis_is_unreachable(tmp_path):
    """Redis is a cache here: with REDIS_URL pointing at nothing, serve still starts, /readyz says
    degraded, and a check is answered."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SARING_DB_SLOTS")}
    env.update(SARING_HOME=str(tmp_path / "home"), SARING_LOG_LEVEL="WARNING", REDIS_URL=f"redis://127.0.0.1:{_free_port()}/0")
    proc = subprocess.Popen([str(SARING), "serve", "--port", str(port), "--workers", "1", "--threads", "2"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        out = _read_for(proc, 120, until="3. sign in at")
        assert "current in Redis: Redis unreachable" in out and "3. sign in at" in out, out
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=10)
            raise AssertionError("/readyz answered 200 with Redis unreachable")
        except urllib.error.HTTPError as err:
            assert b'"status":"degraded"' in err.read()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
