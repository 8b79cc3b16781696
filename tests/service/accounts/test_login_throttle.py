"""service.accounts.login_throttle: failed sign-ins counted in Redis, and in this process while Redis is down."""
from __future__ import annotations

import socket

import redis

from service.infra import metrics
from service.accounts.login_throttle import LocalFailures, LoginThrottle
from service.infra.redis_conn import connect
from service.infra.redis_keys import RedisKeys


def _unreachable_redis() -> redis.Redis:
    """A real client pointed at a port nobody listens on (connection refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.2, socket_timeout=0.2)


def test_redis_counts_block_after_max_failures(redis_url, redis_prefix):
    throttle = LoginThrottle(connect(redis_url), RedisKeys(redis_prefix), max_failures=3)
    for _ in range(3):
        assert throttle.blocked_for("mod@news.example", "192.0.2.1") == 0
        throttle.failed("mod@news.example", "192.0.2.1")
    assert throttle.blocked_for("MOD@news.example ", "198.51.100.7") > 0  # the e-mail's count
    assert throttle.blocked_for("other@news.example", "192.0.2.1") > 0  # the IP's count
    throttle.succeeded("mod@news.example")
    assert throttle.blocked_for("mod@news.example", "198.51.100.7") == 0


def test_throttling_goes_on_in_process_while_redis_is_down():
    throttle = LoginThrottle(_unreachable_redis(), RedisKeys("unused"), max_failures=3)
    errors = metrics.REDIS_ERRORS.labels("login_throttle")._value.get()
    for _ in range(3):
        assert throttle.blocked_for("mod@news.example", "192.0.2.1") == 0
        throttle.failed("mod@news.example", "192.0.2.1")
    wait = throttle.blocked_for("mod@news.example", "192.0.2.1")
    assert 0 < wait <= 15 * 60
    assert throttle.blocked_for("other@news.example", "192.0.2.1") > 0
    assert throttle.blocked_for("other@news.example", "203.0.113.5") == 0
    assert metrics.REDIS_ERRORS.labels("login_throttle")._value.get() > errors
    throttle.succeeded("mod@news.example")
    assert throttle.blocked_for("mod@news.example", "203.0.113.5") == 0


def test_local_counts_are_bounded_and_windowed():
    local = LocalFailures(window=60, max_identities=2)
    for ident in ("a", "b", "c"):
        local.add(ident)
        local.add(ident)
    assert local.blocked_for("a", 2) == 0  # evicted: at most two identities kept
    assert 0 < local.blocked_for("c", 2) <= 60
    assert local.blocked_for("c", 3) == 0
    zero = LocalFailures(window=0)
    zero.add("a")
    assert zero.blocked_for("a", 1) == 0  # the window is over
