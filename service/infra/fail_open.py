"""The one rule for Redis trouble on a path that must not fail because of it: fail open.

``@fail_open("velocity", default=1, skipped="velocity signal skipped")`` around a function that
talks to Redis: when it raises ``redis.RedisError`` the error is logged as a warning
("velocity signal skipped, Redis error: …"), counted in ``saring_redis_errors_total{operation}``
and the call returns ``default`` — or ``fallback(*args, **kwargs)`` when one is given (e.g. this
process's own counts). Redis only holds caches and counters the database can rebuild (see
``shared/ARCHITECTURE.md``), so skipping it costs a signal, never a comment.
"""
from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import redis

from service.infra import metrics

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


def fail_open(operation: str, default: Any = None, skipped: str = "", *,
              fallback: Callable[..., Any] | None = None) -> Callable[[F], F]:
    """Decorate a Redis-using function so that ``redis.RedisError`` never leaves it.

    Args:
        operation: the ``operation`` label of ``saring_redis_errors_total``.
        default: what the call returns after an error (ignored with ``fallback``).
        skipped: what was skipped, for the log line (default: ``"<operation> skipped"``).
        fallback: called with the call's own arguments after an error; its result is returned.
    """
    what = skipped or f"{operation} skipped"

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except redis.RedisError as exc:
                metrics.REDIS_ERRORS.labels(operation).inc()
                log.warning("%s, Redis error: %s", what, exc)
                return fallback(*args, **kwargs) if fallback is not None else default

        return wrapper  # type: ignore[return-value]

    return decorate
