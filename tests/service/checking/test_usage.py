"""service.checking.usage: counters in the database, reports, a failed increment never raises."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from service.store.db import Database, session_scope
from service.store.tables import UsageMonthly
from service.checking.usage import UsageCounter, check_counts, key_sites, month_of, totals


def test_month_of_is_utc():
    when = dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert month_of(when) == "2026-12"


def test_check_counts():
    assert check_counts("accept") == {"api_calls": 1, "ham": 1}
    assert check_counts("hold") == check_counts("reject") == {"api_calls": 1, "spam": 1}


def test_add_writes_the_database(counter, key_id, clean_db):
    counter.add(key_id, "https://news.example", {"api_calls": 1, "spam": 1})
    counter.add(key_id, "https://news.example", {"api_calls": 1, "ham": 1})
    counter.add(key_id, "https://other.example", {"api_calls": 1, "missed_spam": 1})
    with session_scope(clean_db) as s:
        rows = {r.blog: r for r in s.scalars(select(UsageMonthly))}
        assert (rows["https://news.example"].api_calls, rows["https://news.example"].spam,
                rows["https://news.example"].ham) == (2, 1, 1)
        assert totals(s, key_id, month_of()) == {"api_calls": 3, "spam": 1, "ham": 1, "missed_spam": 1,
                                                 "false_positives": 0}


def test_zero_counts_write_nothing(counter, key_id, clean_db):
    counter.add(key_id, "https://news.example", {"api_calls": 0})
    with session_scope(clean_db) as s:
        assert s.scalars(select(UsageMonthly)).first() is None


def test_unknown_counter_is_refused(counter, key_id):
    with pytest.raises(ValueError, match="bogus"):
        counter.add(key_id, "https://news.example", {"bogus": 1})


def test_database_failure_does_not_raise(tmp_path, key_id):
    from service.infra import metrics

    broken = Database(f"sqlite:///{tmp_path / 'no-tables.db'}")
    counter = UsageCounter(broken)
    before = metrics.USAGE_WRITE_FAILURES._value.get()
    counter.add(key_id, "https://news.example", {"api_calls": 1})
    assert metrics.USAGE_WRITE_FAILURES._value.get() == before + 1
    broken.dispose()


def test_key_sites_order_filter_paging(counter, key_id, clean_db):
    counter.add(key_id, "https://a.example", {"api_calls": 5, "spam": 1, "ham": 4})
    counter.add(key_id, "https://b.example", {"api_calls": 2, "spam": 2})
    counter.add(key_id, "https://c.test", {"api_calls": 9, "ham": 9})
    counter.add(key_id, "https://old.example", {"api_calls": 1}, when=dt.datetime(2020, 1, 5, tzinfo=dt.timezone.utc))
    with session_scope(clean_db) as s:
        rows, total = key_sites(s, key_id, month_of())
        assert total == 3 and [r.site for r in rows] == ["https://c.test", "https://a.example", "https://b.example"]
        rows, _ = key_sites(s, key_id, month_of(), order="spam")
        assert [r.site for r in rows][:2] == ["https://b.example", "https://a.example"]
        rows, total = key_sites(s, key_id, month_of(), url_filter="EXAMPLE", limit=1, offset=1)
        assert total == 2 and [r.site for r in rows] == ["https://b.example"]
        assert key_sites(s, key_id, "2020-01")[1] == 1
        with pytest.raises(ValueError):
            key_sites(s, key_id, month_of(), order="best")


def test_filter_with_percent_is_literal(counter, key_id, clean_db):
    counter.add(key_id, "https://a.example/100%25", {"api_calls": 1})
    counter.add(key_id, "https://b.example", {"api_calls": 1})
    with session_scope(clean_db) as s:
        assert [r.site for r in key_sites(s, key_id, month_of(), url_filter="%")[0]] == ["https://a.example/100%25"]
