"""A throw-away PostgreSQL cluster for the tests (pytest plugin, registered in conftest.py).

``pg_dsn`` (session scope) is a libpq URL of a fresh database on a server started for this test
session: ``initdb`` + ``pg_ctl`` as the ``postgres`` OS user (the server refuses to run as root)
in a chowned temporary directory, on a free 127.0.0.1 port, fsync off; stopped at the end of the
session (and at exit, should the session die). ``COLLECTRULES_TEST_PG_DSN`` points the tests at
an existing server instead. When no server binary exists at all the tests are skipped with a
loud message (``.ci/run`` installs Debian's ``postgresql`` so CI never skips).

``pg_database`` (function scope) creates an empty database on that server per test and drops it
afterwards.
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid

import pytest


def _bindir() -> str | None:
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: [int(x) if x.isdigit() else x for x in d.split("/")])
    for d in reversed(dirs):
        if os.path.exists(os.path.join(d, "pg_ctl")):
            return d
    pg_ctl = shutil.which("pg_ctl")
    return os.path.dirname(pg_ctl) if pg_ctl else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _skip(reason: str):
    msg = f"POSTGRESQL TESTS SKIPPED: {reason} (install Debian's postgresql, or set COLLECTRULES_TEST_PG_DSN)"
    print("\n" + "!" * 20 + " " + msg + " " + "!" * 20, file=sys.stderr)
    pytest.skip(msg)


def start_cluster() -> tuple[str, "callable"]:
    """Start a throw-away PostgreSQL cluster; returns (admin DSN, stop). Raises LookupError when
    no server binary exists (also used by benchmarks/bench_ledger.py)."""
    bindir = _bindir()
    if bindir is None:
        raise LookupError("no PostgreSQL server binary (pg_ctl) found")
    run_as: dict = {}
    if os.geteuid() == 0:
        import pwd

        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise RuntimeError("running as root with PostgreSQL binaries but no 'postgres' OS user "
                               "to run the server as") from None
        run_as = {"user": "postgres", "group": "postgres"}
    d = tempfile.mkdtemp(prefix="crpg.")
    os.chmod(d, 0o755)
    if run_as:
        shutil.chown(d, "postgres", "postgres")
    port = _free_port()
    pg_ctl = os.path.join(bindir, "pg_ctl")
    subprocess.run([os.path.join(bindir, "initdb"), "-D", f"{d}/data", "-U", "postgres", "-A", "trust",
                    "--no-sync", "-E", "UTF8", "--no-locale"], check=True, capture_output=True, cwd=d, **run_as)
    opts = (f"-c listen_addresses=127.0.0.1 -p {port} -k {d} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=200")
    subprocess.run([pg_ctl, "-D", f"{d}/data", "-l", f"{d}/log", "-w", "-s", "-o", opts, "start"],
                   check=True, cwd=d, **run_as)
    stopped = []

    def stop():
        if stopped:
            return
        stopped.append(1)
        subprocess.run([pg_ctl, "-D", f"{d}/data", "-m", "immediate", "-w", "-s", "stop"],
                       capture_output=True, cwd=d, **run_as)
        shutil.rmtree(d, ignore_errors=True)

    atexit.register(stop)
    return f"postgresql://postgres@127.0.0.1:{port}/postgres", stop


@pytest.fixture(scope="session")
def pg_server():
    """The admin DSN of a PostgreSQL server for this session."""
    env = os.environ.get("COLLECTRULES_TEST_PG_DSN")
    if env:
        yield env
        return
    try:
        dsn, stop = start_cluster()
    except LookupError as exc:
        _skip(str(exc))
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield dsn
    finally:
        stop()


@pytest.fixture(scope="session")
def pg_dsn(pg_server):
    """The admin DSN of the session's server (database ``postgres``)."""
    return pg_server


@pytest.fixture()
def pg_database(pg_server):
    """A fresh, empty database on the session's server; dropped after the test."""
    psycopg = pytest.importorskip("psycopg", reason="psycopg is in the test extra")
    name = "cr_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = pg_server.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
