"""A site's spam figures over an interval, per month, as the WordPress plugin's stats read them
(Akismet ``get-stats``; plain Python, no Flask).

Figures come from the ``usage_monthly`` counters (``service.checking.usage``) of the site: the
rows whose ``blog`` is the site's URL, over every key that may write into the site (its own keys
and the keys covering it, ``service.accounts.key_sites``), so a rotated key keeps its history and
counts a foreign key made before migration 0008 stay out. Months are UTC ``YYYY-MM``:

* ``spam`` / ``ham``: comment-checks answered spam (hold or reject) / ham (accept);
* ``missed_spam``: submit-spam on a comment answered ham; ``false_positives``: submit-ham on one
  answered spam;
* ``accuracy``: per cent of answers not reported wrong, ``100 × (answers − missed_spam −
  false_positives) / answers`` with ``answers = spam + ham``, rounded to 2 decimals, within
  0–100; ``100.0`` when nothing was answered;
* ``time_saved``: seconds, ``SECONDS_SAVED_PER_SPAM`` for every spam caught and not reported as a
  false positive (our estimate; the plugin turns it into minutes, hours or 8-hour days).

Intervals (the plugin's ``from`` values): ``6-months`` is this month and the five before it,
``60-days`` the months that overlap the last 60 days (the counters are monthly), ``all`` every
month from the site's first counted month to this one. The breakdown has a row for every month of
the interval, zeros included, oldest first.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.checking.usage import month_of
from service.store.tables import UsageMonthly

#: The ``from`` values the WordPress plugin sends (class.akismet-admin.php, class.akismet-rest-api.php,
#: class.akismet-cli.php); ``all`` when none is sent.
INTERVALS = ("60-days", "6-months", "all")
DEFAULT_INTERVAL = "all"
#: Seconds a moderator would spend on one spam comment by hand (``time_saved``; our estimate).
SECONDS_SAVED_PER_SPAM = 5
FIGURES = ("spam", "ham", "missed_spam", "false_positives")


@dataclass(frozen=True)
class MonthFigures:
    """One month's counters of a site (``month`` is ``YYYY-MM``, UTC)."""

    month: str
    spam: int = 0
    ham: int = 0
    missed_spam: int = 0
    false_positives: int = 0


@dataclass
class SiteStats:
    """A site's figures over an interval: ``months`` oldest first, one per month of the interval."""

    interval: str
    site: str | None
    months: list[MonthFigures] = field(default_factory=list)

    def total(self, name: str) -> int:
        """The sum of counter ``name`` (one of ``FIGURES``) over the interval."""
        return sum(getattr(m, name) for m in self.months)

    @property
    def accuracy(self) -> float:
        """Per cent of answers not reported wrong (see the module docstring)."""
        answers = self.total("spam") + self.total("ham")
        if answers == 0:
            return 100.0
        wrong = self.total("missed_spam") + self.total("false_positives")
        return round(min(100.0, max(0.0, 100.0 * (answers - wrong) / answers)), 2)

    @property
    def time_saved(self) -> int:
        """Seconds saved: ``SECONDS_SAVED_PER_SPAM`` per spam caught and not reported as a false positive."""
        return max(self.total("spam") - self.total("false_positives"), 0) * SECONDS_SAVED_PER_SPAM

    def as_akismet(self) -> dict[str, Any]:
        """The get-stats JSON object::

            {"spam": int, "ham": int, "missed_spam": int, "false_positives": int,
             "accuracy": float (per cent), "time_saved": int (seconds),
             "breakdown": {"YYYY-MM": {"date": "YYYY-MM", "spam", "ham", "missed_spam",
                                       "false_positives"}, ...},
             "interval": "6-months" | "60-days" | "all", "site": URL | null}
        """
        return {
            **{name: self.total(name) for name in FIGURES},
            "accuracy": self.accuracy,
            "time_saved": self.time_saved,
            "breakdown": {m.month: {"date": m.month, **{k: v for k, v in asdict(m).items() if k != "month"}}
                          for m in self.months},
            "interval": self.interval,
            "site": self.site,
        }


def shift_month(month: str, n: int) -> str:
    """``YYYY-MM`` moved by ``n`` months (``shift_month("2026-01", -1) == "2025-12"``)."""
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + (mon - 1) + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_range(first: str, last: str) -> list[str]:
    """Every ``YYYY-MM`` from ``first`` to ``last`` (both included; empty when ``first > last``)."""
    out: list[str] = []
    month = first
    while month <= last:
        out.append(month)
        month = shift_month(month, 1)
    return out


def first_month(interval: str, today: dt.date) -> str | None:
    """The first month of ``interval`` ending ``today``; ``None`` for ``all`` (the site's first).
    Raises ``ValueError`` for an interval not in ``INTERVALS``."""
    this = month_of(dt.datetime.combine(today, dt.time(), tzinfo=dt.timezone.utc))
    if interval == "6-months":
        return shift_month(this, -5)
    if interval == "60-days":
        start = today - dt.timedelta(days=59)
        return month_of(dt.datetime.combine(start, dt.time(), tzinfo=dt.timezone.utc))
    if interval == "all":
        return None
    raise ValueError(f"interval must be one of {INTERVALS}, not {interval!r}")


def site_stats(session: Session, site_url: str | None, key_ids: Iterable[int], interval: str = DEFAULT_INTERVAL,
               today: dt.date | None = None) -> SiteStats:
    """The figures of the site ``site_url`` counted by the keys ``key_ids`` over ``interval``
    ending ``today`` (default: today, UTC). ``site_url=None`` (a blog that is no site yet) gives
    zeros. Raises ``ValueError`` for an interval not in ``INTERVALS``."""
    today = today or dt.datetime.now(dt.timezone.utc).date()
    first = first_month(interval, today)
    this = month_of(dt.datetime.combine(today, dt.time(), tzinfo=dt.timezone.utc))
    ids = sorted(set(key_ids))
    counted: dict[str, MonthFigures] = {}
    if site_url is not None and ids:
        where = [UsageMonthly.blog == site_url, UsageMonthly.api_key_id.in_(ids), UsageMonthly.month <= this]
        if first is not None:
            where.append(UsageMonthly.month >= first)
        rows = session.execute(
            select(UsageMonthly.month, *[func.sum(getattr(UsageMonthly, n)) for n in FIGURES])
            .where(*where).group_by(UsageMonthly.month))
        for month, *values in rows:
            counted[month] = MonthFigures(month, *(int(v or 0) for v in values))
    start = first or (min(counted) if counted else this)
    months = [counted.get(m, MonthFigures(m)) for m in month_range(start, this)]
    return SiteStats(interval, site_url, months)
