"""PostgreSQL backend: psycopg 3 with a :mod:`psycopg_pool` connection pool (imported lazily;
install ``collectrules[postgres]``).

Every write transaction takes ``pg_advisory_xact_lock`` on each account it touches (a 64-bit
``hashtextextended`` of the account id, in sorted order so two transactions never deadlock), in
READ COMMITTED, so reservations on one account are serialised in every process on every host,
reservations on different accounts run in parallel, and the lock is released with the
transaction (safe behind PgBouncer in transaction mode; a session lock would leak through a
pool). The clock is the database's ``now()``, one clock for every worker.
"""

from __future__ import annotations

import contextlib
import datetime as _dt

from ..errors import LedgerError
from .core import _ddl


def _import():
    try:
        import psycopg
        import psycopg_pool
    except ImportError:  # pragma: no cover - depends on the environment
        raise LedgerError("PostgreSQL ledger needs psycopg 3 and psycopg_pool: pip install 'collectrules[postgres]'") from None
    return psycopg, psycopg_pool


def _error(exc: BaseException) -> LedgerError:
    text = str(exc).strip().splitlines()
    msg = text[0] if text else type(exc).__name__
    return LedgerError(f"ledger database (postgresql) unavailable, nothing reserved: {msg}")


class _Cur:
    """A psycopg cursor taking the ``?`` placeholders the shared SQL uses."""

    __slots__ = ("cur", "now")
    _sql: dict[str, str] = {}

    def __init__(self, cur):
        self.cur = cur
        self.now = None  # the transaction's now(), read with the first lock

    def execute(self, sql: str, params: tuple = ()):
        q = self._sql.get(sql)
        if q is None:
            q = self._sql[sql] = sql.replace("%", "%%").replace("?", "%s")
        return self.cur.execute(q, params)


_MIGRATION_LOCK = 0x636F6C6C  # 'coll': one constant key for schema migrations


class PostgresBackend:
    name = "postgresql"

    def __init__(self, url: str, *, pool_size: int = 4, timeout: float = 10.0, lock_timeout: float = 10.0):
        psycopg, psycopg_pool = _import()
        self._psycopg, self._pool_mod = psycopg, psycopg_pool
        self.timeout = timeout
        self.lock_timeout_ms = int(lock_timeout * 1000)
        try:
            self.pool = psycopg_pool.ConnectionPool(
                url, min_size=1, max_size=max(1, pool_size), open=False, timeout=timeout,
                kwargs={"autocommit": True, "connect_timeout": max(1, int(timeout))}, name="collectrules-ledger",
                configure=self._configure)
            self.pool.open(wait=True, timeout=timeout)
        except (psycopg.Error, psycopg_pool.PoolTimeout) as exc:
            try:
                self.pool.close()
            except Exception:  # noqa: BLE001 - best effort
                pass
            raise _error(exc) from None

    def _configure(self, conn) -> None:
        conn.execute(f"SET lock_timeout = {self.lock_timeout_ms}")

    @contextlib.contextmanager
    def _tx(self, locks: list[int | str]):
        psycopg, pm = self._psycopg, self._pool_mod
        try:
            with self.pool.connection(timeout=self.timeout) as conn:
                with conn.transaction():
                    cur = conn.cursor()
                    wrapped = _Cur(cur)
                    for k in locks:
                        if isinstance(k, int):
                            row = cur.execute("SELECT pg_advisory_xact_lock(%s), now()", (k,)).fetchone()
                        else:
                            row = cur.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0)), now()",
                                              (k,)).fetchone()
                        wrapped.now = row[1]
                    yield wrapped
        except (psycopg.Error, pm.PoolTimeout) as exc:
            raise _error(exc) from None

    def transaction(self, accounts=()):
        return self._tx(sorted(set(accounts)))

    def migration_lock(self):
        return self._tx([_MIGRATION_LOCK])

    @contextlib.contextmanager
    def reader(self):
        psycopg, pm = self._psycopg, self._pool_mod
        try:
            with self.pool.connection(timeout=self.timeout) as conn:
                with conn.transaction():
                    yield _Cur(conn.cursor())
        except (psycopg.Error, pm.PoolTimeout) as exc:
            raise _error(exc) from None

    def stream(self, cur, sql: str, params: tuple = ()):
        """Rows through a server-side cursor, in batches (a large log is never held in memory)."""
        import uuid

        named = cur.cur.connection.cursor(name=f"cr_stream_{uuid.uuid4().hex[:12]}")
        named.itersize = 2000
        named.execute(sql.replace("?", "%s"), params)

        def rows():
            try:
                yield from named
            finally:
                named.close()

        return rows()

    def db_now(self, cur) -> _dt.datetime:
        if cur.now is not None:
            return cur.now
        return cur.execute("SELECT now()").fetchone()[0]

    def has_table(self, cur, name: str) -> bool:
        return cur.execute("SELECT to_regclass(?)", (name,)).fetchone()[0] is not None

    def ddl(self, version: int) -> list[str]:
        return _ddl(version, "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "BIGINT")

    def close(self) -> None:
        try:
            self.pool.close()
        except Exception:  # noqa: BLE001 - closing never raises
            pass
