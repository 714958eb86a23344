"""The contact ledger: atomic check-and-reserve per account, on SQLite or PostgreSQL, with a
hash-chained decision log.

::

    from collectrules import open_ledger, Reservation, LedgerError
    ledger = open_ledger("sqlite:///var/collect/ledger.db")      # "sqlite://" alone = in memory
    ledger = open_ledger("postgresql://user@host:5432/db")       # pip install 'collectrules[postgres]'
    res = ledger.reserve(policy, attempt, account=account, history=(), hold=timedelta(minutes=15))
    if res.allowed:
        ...                                                      # make the call
        ledger.complete(res.reservation_id, outcome="no_answer") # or ledger.cancel(...)
    ledger.record(account_id, contact)                           # a contact made elsewhere
    ledger.history(account_id)                                   # list[Contact], oldest first
    ledger.verify()                                              # (ok, first_bad_row or None)

See ``docs/ledger.md``.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Callable

from ..errors import InputError, LedgerError
from .core import (DEFAULT_HOLD, DEFAULT_TOLERANCE, SCHEMA_VERSION, BadRow, IdempotencyConflict, Ledger,
                   Reservation, migrate, schema_version)

__all__ = [
    "BadRow", "DEFAULT_HOLD", "DEFAULT_TOLERANCE", "IdempotencyConflict", "Ledger", "LedgerError",
    "Reservation", "SCHEMA_VERSION", "init_ledger", "open_ledger",
]


def _backend(url: str, options: dict[str, Any]):
    if not isinstance(url, str) or not url:
        raise InputError("ledger URL must be a string such as sqlite:///path/ledger.db or postgresql://host/db")
    scheme = url.split(":", 1)[0].lower()
    if scheme == "sqlite":
        from .sqlite import SQLiteBackend, parse_url

        return SQLiteBackend(parse_url(url), busy_timeout=float(options.pop("busy_timeout", 5.0)),
                             synchronous=str(options.pop("synchronous", "full")))
    if scheme in ("postgresql", "postgres"):
        from .postgres import PostgresBackend

        return PostgresBackend(url, pool_size=int(options.pop("pool_size", 4)),
                               timeout=float(options.pop("timeout", 10.0)),
                               lock_timeout=float(options.pop("lock_timeout", 10.0)))
    raise InputError("ledger URL must start with sqlite: or postgresql://")


def open_ledger(url: str, clock: Callable[[], _dt.datetime] | None = None,
                clock_tolerance: _dt.timedelta = DEFAULT_TOLERANCE, *, create: bool = True,
                **options: Any) -> Ledger:
    """Open (and, on an empty database, create) a contact ledger.

    Args:
        url: ``sqlite:///absolute/path.db``, ``sqlite:relative/path.db``, ``sqlite://`` (in
            memory, one process) or ``postgresql://user@host:5432/db`` (any libpq URL).
        clock: zero-argument callable returning an aware datetime; default the database's clock
            (PostgreSQL ``now()``; for SQLite the host's UTC clock).
        clock_tolerance: attempts further than this from the clock are refused (``InputError``).
        create: create the schema when the database has none (an older schema is never
            upgraded here: run ``collectrules ledger init URL``).
        options: ``busy_timeout`` (SQLite, seconds, default 5), ``synchronous`` (SQLite,
            ``full`` by default: a committed reservation survives power loss; ``normal`` survives
            a crash of the process but not of the host, and is several times faster); ``pool_size`` (default 4),
            ``timeout`` (connect and pool wait, default 10 s), ``lock_timeout`` (default 10 s)
            for PostgreSQL.

    Raises:
        InputError: a malformed URL or option.
        LedgerError: the database cannot be reached, or its schema is older (run
            ``collectrules ledger init``) or newer than this version supports.
    """
    opts = dict(options)
    backend = _backend(url, opts)
    if opts:
        backend.close()
        raise InputError(f"unknown ledger option(s): {', '.join(sorted(opts))}")
    try:
        version = schema_version(backend)
        if version == 0 and create:
            version = migrate(backend)
        if version == 0:
            raise LedgerError("the ledger database has no schema: run collectrules ledger init URL")
        if version > SCHEMA_VERSION:
            raise LedgerError(f"ledger schema version {version} is newer than this collectrules supports "
                              f"({SCHEMA_VERSION}): upgrade collectrules")
        if version < SCHEMA_VERSION:
            raise LedgerError(f"ledger schema version {version} is older than {SCHEMA_VERSION}: "
                              "run collectrules ledger init URL to upgrade it")
        return Ledger(backend, clock=clock, clock_tolerance=clock_tolerance)
    except BaseException:
        backend.close()
        raise


def init_ledger(url: str, **options: Any) -> int:
    """Create or upgrade the ledger schema at ``url`` (what ``collectrules ledger init`` runs);
    returns the schema version. Idempotent; safe to run from several processes at once."""
    opts = dict(options)
    backend = _backend(url, opts)
    try:
        if opts:
            raise InputError(f"unknown ledger option(s): {', '.join(sorted(opts))}")
        return migrate(backend)
    finally:
        backend.close()
