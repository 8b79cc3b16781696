"""Model registry in Redis: publish artifact bytes with their version and SHA-256, mark one current.

Layout (key names come from ``service.infra.redis_keys.ModelKeys``, passed in as ``keys``):

* ``keys.artifact(version)``: hash ``{blob, sha256, metadata (JSON), published_at}``;
* ``keys.current``: the current version id;
* ``keys.versions``: sorted set of versions by publish time;

Loading verifies the SHA-256 of the bytes before deserialising them, and deserialising uses skops'
trusted-type loading (``models.artifact.loads``), so bytes written to Redis by anyone else cannot
run code. Redis is never the only copy: callers also record every version in the database.
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any, Protocol

import redis


class KeySet(Protocol):
    current: str
    versions: str

    def artifact(self, version: str) -> str: ...


class RegistryError(Exception):
    """A version is missing from the registry, or its bytes do not match their digest."""


@dataclass(frozen=True)
class StoredModel:
    """One published artifact as stored: ``blob`` bytes, hex ``sha256``, ``metadata`` dict."""

    version: str
    blob: bytes
    sha256: str
    metadata: dict[str, Any]
    published_at: float


class ModelRegistry:
    """Publish and fetch model artifacts in Redis.

    Args:
        client: a ``redis.Redis`` (bytes responses, i.e. ``decode_responses=False``).
        keys: the key names (``service.infra.redis_keys.ModelKeys``).
    """

    def __init__(self, client: redis.Redis, keys: KeySet) -> None:
        self.client = client
        self.keys = keys

    def publish(self, version: str, blob: bytes, metadata: dict[str, Any], make_current: bool = True) -> str:
        """Store ``blob`` under ``version`` (idempotent) and, by default, make it current.

        Returns the SHA-256 hex digest of ``blob``. Raises ``redis.RedisError`` when Redis fails.
        """
        digest = hashlib.sha256(blob).hexdigest()
        now = time.time()
        pipe = self.client.pipeline(transaction=True)
        pipe.hset(self.keys.artifact(version), mapping={
            "blob": blob,
            "sha256": digest,
            "metadata": json.dumps(metadata, sort_keys=True, default=str),
            "published_at": repr(now),
        })
        pipe.zadd(self.keys.versions, {version: now}, nx=True)
        if make_current:
            pipe.set(self.keys.current, version)
        pipe.execute()
        return digest

    def set_current(self, version: str) -> None:
        """Make an already published ``version`` current (rollback). Raises ``RegistryError`` if absent."""
        if not self.client.exists(self.keys.artifact(version)):
            raise RegistryError(f"model version {version!r} is not in the registry")
        pipe = self.client.pipeline(transaction=True)
        pipe.set(self.keys.current, version)
        pipe.execute()

    def current_version(self) -> str | None:
        """The current version id, or ``None`` when nothing is published."""
        raw = self.client.get(self.keys.current)
        return raw.decode() if raw is not None else None

    def has(self, version: str) -> bool:
        return bool(self.client.exists(self.keys.artifact(version)))

    def fetch(self, version: str) -> StoredModel:
        """The stored artifact of ``version``, its digest checked.

        Raises ``RegistryError`` when the version is missing, incomplete, or its bytes do not hash
        to the stored SHA-256 (tampered or corrupted).
        """
        raw = self.client.hgetall(self.keys.artifact(version))
        if not raw or b"blob" not in raw or b"sha256" not in raw:
            raise RegistryError(f"model version {version!r} is not in the registry")
        blob = raw[b"blob"]
        digest = raw[b"sha256"].decode()
        if hashlib.sha256(blob).hexdigest() != digest:
            raise RegistryError(f"model version {version!r}: artifact bytes do not match their sha256")
        metadata = json.loads(raw.get(b"metadata", b"{}") or b"{}")
        return StoredModel(version, blob, digest, metadata, float(raw.get(b"published_at", b"0")))

    def versions(self) -> list[str]:
        """Published versions, oldest first."""
        return [v.decode() for v in self.client.zrange(self.keys.versions, 0, -1)]
