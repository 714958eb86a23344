"""Batch decisions on Dask: :func:`check_dataframe` over Dask DataFrames (optional extra ``[dask]``).

    import dask.dataframe as dd
    from collectrules.dask import check_dataframe
    out = check_dataframe(dd.read_parquet("attempts/"), dd.read_parquet("accounts/"),
                          dd.read_parquet("contacts/"), ["us-federal", "us-ma"]).compute()

The three frames have the columns of :mod:`collectrules.batch` (``attempt_id``, ``account_id``
and the model fields). Rows are co-located by ``account_id`` (a stable hash, then a Dask shuffle
of each frame into the same number of partitions), each partition triple is decided by
:func:`collectrules.batch.decide_tables` in ``map_partitions``, and the result is sorted back into
the attempts' input order: the same rows, row for row, as
:func:`collectrules.batch.check_table` (``error_row`` counts rows of the whole frame).

The policy is compiled once per worker process from ``policy_sources`` (shipped ruleset ids or
paths the workers can read), as :func:`collectrules.load_policy` takes them.
"""

from __future__ import annotations

import threading
import zlib
from typing import Any, Sequence

import dask.dataframe as dd  # absolute: the real Dask package, not this module
import pandas as pd
import pyarrow as pa

from collectrules import InputError, load_policy
from collectrules import batch as _batch

__all__ = ["check_dataframe", "plan_dataframe", "policy_for"]

def _list_fields() -> frozenset:
    import typing

    from collectrules import Account, Contact, ContactAttempt

    out = set()
    for model in (Account, Contact, ContactAttempt):
        for name, f in model.model_fields.items():
            ann = f.annotation
            args = typing.get_args(ann) if typing.get_origin(ann) is typing.Union else (ann,)
            if any(typing.get_origin(a) is list for a in args):
                out.add(name)
    return frozenset(out)


_LIST_FIELDS = _list_fields()
_POLICIES: dict[tuple, Any] = {}
_LOCK = threading.Lock()


def policy_for(sources: Sequence[str] | None, unknown_jurisdiction: str = "deny"):
    """The compiled policy for ``sources``, built once per process (cached)."""
    key = (None if sources is None else tuple(str(s) for s in sources), unknown_jurisdiction)
    pol = _POLICIES.get(key)
    if pol is None:
        with _LOCK:
            pol = _POLICIES.get(key)
            if pol is None:
                pol = _POLICIES[key] = load_policy(None if sources is None else list(key[0]),
                                                   unknown_jurisdiction=unknown_jurisdiction)
    return pol


def _bucket(values: pd.Series, n: int) -> pd.Series:
    return pd.Series([-1 if _missing(v) else zlib.crc32(str(v).encode("utf-8")) % n for v in values],
                     index=values.index, dtype="int64")


def _missing(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _tag(df: pd.DataFrame, n: int) -> pd.DataFrame:
    return df.assign(_cr_bucket=_bucket(df["account_id"], n))


def _with_position(ddf):
    one = ddf.assign(_cr_one=1)
    return one.assign(_cr_row=one["_cr_one"].cumsum() - 1).drop(columns=["_cr_one"])


def _arrow(df: pd.DataFrame, drop: tuple[str, ...]) -> pa.Table:
    df = df.drop(columns=[c for c in drop if c in df.columns])
    return pa.Table.from_pandas(df.reset_index(drop=True), preserve_index=False)


META = pd.DataFrame({
    "attempt_id": pd.Series([], dtype=object), "allowed": pd.Series([], dtype=bool),
    "rule_ids": pd.Series([], dtype=object), "first_rule_id": pd.Series([], dtype=object),
    "next_allowed_at": pd.Series([], dtype="datetime64[ns, UTC]"), "error_table": pd.Series([], dtype=object),
    "error_row": pd.Series([], dtype="Int64"), "error_field": pd.Series([], dtype=object),
    "error": pd.Series([], dtype=object), "_cr_row": pd.Series([], dtype="int64"),
})


def _to_pandas(table: pa.Table, rows: list[int]) -> pd.DataFrame:
    d = {c: table.column(c).to_pylist() for c in table.column_names if c not in ("next_allowed_at", "error_row")}
    out = pd.DataFrame({
        "attempt_id": pd.Series(d["attempt_id"], dtype=object),
        "allowed": pd.Series(d["allowed"], dtype=bool),
        "rule_ids": pd.Series(d["rule_ids"], dtype=object),
        "first_rule_id": pd.Series(d["first_rule_id"], dtype=object),
        "next_allowed_at": pd.to_datetime(pd.Series(table.column("next_allowed_at").to_pylist(), dtype=object),
                                          utc=True).astype("datetime64[ns, UTC]"),
        "error_table": pd.Series(d["error_table"], dtype=object),
        "error_row": pd.Series(table.column("error_row").to_pylist(), dtype="Int64"),
        "error_field": pd.Series(d["error_field"], dtype=object),
        "error": pd.Series(d["error"], dtype=object),
        "_cr_row": pd.Series(rows, dtype="int64"),
    })
    return out


def _decide_partition(att: pd.DataFrame, acc: pd.DataFrame, con: pd.DataFrame, sources, unknown) -> pd.DataFrame:
    policy = policy_for(sources, unknown)
    drop = ("_cr_bucket", "_cr_row")
    a_rows = [int(x) for x in att["_cr_row"]]
    ta = _arrow(att, drop)
    tacc = _arrow(acc, drop)
    tcon = _arrow(con, drop) if len(con.columns) else _batch.empty_contacts()
    # attempts: error_row from the global position (decide_tables counts from attempts_offset)
    out = _batch.decide_tables(policy, ta, tacc, tcon, accounts_rows=[int(x) for x in acc["_cr_row"]],
                               contacts_rows=[int(x) for x in con["_cr_row"]] if "_cr_row" in con else None)
    err_rows = out.column("error_row").to_pylist()
    tables = out.column("error_table").to_pylist()
    fixed = [a_rows[i] if t == "attempts" and r is not None else r for i, (t, r) in enumerate(zip(tables, err_rows))]
    out = out.set_column(out.schema.get_field_index("error_row"), "error_row", pa.array(fixed, pa.int64()))
    return _to_pandas(out, a_rows)


def check_dataframe(ddf_attempts, ddf_accounts, ddf_contacts, policy_sources: Sequence[str] | None, *,
                    npartitions: int | None = None, unknown_jurisdiction: str = "deny"):
    """Decide every attempt of a Dask DataFrame; a Dask DataFrame with one row per attempt, in the
    attempts' order, with the columns of :data:`collectrules.batch.OUTPUT_SCHEMA`.

    Args:
        ddf_attempts, ddf_accounts, ddf_contacts: Dask DataFrames (``ddf_contacts`` may be
            ``None``: no history).
        policy_sources: as :func:`collectrules.load_policy` (``None``: every shipped ruleset).
        npartitions: partitions of the co-located frames (default: the attempts' partitions).

    Raises:
        InputError: unknown or missing columns.
    """
    for what, ddf, allowed, req in (("attempts", ddf_attempts, _batch.ATTEMPT_COLUMNS, ("attempt_id", "account_id")),
                                    ("accounts", ddf_accounts, _batch.ACCOUNT_COLUMNS, ("account_id",)),
                                    ("contacts", ddf_contacts, _batch.CONTACT_COLUMNS, ("account_id",))):
        if ddf is None:
            continue
        cols = list(ddf.columns)
        unknown = sorted(set(cols) - allowed)
        if unknown:
            raise InputError(f"{what}: unknown column(s) {', '.join(map(repr, unknown[:10]))}")
        missing = [c for c in req if c not in cols]
        if missing:
            raise InputError(f"{what}: missing column(s) {', '.join(missing)}")
        strings = [c for c in cols if c in _LIST_FIELDS and str(ddf.dtypes[c]).startswith("string")]
        if strings:
            raise InputError(f"{what}: list column(s) {', '.join(strings)} hold strings: Dask's "
                             "'dataframe.convert-string' turns object columns of lists into strings; build the "
                             "frame with dask.config.set({'dataframe.convert-string': False}) or read it from Parquet")
    policy_for(policy_sources, unknown_jurisdiction)  # ruleset problems surface here, once
    n = npartitions or max(1, ddf_attempts.npartitions)
    sources = None if policy_sources is None else [str(s) for s in policy_sources]
    frames = []
    for ddf in (ddf_attempts, ddf_accounts, ddf_contacts):
        if ddf is None:
            ddf = dd.from_pandas(pd.DataFrame({"account_id": pd.Series([], dtype=object)}), npartitions=1)
        ddf = _with_position(ddf).map_partitions(_tag, n)
        frames.append(ddf.shuffle("_cr_bucket", npartitions=n, shuffle_method="tasks"))
    res = dd.map_partitions(_decide_partition, *frames, sources, unknown_jurisdiction, meta=META,
                            align_dataframes=False)
    # back into input order: range-partition by position (known divisions, no quantile pass),
    # then sort each partition
    total = int(len(ddf_attempts))
    if total == 0:
        return res.drop(columns=["_cr_row"])
    step = max(1, -(-total // n))
    divisions = sorted(set(list(range(0, total, step)) + [total - 1]))
    out = res.set_index("_cr_row", divisions=divisions, shuffle_method="tasks")
    return out.map_partitions(lambda df: df.sort_index(), meta=out._meta).reset_index(drop=True)


PLAN_META = pd.DataFrame({
    "account_id": pd.Series([], dtype=object), "planned_at": pd.Series([], dtype=object),
    "error_table": pd.Series([], dtype=object), "error_row": pd.Series([], dtype="Int64"),
    "error_field": pd.Series([], dtype=object), "error": pd.Series([], dtype=object),
    "_cr_row": pd.Series([], dtype="int64"),
})


def _plan_partition(acc: pd.DataFrame, con: pd.DataFrame, sources, unknown, opts) -> pd.DataFrame:
    from collectrules.plan import _PlanTask

    policy = policy_for(sources, unknown)
    drop = ("_cr_bucket", "_cr_row")
    rows = [int(x) for x in acc["_cr_row"]]
    tacc = _arrow(acc, drop)
    tcon = _arrow(con, drop) if len(con.columns) else _batch.empty_contacts()
    out = _PlanTask(opts, None)(policy, tacc, tacc, tcon, accounts_rows=rows,
                                contacts_rows=[int(x) for x in con["_cr_row"]] if "_cr_row" in con else None,
                                offset=0)
    d = out.to_pydict()
    # rows of the accounts table are reported by their position in the whole frame
    d["error_row"] = [rows[i] if t == "accounts" and r == i else r
                      for i, (t, r) in enumerate(zip(d["error_table"], d["error_row"]))]
    frame = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in d.items()})
    frame["error_row"] = pd.Series(d["error_row"], dtype="Int64")
    frame["_cr_row"] = pd.Series(rows, dtype="int64")
    return frame


def plan_dataframe(ddf_accounts, ddf_contacts, policy_sources: Sequence[str] | None, *, channel: str, start, end,
                   max_contacts: int | None = None, slot=None, outcome: str = "conversation",
                   npartitions: int | None = None, unknown_jurisdiction: str = "deny"):
    """:func:`collectrules.plan.plan_table` on Dask: one row per account, in the accounts' order
    (``account_id``, ``planned_at`` as a list of UTC datetimes, the ``error_*`` columns). Plans
    in time order (no ``score``)."""
    import datetime as _dt

    from collectrules.plan import plan_contacts

    for what, ddf, allowed in (("accounts", ddf_accounts, _batch.ACCOUNT_COLUMNS),
                               ("contacts", ddf_contacts, _batch.CONTACT_COLUMNS)):
        if ddf is None:
            continue
        unknown = sorted(set(ddf.columns) - allowed)
        if unknown or "account_id" not in ddf.columns:
            raise InputError(f"{what}: unknown column(s) {', '.join(map(repr, unknown[:10]))} or no account_id")
    slot = slot or _dt.timedelta(minutes=30)
    opts = dict(channel=channel, start=start, end=end, max_contacts=max_contacts, slot=slot, outcome=outcome)
    pol = policy_for(policy_sources, unknown_jurisdiction)
    plan_contacts(pol, {"jurisdictions": ["US"]}, None, **{**opts, "max_contacts": 0})  # arguments, up front
    n = npartitions or max(1, ddf_accounts.npartitions)
    sources = None if policy_sources is None else [str(s) for s in policy_sources]
    frames = []
    for ddf in (ddf_accounts, ddf_contacts):
        if ddf is None:
            ddf = dd.from_pandas(pd.DataFrame({"account_id": pd.Series([], dtype=object)}), npartitions=1)
        frames.append(_with_position(ddf).map_partitions(_tag, n).shuffle("_cr_bucket", npartitions=n,
                                                                          shuffle_method="tasks"))
    res = dd.map_partitions(_plan_partition, *frames, sources, unknown_jurisdiction, opts, meta=PLAN_META,
                            align_dataframes=False)
    total = int(len(ddf_accounts))
    if total == 0:
        return res.drop(columns=["_cr_row"])
    step = max(1, -(-total // n))
    divisions = sorted(set(list(range(0, total, step)) + [total - 1]))
    out = res.set_index("_cr_row", divisions=divisions, shuffle_method="tasks")
    return out.map_partitions(lambda df: df.sort_index(), meta=out._meta).reset_index(drop=True)
