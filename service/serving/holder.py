"""The model a worker serves, kept in step with the Redis registry by a polling thread.

Each gunicorn worker holds one ``ModelHolder``. A request reads ``holder.classifier`` once and uses
that object to the end, so a swap never changes the model under a request in flight. The holder:

* at start loads the registry's current version; publishes the shipped default when Redis is empty;
  falls back to the database's current version or the shipped model when Redis is unreachable;
* every ``poll_seconds`` checks the current version id and swaps to a new one only when the
  database has a row for that version whose SHA-256 matches the bytes (Redis is a cache of the
  database, never a source of models), the bytes load with skops' trusted types and the metadata
  is valid (:func:`models.thresholds.validate_metadata`); a version that fails any of these is
  logged, counted and skipped, and the old model keeps serving;
* when Redis comes back empty (restarted without data) it republishes the version it serves.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable

import redis

from models.artifact import ArtifactError, load_default, loads
from models.classifier import SpamClassifier
from models.thresholds import validate_metadata
from service.serving.registry import ModelRegistry, RegistryError
from service.infra import metrics
from service.serving import versions as model_versions
from service.store.db import Database

log = logging.getLogger(__name__)

#: After a version failed to load, wait this long (seconds) before trying it again.
FAILED_RETRY_SECONDS = 60.0


class ModelHolder:
    """Holds the current ``SpamClassifier`` of this process.

    Args:
        registry: the Redis model registry.
        db: the database (trusted digests, durable copy of every version).
        poll_seconds: how often to look for a newly published version.
    """

    def __init__(self, registry: ModelRegistry, db: Database, poll_seconds: float = 1.0) -> None:
        self.registry = registry
        self.db = db
        self.poll_seconds = poll_seconds
        self._classifier: SpamClassifier | None = None
        self._lock = threading.Lock()
        self._failed: dict[str, float] = {}
        self.redis_ok = False
        self.last_error: str | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def classifier(self) -> SpamClassifier:
        """The model to use for one request. Raises ``RuntimeError`` before ``start``."""
        clf = self._classifier
        if clf is None:
            raise RuntimeError("no model loaded")
        return clf

    @property
    def loaded(self) -> bool:
        return self._classifier is not None

    def start(self, background: bool = True) -> "ModelHolder":
        """Load the first model (never raises for Redis trouble) and start the polling thread."""
        try:
            self.sync()
        except redis.RedisError as exc:
            self._redis_down(exc, "start")
        if self._classifier is None:
            self._swap(self._fallback())
        if background and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="saring-model-poll", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            try:
                self.sync()
            except redis.RedisError as exc:
                self._redis_down(exc, "poll")
            except Exception:  # noqa: BLE001 - the poller must never die
                log.exception("model poll failed")

    def sync(self) -> None:
        """One poll: publish when the registry is empty, swap when its current version changed.

        Raises ``redis.RedisError`` when Redis is unreachable (callers log it and keep serving).
        """
        version = self.registry.current_version()
        self.redis_ok = True
        if version is None:
            self._publish_initial()
            version = self.registry.current_version()
        held = self._classifier.version if self._classifier else None
        if version is None or version == held:
            return
        failed_at = self._failed.get(version)
        if failed_at is not None and time.monotonic() - failed_at < FAILED_RETRY_SECONDS:
            return
        try:
            stored = self.registry.fetch(version)
            trusted = model_versions.known_digest(self.db, version)
            if trusted is None:
                raise RegistryError(f"model version {version!r} is in Redis but the database never recorded it")
            if trusted != stored.sha256:
                raise RegistryError(f"model version {version!r}: digest in Redis differs from the database record")
            clf = loads(stored.blob, expected_sha256=trusted)
            if clf.version != version:
                raise RegistryError(f"published as {version!r} but the artifact's own version is {clf.version!r}")
            validate_metadata(clf.metadata)
        except (RegistryError, ArtifactError, ValueError) as exc:
            self._failed[version] = time.monotonic()
            self.last_error = str(exc)
            metrics.MODEL_LOAD_FAILURES.inc()
            log.error("refused model version %s, keeping %s: %s", version, held, exc)
            return
        self._swap(clf)

    def _publish_initial(self) -> None:
        """Fill an empty registry: the database's current version, else the shipped default."""
        row = model_versions.current(self.db)
        if row is not None:
            log.info("Redis registry empty: republishing current version %s from the database", row.version)
            self.registry.publish(row.version, row.artifact, row.meta)
            return
        if self._classifier is not None:
            blob, meta, version = self._classifier.blob, self._classifier.metadata, self._classifier.version
        else:
            default = load_default()
            blob, meta, version = default.blob, default.metadata, default.version
        log.info("Redis registry empty: publishing model %s", version)
        model_versions.publish(self.db, self.registry, version, blob, meta, published_by="saring (initial)")

    def _fallback(self) -> SpamClassifier:
        row = None
        try:
            row = model_versions.current(self.db)
        except Exception as exc:  # noqa: BLE001
            log.warning("database unavailable while loading a fallback model: %s", exc)
        if row is not None:
            try:
                clf = loads(row.artifact, expected_sha256=row.sha256)
                validate_metadata(clf.metadata)
                return clf
            except (ArtifactError, ValueError) as exc:
                log.error("database current model %s refused: %s", row.version, exc)
        return load_default()

    def _swap(self, clf: SpamClassifier) -> None:
        with self._lock:
            old = self._classifier
            self._classifier = clf
        if old is not None:
            metrics.MODEL_INFO.labels(old.version).set(0)
            metrics.MODEL_SWAPS.inc()
            log.info("switched model %s -> %s", old.version, clf.version)
        metrics.MODEL_INFO.labels(clf.version).set(1)

    def _redis_down(self, exc: Exception, where: str) -> None:
        if self.redis_ok:
            log.warning("Redis unreachable (%s), serving model %s: %s", where,
                        self._classifier.version if self._classifier else None, exc)
        self.redis_ok = False
        self.last_error = str(exc)
        metrics.REDIS_ERRORS.labels("model_" + where).inc()

    def wait_for(self, version: str, timeout: float = 5.0, probe: Callable[[], None] | None = None) -> bool:
        """Test helper: poll until ``version`` is served (``True``) or ``timeout`` seconds pass."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._classifier is not None and self._classifier.version == version:
                return True
            (probe or (lambda: None))()
            time.sleep(0.05)
        return False
