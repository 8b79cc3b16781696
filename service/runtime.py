"""The long-lived resources of one process (database, Redis, model holder), built from ``Settings``.

Shared by the Flask app (``app.extensions["saring"]``), the CLI and background jobs; knows nothing of Flask.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import redis

from service.serving.registry import ModelRegistry
from service.config import Settings
from service.serving.holder import ModelHolder
from service.infra.redis_conn import connect, embedded_url
from service.infra.redis_keys import RedisKeys
from service.checking.signals import SignalSource
from service.store.db import Database
from service.checking.usage import UsageCounter
from service.moderation import labels

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """Resources of one process. Build with ``Runtime.create``."""

    settings: Settings
    db: Database
    redis: redis.Redis
    redis_url: str
    keys: RedisKeys
    registry: ModelRegistry
    signals: SignalSource
    usage: UsageCounter
    holder: ModelHolder | None = None

    @classmethod
    def create(cls, settings: Settings, load_model: bool = True, background: bool = True) -> "Runtime":
        """Connect to the database and Redis (starting embedded Redis when ``REDIS_URL`` is unset),
        apply pending migrations to a SQLite database, and, with ``load_model``, load the current model and start following the registry."""
        url = settings.redis_url or embedded_url(settings.home)
        client = connect(url)
        keys = RedisKeys(settings.redis_prefix)
        db = Database(settings.database_url, settings.api_key_secret, settings.db_lock_timeout)
        if db.is_sqlite:
            db.upgrade()  # the embedded default migrates itself; PostgreSQL: `saring db upgrade` / `saring serve`
        registry = ModelRegistry(client, keys.model)
        rt = cls(settings, db, client, url, keys, registry, SignalSource(client, keys), UsageCounter(db))
        memory = rt.signals.near_dups
        labels.observe(db.engine, lambda c: memory.apply_label(c.site_id, c.comment_id, c.content, c.label))
        if load_model:
            rt.holder = ModelHolder(registry, db, settings.model_poll_seconds).start(background=background)
        return rt

    def redis_ping(self) -> bool:
        try:
            return bool(self.redis.ping())
        except redis.RedisError:
            return False

    def close(self) -> None:
        if self.holder is not None:
            self.holder.stop()
        labels.unobserve(self.db.engine)
        self.db.dispose()
