"""service.retraining.ports: one retrain at a time, decided by the database."""
from __future__ import annotations

import datetime as dt
import threading

import pytest

from service.errors import Conflict
from service.retraining.ports import RUN_STALE_AFTER, active_run, finish_run, start_run
from service.store.db import session_scope
from service.store.tables import RetrainRun, utcnow


def test_a_second_start_is_refused_even_without_a_check_first(clean_db):
    first = start_run(clean_db, "cli:a", {}, status="queued")
    with pytest.raises(Conflict) as err:
        start_run(clean_db, "cli:b", {})
    assert err.value.fields["run_id"] == first
    assert active_run(clean_db).id == first
    finish_run(clean_db, first, "published")
    assert active_run(clean_db) is None
    assert start_run(clean_db, "cli:c", {}) > first


def test_racing_starts_give_exactly_one_run(clean_db):
    barrier = threading.Barrier(6)
    won, lost = [], []

    def go(i: int) -> None:
        barrier.wait()
        try:
            won.append(start_run(clean_db, f"racer {i}", {}, status="queued"))
        except Conflict:
            lost.append(i)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1 and len(lost) == 5
    with session_scope(clean_db) as s:
        assert s.query(RetrainRun).filter(RetrainRun.status.in_(("queued", "running"))).count() == 1


def test_a_stale_run_is_ended_by_the_next_start(clean_db):
    old = start_run(clean_db, "died", {})
    with session_scope(clean_db) as s:
        s.get(RetrainRun, old).started_at = utcnow() - dt.timedelta(seconds=RUN_STALE_AFTER + 60)
    assert active_run(clean_db) is None  # the models page and the API see no run under way
    new = start_run(clean_db, "cli:new", {})
    with session_scope(clean_db) as s:
        assert s.get(RetrainRun, old).status == "failed"
        assert "stale" in s.get(RetrainRun, old).summary["error"]
    assert active_run(clean_db).id == new
