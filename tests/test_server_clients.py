"""The example clients in examples/clients/ (Node and curl) run check -> reserve -> complete
against the real service; each runs where its toolchain exists."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from .server_util import ROOT, Server, midday_zone


@pytest.fixture(scope="module")
def csrv(tmp_path_factory):
    d = tmp_path_factory.mktemp("clients")
    tok = d / "token"
    tok.write_text("example-token-0123456789abcdef\n")
    s = Server(["-r", "us-federal", "--ledger", f"sqlite:///{d}/ledger.db", "--token-file", str(tok)],
               log_path=d / "server.log")
    s.env = {**os.environ, "COLLECTRULES_URL": s.url, "COLLECTRULES_TOKEN": "example-token-0123456789abcdef"}
    yield s
    s.stop()


def _history(s, account):
    return s.get(f"/v1/accounts/{account}/history",
                 headers={"Authorization": "Bearer example-token-0123456789abcdef"})[2]["contacts"]


def test_node_client(csrv):
    node = shutil.which("node")
    if node is None:
        pytest.skip("LOUD SKIP: node is not installed; .ci/run installs nodejs so CI runs this test")
    r = subprocess.run([node, str(ROOT / "examples/clients/client.mjs"), "acct-node", midday_zone()],
                       capture_output=True, text=True, env=csrv.env, timeout=120)
    assert r.returncode == 0, r.stderr + r.stdout
    steps = [json.loads(line) for line in r.stdout.splitlines()]
    assert [x["step"] for x in steps] == ["check", "reserve", "complete"]
    assert steps[1]["allowed"] is True and steps[2]["status"] == "completed"
    assert steps[2]["reservation_id"] == steps[1]["reservation_id"]
    assert [(c["channel"], c["outcome"]) for c in _history(csrv, "acct-node")] == [("call", "no_answer")]


def test_node_client_without_token_gets_a_problem(csrv):
    node = shutil.which("node")
    if node is None:
        pytest.skip("LOUD SKIP: node is not installed; .ci/run installs nodejs so CI runs this test")
    env = {k: v for k, v in csrv.env.items() if k != "COLLECTRULES_TOKEN"}
    r = subprocess.run([node, str(ROOT / "examples/clients/client.mjs"), "acct-node2", midday_zone()],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 2 and "401 Unauthorized" in r.stderr


def test_curl_script(csrv):
    if shutil.which("curl") is None or shutil.which("sh") is None:
        pytest.skip("LOUD SKIP: curl is not installed; .ci/run installs curl so CI runs this test")
    r = subprocess.run(["sh", str(ROOT / "examples/clients/check-reserve-complete.sh"), "acct-curl", midday_zone()],
                       capture_output=True, text=True, env=csrv.env, timeout=120)
    assert r.returncode == 0, r.stderr + r.stdout
    assert '"status":"completed"' in r.stdout
    assert [(c["channel"], c["outcome"]) for c in _history(csrv, "acct-curl")] == [("call", "no_answer")]
