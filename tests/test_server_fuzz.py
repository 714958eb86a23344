"""Property-based API fuzzing of the real service from its own OpenAPI document (schemathesis):
no 500, no undocumented status, no response off the schema, no schema-violating request
accepted, no hang. Bounded: a fixed seed and a small example count per operation."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .server_util import Server

pytest.importorskip("schemathesis", reason="schemathesis (in the test extra) is not installed")

# positive_data_acceptance is left out on purpose: the library's validators are stricter than
# JSON Schema can say (ISO 3166 codes checked against pycountry, IANA zone names, supported
# years), so a schema-valid "jurisdictions": [""] is rightly a 422.
CHECKS = ["--exclude-checks", "positive_data_acceptance"]


def test_schemathesis_finds_nothing(tmp_path):
    s = Server(["-r", "us-federal", "-r", "us-ma", "--ledger", f"sqlite:///{tmp_path}/ledger.db"],
               log_path=tmp_path / "server.log")
    try:
        r = subprocess.run(
            [sys.executable, "-c", "from schemathesis.cli import schemathesis; schemathesis()", "run",
             f"{s.url}/openapi.json", "--max-examples", "5", "--seed", "20261206", "--workers", "1",
             "--request-timeout", "20", "--no-color", *CHECKS],
            capture_output=True, text=True, cwd=tmp_path, timeout=900)  # its cache stays out of the repo
        log = s.log()
    finally:
        s.stop()
    tail = r.stdout[-6000:]
    assert r.returncode == 0, tail
    assert "passed" in tail and "failures" not in tail.split("SUMMARY")[-1].lower(), tail
    assert "internal error" not in log and "Traceback" not in log, log[-3000:]
