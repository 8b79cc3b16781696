"""Engine and session factory for the relational store, and Alembic migrations."""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class Database:
    """One engine + session factory for a database URL.

    Args:
        url: SQLAlchemy URL, e.g. ``sqlite:////abs/path/saring.db`` or
            ``postgresql+psycopg://user@127.0.0.1/db``.
        api_key_secret: the HMAC key of stored API keys (``Settings.api_key_secret``); every
            session carries it in ``session.info["api_key_secret"]`` for
            ``service.accounts.sites``. ``""``: key look-ups raise.

        lock_timeout: longest wait (seconds) for a lock or a pooled connection: SQLite's busy
            timeout; on PostgreSQL ``lock_timeout`` and the pool's wait. A wait that ends raises
            ``OperationalError`` / ``TimeoutError``, answered 503 + ``Retry-After``
            (:func:`is_unavailable`), so no request holds a thread for long.
        statement_timeout: PostgreSQL ``statement_timeout`` (seconds; 0 = none).

    SQLite files get WAL journaling and a busy timeout so that several gunicorn workers can write,
    and are created readable by their owner only (0600; SQLite gives its -wal/-shm files the same).
    """

    def __init__(self, url: str, api_key_secret: str = "", lock_timeout: float = 5.0,
                 statement_timeout: float = 30.0) -> None:
        self.url = url
        self.api_key_secret = api_key_secret
        self.lock_timeout = lock_timeout
        kwargs: dict = {"future": True, "pool_pre_ping": True}
        if url.startswith("sqlite"):
            path = url.split("///", 1)[-1]
            if path and path != ":memory:" and not path.startswith("file:"):
                _private_file(Path(path))
            kwargs["connect_args"] = {"timeout": lock_timeout, "check_same_thread": False}
        elif url.startswith("postgresql"):
            from sqlalchemy.engine import make_url

            ms_lock, ms_stmt = int(lock_timeout * 1000), int(statement_timeout * 1000)  # 0: no limit
            given = make_url(url).query.get("options") or ""  # e.g. -csearch_path=… in the URL: kept
            given = " ".join(given) if isinstance(given, tuple) else given
            options = f"{given} -c lock_timeout={ms_lock} -c statement_timeout={ms_stmt}".strip()
            kwargs["connect_args"] = {"options": options,
                                      "connect_timeout": max(1, int(lock_timeout))}
            kwargs["pool_timeout"] = lock_timeout
        self.engine: Engine = create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False,
                                         info={"api_key_secret": api_key_secret})

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def session(self) -> Session:
        """A new session; the caller commits and closes it."""
        return self.sessionmaker()

    def ping(self) -> bool:
        """True when a ``SELECT 1`` succeeds."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001 - any driver error means "not reachable"
            return False

    def ping_write(self, timeout: float = 1.0) -> bool:
        """True when a write can succeed: a no-op ``UPDATE`` (SQLite: ``alembic_version``;
        PostgreSQL: ``comments``, no row) in a transaction that is rolled back, waiting at most ``timeout`` seconds for a lock. False for a read-only
        database (file, mount or ``default_transaction_read_only``), a lock held longer, or no
        connection."""
        try:
            with self.engine.connect() as conn:
                if self.is_sqlite:
                    conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
                    conn.commit()
                try:
                    if not self.is_sqlite:
                        conn.exec_driver_sql(f"SET LOCAL lock_timeout = {int(timeout * 1000)}")
                        conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(timeout * 2000)}")
                    # SQLite locks the whole file: any row will do; PostgreSQL locks per table: the
                    # table every decided comment goes to (a no-row UPDATE still takes its lock)
                    conn.execute(text("UPDATE alembic_version SET version_num = version_num" if self.is_sqlite
                                      else "UPDATE comments SET revision = revision WHERE false"))
                finally:
                    conn.rollback()
                    if self.is_sqlite:
                        conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(self.lock_timeout * 1000)}")
                        conn.commit()
            return True
        except Exception:  # noqa: BLE001 - any driver error means "cannot write now"
            return False

    def upgrade(self, revision: str = "head") -> None:
        """Apply Alembic migrations up to ``revision`` (idempotent)."""
        from alembic import command

        command.upgrade(alembic_config(self.url), revision)

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def dispose(self) -> None:
        self.engine.dispose()


#: SQLSTATE classes / codes of a database that cannot serve now (retry later): connection
#: exceptions, insufficient resources, operator intervention, read-only transaction, lock timeout.
_UNAVAILABLE_SQLSTATE = ("08", "53", "57", "25006", "55P03")


def is_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means "the database cannot serve now, retry later" (503 + ``Retry-After``):
    down, locked past the lock timeout, read-only, out of pooled connections, shutting down."""
    from sqlalchemy.exc import DBAPIError, OperationalError, TimeoutError as PoolTimeout

    if isinstance(exc, (OperationalError, PoolTimeout)):
        return True
    if isinstance(exc, DBAPIError):
        state = str(getattr(exc.orig, "sqlstate", "") or "")
        if state.startswith(_UNAVAILABLE_SQLSTATE):
            return True
        return "readonly database" in str(exc.orig)
    return False


def _private_file(path: Path) -> None:
    """Create ``path`` (and its folder, 0700 when new) readable by its owner only, or make an
    existing file of ours 0600.

    An existing database file is never opened here: closing any descriptor of a file drops every
    POSIX lock this process holds on it, which corrupts SQLite databases in use (sqlite.org,
    "How To Corrupt An SQLite Database File", 2.2)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        if not path.exists():
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        elif path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
    except FileExistsError:  # created meanwhile by another process: it is theirs to set up
        pass
    except OSError:  # a read-only file or folder: SQLite itself will say what is wrong
        pass


def alembic_config(url: str):
    """An Alembic ``Config`` for the migrations shipped in ``service/migrations``."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


@contextlib.contextmanager
def session_scope(db: Database) -> Iterator[Session]:
    """Context manager: a session committed on success, rolled back on any exception."""
    session = db.session()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
