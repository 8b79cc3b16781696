"""Telling a site about moderator decisions: signed webhook deliveries (plain Python, no Flask).

A site may register a callback URL and a secret (``saring sites set-callback``). Every moderator
action (approve, spam, reject, undo) on one of its comments records a ``WebhookDelivery`` row in the
same transaction as the action — the durable copy — and, after the commit, an RQ job
(``service.infra.jobs``) POSTs it:

* body: the JSON object of ``payload`` encoded with ``encode_payload`` (compact, sorted keys, UTF-8);
* ``X-Saring-Signature: sha256=<hex>``: HMAC-SHA256 of the exact body bytes keyed with the site's
  ``callback_secret`` (verify with ``verify_signature``, or the snippet in the README);
* ``X-Saring-Delivery``: the delivery id (the same on every retry, for de-duplication);
* ``X-Saring-Event: comment.moderated``.

Any 2xx answer marks the row ``delivered``; anything else (or no answer within ``TIMEOUT``
seconds) is retried with back-off (``jobs.WEBHOOK_RETRY_INTERVALS``) and, when the retries run
out, marked ``failed`` (``saring webhooks retry`` sends failed ones again). Redirects are not
followed. Payloads carry the comment's ``revision`` so a site can ignore an older decision that
arrives after a newer one.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
from typing import TYPE_CHECKING, Any, Protocol

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import ValidationFailed
from service.accounts.sites import normalize_site_url
from service.store import site_audit
from service.store.tables import Comment, Site, WebhookDelivery, utcnow
from service.webhooks import targets

if TYPE_CHECKING:
    from service.infra.jobs import JobQueue

log = logging.getLogger(__name__)

EVENT = "comment.moderated"
SIGNATURE_HEADER = "X-Saring-Signature"
DELIVERY_HEADER = "X-Saring-Delivery"
EVENT_HEADER = "X-Saring-Event"
#: Seconds to wait for the site's answer (connect + read).
TIMEOUT = 10.0
#: Pending deliveries younger than this (seconds) are left to the job enqueued with them.
SWEEP_MIN_AGE = 60


class Move(Protocol):
    """What a delivery tells of one moderator change (``service.moderation.actions.Moved`` has it)."""

    action: str
    from_status: str
    to_status: str
    label: str | None
    revision: int


class DeliveryFailed(Exception):
    """The site did not answer 2xx; raised inside the RQ job so that RQ retries it."""


def new_secret() -> str:
    """A fresh callback secret: 32 random bytes, URL-safe text."""
    return secrets.token_urlsafe(32)


def set_callback(session: Session, site: Site, url: str | None, secret: str | None = None,
                 allow_internal: bool = False, *, actor: str = "", actor_id: int | None = None) -> str | None:
    """Register (or with ``url=None`` remove) ``site``'s callback URL. Returns the secret in force
    (a new one is generated when none is given and the site has none). Raises ``ValidationFailed``
    (field ``url``) unless ``url`` is an absolute http(s) URL without credentials whose host does
    not resolve to an internal address (``service.webhooks.targets``; ``allow_internal`` lifts the
    address check), (field ``secret``) for a secret under 16 characters. Written to the site's
    audit log (never the secret: only whether it is new). The caller commits."""
    from urllib.parse import urlsplit

    previous = site.callback_url
    if url is None:
        had = previous is not None or site.callback_secret is not None
        site.callback_url = None
        site.callback_secret = None
        if had and session is not None:
            site_audit.record(session, site, "callback_clear", actor, actor_id, {"previous_url": previous})
        return None
    bad = ValidationFailed("url must be an absolute http(s) URL, e.g. https://news.example/saring-hook", field="url")
    try:
        normalize_site_url(url)  # port in range, brackets closed, no control characters
        parts = urlsplit(url.strip())
    except (ValidationFailed, ValueError):
        raise bad from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad
    targets.resolve(url, allow_internal, must_resolve=False)
    if secret is not None and len(secret) < 16:
        raise ValidationFailed("secret must have at least 16 characters", field="secret")
    change = "given" if secret is not None and secret != site.callback_secret else (
        "kept" if site.callback_secret else "new")
    site.callback_url = url.strip()
    site.callback_secret = secret or site.callback_secret or new_secret()
    if session is not None:  # None: checking a URL on a site outside any session (nothing is stored)
        site_audit.record(session, site, "callback_set", actor, actor_id,
                          {"url": site.callback_url, "previous_url": previous, "secret_change": change})
    return site.callback_secret


def rotate_secret(session: Session, site: Site, *, actor: str = "", actor_id: int | None = None) -> str:
    """Give ``site`` a new callback secret and return it (the only time it is shown): deliveries
    are signed with it from now on, pending ones included. Raises ``ValidationFailed`` (field
    ``url``) when the site has no callback URL. Audited (without the secret). The caller commits."""
    if not site.callback_url:
        raise ValidationFailed("this site has no callback URL: set one first (a secret comes with it)", field="url")
    site.callback_secret = new_secret()
    site_audit.record(session, site, "secret_rotate", actor, actor_id, {"url": site.callback_url})
    return site.callback_secret


def encode_payload(payload: dict[str, Any]) -> bytes:
    """The exact bytes POSTed: compact JSON, sorted keys, UTF-8."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign(body: bytes, secret: str) -> str:
    """``sha256=<hex of HMAC-SHA256(secret, body)>``, the ``X-Saring-Signature`` value."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, secret: str, header: str | None) -> bool:
    """What a receiving site does: constant-time comparison of ``header`` with ``sign(body, secret)``."""
    return bool(header) and hmac.compare_digest(sign(body, secret), header.strip())


def record_delivery(session: Session, comment: Comment, moved: Move, actor: str, reason: str,
                    occurred_at: dt.datetime | None) -> WebhookDelivery | None:
    """Add the delivery row for one moderator change when the comment's site has a callback URL;
    ``None`` otherwise. The caller flushes (for its id) and commits, in the same transaction as the
    change."""
    site = comment.site
    if not site.callback_url:
        return None
    payload = {
        "event": EVENT,
        "comment_id": comment.id,
        "site": site.url,
        "action": moved.action,
        "status": moved.to_status,
        "previous_status": moved.from_status,
        "label": moved.label,
        "revision": moved.revision,
        "moderator": actor,
        "reason": reason,
        "permalink": comment.permalink,
        "occurred_at": (occurred_at or utcnow()).isoformat(),
    }
    row = WebhookDelivery(site_id=site.id, comment_id=comment.id, payload=payload, status="pending")
    session.add(row)
    return row


def send(row: WebhookDelivery, site: Site, client: httpx.Client | None = None,
         allow_internal: bool = False) -> str:
    """POST one delivery to ``site.callback_url``, connecting to the address checked by
    :func:`service.webhooks.targets.resolve` (internal addresses refused unless
    ``allow_internal``). Returns ``""`` on a 2xx answer, else the error (``HTTP 503``,
    ``ConnectError: …``, ``refused: …``). Never raises for network errors."""
    if not site.callback_url:
        return "the site has no callback URL any more"
    if not site.callback_secret:
        return "the site has no callback secret"
    try:
        url, pin_headers, extensions = targets.pinned_request(targets.resolve(site.callback_url, allow_internal))
    except targets.TargetRefused as exc:
        return f"refused: {exc.message}"[:1000]
    body = encode_payload(row.payload)
    headers = {
        **pin_headers,
        "Content-Type": "application/json",
        "User-Agent": "Saring-Webhook/1",
        SIGNATURE_HEADER: sign(body, site.callback_secret),
        DELIVERY_HEADER: str(row.id),
        EVENT_HEADER: EVENT,
    }
    try:
        if client is None:
            with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as own:
                resp = own.post(url, content=body, headers=headers, extensions=extensions)
        else:
            resp = client.post(url, content=body, headers=headers, extensions=extensions)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"[:1000]
    if 200 <= resp.status_code < 300:
        return ""
    return f"HTTP {resp.status_code}"


def deliver(delivery_id: int) -> str:
    """RQ job: send one delivery and record the outcome on its row.

    Returns ``delivered`` (or why nothing was sent). Raises ``DeliveryFailed`` when the site did
    not take it, so that RQ retries; on the last attempt the row is marked ``failed``.
    """
    from rq import get_current_job

    from service.config import Settings
    from service.infra.jobs import database

    with database().session() as session:
        row = session.get(WebhookDelivery, delivery_id)
        if row is None:
            return "no such delivery"
        if row.status == "delivered":
            return "already delivered"
        site = session.get(Site, row.site_id)
        error = send(row, site, allow_internal=Settings.from_env().webhook_allow_internal)
        row.attempts += 1
        if not error:
            row.status, row.delivered_at, row.last_error = "delivered", utcnow(), ""
            session.commit()
            return "delivered"
        job = get_current_job()
        retries_left = job.retries_left if job is not None else 0
        row.last_error = error
        if not retries_left or not site.callback_url:
            row.status = "failed"
        session.commit()
    log.warning("webhook delivery %s to site %s failed (%s); retries left: %s", delivery_id, row.site_id, error,
                retries_left)
    if row.status == "failed":
        return f"failed: {error}"
    raise DeliveryFailed(error)


def latest_deliveries(session: Session, status: str | None = None, limit: int = 50) -> list[WebhookDelivery]:
    """The newest ``limit`` deliveries, newest first; only those in ``status`` when given."""
    stmt = select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(WebhookDelivery.status == status)
    return list(session.scalars(stmt))


def sweep(session: Session, jobs: "JobQueue", min_age_seconds: float = SWEEP_MIN_AGE, limit: int = 1000) -> int:
    """Enqueue pending deliveries older than ``min_age_seconds`` that have no live job (Redis was
    down when they were recorded, or lost its data). Returns how many were enqueued."""
    cutoff = utcnow() - dt.timedelta(seconds=min_age_seconds)
    ids = list(session.scalars(select(WebhookDelivery.id)
                               .where(WebhookDelivery.status == "pending", WebhookDelivery.created_at <= cutoff)
                               .order_by(WebhookDelivery.id).limit(limit)))
    return jobs.enqueue_deliveries(ids) if ids else 0


def retry_failed(session: Session, jobs: "JobQueue", site: Site | None = None) -> int:
    """Mark failed deliveries (of one site, or all) pending again, commit, and enqueue them.
    Returns how many."""
    stmt = select(WebhookDelivery).where(WebhookDelivery.status == "failed")
    if site is not None:
        stmt = stmt.where(WebhookDelivery.site_id == site.id)
    rows = list(session.scalars(stmt))
    for row in rows:
        row.status = "pending"
    session.commit()
    jobs.enqueue_deliveries([r.id for r in rows])
    return len(rows)
