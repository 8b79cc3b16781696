"""service.infra.fail_open: Redis errors become the default (or fallback), a log line and a metric."""
from __future__ import annotations

import logging

import pytest
import redis

from service.infra import metrics
from service.infra.fail_open import fail_open


def _errors(operation: str) -> float:
    return metrics.REDIS_ERRORS.labels(operation)._value.get()


def test_redis_error_returns_default_logs_and_counts(caplog):
    @fail_open("test_op", 7, "test signal skipped")
    def broken(x: int) -> int:
        raise redis.ConnectionError("refused")

    before = _errors("test_op")
    with caplog.at_level(logging.WARNING):
        assert broken(1) == 7
    assert _errors("test_op") == before + 1
    assert "test signal skipped, Redis error: refused" in caplog.text


def test_fallback_gets_the_call_arguments():
    @fail_open("test_fb", fallback=lambda x, y=0: x + y)
    def broken(x: int, y: int = 0) -> int:
        raise redis.TimeoutError("slow")

    assert broken(2, y=3) == 5


def test_other_errors_and_results_pass_through():
    @fail_open("test_pass", 0)
    def fine(x: int) -> int:
        if x < 0:
            raise ValueError("not a Redis problem")
        return x * 2

    assert fine(4) == 8
    with pytest.raises(ValueError):
        fine(-1)


def test_a_real_unreachable_redis_fails_open(tmp_path):
    client = redis.Redis(unix_socket_path=str(tmp_path / "nobody.sock"), socket_connect_timeout=0.2)

    @fail_open("test_real", "fallback")
    def ping() -> str:
        return str(client.ping())

    assert ping() == "fallback"
