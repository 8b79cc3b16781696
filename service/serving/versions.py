"""Published model versions: the database record (durable) and the Redis registry (shared, hot swap).

Plain Python, no Flask: used by the service, the CLI and ``training``.
"""
from __future__ import annotations

import hashlib
import logging
from typing import Any

from sqlalchemy import select, update

from models.artifact import loads
from models.thresholds import validate_metadata
from service.errors import NotFound, ServiceUnavailable
from service.serving.registry import ModelRegistry
from service.store.db import Database, session_scope
from service.store.tables import ModelVersion, utcnow

log = logging.getLogger(__name__)


class UnknownModelVersion(LookupError):
    """The named model version was never published."""


def publish(db: Database, registry: ModelRegistry | None, version: str, blob: bytes,
            metadata: dict[str, Any], published_by: str = "", report_path: str | None = None,
            make_current: bool = True) -> str:
    """Record ``version`` in the database, then publish it to Redis; returns its SHA-256.

    The database row is written first so that Redis is never the only copy. ``registry`` may be
    ``None`` (Redis unreachable): workers pick the version up when Redis is back
    (``ModelHolder`` republishes the database's current version into an empty registry).
    Raises ``ValueError`` for invalid thresholds in ``metadata`` or in the artifact
    (:func:`models.thresholds.validate_metadata`; nothing is written), ``redis.RedisError`` only
    if ``registry`` is given and Redis fails.
    """
    validate_metadata(metadata)
    validate_metadata(loads(blob).metadata)
    digest = hashlib.sha256(blob).hexdigest()
    with session_scope(db) as s:
        row = s.get(ModelVersion, version)
        if row is None:
            row = ModelVersion(version=version, sha256=digest, artifact=blob, meta=metadata,
                               published_by=published_by, report_path=report_path)
            s.add(row)
        elif row.sha256 != digest:
            raise ValueError(f"model version {version!r} already exists with other bytes")
        if make_current:
            s.execute(update(ModelVersion).values(is_current=False))
            row.is_current = True
            row.published_at = utcnow()
    if registry is not None:
        registry.publish(version, blob, metadata, make_current=make_current)
    return digest


def set_current(db: Database, registry: ModelRegistry | None, version: str) -> None:
    """Make a published version current again (rollback), in the database and in Redis.

    Raises ``UnknownModelVersion`` when the version was never published.
    """
    with session_scope(db) as s:
        row = s.get(ModelVersion, version)
        if row is None:
            raise UnknownModelVersion(version)
        s.execute(update(ModelVersion).values(is_current=False))
        row.is_current = True
        blob, meta = row.artifact, row.meta
    if registry is not None:
        if not registry.has(version):
            registry.publish(version, blob, meta, make_current=False)
        registry.set_current(version)


def current(db: Database) -> ModelVersion | None:
    """The database's current version row (artifact included), or ``None``."""
    with session_scope(db) as s:
        return s.scalars(select(ModelVersion).where(ModelVersion.is_current.is_(True))).first()


def current_metadata(db: Database) -> tuple[str, dict[str, Any]]:
    """``(version, metadata)`` of the model in service, without loading it: the database's current
    version, else the shipped default's ``models/default/model.json``."""
    with session_scope(db) as s:
        row = s.execute(select(ModelVersion.version, ModelVersion.meta)
                        .where(ModelVersion.is_current.is_(True))).first()
    if row is not None:
        return row.version, dict(row.meta or {})
    import json

    from models.artifact import DEFAULT_DIR

    info = json.loads((DEFAULT_DIR / "model.json").read_text(encoding="utf-8"))
    return str(info.get("version", "")), info


def get(db: Database, version: str) -> ModelVersion | None:
    """The row of ``version`` (artifact included), or ``None``."""
    with session_scope(db) as s:
        return s.get(ModelVersion, version)


def list_versions(db: Database) -> list[ModelVersion]:
    """All published versions, newest first (artifact bytes deferred)."""
    from sqlalchemy.orm import defer

    with session_scope(db) as s:
        return list(s.scalars(select(ModelVersion).options(defer(ModelVersion.artifact))
                              .order_by(ModelVersion.published_at.desc())))


def known_digest(db: Database, version: str) -> str | None:
    """The SHA-256 the database recorded for ``version`` (the trusted copy), or ``None``."""
    with session_scope(db) as s:
        return s.scalar(select(ModelVersion.sha256).where(ModelVersion.version == version))


def current_in_redis(registry: ModelRegistry) -> str | None:
    """The registry's current version, or ``None`` when Redis cannot tell (a listing works without it)."""
    try:
        return registry.current_version()
    except Exception:  # noqa: BLE001 - the listing works without Redis
        return None


def current_version_id(db: Database) -> str | None:
    """The database's current version id (no artifact bytes), or ``None``."""
    with session_scope(db) as s:
        return s.scalar(select(ModelVersion.version).where(ModelVersion.is_current.is_(True)))


def pointer_status(db: Database, registry: ModelRegistry) -> dict[str, Any]:
    """Whether Redis's current pointer names the database's current version.

    Returns ``{"database": id | None, "redis": id | None, "agree": bool | None}``; ``agree`` is
    ``None`` when Redis or the database cannot tell, ``False`` when Redis points elsewhere (a
    version the database never recorded, or an unfinished publish). Workers never load a version
    the database has no row for (:class:`service.serving.holder.ModelHolder`).
    """
    in_redis = current_in_redis(registry)
    try:
        in_db = current_version_id(db)
    except Exception:  # noqa: BLE001 - health and listings work without the database
        in_db = None
    agree = None if in_redis is None or in_db is None else in_redis == in_db
    return {"database": in_db, "redis": in_redis, "agree": agree}


def roll_back(db: Database, registry: ModelRegistry, version: str, redis_reachable: bool) -> ModelVersion | None:
    """Make the published ``version`` current again (``set_current``) and return its row.

    Nothing changes while Redis is unreachable (workers follow Redis, so the database and the
    workers would disagree): raises ``service.errors.ServiceUnavailable``; raises
    ``service.errors.NotFound`` (field ``version``) when the version was never published.
    """
    if not redis_reachable:
        raise ServiceUnavailable("Redis is unreachable: nothing changed (workers follow Redis); try again")
    try:
        set_current(db, registry, version)
    except UnknownModelVersion:
        raise NotFound(f"no published version {version!r}", field="version") from None
    return get(db, version)
