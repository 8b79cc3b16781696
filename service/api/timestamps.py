"""``Timestamp``: the one datetime field of the JSON API's schemas.

Every datetime the API sends is ISO 8601 with its offset, always UTC (``2026-11-29T12:03:10+00:00``),
as the webhooks' ``occurred_at``. The columns read back timezone-aware UTC
(``service.store.tables.UtcDateTime``); a naive value (a row written before that type, an object
built in memory) is taken as UTC rather than sent without an offset.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import fields


class Timestamp(fields.DateTime):
    """marshmallow ``DateTime`` that dumps ISO 8601 in UTC with ``+00:00`` (naive: taken as UTC).
    Loading is marshmallow's ``DateTime`` (an input without an offset stays naive: UTC to the callers)."""

    def _serialize(self, value: dt.datetime | None, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        utc = value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)
        return super()._serialize(utc, attr, obj, **kwargs)
