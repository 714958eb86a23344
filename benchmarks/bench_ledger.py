"""Benchmark the contact ledger: reservations per second per backend, 1 and 8 worker processes,
and the cost a ``reserve`` adds over an in-process ``Policy.check``.

Run:  python benchmarks/bench_ledger.py [--quick]

Policy ``us-federal`` + ``us-ma``; accounts in Massachusetts; each reservation is a letter
(no hours or caps bind, so every one is allowed and inserted) on one of 1,000 accounts, at the
ledger's own clock (the database's ``now()`` for PostgreSQL, the host's for SQLite), so the
history each reserve reads grows as the run goes on (a few entries per account). Backends:

* ``sqlite (full)``: a file, WAL, ``synchronous=FULL`` (the default: durable across power loss);
* ``sqlite (normal)``: the same with ``synchronous=normal`` (durable across a process crash);
* ``postgresql``: a throw-away local cluster started by the script (fsync off, as in the tests),
  or ``COLLECTRULES_BENCH_PG_DSN``.

Figures are medians of the repeats. ``in-process check`` is ``policy.check`` of the same attempt
with a 3-contact history passed as a list (what a caller without a ledger does).
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import collectrules
from collectrules import open_ledger

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

RULESETS = ["us-federal", "us-ma"]
ACCOUNTS = 1000


def account(i: int) -> dict:
    return {"jurisdictions": ["US-MA"], "timezones": ["America/New_York"], "account_id": f"acct-{i}"}


def _reserve_loop(url: str, n: int, seed: int, options: dict, start=None) -> float:
    policy = collectrules.load_policy(RULESETS)
    with open_ledger(url, **options) as led:
        if start is not None:
            start.wait()
        t0 = time.perf_counter()
        for i in range(n):
            k = (seed * 7919 + i * 104729) % ACCOUNTS
            r = led.reserve(policy, {"channel": "letter", "at": dt.datetime.now(dt.timezone.utc), "debt_id": "D1"},
                            account=account(k))
            assert r.allowed
        return time.perf_counter() - t0


def _worker(args):
    url, n, seed, options, start = args
    return _reserve_loop(url, n, seed, options, start)


def one_worker(url: str, n: int, options: dict) -> float:
    return n / _reserve_loop(url, n, 0, options)


def many_workers(url: str, workers: int, n: int, options: dict) -> float:
    ctx = mp.get_context("fork")
    start = ctx.Barrier(workers + 1)
    procs = []
    q = ctx.Queue()

    def run(seed):
        q.put(_reserve_loop(url, n, seed, options, start))

    for s in range(workers):
        p = ctx.Process(target=run, args=(s + 1,))
        p.start()
        procs.append(p)
    start.wait()
    t0 = time.perf_counter()
    for p in procs:
        p.join()
    wall = time.perf_counter() - t0
    for _ in procs:
        q.get()
    return workers * n / wall


def check_cost(repeats: int) -> float:
    policy = collectrules.load_policy(RULESETS)
    now = dt.datetime.now(dt.timezone.utc)
    hist = [{"channel": "letter", "at": (now - dt.timedelta(minutes=m)).isoformat(), "debt_ids": ["D1"],
             "outcome": "delivered"} for m in (1, 2, 3)]
    attempt = {"channel": "letter", "at": now, "debt_id": "D1"}
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for i in range(2000):
            policy.check(attempt, account=account(i % ACCOUNTS), history=hist)
        out.append((time.perf_counter() - t0) / 2000)
    return statistics.median(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    repeats = 1 if args.quick else 3
    n1 = 200 if args.quick else 600
    n8 = 50 if args.quick else 150
    backends = []
    tmp = tempfile.mkdtemp(prefix="crbench.")
    backends.append(("sqlite (full)", lambda: f"sqlite://{tmp}/{uuid.uuid4().hex}.db", {"busy_timeout": 60.0}))
    backends.append(("sqlite (normal)", lambda: f"sqlite://{tmp}/{uuid.uuid4().hex}.db",
                     {"busy_timeout": 60.0, "synchronous": "normal"}))
    stop = None
    dsn = os.environ.get("COLLECTRULES_BENCH_PG_DSN")
    if not dsn:
        try:
            from tests.pg import start_cluster

            dsn, stop = start_cluster()
        except (LookupError, RuntimeError, ImportError) as exc:
            print(f"postgresql skipped: {exc}", file=sys.stderr)
    if dsn:
        import psycopg

        def fresh_db():
            name = "bench_" + uuid.uuid4().hex[:10]
            with psycopg.connect(dsn, autocommit=True) as c:
                c.execute(f'CREATE DATABASE "{name}"')
            return dsn.rsplit("/", 1)[0] + "/" + name

        backends.append(("postgresql", fresh_db, {"pool_size": 1}))
    check_s = check_cost(max(3, repeats))
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, CPython {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"in-process check: {check_s * 1e6:.0f} us")
    print("| backend | 1 worker, reservations/s | 1 worker, per reserve | added over check | 8 workers, reservations/s |")
    print("|---|---:|---:|---:|---:|")
    try:
        for name, make_url, options in backends:
            r1, r8 = [], []
            for _ in range(repeats):
                url = make_url()
                collectrules.ledger.init_ledger(url)
                r1.append(one_worker(url, n1, options))
                url = make_url()
                collectrules.ledger.init_ledger(url)
                r8.append(many_workers(url, 8, n8, options))
            m1, m8 = statistics.median(r1), statistics.median(r8)
            per = 1 / m1
            print(f"| {name} | {m1:,.0f} | {per * 1e3:.2f} ms | {(per - check_s) * 1e3:.2f} ms | {m8:,.0f} |", flush=True)
    finally:
        if stop:
            stop()


if __name__ == "__main__":
    main()
