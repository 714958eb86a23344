"""SQLite backend (stdlib :mod:`sqlite3`): WAL journal, a busy timeout, ``BEGIN IMMEDIATE`` for
every write transaction (the write lock is taken before the history is read, so check and
insert are one step against every other process), ``synchronous=FULL`` so a committed
reservation survives a crash or power loss.

SQLite has one writer at a time: reservations on different accounts serialise on the database
lock (short transactions; use PostgreSQL for fleets that need writers in parallel). The clock is
the host's (``datetime.now(timezone.utc)``), which every process on the host shares.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import sqlite3
import threading
from pathlib import Path

from ..errors import InputError, LedgerError
from .core import _ddl


def _error(exc: BaseException) -> LedgerError:
    msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return LedgerError(f"ledger database (sqlite) unavailable, nothing reserved: {msg}")


class SQLiteBackend:
    name = "sqlite"

    def __init__(self, path: str | None, *, busy_timeout: float = 5.0, synchronous: str = "full"):
        if synchronous not in ("full", "normal"):
            raise InputError("synchronous must be 'full' (default: a committed reservation survives power loss) or 'normal'")
        self.path = path
        self._lock = threading.RLock()
        try:
            if path is None:
                self.conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
            else:
                parent = Path(path).expanduser().resolve().parent
                if not parent.is_dir():
                    raise LedgerError(f"ledger database directory does not exist: {parent}")
                self.conn = sqlite3.connect(os.fspath(Path(path).expanduser()), isolation_level=None,
                                            check_same_thread=False, timeout=busy_timeout)
            self.conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            if path is not None:
                mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise LedgerError(f"ledger database could not switch to WAL (journal mode {mode})")
            self.conn.execute(f"PRAGMA synchronous = {synchronous}")
            self.conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            raise _error(exc) from None

    @contextlib.contextmanager
    def transaction(self, accounts=()):
        with self._lock:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise _error(exc) from None
            try:
                yield self.conn.cursor()
                self.conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise _error(exc) from None
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        try:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass

    migration_lock = transaction

    @contextlib.contextmanager
    def reader(self):
        with self._lock:
            try:
                self.conn.execute("BEGIN")
                try:
                    yield self.conn.cursor()
                finally:
                    if self.conn.in_transaction:
                        self.conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise _error(exc) from None

    def stream(self, cur, sql: str, params: tuple = ()):
        """Rows one at a time (a large log is never held in memory)."""
        return iter(cur.execute(sql, params))

    def db_now(self, cur) -> _dt.datetime:
        return _dt.datetime.now(_dt.timezone.utc)

    def has_table(self, cur, name: str) -> bool:
        return cur.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None

    def ddl(self, version: int) -> list[str]:
        return _ddl(version, "INTEGER PRIMARY KEY AUTOINCREMENT", "INTEGER")

    def close(self) -> None:
        with self._lock:
            try:
                self.conn.close()
            except sqlite3.Error:  # pragma: no cover
                pass


def parse_url(url: str) -> str | None:
    """``sqlite://`` → in memory; ``sqlite:///abs/path.db`` → ``/abs/path.db``;
    ``sqlite:relative/path.db`` → a path relative to the working directory."""
    rest = url[len("sqlite:"):]
    if rest.startswith("//"):
        rest = rest[2:]
        if rest in ("", ":memory:", "/:memory:"):
            return None
        if not rest.startswith("/"):
            raise InputError("sqlite URL: use sqlite:///absolute/path.db, sqlite:relative/path.db or sqlite://")
        return "/" + rest.lstrip("/")
    if not rest or "?" in rest:
        raise InputError("sqlite URL: use sqlite:///absolute/path.db, sqlite:relative/path.db or sqlite://")
    return rest
