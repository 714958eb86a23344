"""Batch decisions (issue #15): check_table / check_parquet == per-row Policy.check."""

from __future__ import annotations

import datetime as dt
import os
import tracemalloc
import zoneinfo

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import collectrules
from collectrules import InputError
from collectrules.batch import INVALID_RULE_ID, check_parquet, check_table

from .portfolio_gen import by_account, generate, tables

UTC = dt.timezone.utc


@pytest.fixture(scope="module")
def portfolio():
    attempts, accounts, contacts = generate(3000, seed=7, attempts_per_account=2)
    return attempts, accounts, contacts, tables(attempts, accounts, contacts)


@pytest.fixture(scope="module")
def batch_one(shipped, portfolio):
    _, _, _, (ta, tacc, tcon) = portfolio
    return check_table(shipped, ta, tacc, tcon, workers=1)


def expected(policy, attempts, accounts, contacts):
    """The reference: one Policy.check per row, from the row dicts."""
    hist = by_account(contacts)
    accs = {a["account_id"]: a for a in accounts}
    out = []
    for a in attempts:
        att = {k: v for k, v in a.items() if k not in ("attempt_id", "account_id")}
        d = policy.check(att, account=accs[a["account_id"]], history=hist.get(a["account_id"], []))
        t = d.next_allowed_at
        out.append({"attempt_id": a["attempt_id"], "allowed": d.allowed,
                    "rule_ids": [v.rule_id for v in d.violations],
                    "first_rule_id": d.violations[0].rule_id if d.violations else None,
                    "next_allowed_at": None if t is None else t.astimezone(UTC)})
    return out


def decided(table: pa.Table) -> list[dict]:
    cols = ["attempt_id", "allowed", "rule_ids", "first_rule_id", "next_allowed_at"]
    return table.select(cols).to_pylist()


def assert_same(got: list[dict], want: list[dict]) -> None:
    assert len(got) == len(want)
    bad = [(i, g, w) for i, (g, w) in enumerate(zip(got, want)) if g != w]
    assert not bad, f"{len(bad)} rows differ, first: {bad[0]}"


def test_batch_equals_per_row_check(shipped, portfolio, batch_one):
    attempts, accounts, contacts, _ = portfolio
    want = expected(shipped, attempts, accounts, contacts)
    got = batch_one
    assert got.column("error").null_count == got.num_rows
    assert_same(decided(got), want)
    # the generated rows cover what the issue asks: every outcome kind, caps at the edge, DST days
    ids = {r for w in want for r in w["rule_ids"]}
    assert {"regf-inconvenient-time", "regf-call-frequency-7-in-7", "regf-call-after-conversation",
            "regf-cease-communication", "regf-attorney-represented", "cn-gbt-quiet-hours",
            "in-rbi-call-hours"} <= ids, sorted(ids)
    assert sum(w["allowed"] for w in want) > 500
    assert sum(not w["allowed"] for w in want) > 500
    days = {dt.datetime.fromisoformat(a["at"]).date() for a in attempts}
    assert {dt.date(2025, 3, 9), dt.date(2025, 11, 2)} <= days


def test_workers_give_the_same_table(shipped, portfolio, batch_one):
    _, _, _, (ta, tacc, tcon) = portfolio
    one = batch_one
    two = check_table(shipped, ta, tacc, tcon, workers=2, chunk_rows=700)
    assert two.equals(one)


def test_pandas_input_and_progress(regf):
    attempts, accounts, contacts = generate(300, seed=3)
    ta, tacc, tcon = tables(attempts, accounts, contacts)
    seen = []
    got = check_table(regf, ta.to_pandas(), tacc.to_pandas(), tcon.to_pandas(), workers=1, chunk_rows=100,
                      progress=seen.append)
    assert seen == [100, 200, 300]
    assert_same(decided(got), expected(regf, attempts, accounts, contacts))


def test_cap_edge_values_from_regulation_f(regf):
    """12 CFR 1006.14(b)(2)(i)(A): more than seven calls within seven consecutive days. Six prior
    calls → the 7th is allowed; seven → the 8th is denied until the first one leaves the window."""
    chi = zoneinfo.ZoneInfo("America/Chicago")
    day = dt.date(2025, 6, 10)
    calls = [dt.datetime.combine(day - dt.timedelta(days=k), dt.time(9), tzinfo=chi) for k in range(0, 7)]
    at = dt.datetime.combine(day, dt.time(12), tzinfo=chi)
    attempts = pa.table({"attempt_id": [1, 2], "account_id": ["six", "seven"], "channel": ["call", "call"],
                         "at": [at.isoformat()] * 2, "debt_id": ["D", "D"]})
    accounts = pa.table({"account_id": ["six", "seven"], "jurisdictions": [["US-IL"], ["US-IL"]],
                         "timezones": [["America/Chicago"]] * 2})
    rows = [("six", c) for c in calls[:6]] + [("seven", c) for c in calls]
    contacts = pa.table({"account_id": [r[0] for r in rows], "channel": ["call"] * len(rows),
                         "at": pa.array([r[1] for r in rows], pa.timestamp("us", tz="America/Chicago")),
                         "debt_ids": [["D"]] * len(rows), "outcome": ["no_answer"] * len(rows)})
    out = check_table(regf, attempts, accounts, contacts, workers=1).to_pylist()
    assert out[0]["allowed"] is True and out[0]["rule_ids"] == []
    assert out[1]["allowed"] is False and out[1]["first_rule_id"] == "regf-call-frequency-7-in-7"
    assert out[0]["attempt_id"] == 1 and out[1]["attempt_id"] == 2  # attempt_id keeps its type
    # seven calls on June 4..10: the oldest leaves the 7-date window on June 11 → 08:00 local
    assert out[1]["next_allowed_at"] == dt.datetime(2025, 6, 11, 8, 0, tzinfo=chi).astimezone(UTC)


def test_bad_rows_are_reported_and_never_shift_good_ones(regf):
    chi = "2025-06-10T12:00:00-05:00"
    attempts = pa.table({
        "attempt_id": ["ok1", "bad-channel", "naive", "no-account", "bad-zone", "bad-contact", "dup", "ok2",
                       "no-id"],
        "account_id": ["A", "A", "A", "Z", "B", "C", "D", "A", None],
        "channel": ["call", "fax", "call", "call", "call", "call", "call", "call", "call"],
        "at": [chi, chi, "2025-06-10T12:00:00", chi, chi, chi, chi, "2025-06-10T22:00:00-05:00", chi],
        "debt_id": ["X"] * 9,
    })
    accounts = pa.table({"account_id": ["A", "B", "C", "D", "D"],
                         "jurisdictions": [["US-IL"]] * 5,
                         "timezones": [["America/Chicago"], ["Mars/Olympus_Mons"], ["America/Chicago"],
                                       ["America/Chicago"], ["America/Chicago"]]})
    contacts = pa.table({"account_id": ["A", "C", "C"], "channel": ["call", "call", "call"],
                         "at": [chi, "2025-06-01T10:00:00-05:00", "2025-06-02T10:00:00-05:00"],
                         "debt_ids": [["X"], ["X"], ["X"]], "outcome": ["no_answer", "no_answer", None]})
    out = check_table(regf, attempts, accounts, contacts, workers=1).to_pylist()
    by = {r["attempt_id"]: r for r in out}
    assert [r["attempt_id"] for r in out] == attempts.column("attempt_id").to_pylist()
    assert by["ok1"]["allowed"] is True and by["ok1"]["error"] is None
    assert by["ok2"]["allowed"] is False and by["ok2"]["first_rule_id"] == "regf-inconvenient-time"
    for k in ("bad-channel", "naive", "no-account", "bad-zone", "bad-contact", "dup", "no-id"):
        r = by[k]
        assert r["allowed"] is False and r["rule_ids"] == [INVALID_RULE_ID] and r["error"], (k, r)
    assert (by["bad-channel"]["error_table"], by["bad-channel"]["error_row"], by["bad-channel"]["error_field"]) \
        == ("attempts", 1, "channel")
    assert (by["naive"]["error_table"], by["naive"]["error_row"], by["naive"]["error_field"]) == ("attempts", 2, "at")
    assert by["no-account"]["error_table"] == "accounts" and by["no-account"]["error_row"] is None
    assert (by["bad-zone"]["error_table"], by["bad-zone"]["error_row"]) == ("accounts", 1)
    assert by["bad-zone"]["error_field"].startswith("timezones")
    assert "Mars" not in by["bad-zone"]["error"]  # the given value is not echoed
    assert (by["bad-contact"]["error_table"], by["bad-contact"]["error_row"], by["bad-contact"]["error_field"]) \
        == ("contacts", 2, "outcome")
    assert (by["dup"]["error_table"], by["dup"]["error_row"]) == ("accounts", 4)
    assert (by["no-id"]["error_table"], by["no-id"]["error_row"], by["no-id"]["error_field"]) \
        == ("attempts", 8, "account_id")


def test_whole_table_problems_raise(regf):
    att = pa.table({"attempt_id": [1], "account_id": ["A"], "channel": ["call"],
                    "at": ["2025-06-10T12:00:00-05:00"], "debt_id": ["X"]})
    acc = pa.table({"account_id": ["A"], "jurisdictions": [["US-IL"]], "cease_comunication": [True]})
    with pytest.raises(InputError, match="cease_comunication"):
        check_table(regf, att, acc, None)
    with pytest.raises(InputError, match="missing column"):
        check_table(regf, att.drop_columns(["attempt_id"]), acc.drop_columns(["cease_comunication"]), None)
    with pytest.raises(InputError, match="different types"):
        check_table(regf, att, pa.table({"account_id": [1], "jurisdictions": [["US-IL"]]}), None)
    with pytest.raises(InputError):
        check_table(regf, att, acc.drop_columns(["cease_comunication"]), None, workers=0)
    with pytest.raises(InputError):
        check_table("not a policy", att, acc, None)


def test_null_cells_mean_not_stated(regf):
    """A null cell is the model's default, exactly as leaving the key out of the request."""
    att = pa.table({"attempt_id": [1, 2], "account_id": ["A", "A"], "channel": ["call", "call"],
                    "at": ["2025-06-10T12:00:00-05:00"] * 2, "debt_id": ["X", "X"],
                    "recipient": [None, "third_party"]})
    acc = pa.table({"account_id": ["A"], "jurisdictions": [["US-IL"]], "cease_communication": pa.array([None], pa.bool_())})
    out = check_table(regf, att, acc, None, workers=1).to_pylist()
    want0 = regf.check({"channel": "call", "at": "2025-06-10T12:00:00-05:00", "debt_id": "X"},
                       account={"jurisdictions": ["US-IL"]})
    want1 = regf.check({"channel": "call", "at": "2025-06-10T12:00:00-05:00", "debt_id": "X",
                        "recipient": "third_party"}, account={"jurisdictions": ["US-IL"]})
    assert out[0]["allowed"] == want0.allowed and out[1]["allowed"] == want1.allowed
    assert out[1]["rule_ids"] == [v.rule_id for v in want1.violations]


def _write(tmp_path, ta, tacc, tcon, row_group):
    paths = [tmp_path / f"{n}.parquet" for n in ("attempts", "accounts", "contacts")]
    for t, p in zip((ta, tacc, tcon), paths):
        pq.write_table(t, p, row_group_size=row_group)
    return [str(p) for p in paths]


def test_check_parquet_streams_the_same_rows(shipped, portfolio, batch_one, tmp_path):
    _, _, _, (ta, tacc, tcon) = portfolio
    want = batch_one
    a, acc, con = _write(tmp_path, ta, tacc, tcon, 700)
    out = tmp_path / "out.parquet"
    seen = []
    counts = check_parquet(shipped, a, acc, con, str(out), workers=2, chunk_accounts=900, progress=seen.append)
    got = pq.read_table(out)
    assert got.equals(want)
    assert counts["rows"] == ta.num_rows and seen[-1] == ta.num_rows
    assert counts["allowed"] + counts["denied"] + counts["invalid"] == ta.num_rows
    assert counts["allowed"] == sum(want.column("allowed").to_pylist())
    # unsorted contacts (no row-group pruning possible) give the same rows
    shuffled = tcon.take(pa.array(list(range(tcon.num_rows))[::-1]))
    pq.write_table(shuffled, con, row_group_size=500)
    check_parquet(shipped, a, acc, con, str(out), workers=2, chunk_accounts=2500)
    assert decided(pq.read_table(out)) == decided(want)


def test_check_parquet_memory_is_flat_in_portfolio_size(regf, tmp_path):
    """Peak Python memory of a streamed run grows far less than the portfolio (4× the accounts)."""
    peaks = []
    for n in (400, 1600):
        d = tmp_path / str(n)
        d.mkdir()
        ta, tacc, tcon = tables(*generate(n, seed=n, max_contacts=6, states=False))
        a, acc, con = _write(d, ta, tacc, tcon, 100)
        tracemalloc.start()
        check_parquet(regf, a, acc, con, str(d / "out.parquet"), workers=1, chunk_accounts=100)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < 2 * peaks[0], peaks


def test_check_parquet_bad_files(regf, tmp_path):
    with pytest.raises(InputError, match="attempts"):
        check_parquet(regf, tmp_path / "nope.parquet", tmp_path / "a.parquet", None, tmp_path / "o.parquet")
    (tmp_path / "junk.parquet").write_bytes(b"not parquet")
    with pytest.raises(InputError):
        check_parquet(regf, tmp_path / "junk.parquet", tmp_path / "junk.parquet", None, tmp_path / "o.parquet")


@pytest.mark.skipif(os.environ.get("COLLECTRULES_BATCH_100K") != "1",
                    reason="the 100k-row equality run: set COLLECTRULES_BATCH_100K=1 (about 2 minutes on 2 cores)")
def test_batch_equals_per_row_check_100k(shipped):
    attempts, accounts, contacts = generate(50_000, seed=100, attempts_per_account=2)
    assert len(attempts) == 100_000
    got = check_table(shipped, *tables(attempts, accounts, contacts))
    assert_same(decided(got), expected(shipped, attempts, accounts, contacts))
