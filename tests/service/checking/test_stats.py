"""service.checking.stats: a site's get-stats figures per month from the usage counters."""
from __future__ import annotations

import datetime as dt

import pytest

from service.accounts import sites
from service.checking import stats
from service.store.db import session_scope

SITE = "https://news.example"
TODAY = dt.date(2026, 3, 15)


def at(month: str) -> dt.datetime:
    return dt.datetime(int(month[:4]), int(month[5:]), 10, tzinfo=dt.timezone.utc)


@pytest.fixture
def history(counter, key_id):
    """Counters of SITE by ``key_id`` over several months (and noise the figures must leave out)."""
    counter.add(key_id, SITE, {"api_calls": 4, "spam": 3, "ham": 1}, when=at("2025-01"))
    counter.add(key_id, SITE, {"api_calls": 2, "spam": 1, "ham": 1}, when=at("2025-10"))
    counter.add(key_id, SITE, {"api_calls": 6, "spam": 4, "ham": 2}, when=at("2026-02"))
    counter.add(key_id, SITE, {"api_calls": 2, "missed_spam": 1, "false_positives": 1}, when=at("2026-03"))
    counter.add(key_id, "https://other.example", {"api_calls": 9, "spam": 9}, when=at("2026-03"))  # another site
    counter.add(key_id, SITE, {"api_calls": 5, "spam": 5}, when=at("2026-04"))  # after TODAY
    return key_id


def figures(db, key_ids, interval, site=SITE):
    with session_scope(db) as s:
        return stats.site_stats(s, site, key_ids, interval, today=TODAY).as_akismet()


def test_six_months_is_this_month_and_the_five_before(clean_db, history):
    got = figures(clean_db, [history], "6-months")
    assert list(got["breakdown"]) == ["2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03"]
    assert got["breakdown"]["2025-11"] == {"date": "2025-11", "spam": 0, "ham": 0, "missed_spam": 0,
                                           "false_positives": 0}
    assert got["breakdown"]["2026-02"] == {"date": "2026-02", "spam": 4, "ham": 2, "missed_spam": 0,
                                           "false_positives": 0}
    assert {k: got[k] for k in ("spam", "ham", "missed_spam", "false_positives")} == {
        "spam": 5, "ham": 3, "missed_spam": 1, "false_positives": 1}
    assert got["accuracy"] == 75.0  # 8 answers, 2 reported wrong
    assert got["time_saved"] == (5 - 1) * stats.SECONDS_SAVED_PER_SPAM
    assert (got["interval"], got["site"]) == ("6-months", SITE)


def test_all_starts_at_the_sites_first_month(clean_db, history):
    got = figures(clean_db, [history], "all")
    months = list(got["breakdown"])
    assert months[0] == "2025-01" and months[-1] == "2026-03" and len(months) == 15
    assert (got["spam"], got["ham"]) == (8, 4)
    assert got["accuracy"] == round(100 * 10 / 12, 2)


def test_sixty_days_are_the_months_they_overlap(clean_db, history):
    assert list(figures(clean_db, [history], "60-days")["breakdown"]) == ["2026-01", "2026-02", "2026-03"]


def test_only_the_given_keys_count(clean_db, history):
    with session_scope(clean_db) as s:
        other = sites.create_key(s, "https://else.example").key_id
    assert figures(clean_db, [other], "all")["spam"] == 0
    assert figures(clean_db, [other, history], "all")["spam"] == 8


def test_no_site_and_no_answers(clean_db, history):
    got = figures(clean_db, [history], "6-months", site=None)
    assert (got["spam"], got["accuracy"], got["time_saved"], got["site"]) == (0, 100.0, 0, None)
    assert len(got["breakdown"]) == 6
    assert list(figures(clean_db, [history], "all", site="https://never.example")["breakdown"]) == ["2026-03"]


def test_accuracy_stays_within_0_and_100(clean_db, counter, key_id):
    counter.add(key_id, SITE, {"ham": 1, "missed_spam": 3}, when=at("2026-03"))  # reports of older checks
    assert figures(clean_db, [key_id], "6-months")["accuracy"] == 0.0


def test_unknown_interval_is_refused(clean_db, key_id):
    with pytest.raises(ValueError, match="interval"):
        figures(clean_db, [key_id], "six-months")


@pytest.mark.parametrize("month,n,expected", [("2026-01", -1, "2025-12"), ("2025-12", 1, "2026-01"),
                                              ("2026-03", -5, "2025-10"), ("2026-03", 0, "2026-03"),
                                              ("2026-03", 24, "2028-03")])
def test_shift_month(month, n, expected):
    assert stats.shift_month(month, n) == expected
