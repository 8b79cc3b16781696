"""At most ``Settings.db_slots`` requests of one worker process use the database at once.

With gunicorn's threaded workers every request takes one of the worker's threads. When the
database stalls (a long lock, a read-only disk, PostgreSQL waiting on a lock), requests that
touch it wait up to ``db_lock_timeout`` each; without a bound they take every thread and even
``/healthz`` waits (24–39 s were measured). With ``db_slots = threads − 1`` (what ``saring serve``
sets) one thread is always left for the endpoints that never touch the database
(:data:`NO_DATABASE_ENDPOINTS`), and a request that cannot get a slot within ``db_slot_wait``
seconds is answered 503 + ``Retry-After`` (Akismet endpoints: ``invalid`` with status 503) instead
of queueing behind the stall.
"""
from __future__ import annotations

import threading

from flask import Flask, g, request

from service.errors import ServiceUnavailable

#: Endpoints that never use the database (answered even while every slot is taken).
NO_DATABASE_ENDPOINTS = frozenset({"health.healthz", "health.prometheus_metrics", "static", "favicon.favicon"})


class DatabaseBusy(ServiceUnavailable):
    """Every database slot of this worker stayed taken for ``db_slot_wait`` seconds."""


def install(app: Flask, slots: int, wait: float) -> None:
    """Guard ``app``'s requests with ``slots`` database slots (``slots <= 0``: no guard)."""
    if slots <= 0:
        return
    semaphore = threading.BoundedSemaphore(slots)

    @app.before_request
    def _take_slot() -> None:
        endpoint = request.endpoint or ""
        if endpoint in NO_DATABASE_ENDPOINTS or endpoint.endswith(".static"):
            return
        if not semaphore.acquire(timeout=wait):
            raise DatabaseBusy("the database is busy; retry in a few seconds")
        g.db_slot = True

    @app.teardown_request
    def _give_slot(_exc: BaseException | None) -> None:
        if g.pop("db_slot", False):
            semaphore.release()

    app.before_request_funcs[None].insert(0, app.before_request_funcs[None].pop())  # first of the hooks
