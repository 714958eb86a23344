"""`collectrules batch` and `collectrules plan` (issue #15)."""

from __future__ import annotations

import io
import sys

import pyarrow as pa
import pyarrow.parquet as pq
from click.testing import CliRunner

from collectrules import cli
from collectrules.batch import check_table

from .portfolio_gen import generate, tables


def _files(tmp_path, ta, tacc, tcon):
    paths = []
    for n, t in (("attempts", ta), ("accounts", tacc), ("contacts", tcon)):
        p = tmp_path / f"{n}.parquet"
        pq.write_table(t, p)
        paths.append(str(p))
    return paths


def test_batch_command_writes_the_table_and_exit_codes(tmp_path, regf):
    ta, tacc, tcon = tables(*generate(200, seed=5))
    a, acc, con = _files(tmp_path, ta, tacc, tcon)
    out = tmp_path / "out.parquet"
    r = CliRunner().invoke(cli.main, ["batch", a, "--accounts", acc, "--contacts", con, "--out", str(out),
                                      "-r", "us-federal", "--workers", "2", "--chunk", "60"])
    assert r.exit_code == 1, r.output  # some attempts are denied
    assert pq.read_table(out).equals(check_table(regf, ta, tacc, tcon, workers=1))
    assert "200 attempt(s):" in r.output and "\r" not in r.output  # no progress bar off a terminal
    # a bad row: reported with table, row and field; the others keep their place; exit 2
    rows = ta.to_pylist()
    rows[3]["channel"] = "fax"
    pq.write_table(pa.Table.from_pylist(rows, schema=ta.schema), a)
    r = CliRunner().invoke(cli.main, ["batch", a, "--accounts", acc, "--contacts", con, "--out", str(out),
                                      "-r", "us-federal", "--workers", "1"])
    assert r.exit_code == 2
    assert "invalid: attempts row 3: channel:" in r.output
    got = pq.read_table(out).to_pylist()
    want = check_table(regf, ta, tacc, tcon, workers=1).to_pylist()
    assert [g for i, g in enumerate(got) if i != 3] == [w for i, w in enumerate(want) if i != 3]
    # a file that is not there / not Parquet: exit 2, one line
    r = CliRunner().invoke(cli.main, ["batch", str(tmp_path / "none.parquet"), "--accounts", acc, "--out", str(out)])
    assert r.exit_code == 2


def test_progress_bar_only_on_a_terminal(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stderr", Tty())
    bar = cli._progress_bar(10, "attempts")
    assert bar is not None
    bar.update(10)
    bar.close()
    assert "10/10" in sys.stderr.getvalue()
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert cli._progress_bar(10, "attempts") is None


def test_plan_command(tmp_path):
    _, tacc, tcon = tables(*generate(30, seed=9, states=False))
    acc, con = str(tmp_path / "acc.parquet"), str(tmp_path / "con.parquet")
    pq.write_table(tacc, acc)
    pq.write_table(tcon, con)
    out = tmp_path / "plan.parquet"
    r = CliRunner().invoke(cli.main, ["plan", acc, "--contacts", con, "--out", str(out), "--channel", "call",
                                      "--start", "2025-06-09T00:00:00+00:00", "--end", "2025-06-12T00:00:00+00:00",
                                      "--max-contacts", "3", "-r", "us-federal", "--workers", "1"])
    assert r.exit_code == 0, r.output
    assert "30 account(s):" in r.output
    t = pq.read_table(out)
    assert t.column("account_id").to_pylist() == tacc.column("account_id").to_pylist()
    assert all(x is None or len(x) <= 3 for x in t.column("planned_at").to_pylist())
    r = CliRunner().invoke(cli.main, ["plan", acc, "--out", str(out), "--channel", "call",
                                      "--start", "2025-06-09T00:00:00", "--end", "2025-06-12T00:00:00+00:00"])
    assert r.exit_code == 2 and "offset" in r.output
