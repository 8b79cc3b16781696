"""Usage counters per API key, site (the ``blog`` URL a client sends) and month (plain Python, no Flask).

Counters (Akismet's key-sites report, reference section 3.1):

* ``api_calls``: comment-check, submit-spam and submit-ham calls (Akismet and JSON API);
* ``spam`` / ``ham``: comment-checks we answered spam (hold or reject) / ham (accept);
* ``missed_spam``: submit-spam on a comment we had answered ham;
* ``false_positives``: submit-ham on a comment we had answered spam.

Storage, written through: every increment is an atomic upsert (``INSERT … ON CONFLICT DO UPDATE SET
n = n + excluded.n``) into the ``usage_monthly`` table (for a comment-check, in the same transaction
that stores the comment; for reports, in its own short transaction), and an
``HINCRBY`` of the Redis hashes ``RedisKeys.usage`` (per site) and ``RedisKeys.usage_total`` (per
key), the shared live counters, kept ``USAGE_TTL`` seconds. The database is the copy reports read,
so a Redis outage or restart loses nothing; Redis errors are logged and counted
(``saring_redis_errors_total{operation="usage"}``) and never fail a request, and neither does a
failed database increment (logged, ``saring_usage_write_failures_total``).
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.infra import metrics
from service.infra.fail_open import fail_open
from service.infra.redis_keys import USAGE_TTL, RedisKeys
from service.store.db import Database
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
    """Counts usage in Redis and the database (see the module docstring).

    Args:
        db: the database (increments run in their own transaction).
        client: Redis client (may be unreachable: fail open).
        keys: key names.
    """

    def __init__(self, db: Database, client: redis.Redis, keys: RedisKeys) -> None:
        self.db = db
        self.client = client
        self.keys = keys

    def add(self, api_key_id: int, blog: str, counts: dict[str, int], when: dt.datetime | None = None,
            session: Session | None = None) -> None:
        """Add ``counts`` (names from ``COUNTERS``, non-negative ints) for one key, site and month.

        With ``session``, the database increment joins that session's transaction (one commit
        for a comment and its count; the caller commits) and the Redis increment must follow
        with :meth:`add_live` after the commit. Without it, the increment commits on its own
        and Redis is updated here.

        Raises ``ValueError`` for an unknown counter name; never raises for storage failures
        when it commits on its own.
        """
        counts, blog, month = self._normalise(blog, counts, when)
        if not counts:
            return
        if session is not None:
            session.execute(self._upsert(api_key_id, blog, month, counts))
            return
        try:
            with self.db.engine.begin() as conn:
                conn.execute(self._upsert(api_key_id, blog, month, counts))
        except Exception as exc:  # noqa: BLE001 - counting must never fail the request it counts
            metrics.USAGE_WRITE_FAILURES.inc()
            log.error("usage increment not stored (key %s, %s, %s): %s", api_key_id, blog, month, exc)
        self.add_live(api_key_id, blog, counts, when)

    def add_live(self, api_key_id: int, blog: str, counts: dict[str, int], when: dt.datetime | None = None) -> None:
        """Increment only the Redis counters (after a database increment joined a transaction)."""
        counts, blog, month = self._normalise(blog, counts, when)
        if counts:
            self._increment_live(api_key_id, blog, month, counts)

    @fail_open("usage", skipped="usage counter not incremented in Redis (kept in the database)")
    def _increment_live(self, api_key_id: int, blog: str, month: str, counts: dict[str, int]) -> None:
        pipe = self.client.pipeline(transaction=False)
        for key in (self.keys.usage(api_key_id, blog, month), self.keys.usage_total(api_key_id, month)):
            for name, n in counts.items():
                pipe.hincrby(key, name, n)
            pipe.expire(key, USAGE_TTL)
        pipe.execute()

    @staticmethod
    def _normalise(blog: str, counts: dict[str, int], when: dt.datetime | None) -> tuple[dict[str, int], str, str]:
        unknown = set(counts) - set(COUNTERS)
        if unknown:
            raise ValueError(f"unknown usage counters: {sorted(unknown)}")
        return ({name: int(n) for name, n in counts.items() if n}, (blog or "")[:MAX_BLOG_CHARS], month_of(when))

    def _upsert(self, api_key_id: int, blog: str, month: str, counts: dict[str, int]):
        if self.db.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        values = {name: counts.get(name, 0) for name in COUNTERS}
        stmt = insert(UsageMonthly).values(api_key_id=api_key_id, blog=blog, month=month, **values)
        return stmt.on_conflict_do_update(
            index_elements=["api_key_id", "blog", "month"],
            set_={name: getattr(UsageMonthly, name) + stmt.excluded[name] for name in counts},
        )

    @fail_open("usage", None, "usage counters unreadable in Redis")
    def live(self, api_key_id: int, month: str | None = None) -> dict[str, int] | None:
        """The Redis counters of one key for ``month`` summed over its sites, or ``None`` when Redis
        is unreachable (they may lag the database after a Redis restart; reports use ``totals``)."""
        raw = self.client.hgetall(self.keys.usage_total(api_key_id, month or month_of()))
        return {name: int(raw.get(name.encode(), 0)) for name in COUNTERS}


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
