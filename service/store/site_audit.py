"""The audit log of a site's settings (table ``site_events``): one row per change, written in the
same transaction as the change, never updated (plain Python, no Flask).

Every domain function that changes a site's settings calls :func:`record` — thresholds
(``service.accounts.sites``), callback URL and secret (``service.webhooks.outbox``), keys
(``service.accounts.sites``), moderators (``service.accounts.users``), allow / block lists and
learning (``service.learning``) — so the page, the CLI and the admin API all leave the same trace.
It lives in ``service.store`` because every one of those packages may use the store (``service.learning``
may not import ``service.accounts``).

``detail`` is a small JSON object; it never holds a secret or a full key: :func:`record` refuses
the names ``secret``, ``callback_secret``, ``key``, ``token`` and ``password`` (a key's hint is
``hint``).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.store.tables import SiteEvent, utcnow

#: What ``site_events.action`` may say.
ACTIONS = ("site_create", "thresholds_set", "thresholds_clear", "callback_set", "callback_clear", "secret_rotate",
           "key_create", "key_revoke", "moderator_add", "moderator_remove", "list_add", "list_remove",
           "learning_change")
#: Names ``detail`` may never carry (what they name must not be logged).
SECRET_NAMES = frozenset({"secret", "callback_secret", "key", "token", "password"})
#: Events per page of the site settings page.
PAGE_SIZE = 50


def record(session: Session, site: Any, action: str, actor: str = "", user_id: int | None = None,
           detail: Mapping[str, Any] | None = None) -> SiteEvent:
    """Add one audit row for ``site`` (a ``Site`` or its id) to ``session``; the caller commits, with
    the change. ``actor`` is who did it (an e-mail, ``cli``), ``user_id`` their ``users.id`` if any.

    Raises ``ValueError`` for an unknown ``action`` or a ``detail`` naming a secret (a bug, not input).
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown site event {action!r}")
    detail = dict(detail or {})
    leaked = SECRET_NAMES & set(detail)
    if leaked:
        raise ValueError(f"site event detail must not carry {', '.join(sorted(leaked))}")
    site_id = site if isinstance(site, int) else site.id
    row = SiteEvent(site_id=site_id, action=action, actor=(actor or "")[:255], user_id=user_id, detail=detail,
                    created_at=utcnow())
    session.add(row)
    return row


@dataclass(frozen=True)
class EventPage:
    """Up to ``PAGE_SIZE`` events, newest first; ``older`` is the ``before`` of the next page (or ``None``)."""

    events: list[SiteEvent]
    older: int | None


def events_of(session: Session, site_id: int, before: int | None = None, limit: int = PAGE_SIZE) -> EventPage:
    """The site's events newest first (by id), those with an id below ``before`` when given."""
    stmt = select(SiteEvent).where(SiteEvent.site_id == site_id)
    if before is not None:
        stmt = stmt.where(SiteEvent.id < before)
    rows = list(session.scalars(stmt.order_by(SiteEvent.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return EventPage(rows, rows[-1].id if more and rows else None)


def _pair(value: Any) -> str:
    if isinstance(value, Mapping) and value.get("hold") is not None:
        return f"{value['hold']:g} / {value['reject']:g}"
    return "the model's"


def _lang(detail: Mapping[str, Any]) -> str:
    return f"language {detail['lang']}" if detail.get("lang") else "every language"


def _value(name: str, value: Any) -> str:
    if name == "languages":
        return ", ".join(value or []) or "none"
    if isinstance(value, bool):
        return "on" if value else "off"
    return "default" if value is None else str(value)


def describe(event: SiteEvent) -> str:
    """One line of plain text for ``event`` (the page and ``saring sites events`` show it)."""
    d = event.detail or {}
    a = event.action
    if a == "site_create":
        if d.get("by_key_id") is not None:
            return (f"site registered ({d.get('url', '')}): first named as blog by key {d['by_key_id']} "
                    f"of site {d.get('key_site_id')}, which now covers it")
        return f"site registered ({d.get('url', '')})"
    if a == "thresholds_set":
        return f"thresholds for {_lang(d)}: {_pair(d.get('before'))} → {_pair(d)}"
    if a == "thresholds_clear":
        return f"thresholds for {_lang(d)} back to the model's (were {_pair(d.get('before'))})"
    if a == "callback_set":
        was = f" (was {d['previous_url']})" if d.get("previous_url") else ""
        secret = {"new": "; a new secret", "given": "; a chosen secret"}.get(d.get("secret_change", ""), "")
        return f"callback URL {d.get('url', '')}{was}{secret}"
    if a == "callback_clear":
        return f"callback URL removed (was {d.get('previous_url') or '-'}), with its secret"
    if a == "secret_rotate":
        return "callback secret rotated"
    if a in ("key_create", "key_revoke"):
        label = f" “{d['label']}”" if d.get("label") else ""
        return f"key {d.get('key_id')} ({d.get('hint', '')}…){label} {'created' if a == 'key_create' else 'revoked'}"
    if a in ("moderator_add", "moderator_remove"):
        return f"moderator {d.get('email', '')} {'added' if a == 'moderator_add' else 'removed'}"
    if a == "list_add":
        was = f" (was {d['previous_action']})" if d.get("previous_action") else ""
        return f"list entry {d.get('entry_id')}: {d.get('kind')} “{d.get('value')}” → {d.get('list_action')}{was}"
    if a == "list_remove":
        return f"list entry {d.get('entry_id')} removed: {d.get('kind')} “{d.get('value')}” ({d.get('list_action')})"
    if a == "learning_change":
        parts = []
        for name, change in (d.get("changes") or {}).items():
            old, new = (change or [None, None])[:2]
            parts.append(f"{name} {_value(name, old)} → {_value(name, new)}")
        return "learning: " + ("; ".join(parts) or "no change")
    return a
