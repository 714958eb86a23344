"""Batch decisions on Apache Spark: :func:`check_dataframe` (optional extra ``[spark]``).

    from collectrules.spark import check_dataframe
    out = check_dataframe(spark.read.parquet("attempts"), spark.read.parquet("accounts"),
                          spark.read.parquet("contacts"), ["us-federal", "us-ma"])

The three DataFrames have the columns of :mod:`collectrules.batch`. Every row is tagged with its
table, serialised to JSON (Spark's ``to_json``: timestamps with their offset, so a
``TimestampNTZ`` stays naive and is refused), and the union is repartitioned by ``account_id``
and decided by :func:`collectrules.batch.decide_tables` in ``mapInPandas``; the output is sorted
back into the attempts' order. Row for row it equals :func:`collectrules.batch.check_table`.

The ruleset sources are broadcast: shipped ids as names, files and directories as their
contents (so executors need not see the driver's paths), and each executor's Python worker
compiles the policy once (cached per process).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Iterator, Sequence

from pyspark.sql import DataFrame, SparkSession  # absolute: the real PySpark package
from pyspark.sql import functions as F
from pyspark.sql import Window

from collectrules import InputError, load_policy
from collectrules import batch as _batch

__all__ = ["check_dataframe", "plan_dataframe", "local_session", "OUTPUT_DDL", "PLAN_DDL"]

OUTPUT_DDL = ("attempt_id string, allowed boolean, rule_ids array<string>, first_rule_id string, "
              "next_allowed_at timestamp, error_table string, error_row long, error_field string, error string, "
              "_cr_row long")

#: Files of a ruleset directory that are broadcast (ruleset YAML and their test files).
_SUFFIXES = (".yaml", ".yml", ".json")
_MAX_BYTES = 50 * 1024 * 1024


def local_session(cores: int = 2, app: str = "collectrules") -> SparkSession:
    """A local Spark session for tests and benchmarks: ``local[cores]``, UI off, bound to
    127.0.0.1, the Python workers on this interpreter, session time zone UTC."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    spark = (SparkSession.builder.master(f"local[{cores}]").appName(app)
             .config("spark.ui.enabled", "false")
             .config("spark.driver.host", "127.0.0.1")
             .config("spark.driver.bindAddress", "127.0.0.1")
             .config("spark.sql.shuffle.partitions", str(max(2, 2 * cores)))
             .config("spark.sql.execution.arrow.pyspark.enabled", "true")
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.ui.showConsoleProgress", "false")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _bundle(sources: Sequence[str] | None) -> list[tuple[str, Any]]:
    """What to broadcast: ("id", name) for shipped ids, ("files", {relpath: text}) for paths."""
    if sources is None:
        return [("id", "shipped")]
    out: list[tuple[str, Any]] = []
    total = 0
    for s in sources:
        p = Path(s)
        if p.is_file():
            files = {p.name: p.read_bytes()}
        elif p.is_dir():
            files = {str(f.relative_to(p)): f.read_bytes() for f in sorted(p.rglob("*"))
                     if f.is_file() and f.suffix in _SUFFIXES}
        else:
            out.append(("id", str(s)))
            continue
        total += sum(len(v) for v in files.values())
        if total > _MAX_BYTES:
            raise InputError("ruleset sources are larger than 50 MB")
        out.append(("files", files))
    return out


_POLICIES: dict[str, Any] = {}
_LOCK = threading.Lock()


def _policy(bundle: list, unknown: str):
    key = hashlib.sha256(repr((bundle, unknown)).encode()).hexdigest()
    pol = _POLICIES.get(key)
    if pol is not None:
        return pol
    with _LOCK:
        pol = _POLICIES.get(key)
        if pol is None:
            sources = []
            for kind, value in bundle:
                if kind == "id":
                    sources.append(value)
                    continue
                d = Path(tempfile.mkdtemp(prefix="collectrules-spark-"))
                for rel, data in value.items():
                    f = (d / rel).resolve()
                    if d.resolve() not in f.parents:
                        raise InputError("a broadcast ruleset path leaves its directory")
                    f.parent.mkdir(parents=True, exist_ok=True)
                    f.write_bytes(data)
                sources.append(str(d))
            pol = _POLICIES[key] = load_policy(sources, unknown_jurisdiction=unknown)
    return pol


def _check_columns(df: DataFrame, allowed: frozenset, required: tuple[str, ...], what: str) -> None:
    cols = df.columns
    unknown = sorted(set(cols) - allowed)
    if unknown:
        raise InputError(f"{what}: unknown column(s) {', '.join(map(repr, unknown[:10]))}")
    missing = [c for c in required if c not in cols]
    if missing:
        raise InputError(f"{what}: missing column(s) {', '.join(missing)}")


def _rows_json(pdf_col) -> list[dict]:
    return [json.loads(x) for x in pdf_col]


def _table(rows: list[dict]):
    import pyarrow as pa

    if not rows:
        return _batch.empty_contacts()
    names = list(dict.fromkeys(k for r in rows for k in r))
    return pa.table({k: pa.array([r.get(k) for r in rows]) for k in names})


def _decide(bc, unknown):
    def run(batches: Iterator) -> Iterator:
        import pandas as pd

        policy = _policy(bc.value, unknown)  # compiled once per Python worker process
        parts = [b for b in batches]
        if not parts:
            return
        pdf = pd.concat(parts, ignore_index=True)
        kinds = pdf["_cr_kind"].tolist()
        rows = pdf["_cr_row"].tolist()
        payload = pdf["_cr_json"].tolist()
        att, acc, con = [], [], []
        att_rows, acc_rows, con_rows = [], [], []
        for k, r, p in zip(kinds, rows, payload):
            d = json.loads(p)
            if k == 0:
                att.append(d)
                att_rows.append(int(r))
            elif k == 1:
                acc.append(d)
                acc_rows.append(int(r))
            else:
                con.append(d)
                con_rows.append(int(r))
        if not att:
            return
        order = sorted(range(len(att)), key=att_rows.__getitem__)
        att = [att[i] for i in order]
        att_rows = [att_rows[i] for i in order]
        ta = _table(att)
        if "attempt_id" not in ta.column_names:  # every attempt_id null
            import pyarrow as pa

            ta = ta.append_column("attempt_id", pa.nulls(len(att), pa.string()))
        if "account_id" not in ta.column_names:
            import pyarrow as pa

            ta = ta.append_column("account_id", pa.nulls(len(att), pa.string()))
        out = _batch.decide_tables(policy, ta, _table(acc) if acc else _table([{"account_id": None}]).slice(0, 0),
                                   _table(con), accounts_rows=acc_rows, contacts_rows=con_rows)
        res = out.to_pydict()
        res["error_row"] = [att_rows[i] if t == "attempts" and r is not None else r
                            for i, (t, r) in enumerate(zip(res["error_table"], res["error_row"]))]
        res["attempt_id"] = [None if x is None else str(x) for x in res["attempt_id"]]
        res["_cr_row"] = att_rows
        frame = pd.DataFrame(res)
        frame["next_allowed_at"] = pd.to_datetime(frame["next_allowed_at"], utc=True)
        frame["error_row"] = frame["error_row"].astype("Int64")
        yield frame

    return run


_JSON_OPTS = {"timestampFormat": "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX", "ignoreNullFields": "true"}


def _tagged(df: DataFrame, kind: int) -> DataFrame:
    """The rows of one table as (key, kind, position, JSON): the position is consecutive,
    computed in the JVM from the increasing id of each row in its partition order."""
    order = Window.orderBy(F.monotonically_increasing_id())
    with_row = df.withColumn("_cr_row", F.row_number().over(order) - F.lit(1))
    return with_row.select(F.col("account_id").cast("string").alias("_cr_key"),
                           F.lit(kind).alias("_cr_kind"), F.col("_cr_row"),
                           F.to_json(F.struct(*[F.col(c) for c in df.columns]), _JSON_OPTS).alias("_cr_json"))


def check_dataframe(sdf_attempts: DataFrame, sdf_accounts: DataFrame, sdf_contacts: DataFrame | None,
                    policy_sources: Sequence[str] | None, *, spark: SparkSession | None = None,
                    partitions: int | None = None, unknown_jurisdiction: str = "deny") -> DataFrame:
    """Decide every attempt of a Spark DataFrame; a DataFrame with one row per attempt, ordered
    as the attempts (``attempt_id`` as a string), with the columns of
    :data:`collectrules.batch.OUTPUT_SCHEMA`.

    Args:
        sdf_attempts, sdf_accounts, sdf_contacts: Spark DataFrames (``sdf_contacts`` may be
            ``None``).
        policy_sources: as :func:`collectrules.load_policy`; broadcast to the executors.
        partitions: partitions of the account-keyed union (default: the session's
            ``spark.sql.shuffle.partitions``).

    Raises:
        InputError: unknown or missing columns; ruleset sources larger than 50 MB.
        RulesetError: the rulesets do not load (checked once on the driver).
    """
    _check_columns(sdf_attempts, _batch.ATTEMPT_COLUMNS, ("attempt_id", "account_id"), "attempts")
    _check_columns(sdf_accounts, _batch.ACCOUNT_COLUMNS, ("account_id",), "accounts")
    if sdf_contacts is not None:
        _check_columns(sdf_contacts, _batch.CONTACT_COLUMNS, ("account_id",), "contacts")
    spark = spark or sdf_attempts.sparkSession
    bundle = _bundle(policy_sources)
    _policy(bundle, unknown_jurisdiction)  # ruleset problems surface on the driver, once
    bc = spark.sparkContext.broadcast(bundle)
    n = partitions or int(spark.conf.get("spark.sql.shuffle.partitions"))
    parts = [_tagged(sdf_attempts, 0), _tagged(sdf_accounts, 1)]
    if sdf_contacts is not None:
        parts.append(_tagged(sdf_contacts, 2))
    union = parts[0]
    for p in parts[1:]:
        union = union.unionByName(p)
    union = union.repartition(n, "_cr_key").drop("_cr_key")

    out = union.mapInPandas(_decide(bc, unknown_jurisdiction), schema=OUTPUT_DDL)
    return out.orderBy("_cr_row").drop("_cr_row")


PLAN_DDL = ("account_id string, planned_at array<timestamp>, error_table string, error_row long, "
            "error_field string, error string, _cr_row long")


def _plan(bc, unknown, opts):
    def run(batches: Iterator) -> Iterator:
        import pandas as pd

        from collectrules.plan import _PlanTask

        policy = _policy(bc.value, unknown)
        parts = [b for b in batches]
        if not parts:
            return
        pdf = pd.concat(parts, ignore_index=True)
        acc, con, acc_rows, con_rows = [], [], [], []
        for k, r, p in zip(pdf["_cr_kind"].tolist(), pdf["_cr_row"].tolist(), pdf["_cr_json"].tolist()):
            (acc if k == 1 else con).append(json.loads(p))
            (acc_rows if k == 1 else con_rows).append(int(r))
        if not acc:
            return
        order = sorted(range(len(acc)), key=acc_rows.__getitem__)
        acc = [acc[i] for i in order]
        acc_rows = [acc_rows[i] for i in order]
        tacc = _table(acc)
        out = _PlanTask(opts, None)(policy, tacc, tacc, _table(con), accounts_rows=acc_rows,
                                    contacts_rows=con_rows, offset=0)
        d = out.to_pydict()
        d["error_row"] = [acc_rows[i] if t == "accounts" and r == i else r
                          for i, (t, r) in enumerate(zip(d["error_table"], d["error_row"]))]
        d["account_id"] = [None if x is None else str(x) for x in d["account_id"]]
        d["_cr_row"] = acc_rows
        frame = pd.DataFrame(d)
        frame["error_row"] = frame["error_row"].astype("Int64")
        yield frame

    return run


def plan_dataframe(sdf_accounts: DataFrame, sdf_contacts: DataFrame | None, policy_sources: Sequence[str] | None, *,
                   channel: str, start, end, max_contacts: int | None = None, slot=None,
                   outcome: str = "conversation", spark: SparkSession | None = None, partitions: int | None = None,
                   unknown_jurisdiction: str = "deny") -> DataFrame:
    """:func:`collectrules.plan.plan_table` on Spark: one row per account in the accounts' order
    (``account_id`` as a string, ``planned_at`` array of timestamps, the ``error_*`` columns).
    Plans in time order (no ``score``)."""
    import datetime as _dt

    from collectrules.plan import _instant, plan_contacts

    _check_columns(sdf_accounts, _batch.ACCOUNT_COLUMNS, ("account_id",), "accounts")
    if sdf_contacts is not None:
        _check_columns(sdf_contacts, _batch.CONTACT_COLUMNS, ("account_id",), "contacts")
    spark = spark or sdf_accounts.sparkSession
    opts = dict(channel=channel, start=_instant(start, "start"), end=_instant(end, "end"),
                max_contacts=max_contacts, slot=slot or _dt.timedelta(minutes=30), outcome=outcome)
    bundle = _bundle(policy_sources)
    plan_contacts(_policy(bundle, unknown_jurisdiction), {"jurisdictions": ["US"]}, None,
                  **{**opts, "max_contacts": 0})  # arguments and rulesets checked on the driver
    bc = spark.sparkContext.broadcast(bundle)
    n = partitions or int(spark.conf.get("spark.sql.shuffle.partitions"))
    union = _tagged(sdf_accounts, 1)
    if sdf_contacts is not None:
        union = union.unionByName(_tagged(sdf_contacts, 2))
    union = union.repartition(n, "_cr_key").drop("_cr_key")
    return union.mapInPandas(_plan(bc, unknown_jurisdiction, opts), schema=PLAN_DDL).orderBy("_cr_row").drop("_cr_row")
