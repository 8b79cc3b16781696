"""Sites and their API keys (plain Python, no Flask).

Keys are 12 lowercase hex characters (48 random bits) so that the WordPress Akismet plugin, which
rejects any key whose length is not 12, accepts them. 48 bits are few enough to try them all
against an unsalted hash, so what is stored is ``HMAC-SHA-256(api_key_secret, sha256(key))``
(``api_keys.hash_version`` 2) under a server secret that never goes into the database
(``Settings.api_key_secret``, carried by each session in ``session.info``): a copy of the database
alone cannot test a guess. Rows of hash version 1 (plain ``sha256(key)``, before 0005) are upgraded
in place — the HMAC is taken over the stored SHA-256, so no plain key is needed — by
:func:`upgrade_key_hashes` (``saring serve`` at start, ``saring keys rehash``) and on first use.
Only the first :data:`HINT_CHARS` characters of a key are kept in clear, for listings.

Every change of a site here (thresholds, a new site, a key created or revoked) is written to the
site's audit log (``service.store.site_audit``) in the caller's transaction; ``actor`` /
``actor_id`` say who (an e-mail and ``users.id``, or ``cli``).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from service.checking.policy import Thresholds
from service.errors import NotFound, ValidationFailed
from service.store import site_audit
from service.store.tables import ApiKey, Site, utcnow

KEY_LENGTH = 12
#: Characters of a key kept in clear (``api_keys.key_hint``): 8 of its 48 bits.
HINT_CHARS = 2
#: ``api_keys.hash_version``: 1 = plain SHA-256 (legacy), 2 = HMAC-SHA-256 under the server secret.
LEGACY_HASH, HMAC_HASH = 1, 2


def legacy_hash(key: str) -> str:
    """SHA-256 hex digest of a normalised key (hash version 1, and the HMAC's message)."""
    return hashlib.sha256(key.strip().lower().encode("utf-8", "surrogatepass")).hexdigest()


def _secret(session: Session) -> bytes:
    secret = session.info.get("api_key_secret")
    if not secret:
        raise RuntimeError("this database was opened without an api_key_secret (Settings.api_key_secret)")
    return str(secret).encode("utf-8")


def _hmac_of(session: Session, sha256_hex: str) -> str:
    return hmac.new(_secret(session), sha256_hex.encode("ascii"), hashlib.sha256).hexdigest()


def hash_key(session: Session, key: str) -> str:
    """``api_keys.key_hash`` of a plain key: HMAC-SHA-256 under the session's ``api_key_secret``."""
    return _hmac_of(session, legacy_hash(key))


#: A key by its hash, with its site in the same query (every check needs both). Built once.
_KEY_BY_HASH = select(ApiKey).options(joinedload(ApiKey.site)).where(
    ApiKey.key_hash == bindparam("key_hash"), ApiKey.hash_version == HMAC_HASH)


def _row_for(session: Session, key: str) -> ApiKey | None:
    """The row of a plain key (revoked or not) and its site, upgrading a legacy row on the way."""
    row = session.scalar(_KEY_BY_HASH, {"key_hash": hash_key(session, key)})
    if row is None:
        row = session.scalar(select(ApiKey).where(ApiKey.key_hash == legacy_hash(key),
                                                  ApiKey.hash_version == LEGACY_HASH))
        if row is not None:
            _upgrade(session, row)
    return row


def _upgrade(session: Session, row: ApiKey) -> None:
    row.key_hash = _hmac_of(session, row.key_hash)
    row.hash_version = HMAC_HASH
    row.key_hint = row.key_hint[:HINT_CHARS]


def upgrade_key_hashes(session: Session) -> int:
    """Re-store every legacy (plain SHA-256) key as HMAC-SHA-256; returns how many. The caller
    commits. Idempotent."""
    rows = list(session.scalars(select(ApiKey).where(ApiKey.hash_version == LEGACY_HASH)))
    for row in rows:
        _upgrade(session, row)
    return len(rows)


#: The port a scheme means when none is written (dropped from site URLs).
_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_site_url(url: str) -> str:
    """``https://Example.com/blog/`` → ``https://example.com/blog``; the scheme's default port and
    the root label's dot go (``https://example.com.:443`` → ``https://example.com``).

    Raises ``ValidationFailed`` (field ``site``) unless ``url`` is an absolute http(s) URL.
    """
    bad = ValidationFailed("site must be an absolute http(s) URL, e.g. https://news.example", field="site")
    text = (url or "").strip()
    if len(text) > 2048 or any(ord(c) < 32 or c == "\x7f" or "\ud800" <= c <= "\udfff" for c in text):
        raise bad
    try:
        parts = urlsplit(text)
        host, port = parts.hostname, parts.port  # port raises ValueError when out of range
    except ValueError:
        raise bad from None
    if parts.scheme.lower() not in {"http", "https"} or not host:
        raise bad
    scheme = parts.scheme.lower()
    host = f"[{host.lower()}]" if ":" in host else host.lower().rstrip(".")  # IPv6 literals keep their brackets
    if not host:
        raise bad
    if port == _DEFAULT_PORTS[scheme]:
        port = None  # https://blog.example:443 is https://blog.example
    netloc = host + (f":{port}" if port else "")
    return f"{scheme}://{netloc}{parts.path.rstrip('/')}"


@dataclass(frozen=True)
class NewKey:
    """A freshly created key: the only time the plain ``key`` is known."""

    key: str
    key_id: int
    site_id: int
    site_url: str


def find_site(session: Session, url: str) -> Site | None:
    """The site registered under ``url`` (normalised first), or ``None``.

    Raises ``ValidationFailed`` (field ``site``) when ``url`` is not an absolute http(s) URL.
    """
    return session.scalar(select(Site).where(Site.url == normalize_site_url(url)))


def list_sites(session: Session) -> list[Site]:
    """Every site, oldest first (by id)."""
    return list(session.scalars(select(Site).order_by(Site.id)))


class IncompleteThresholds(ValidationFailed):
    """Only one of hold / reject was given for a site that has no thresholds of its own yet."""


def _valid_lang(lang: str) -> str:
    """The primary subtag of one language (``id``, ``en_US`` → ``en``); ``ValidationFailed``
    (field ``lang``) for an empty value, a list (``id,en``: only one language at a time) or an
    unknown code."""
    from models.lang import LID176_LANGS, primary_subtag

    if not lang.strip() or "," in lang:
        raise ValidationFailed(f"give one language code such as id or en, not {lang!r}", field="lang")
    code = primary_subtag(lang)
    if code not in LID176_LANGS:
        raise ValidationFailed(f"unknown language {lang!r}: give an ISO 639 code such as id or en", field="lang")
    return code


def _own_pair(site: Site, code: str | None) -> dict[str, float] | None:
    """The site's own pair for ``code`` (``None``: the pair for every language), or ``None``."""
    if code:
        pair = (site.thresholds_by_lang or {}).get(code)
        return {"hold": pair["hold"], "reject": pair["reject"]} if pair else None
    if site.hold_threshold is None and site.reject_threshold is None:
        return None
    return {"hold": site.hold_threshold, "reject": site.reject_threshold}


def set_thresholds(session: Session, site: Site, hold: float | None, reject: float | None,
                   lang: str | None = None, *, actor: str = "", actor_id: int | None = None) -> tuple[str, float, float]:
    """Give ``site`` its own hold / reject thresholds — for every language, or for ``lang`` only
    (an ISO 639 code fastText detects: ``id``, ``en``, ...); a value not given keeps the current one.

    Raises ``IncompleteThresholds`` (field ``thresholds``) when either would be unset,
    ``ValidationFailed`` (field ``thresholds``) unless ``0 <= hold <= reject <= 1`` and
    (field ``lang``) for an unknown language; nothing is changed then. Returns ``(lang, hold,
    reject)`` as stored (``lang`` ``""`` for every language). The caller commits.
    """
    code = _valid_lang(lang) if lang is not None else None
    by_lang = dict(site.thresholds_by_lang or {})
    current = by_lang.get(code, {}) if code else {"hold": site.hold_threshold, "reject": site.reject_threshold}
    new_hold = hold if hold is not None else current.get("hold")
    new_reject = reject if reject is not None else current.get("reject")
    if new_hold is None or new_reject is None:
        raise IncompleteThresholds("give both the hold and the reject threshold the first time", field="thresholds")
    try:
        Thresholds(new_hold, new_reject)
    except ValueError as exc:
        raise ValidationFailed(str(exc), field="thresholds") from None
    before = _own_pair(site, code)
    if code:
        by_lang[code] = {"hold": float(new_hold), "reject": float(new_reject)}
        site.thresholds_by_lang = by_lang
    else:
        site.hold_threshold, site.reject_threshold = new_hold, new_reject
    site_audit.record(session, site, "thresholds_set", actor, actor_id,
                      {"lang": code or "", "hold": float(new_hold), "reject": float(new_reject), "before": before})
    return code or "", float(new_hold), float(new_reject)


def clear_thresholds(session: Session, site: Site, lang: str | None = None, *, actor: str = "",
                     actor_id: int | None = None) -> str:
    """Make ``site`` use the model's validated thresholds again — for every language (``lang``
    ``None``: the site's own pair and every per-language override go), or for ``lang`` only.
    Recorded in the audit log only when the site had an override there. Returns the language
    code (``""``: every language). The caller commits."""
    if lang is not None:
        code = _valid_lang(lang)
        before = _own_pair(site, code)
        site.thresholds_by_lang = {k: v for k, v in (site.thresholds_by_lang or {}).items() if k != code}
        if before is not None:
            site_audit.record(session, site, "thresholds_clear", actor, actor_id, {"lang": code, "before": before})
        return code
    before = _own_pair(site, None)
    by_lang = dict(site.thresholds_by_lang or {})
    site.hold_threshold = site.reject_threshold = None
    site.thresholds_by_lang = {}
    if before is not None or by_lang:
        site_audit.record(session, site, "thresholds_clear", actor, actor_id,
                          {"lang": "", "before": before, "languages": sorted(by_lang)})
    return ""


@dataclass(frozen=True)
class ThresholdRow:
    """One language's thresholds on a site: the model's validated pair beside the site's own.

    ``lang`` is ``""`` for every other language; ``site_hold`` / ``site_reject`` are ``None``
    when the site has no override there; ``hold`` / ``reject`` / ``source`` are what decides
    (``models.thresholds.operating_point``).
    """

    lang: str
    model_hold: float
    model_reject: float
    model_source: str
    site_hold: float | None
    site_reject: float | None
    hold: float
    reject: float
    source: str


def thresholds_table(site: Site, metadata: Mapping[str, Any] | None) -> list[ThresholdRow]:
    """The thresholds in force on ``site`` per language: every language the model has validated
    thresholds for, every language the site overrides or expects, then ``""`` (every other
    language)."""
    from models.thresholds import operating_point

    meta = metadata or {}
    by_site = site.thresholds_by_lang or {}
    langs = sorted(set(meta.get("thresholds_by_lang") or {}) | set(by_site) | set(site.languages or []))
    rows = []
    for lang in [*langs, ""]:
        model = operating_point(meta, lang)
        point = operating_point(meta, lang, site.hold_threshold, site.reject_threshold, by_site)
        own = by_site.get(lang) if lang else None
        site_hold = own["hold"] if own else (site.hold_threshold if point.source == "site" else None)
        site_reject = own["reject"] if own else (site.reject_threshold if point.source == "site" else None)
        rows.append(ThresholdRow(lang, model.hold, model.reject, model.source, site_hold, site_reject,
                                 point.hold, point.reject, point.source))
    return rows


def get_or_create_site(session: Session, url: str, name: str = "", *, actor: str = "",
                       actor_id: int | None = None) -> Site:
    """The site registered under ``url``, registered now (and audited) when new."""
    url = normalize_site_url(url)
    site = find_site(session, url)
    if site is None:
        site = Site(url=url, name=name or urlsplit(url).hostname or url)
        session.add(site)
        session.flush()
        site_audit.record(session, site, "site_create", actor, actor_id, {"url": url})
    return site


#: Longest key label (``api_keys.label``).
MAX_LABEL_CHARS = 255


def check_label(label: str) -> str:
    """A key's label, trimmed. Raises ``ValidationFailed`` (field ``label``) when longer than
    ``MAX_LABEL_CHARS`` or carrying control characters."""
    text = (label or "").strip()
    if len(text) > MAX_LABEL_CHARS or any(ord(c) < 32 or c == "\x7f" or "\ud800" <= c <= "\udfff" for c in text):
        raise ValidationFailed(f"label must be at most {MAX_LABEL_CHARS} printable characters", field="label")
    return text


def create_key(session: Session, site_url: str, label: str = "", *, actor: str = "",
               actor_id: int | None = None) -> NewKey:
    """Register the site (if new) and create a key for it. Raises ``ValidationFailed`` (field
    ``site`` or ``label``). The caller commits."""
    label = check_label(label)
    site = get_or_create_site(session, site_url, actor=actor, actor_id=actor_id)
    while True:
        key = secrets.token_hex(KEY_LENGTH // 2)
        digest = hash_key(session, key)
        if session.scalar(select(ApiKey.id).where(ApiKey.key_hash == digest)) is None:
            break
    row = ApiKey(site_id=site.id, key_hash=digest, hash_version=HMAC_HASH, key_hint=key[:HINT_CHARS], label=label)
    session.add(row)
    session.flush()
    site_audit.record(session, site, "key_create", actor, actor_id,
                      {"key_id": row.id, "hint": row.key_hint, "label": label})
    return NewKey(key=key, key_id=row.id, site_id=site.id, site_url=site.url)


def find_key(session: Session, key: str | None) -> ApiKey | None:
    """The active ``ApiKey`` row for a plain key, or ``None`` (unknown, revoked or empty)."""
    if not key:
        return None
    row = _row_for(session, key)
    if row is None or row.revoked_at is not None:
        return None
    return row


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


def keys_of(session: Session, site_id: int) -> list[ApiKey]:
    """The keys of one site, revoked ones included, newest first."""
    return list(session.scalars(select(ApiKey).where(ApiKey.site_id == site_id).order_by(ApiKey.id.desc())))


def revoke_key(session: Session, key_or_id: str, *, site: Site | None = None, actor: str = "",
               actor_id: int | None = None) -> ApiKey:
    """Revoke by plain key or numeric id (of ``site`` only, when given). Raises ``NotFound``.
    Revoking a revoked key changes (and records) nothing."""
    row = None
    if key_or_id.isascii() and key_or_id.isdigit() and len(key_or_id) <= 18:
        row = session.get(ApiKey, int(key_or_id))
    if row is None:
        row = _row_for(session, key_or_id)
    if row is None or (site is not None and row.site_id != site.id):
        raise NotFound(f"no key {key_or_id!r}" + (" on this site" if site is not None else ""), field="key")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        site_audit.record(session, row.site_id, "key_revoke", actor, actor_id,
                          {"key_id": row.id, "hint": row.key_hint, "label": row.label})
    return row
