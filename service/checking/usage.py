"""Usage counters per API key, site (the ``blog`` URL a client sends) and month (plain Python, no Flask).

Counters (Akismet's key-sites report, reference section 3.1):

* ``api_calls``: comment-check, submit-spam and submit-ham calls (Akismet and JSON API);
* ``spam`` / ``ham``: comment-checks we answered spam (hold or reject) / ham (accept);
* ``missed_spam``: submit-spam on a comment we had answered ham;
* ``false_positives``: submit-ham on a comment we had answered spam.

Storage: every increment is an atomic upsert (``INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n``,
one statement built once per dialect) into the ``usage_monthly`` table: for a comment-check in the same
transaction that stores the comment, for reports in its own short transaction. The database is the
only copy and the one every report reads (key-sites, usage-limit, the stats): Redis holds no usage
counters (the live Redis hashes of earlier versions were read by nothing and cost a round trip per
check). A failed database increment of a report is logged and counted
(``saring_usage_write_failures_total``) and never fails the request it counts.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from service.infra import metrics
from service.store.db import Database
from service.store.dialect import insert_for
from service.store.tables import UsageMonthly

log = logging.getLogger(__name__)

COUNTERS = ("api_calls", "spam", "ham", "missed_spam", "false_positives")
#: key-sites ``order`` values → the column sorted on (descending).
ORDERS = {"total": "api_calls", "spam": "spam", "ham": "ham", "missed_spam": "missed_spam",
          "false_positives": "false_positives"}
#: Longest ``blog`` kept (the column's size).
MAX_BLOG_CHARS = 2048


def month_of(when: dt.datetime | None = None) -> str:
    """``YYYY-MM`` of ``when`` (default now) in UTC."""
    when = when or dt.datetime.now(dt.timezone.utc)
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m")


def check_counts(decision: str) -> dict[str, int]:
    """Increments for one comment-check answered with ``decision`` (accept → ham, else spam)."""
    return {"api_calls": 1, "ham" if decision == "accept" else "spam": 1}


@dataclass(frozen=True)
class SiteUsage:
    """One row of the key-sites report."""

    site: str
    api_calls: int
    spam: int
    ham: int
    missed_spam: int
    false_positives: int
    is_revoked: bool = False


class UsageCounter:
    """Counts usage in the database (see the module docstring).

    Args:
        db: the database (increments without a session run in their own transaction).
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._stmt = _upsert(db.engine.dialect.name)

    def add(self, api_key_id: int, blog: str, counts: dict[str, int], when: dt.datetime | None = None,
            session: Session | None = None) -> None:
        """Add ``counts`` (names from ``COUNTERS``, non-negative ints) for one key, site and month.

        With ``session``, the increment joins that session's transaction (one commit for a comment
        and its count; the caller commits). Without it, the increment commits on its own.

        Raises ``ValueError`` for an unknown counter name; never raises for storage failures
        when it commits on its own.
        """
        unknown = set(counts) - set(COUNTERS)
        if unknown:
            raise ValueError(f"unknown usage counters: {sorted(unknown)}")
        if not any(counts.values()):
            return
        params = {"api_key_id": api_key_id, "blog": (blog or "")[:MAX_BLOG_CHARS], "month": month_of(when),
                  **{name: int(counts.get(name, 0)) for name in COUNTERS}}
        if session is not None:
            session.connection().execute(self._stmt, params)  # Core: the ORM adds nothing to an upsert
            return
        try:
            with self.db.engine.begin() as conn:
                conn.execute(self._stmt, params)
        except Exception as exc:  # noqa: BLE001 - counting must never fail the request it counts
            metrics.USAGE_WRITE_FAILURES.inc()
            log.error("usage increment not stored (key %s, %s, %s): %s", api_key_id, params["blog"],
                      params["month"], exc)


def _upsert(dialect: str):
    """The one increment statement of ``dialect`` (``postgresql`` or ``sqlite``), with bound
    parameters ``api_key_id``, ``blog``, ``month`` and one per counter (0 adds nothing)."""
    stmt = insert_for(dialect, UsageMonthly.__table__).values(api_key_id=bindparam("api_key_id"), blog=bindparam("blog"),
                                       month=bindparam("month"), **{n: bindparam(n) for n in COUNTERS})
    return stmt.on_conflict_do_update(
        index_elements=["api_key_id", "blog", "month"],
        set_={name: getattr(UsageMonthly, name) + stmt.excluded[name] for name in COUNTERS},
    )


def totals(session: Session, api_key_id: int, month: str) -> dict[str, int]:
    """One key's counters for ``month`` summed over its sites (from the database)."""
    row = session.execute(
        select(*[func.coalesce(func.sum(getattr(UsageMonthly, n)), 0) for n in COUNTERS])
        .where(UsageMonthly.api_key_id == api_key_id, UsageMonthly.month == month)
    ).one()
    return {name: int(value) for name, value in zip(COUNTERS, row)}


def key_sites(session: Session, api_key_id: int, month: str, url_filter: str = "", order: str = "total",
              limit: int = 500, offset: int = 0) -> tuple[list[SiteUsage], int]:
    """The key-sites report: one row per site that used ``api_key_id`` in ``month``.

    Args:
        url_filter: keep sites whose URL contains this text (case-insensitive); "" keeps all.
        order: a key of ``ORDERS``; sorted by that counter descending, then by site URL.
        limit, offset: paging (``limit`` ≥ 0, ``offset`` ≥ 0).

    Returns ``(rows, total)`` where ``total`` counts the rows before paging.
    Raises ``ValueError`` for an unknown ``order``.
    """
    if order not in ORDERS:
        raise ValueError(f"order must be one of {sorted(ORDERS)}, not {order!r}")
    where = [UsageMonthly.api_key_id == api_key_id, UsageMonthly.month == month]
    if url_filter:
        where.append(func.lower(UsageMonthly.blog).contains(url_filter.lower(), autoescape=True))
    total = session.scalar(select(func.count()).select_from(UsageMonthly).where(*where)) or 0
    column = getattr(UsageMonthly, ORDERS[order])
    rows = session.scalars(
        select(UsageMonthly).where(*where).order_by(column.desc(), UsageMonthly.blog).limit(limit).offset(offset)
    )
    return [SiteUsage(r.blog, r.api_calls, r.spam, r.ham, r.missed_spam, r.false_positives) for r in rows], int(total)
