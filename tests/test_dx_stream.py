"""Issue 12, integrators: `collectrules check -` streams JSONL -- each line answered as it
arrives (a real co-process), --format jsonl, a bad line gets its own result."""

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from collectrules.cli import main

BIN = Path(sys.executable).parent / "collectrules"
ACCOUNT = {"jurisdictions": ["US-MA"], "timezones": ["America/New_York"]}


def req(rid, at):
    return json.dumps({"id": rid, "attempt": {"channel": "call", "at": at, "debt_id": "D1", "dialer": "manual"},
                       "account": ACCOUNT})


def test_check_is_a_coprocess_answering_each_line_before_the_next_is_sent():
    p = subprocess.Popen([str(BIN), "check", "-r", "us-federal", "-r", "us-ma", "--format", "jsonl", "-"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=dict(os.environ, PYTHONUNBUFFERED="0"))
    try:
        sent = [("r1", "2025-06-04T10:00:00-04:00", True), ("r2", "2025-06-04T21:00:00-04:00", False),
                (None, None, None), ("r4", "2025-06-04T20:59:59-04:00", True)]
        for n, (rid, at, allowed) in enumerate(sent, 1):
            line = req(rid, at) if rid else "{not json"
            p.stdin.write((line + "\n").encode())
            p.stdin.flush()
            # the answer comes back while stdin is still open: nothing is buffered to EOF
            got = json.loads(p.stdout.readline())
            assert got["line"] == n
            if rid is None:
                assert "not JSON" in got["error"] and got["id"] is None
            else:
                assert got["id"] == rid and got["allowed"] is allowed
                if not allowed:
                    assert {v["rule_id"] for v in got["violations"]} >= {"regf-inconvenient-time"}
        p.stdin.close()
        assert p.wait(timeout=120) == 2  # a bad line makes the run exit 2, after every answer
        assert p.stdout.read() == b""
    finally:
        if p.poll() is None:
            p.kill()


def test_jsonl_lines_keep_their_numbers_blank_lines_counted():
    text = "\n".join([req("a", "2025-06-04T10:00:00-04:00"), "", "[1]", req("b", "2025-06-04T23:00:00-04:00"),
                      ""]).encode() + b"\xff\n"
    r = CliRunner().invoke(main, ["check", "-r", "us-federal", "--format", "jsonl", "-"], input=text)
    rows = [json.loads(ln) for ln in r.output.splitlines()]
    assert [x["line"] for x in rows] == [1, 3, 4, 5]
    assert rows[0]["allowed"] is True and rows[2]["allowed"] is False
    assert "not an object" in rows[1]["error"] and "UTF-8" in rows[3]["error"]
    assert r.exit_code == 2


def test_text_format_streams_too_and_json_array_input_still_works():
    lines = "\n".join([req("a", "2025-06-04T10:00:00-04:00"), req("b", "2025-06-04T23:00:00-04:00")])
    r = CliRunner().invoke(main, ["check", "-r", "us-federal", "-"], input=lines)
    assert r.exit_code == 1 and r.output.startswith("a: ALLOWED") and "b: DENIED" in r.output
    arr = "[" + ",\n".join([req("a", "2025-06-04T10:00:00-04:00")]) + "]"
    r = CliRunner().invoke(main, ["check", "-r", "us-federal", "--format", "jsonl", "-"], input=arr)
    assert r.exit_code == 0 and json.loads(r.output)["allowed"] is True and "line" not in json.loads(r.output)
    pretty = json.dumps(json.loads(req("a", "2025-06-04T10:00:00-04:00")), indent=2)
    r = CliRunner().invoke(main, ["check", "-r", "us-federal", "-"], input=pretty)
    assert r.exit_code == 0 and r.output.startswith("a: ALLOWED")


def test_jsonl_request_file_is_streamed_with_its_line_numbers(tmp_path):
    f = tmp_path / "reqs.jsonl"
    f.write_text("\n\n" + req("a", "2025-06-04T10:00:00-04:00") + "\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["check", "-r", "us-federal", "--format", "jsonl", str(f)])
    assert r.exit_code == 0 and json.loads(r.output)["line"] == 3
