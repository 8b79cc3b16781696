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


def test_redis_counts_block_past_max_attempts(redis_url, redis_prefix):
    throttle = LoginThrottle(connect(redis_url), RedisKeys(redis_prefix), max_failures=3)
    for _ in range(3):
        assert throttle.attempt("mod@news.example", "192.0.2.1") == 0
    assert throttle.attempt("MOD@news.example ", "198.51.100.7") > 0  # the e-mail's count
    assert throttle.attempt("other@news.example", "192.0.2.1") > 0  # the IP's count
    throttle.succeeded("mod@news.example", "192.0.2.1")
    assert throttle.attempt("mod@news.example", "198.51.100.7") == 0


def test_a_good_sign_in_takes_its_attempt_back(redis_url, redis_prefix):
    throttle = LoginThrottle(connect(redis_url), RedisKeys(redis_prefix), max_failures=3)
    for _ in range(10):  # a moderator signing in again and again from one address
        assert throttle.attempt("mod@news.example", "192.0.2.9") == 0
        throttle.succeeded("mod@news.example", "192.0.2.9")


def test_concurrent_guesses_cannot_pass_the_limit(redis_url, redis_prefix):
    """Issue 11 (7): 40 concurrent guesses for one account; 17 were checked against a limit of 10."""
    from concurrent.futures import ThreadPoolExecutor

    throttle = LoginThrottle(connect(redis_url), RedisKeys(redis_prefix), max_failures=10)
    with ThreadPoolExecutor(40) as pool:
        waits = list(pool.map(lambda i: throttle.attempt("mod@news.example", f"198.51.100.{i % 8}"), range(40)))
    assert sum(1 for w in waits if w == 0) == 10


def test_throttling_goes_on_in_process_while_redis_is_down():
    throttle = LoginThrottle(_unreachable_redis(), RedisKeys("unused"), max_failures=3)
    errors = metrics.REDIS_ERRORS.labels("login_throttle")._value.get()
    for _ in range(3):
        assert throttle.attempt("mod@news.example", "192.0.2.1") == 0
    wait = throttle.attempt("mod@news.example", "192.0.2.1")
    assert 0 < wait <= 15 * 60
    assert throttle.attempt("other@news.example", "192.0.2.1") > 0
    assert throttle.attempt("other@news.example", "203.0.113.5") == 0
    assert metrics.REDIS_ERRORS.labels("login_throttle")._value.get() > errors
    throttle.succeeded("mod@news.example")
    assert throttle.attempt("mod@news.example", "203.0.113.5") == 0


def test_local_counts_are_bounded_and_windowed():
    local = LocalFailures(window=60, max_identities=2)
    for ident in ("a", "b", "c"):
        local.attempt(ident, 5)
        local.attempt(ident, 5)
    assert local.attempt("a", 2) == 0  # evicted: at most two identities kept, this is a's first again
    assert 0 < local.attempt("c", 2) <= 60  # c's third attempt, past 2
    assert local.attempt("b", 5) == 0
    zero = LocalFailures(window=0)
    zero.attempt("a", 1)
    assert zero.attempt("a", 1) == 0  # the window is over
