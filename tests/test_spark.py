"""collectrules.spark on a local Spark session (issue #15): the same rows as check_table, row for row."""

from __future__ import annotations

import shutil

import pytest

pyspark = pytest.importorskip("pyspark", reason="PySpark is not installed: pip install 'collectrules[spark]' "
                                               "(the test extra includes it)")

from collectrules import InputError, load_policy  # noqa: E402
from collectrules.batch import check_table  # noqa: E402

from .portfolio_gen import generate, tables  # noqa: E402

SOURCES = ["us-federal", "us-ma", "us-wa", "cn-gbt-45251", "in-rbi"]


@pytest.fixture(scope="session")
def spark():
    if shutil.which("java") is None:
        pytest.skip("NO JAVA: Spark needs a JVM (.ci/run installs openjdk-17-jre-headless); Spark tests NOT RUN")
    from collectrules.spark import local_session

    s = local_session(2, "collectrules-tests")
    yield s
    s.stop()


def test_spark_equals_single_process(spark, tmp_path):
    from collectrules.spark import check_dataframe

    ta, tacc, tcon = tables(*generate(300, seed=33, attempts_per_account=2))
    want = check_table(load_policy(SOURCES), ta, tacc, tcon, workers=1).to_pylist()
    import pyarrow.parquet as pq

    paths = {}
    for name, t in (("attempts", ta), ("accounts", tacc), ("contacts", tcon)):
        paths[name] = str(tmp_path / f"{name}.parquet")
        pq.write_table(t, paths[name])
    # the sources as a directory path too: broadcast as file contents
    rs_dir = tmp_path / "rs"
    rs_dir.mkdir()
    for r in load_policy(["us-federal"]).rulesets:
        shutil.copy(r.path, rs_dir / r.path.name)
    sources = [str(rs_dir)] + SOURCES[1:]
    out = check_dataframe(spark.read.parquet(paths["attempts"]), spark.read.parquet(paths["accounts"]),
                          spark.read.parquet(paths["contacts"]), sources, partitions=3)
    got = [r.asDict() for r in out.collect()]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g["attempt_id"] == str(w["attempt_id"])
        assert (g["allowed"], list(g["rule_ids"]), g["first_rule_id"], g["error"]) == \
            (w["allowed"], w["rule_ids"], w["first_rule_id"], w["error"]), (g, w)
        na = g["next_allowed_at"]
        want_na = w["next_allowed_at"]
        assert (na is None) == (want_na is None)
        if na is not None:  # session time zone UTC: naive UTC wall clock from collect()
            assert na == want_na.replace(tzinfo=None)


def test_spark_bad_rows_and_columns(spark):
    from collectrules.spark import check_dataframe

    att = spark.createDataFrame([("t1", "A", "call", "2025-06-10T12:00:00-05:00", "X"),
                                 ("t2", "A", "fax", "2025-06-10T12:00:00-05:00", "X"),
                                 ("t3", "A", "call", "2025-06-10T22:00:00-05:00", "X")],
                                "attempt_id string, account_id string, channel string, at string, debt_id string")
    acc = spark.createDataFrame([("A", ["US-IL"], ["America/Chicago"])],
                                "account_id string, jurisdictions array<string>, timezones array<string>")
    rows = [r.asDict() for r in check_dataframe(att, acc, None, ["us-federal"]).collect()]
    assert [r["attempt_id"] for r in rows] == ["t1", "t2", "t3"]
    assert rows[0]["allowed"] is True
    assert (rows[1]["allowed"], rows[1]["error_table"], rows[1]["error_row"], rows[1]["error_field"]) == \
        (False, "attempts", 1, "channel")
    assert rows[2]["allowed"] is False and rows[2]["first_rule_id"] == "regf-inconvenient-time"
    with pytest.raises(InputError, match="unknown column"):
        check_dataframe(att.withColumnRenamed("channel", "chanel"), acc, None, ["us-federal"])


def test_spark_plan_equals_plan_table(spark):
    from collectrules.plan import plan_table
    from collectrules.spark import plan_dataframe

    _, tacc, tcon = tables(*generate(40, seed=6, states=False))
    kw = dict(channel="call", start="2025-06-09T00:00:00+00:00", end="2025-06-11T00:00:00+00:00",
              max_contacts=4, outcome="no_answer")
    want = plan_table(load_policy(SOURCES), tacc, tcon, workers=1, **kw).to_pylist()
    got = [r.asDict() for r in plan_dataframe(spark.createDataFrame(tacc.to_pandas()),
                                              spark.createDataFrame(tcon.to_pandas()), SOURCES, **kw).collect()]
    assert [g["account_id"] for g in got] == [w["account_id"] for w in want]
    for g, w in zip(got, want):
        assert g["error"] == w["error"]
        if w["planned_at"] is None:
            assert g["planned_at"] is None
        else:  # session time zone UTC: naive UTC wall clock from collect()
            assert list(g["planned_at"]) == [t.replace(tzinfo=None) for t in w["planned_at"]]
