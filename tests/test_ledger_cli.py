"""``collectrules ledger init|import|history|verify URL``."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest
from click.testing import CliRunner

import collectrules
from collectrules import open_ledger
from collectrules.cli import main


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite://{tmp_path}/ledger.db"
    return request.getfixturevalue("pg_database")


def run(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


CSV = """account_id,channel,at,debt_ids,outcome,direction
A1,call,2025-06-02T10:00:00-04:00,D1;D2,no_answer,outbound

A1,call,2025-06-02T11:00:00,D1,no_answer,outbound
,call,2025-06-02T11:00:00-04:00,D1,no_answer,outbound
A2,sms,2025-06-02T12:00:00-04:00,"[""D1""]",delivered,inbound
A1,fax,2025-06-03T10:00:00-04:00,D1,no_answer,outbound
A1,call,2025-06-03T10:00:00-04:00,D1,conversation,outbound
"""


def test_init_import_history_verify_csv(url, tmp_path):
    r = run("ledger", "init", url)
    assert r.exit_code == 0 and "schema version 1" in r.output
    assert run("ledger", "init", url).exit_code == 0  # idempotent
    f = tmp_path / "export.csv"
    f.write_text(CSV, encoding="utf-8")
    r = run("ledger", "import", url, str(f))
    assert r.exit_code == 1
    # line numbers count the blank line; nothing of the rejected lines is echoed
    assert f"{f}:4: invalid input: contact.at" in r.output
    assert f"{f}:5: account_id is missing" in r.output
    assert f"{f}:7: invalid input: contact.channel" in r.output
    assert "fax" not in r.output
    assert "imported 3 contact(s), 0 already recorded, 3 line(s) rejected" in r.stderr
    r = run("ledger", "import", url, str(f))
    assert "imported 0 contact(s), 3 already recorded" in r.stderr  # importing twice adds nothing
    r = run("ledger", "history", url, "A1", "--format", "json")
    assert r.exit_code == 0
    rows = json.loads(r.stdout)
    assert [(x["at"], x["debt_ids"], x["outcome"]) for x in rows] == [
        ("2025-06-02T10:00:00-04:00", ["D1", "D2"], "no_answer"),
        ("2025-06-03T10:00:00-04:00", ["D1"], "conversation")]
    r = run("ledger", "history", url, "A1", "--since", "2025-06-03T00:00:00-04:00")
    assert r.stdout.count("\n") == 1 and "conversation" in r.stdout
    r = run("ledger", "history", url, "A2", "--format", "json")
    assert json.loads(r.stdout)[0]["direction"] == "inbound"
    r = run("ledger", "verify", url)
    assert r.exit_code == 0 and "intact" in r.stdout
    # the imported contacts count for the next reservation (3 calls/texts in 7 days in MA)
    policy = collectrules.load_policy(["us-federal", "us-ma"])
    at = dt.datetime(2025, 6, 4, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=-4)))
    with open_ledger(url, clock=lambda: at) as led:
        acct = {"jurisdictions": ["US-MA"], "timezones": ["America/New_York"], "account_id": "A1"}
        res = led.reserve(policy, {"channel": "call", "at": at, "debt_id": "D2"}, account=acct)
        assert res.allowed  # D2: one call so far
        res = led.reserve(policy, {"channel": "call", "at": at, "debt_id": "D1"}, account=acct)
        assert not res.allowed  # D1: a conversation on 06-03 (Reg F 7 days) and two calls (MA)


def test_import_jsonl_reports_bad_lines_and_keeps_the_good(url, tmp_path):
    lines = [
        json.dumps({"account_id": "J1", "channel": "email", "at": "2025-06-02T10:00:00+00:00",
                    "debt_ids": ["D1"], "outcome": "delivered"}),
        "",
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"account_id": "J1", "channel": "call", "at": "2025-06-02T11:00:00+00:00",
                    "debt_ids": ["D1"], "outcome": "busy", "phone": "617-555-0100"}),
        json.dumps({"account_id": "J1", "channel": "call", "at": "2025-06-02T12:00:00+00:00",
                    "debt_ids": ["D1"], "outcome": "no_answer"}),
        json.dumps({"account_id": "J2", "channel": "call", "at": "2100-06-02T12:00:00+00:00",
                    "debt_ids": ["D1"], "outcome": "no_answer"}),
    ]
    f = tmp_path / "export.jsonl"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = run("ledger", "import", url, str(f))
    assert r.exit_code == 1
    out = r.output
    assert f"{f}:3: not JSON" in out
    assert f"{f}:4: not a JSON object" in out
    assert f"{f}:5: invalid input: contact.phone" in out and "617-555" not in out
    assert f"{f}:7:" in out and "future" in out
    assert "imported 2 contact(s)" in r.stderr
    with open_ledger(url) as led:
        assert [c.channel for c in led.history("J1")] == ["email", "call"]
        assert led.history("J2") == []


def test_verify_reports_the_broken_row(tmp_path):
    url = f"sqlite://{tmp_path}/l.db"
    policy = collectrules.load_policy(["us-federal"])
    at = dt.datetime(2025, 6, 2, 14, 0, tzinfo=dt.timezone.utc)
    with open_ledger(url, clock=lambda: at) as led:
        for i in range(3):
            led.reserve(policy, {"channel": "letter", "at": at, "debt_id": "D1"},
                        account={"jurisdictions": ["US-NY"], "account_id": "V1"})
    conn = sqlite3.connect(str(tmp_path / "l.db"))
    conn.execute("UPDATE cr_log SET row = replace(row, '\"allowed\":true', '\"allowed\":false') WHERE n = 2")
    conn.commit()
    conn.close()
    r = run("ledger", "verify", url)
    assert r.exit_code == 1
    assert r.stdout.startswith("BROKEN: row 2 (account 'V1', position 2): edited")


def test_errors_exit_2(tmp_path):
    assert run("ledger", "init", "mysql://x").exit_code == 2
    assert run("ledger", "verify", "sqlite:///nonexistent-dir-xyz/l.db").exit_code == 2
    assert run("ledger", "import", f"sqlite://{tmp_path}/l.db", str(tmp_path / "missing.csv")).exit_code == 2
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\xff\xfe,channel\nA,call\n")
    r = run("ledger", "import", f"sqlite://{tmp_path}/l.db", str(bad))
    assert r.exit_code == 2 and "not UTF-8" in r.stderr  # the header itself
    bad.write_bytes(b"account_id,channel\n\xff\xfe,call\n")
    r = run("ledger", "import", f"sqlite://{tmp_path}/l.db", str(bad))
    assert r.exit_code == 1 and r.stdout == f"{bad}:2: not UTF-8 text\n"  # one line only


def test_import_streams_and_counts_lines_as_an_editor_does(tmp_path):
    url = f"sqlite://{tmp_path}/l.db"
    good = {"account_id": "S1", "channel": "email", "debt_ids": ["D1"], "outcome": "delivered"}
    f = tmp_path / "x.jsonl"
    with f.open("wb") as out:
        out.write(b"\xef\xbb\xbf" + json.dumps({**good, "at": "2025-06-02T10:00:00+00:00"}).encode() + b"\n")
        # a line separator inside a JSON string is not a line break
        out.write(json.dumps({**good, "at": "2025-06-02T11:00:00+00:00", "debt_ids": ["D\u2028X"]},
                             ensure_ascii=False).encode() + b"\n")
        out.write(b'{"account_id": "S1", "channel": "\xff"}\n')  # not UTF-8: that line only
        out.write(b"\n")
        out.write(json.dumps({**good, "at": "2025-06-02T12:00:00+00:00"}).encode() + b"\n")
    r = run("ledger", "import", url, str(f))
    assert r.exit_code == 1
    assert r.output.splitlines()[0] == f"{f}:3: not UTF-8 text"
    assert "imported 3 contact(s)" in r.stderr
    csvf = tmp_path / "x.csv"
    csvf.write_bytes(b"account_id,channel,at,debt_ids,outcome\n"
                     b'S2,letter,2025-06-02T10:00:00+00:00,"D1;\nD2",delivered\n'
                     b"S2,letter,2025-06-02T11:00:00+00:00,D\xff,delivered\n"
                     b"S2,letter,2025-06-02T12:00:00+00:00,D1,delivered,extra\n"
                     b"S2,letter,2025-06-02T13:00:00+00:00,D1,delivered\n")
    r = run("ledger", "import", url, str(csvf), "--progress")
    assert "import: 100%" in r.stderr  # the progress bar ran to the file's size
    assert r.stdout.splitlines() == [f"{csvf}:4: not UTF-8 text", f"{csvf}:5: more cells than header columns"]
    assert "imported 2 contact(s)" in r.stderr
    with open_ledger(url) as led:
        assert [c.debt_ids for c in led.history("S2")] == [["D1", "D2"], ["D1"]]
