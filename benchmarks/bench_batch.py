"""Benchmark batch decisions on a synthetic portfolio (issue #15).

Run:  python benchmarks/bench_batch.py [--accounts 1000000] [--modes single,cores,dask,spark] [--repeats 1]

Generates ``--accounts`` accounts (one attempt each; 0-60 past contacts, uniform; zones, DST days,
cap edges and account states as in ``tests/portfolio_gen.py``) into Parquet files sorted by
account_id, then decides them with

* ``single``: ``check_parquet(..., workers=1)`` (one process, streaming);
* ``cores``: ``check_parquet(..., workers=os.cpu_count())``;
* ``dask``: ``collectrules.dask.check_dataframe`` on a ``LocalCluster`` (one worker per core);
* ``spark``: ``collectrules.spark.check_dataframe`` on ``local[N]``;

and prints rows/s (median of ``--repeats``) and the peak resident memory of the process tree
(parent + children; ``ru_maxrss``), as a Markdown table row per mode.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SOURCES = ["us-federal", "us-ma", "us-wa", "us-ny", "us-ca", "cn-gbt-45251", "in-rbi", "us-tcpa"]


def write_portfolio(n: int, directory: Path, seed: int = 1) -> tuple[str, str, str]:
    import pyarrow.parquet as pq

    from tests.portfolio_gen import ACCOUNT_SCHEMA, ATTEMPT_SCHEMA, CONTACT_SCHEMA, generate, tables

    paths = [str(directory / f"{k}.parquet") for k in ("attempts", "accounts", "contacts")]
    writers = [pq.ParquetWriter(p, s) for p, s in zip(paths, (ATTEMPT_SCHEMA, ACCOUNT_SCHEMA, CONTACT_SCHEMA))]
    step = 20_000
    for start in range(0, n, step):
        k = min(step, n - start)
        at, ac, co = generate(k, seed=seed + start, max_contacts=60)
        for rows in (at, ac):
            for r in rows:  # globally unique, sorted ids
                r["account_id"] = f"A{start + int(r['account_id'][1:]):08d}"
        for r in co:
            r["account_id"] = f"A{start + int(r['account_id'][1:]):08d}"
        for w, t in zip(writers, tables(at, ac, co)):
            w.write_table(t, row_group_size=50_000)
    for w in writers:
        w.close()
    return tuple(paths)  # type: ignore[return-value]


def replicate(src: Path, dst: Path, times: int) -> tuple[str, str, str]:
    """``times`` renamed copies of the portfolio in ``src`` (ids prefixed R0..R{times-1}, so
    still sorted by account_id), streamed row group by row group."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    out = []
    for k in ("attempts", "accounts", "contacts"):
        pf = pq.ParquetFile(src / f"{k}.parquet")
        path = str(dst / f"{k}.parquet")
        with pq.ParquetWriter(path, pf.schema_arrow) as w:
            for r in range(times):
                for g in range(pf.num_row_groups):
                    t = pf.read_row_group(g)
                    for col in ("account_id", "attempt_id"):
                        if col in t.column_names:
                            i = t.schema.get_field_index(col)
                            t = t.set_column(i, col, pc.binary_join_element_wise(pa.scalar(f"R{r}"), t.column(col), ""))
                    w.write_table(t)
        out.append(path)
    return tuple(out)  # type: ignore[return-value]


def peak_rss_mb() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(me, kids) / 1024


def run_mode(mode: str, paths, out: str, cores: int) -> float:
    import collectrules

    if mode in ("single", "cores"):
        from collectrules.batch import check_parquet

        policy = collectrules.load_policy(SOURCES)
        t = time.perf_counter()
        check_parquet(policy, *paths, out, workers=1 if mode == "single" else cores, chunk_accounts=25_000)
        return time.perf_counter() - t
    if mode == "dask":
        import dask
        import dask.dataframe as dd
        from distributed import Client, LocalCluster

        from collectrules.dask import check_dataframe

        with LocalCluster(n_workers=cores, threads_per_worker=1, processes=True, dashboard_address=None,
                          host="127.0.0.1") as cluster, Client(cluster):
            t = time.perf_counter()
            with dask.config.set({"dataframe.convert-string": False}):
                res = check_dataframe(*(dd.read_parquet(p) for p in paths), SOURCES, npartitions=4 * cores)
                import pyarrow as pa

                res.to_parquet(out + ".dask", write_index=False,
                               schema={"rule_ids": pa.list_(pa.string()), "first_rule_id": pa.string(),
                                       "error_table": pa.string(), "error_field": pa.string(),
                                       "error": pa.string()})
            return time.perf_counter() - t
    if mode == "spark":
        from collectrules.spark import check_dataframe, local_session

        spark = local_session(cores)
        try:
            t = time.perf_counter()
            res = check_dataframe(*(spark.read.parquet(p) for p in paths), SOURCES, spark=spark)
            res.write.mode("overwrite").parquet(out + ".spark")
            return time.perf_counter() - t
        finally:
            spark.stop()
    raise SystemExit(f"unknown mode {mode}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=1_000_000)
    ap.add_argument("--modes", default="single,cores,dask,spark")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--dir", help="Reuse/keep the generated Parquet files here.")
    ap.add_argument("--replicate-from", help="Build the portfolio from N renamed copies of the one in this "
                                             "directory (--accounts must be a multiple of its size).")
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    d = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="crbench"))
    d.mkdir(parents=True, exist_ok=True)
    paths = tuple(str(d / f"{k}.parquet") for k in ("attempts", "accounts", "contacts"))
    if not all(Path(p).exists() for p in paths) and args.replicate_from:
        import pyarrow.parquet as pq

        src = Path(args.replicate_from)
        base = pq.ParquetFile(src / "accounts.parquet").metadata.num_rows
        paths = replicate(src, d, max(1, args.accounts // base))
    if not all(Path(p).exists() for p in paths):
        t = time.perf_counter()
        paths = write_portfolio(args.accounts, d)
        print(f"generated {args.accounts} accounts in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    import pyarrow.parquet as pq

    n = pq.ParquetFile(paths[0]).metadata.num_rows
    m = pq.ParquetFile(paths[2]).metadata.num_rows
    print(f"# {platform.processor() or platform.machine()}, {cores} cores, Python {platform.python_version()}; "
          f"{n} attempts/accounts, {m} past contacts")
    print("| mode | seconds (median) | rows/s | peak RSS of the process tree |")
    print("|---|---:|---:|---:|")
    for mode in args.modes.split(","):
        times = []
        for _ in range(args.repeats):
            times.append(run_mode(mode, paths, str(d / f"out-{mode}.parquet"), cores))
        s = statistics.median(times)
        print(f"| {mode} | {s:.1f} | {n / s:,.0f} | {peak_rss_mb():,.0f} MB |", flush=True)


if __name__ == "__main__":
    main()
