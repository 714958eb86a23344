"""collectrules.dask on a local Dask cluster (issue #15): the same rows as check_table, row for row."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

dask = pytest.importorskip("dask", reason="Dask is not installed: pip install 'collectrules[dask]' "
                                          "(the test extra includes it)")
import dask.dataframe as dd  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402

from collectrules import InputError  # noqa: E402
from collectrules.batch import check_table  # noqa: E402
from collectrules.dask import check_dataframe  # noqa: E402

from .portfolio_gen import generate, tables  # noqa: E402

SOURCES = ["us-federal", "us-ma", "us-wa", "cn-gbt-45251", "in-rbi"]


@pytest.fixture(scope="session")
def dask_client():
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                           host="127.0.0.1")
    client = Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def frames():
    ta, tacc, tcon = tables(*generate(400, seed=21, attempts_per_account=2))
    return ta, tacc, tcon


def _same(got_pdf, want):
    got = got_pdf.reset_index(drop=True)
    w = want.to_pylist()
    assert len(got) == len(w)
    for i, row in enumerate(w):
        g = got.iloc[i]
        assert g["attempt_id"] == row["attempt_id"]
        assert bool(g["allowed"]) == row["allowed"], (i, row)
        assert list(g["rule_ids"]) == row["rule_ids"], (i, row)
        assert (None if g["first_rule_id"] is None else g["first_rule_id"]) == row["first_rule_id"]
        na = g["next_allowed_at"]
        assert (None if na is None or na != na else na.to_pydatetime()) == row["next_allowed_at"], (i, row)
        assert (None if g["error"] is None or g["error"] != g["error"] else g["error"]) == row["error"]


def test_dask_equals_single_process(dask_client, frames):
    from collectrules import load_policy

    ta, tacc, tcon = frames
    want = check_table(load_policy(SOURCES), ta, tacc, tcon, workers=1)
    with dask.config.set({"dataframe.convert-string": False}):
        da = dd.from_pandas(ta.to_pandas(), npartitions=3)
        dacc = dd.from_pandas(tacc.to_pandas(), npartitions=2)
        dcon = dd.from_pandas(tcon.to_pandas(), npartitions=4)
        got = check_dataframe(da, dacc, dcon, SOURCES).compute()
    _same(got, want)


def test_dask_from_parquet(dask_client, frames, tmp_path):
    from collectrules import load_policy

    ta, tacc, tcon = frames
    paths = {}
    for name, t in (("attempts", ta), ("accounts", tacc), ("contacts", tcon)):
        paths[name] = str(tmp_path / f"{name}.parquet")
        pq.write_table(t, paths[name], row_group_size=300)
    want = check_table(load_policy(SOURCES), ta, tacc, tcon, workers=1)
    got = check_dataframe(dd.read_parquet(paths["attempts"]), dd.read_parquet(paths["accounts"]),
                          dd.read_parquet(paths["contacts"]), SOURCES, npartitions=3).compute()
    _same(got, want)


def test_dask_refuses_stringified_lists_and_unknown_columns(frames):
    ta, tacc, _ = frames
    with dask.config.set({"dataframe.convert-string": True}):
        dacc = dd.from_pandas(tacc.to_pandas(), npartitions=1)
    da = dd.from_pandas(ta.to_pandas(), npartitions=1)
    with pytest.raises(InputError, match="convert-string"):
        check_dataframe(da, dacc, None, SOURCES)
    with pytest.raises(InputError, match="unknown column"):
        check_dataframe(da.rename(columns={"channel": "chanel"}), dacc, None, SOURCES)


def test_dask_plan_equals_plan_table(dask_client, frames):
    from collectrules import load_policy
    from collectrules.dask import plan_dataframe
    from collectrules.plan import plan_table

    _, tacc, tcon = tables(*generate(60, seed=5, states=False))
    kw = dict(channel="call", start="2025-06-09T00:00:00+00:00", end="2025-06-11T00:00:00+00:00",
              max_contacts=4, outcome="no_answer")
    want = plan_table(load_policy(SOURCES), tacc, tcon, workers=1, **kw).to_pylist()
    with dask.config.set({"dataframe.convert-string": False}):
        got = plan_dataframe(dd.from_pandas(tacc.to_pandas(), npartitions=2), dd.from_pandas(tcon.to_pandas(),
                             npartitions=3), SOURCES, **kw).compute().reset_index(drop=True)
    assert list(got["account_id"]) == [w["account_id"] for w in want]
    for i, w in enumerate(want):
        g = got.iloc[i]
        assert (list(g["planned_at"]) if g["planned_at"] is not None else None) == w["planned_at"], (i, w)
        assert (None if g["error"] is None or g["error"] != g["error"] else g["error"]) == w["error"]
