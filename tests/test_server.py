"""The decision service (issue #11), tested through real HTTP against `collectrules serve` running
as a subprocess on a free loopback port."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from .server_util import ROOT, Server

CHI = {"jurisdictions": ["US-IL"], "timezones": ["America/Chicago"], "account_id": "acct-7"}
BOS = {"jurisdictions": ["US-MA"], "timezones": ["America/New_York"], "account_id": "acct-9"}


def req(at, account=CHI, history=(), channel="call", **kw):
    return {"attempt": {"channel": channel, "at": at, "debt_id": "D1", **kw}, "account": account,
            "history": list(history)}


def calls(n, start="2025-05-26T10:00:00-05:00"):
    import datetime as dt

    t0 = dt.datetime.fromisoformat(start)
    return [{"channel": "call", "at": (t0 + dt.timedelta(days=i)).isoformat(), "debt_ids": ["D1"],
             "outcome": "no_answer"} for i in range(n)]


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = Server(["-r", "us-federal", "-r", "us-ma", "--batch-max", "50", "--max-body", "65536"],
               log_path=tmp_path_factory.mktemp("srv") / "server.log")
    yield s
    s.stop()


# -- decisions -----------------------------------------------------------------------------------

def test_check_reg_f_hours_boundary(srv):
    """12 CFR 1006.6(b)(1)(i): before 9 p.m. local is convenient; 20:59:59 passes, 21:00:00 fails."""
    st, h, ok = srv.post("/v1/check", req("2025-06-02T20:59:59-05:00"))
    assert st == 200 and h["content-type"].startswith("application/json")
    assert ok["allowed"] is True and ok["violations"] == [] and ok["rulesets"] == ["us-federal"]
    assert len(ok["policy_fingerprint"]) >= 64 and "trace" not in ok
    st, _, no = srv.post("/v1/check", req("2025-06-02T21:00:00-05:00"))
    assert st == 200 and no["allowed"] is False
    assert [v["rule_id"] for v in no["violations"]] == ["regf-inconvenient-time"]
    assert no["next_allowed_at"] == "2025-06-03T08:00:00-05:00"


def test_check_equals_in_process_decision(srv):
    import collectrules

    policy = collectrules.load_policy(["us-federal", "us-ma"])
    body = req("2025-06-02T11:00:00-04:00", account=BOS, history=calls(3, start="2025-05-28T10:00:00-04:00"))
    local = policy.check(body["attempt"], account=body["account"], history=body["history"]).to_dict()
    st, _, remote = srv.post("/v1/check?explain=true", body)
    assert st == 200
    remote.pop("policy_fingerprint")
    assert remote == local
    assert remote["trace"], "explain=true carries the trace"


def test_regf_eighth_call_in_seven_days(srv):
    """1006.14(b)(2)(i): a call after 7 calls within 7 consecutive days is presumed a violation."""
    hist = calls(7)  # 26 May .. 1 June
    st, _, d = srv.post("/v1/check", req("2025-06-01T15:00:00-05:00", history=hist))
    assert st == 200 and d["allowed"] is False
    assert "regf-call-frequency-7-in-7" in [v["rule_id"] for v in d["violations"]]
    st, _, d6 = srv.post("/v1/check", req("2025-06-01T15:00:00-05:00", history=hist[:6]))
    assert d6["allowed"] is True


def test_batch_in_order_with_per_item_errors(srv):
    items = [req("2025-06-02T20:59:59-05:00"),
             {"attempt": {"channel": "call", "at": "2025-06-02T12:00:00", "debt_id": "D1"}, "account": CHI},
             req("2025-06-02T21:00:00-05:00"),
             {"attempt": {"channel": "pigeon", "at": "2025-06-02T12:00:00-05:00", "debt_id": "D1"}, "account": CHI},
             req("2025-06-02T12:00:00-05:00", account={"jurisdictions": ["US-IL"], "timezones": ["Mars/Olympus"]})]
    st, _, out = srv.post("/v1/check:batch", {"requests": items})
    assert st == 200
    res = out["results"]
    assert [r["index"] for r in res] == [0, 1, 2, 3, 4]
    assert res[0]["decision"]["allowed"] is True
    assert res[1]["error"]["status"] == 422 and res[1]["error"]["errors"][0]["loc"] == "requests.1.attempt.at"
    assert res[2]["decision"]["allowed"] is False
    assert res[3]["error"]["errors"][0]["loc"] == "requests.3.attempt.channel"
    assert res[4]["error"]["status"] == 422


def test_batch_limit(srv):
    st, h, p = srv.post("/v1/check:batch", {"requests": [req("2025-06-02T12:00:00-05:00")] * 51})
    assert st == 422 and h["content-type"] == "application/problem+json"
    st, _, p = srv.post("/v1/check:batch", {"requests": [req("2025-06-02T12:00:00-05:00")] * 50})
    assert st == 200 and len(p["results"]) == 50


def test_next_allowed(srv):
    st, _, d = srv.post("/v1/next-allowed", req("2025-06-02T21:05:00-05:00"))
    assert st == 200 and d == {"allowed_now": False, "next_allowed_at": "2025-06-03T08:00:00-05:00",
                               "policy_fingerprint": d["policy_fingerprint"]}
    st, _, d = srv.post("/v1/next-allowed", req("2025-06-02T10:00:00-05:00"))
    assert d["allowed_now"] is True and d["next_allowed_at"] == "2025-06-02T10:00:00-05:00"
    st, _, d = srv.post("/v1/next-allowed", req("2025-06-02T10:00:00-05:00",
                                                account={**CHI, "cease_communication": True}))
    assert d["allowed_now"] is False and d["next_allowed_at"] is None


def test_messages_and_transcripts(srv):
    st, _, rep = srv.post("/v1/messages:check", {
        "text": "Hi, this is Ava from Lakeside. Your payment plan is ready.", "channel": "sms",
        "account": CHI, "stage": "subsequent", "language": "en"})
    assert st == 200 and rep["ok"] is False
    assert "regf-subsequent-debt-collector" in [f["rule_id"] for f in rep["findings"]]
    turns = [{"speaker": "agent", "start_seconds": 0, "text": "Hello, this is Ava, a debt collector."},
             {"speaker": "consumer", "start_seconds": 4, "text": "ok"}]
    st, _, rep = srv.post("/v1/transcripts:check", {"turns": turns, "account": CHI, "stage": "subsequent",
                                                    "language": "en"})
    assert st == 200 and isinstance(rep["ok"], bool) and rep["rulesets"] == ["us-federal"]


def test_rulesets_and_health(srv):
    st, _, r = srv.get("/v1/rulesets")
    assert st == 200 and [x["id"] for x in r["rulesets"]] == ["us-federal", "us-ma"]
    import collectrules

    assert r["fingerprint"] == collectrules.load_policy(["us-federal", "us-ma"]).fingerprint
    assert srv.get("/healthz")[0] == 200
    st, _, rd = srv.get("/readyz")
    assert st == 200 and rd["fingerprint"] == r["fingerprint"]


def test_no_ledger_is_a_404_problem(srv):
    st, h, p = srv.post("/v1/reservations", req("2025-06-02T12:00:00-05:00"))
    assert st == 404 and h["content-type"] == "application/problem+json" and p["title"] == "No ledger configured"
    assert srv.get("/v1/accounts/acct-7/history")[0] == 404
    assert srv.post("/v1/reservations/r1:cancel")[0] == 404


# -- errors --------------------------------------------------------------------------------------

PHONE = "+1 617 555 0100"
EMAIL = "jane.doe@example.com"


def test_invalid_input_is_422_with_paths_and_no_echo(srv):
    body = {"attempt": {"channel": "call", "at": PHONE, "debt_id": "D1", EMAIL: True},
            "account": {"jurisdictions": ["US-IL"], "timezones": [EMAIL]}, "history": [{"note": PHONE}]}
    st, h, p = srv.post("/v1/check", body)
    assert st == 422 and h["content-type"] == "application/problem+json"
    assert p["type"] == "urn:collectrules:problem:invalid-request" and p["status"] == 422 and p["title"]
    locs = {e["loc"] for e in p["errors"]}
    assert {"attempt.at", "account.timezones"} <= locs
    text = json.dumps(p)
    for secret in ("617", "555 0100", "jane", "example.com"):
        assert secret not in text


def test_numeric_instant_and_bool_as_int_refused(srv):
    st, _, p = srv.post("/v1/check", req(1748894400))
    assert st == 422 and p["errors"][0]["loc"] == "attempt.at"
    st, _, p = srv.post("/v1/check", req("2025-06-02T12:00:00-05:00", callback_requested=1))
    assert st == 422 and p["errors"][0]["loc"] == "attempt.callback_requested"


def test_naive_datetime_refused(srv):
    st, _, p = srv.post("/v1/check", req("2025-06-02T12:00:00"))
    assert st == 422 and p["errors"][0]["loc"] == "attempt.at"


def test_not_json_is_400_and_oversize_is_413(srv):
    st, h, p = srv.post("/v1/check", raw=b"{not json")
    assert st == 400 and h["content-type"] == "application/problem+json" and p["status"] == 400
    big = json.dumps(req("2025-06-02T12:00:00-05:00", history=calls(1) * 2000)).encode()
    assert len(big) > 65536
    st, _, p = srv.post("/v1/check", raw=big)
    assert st == 413 and p["status"] == 413
    st, _, p = srv.post("/v1/check", raw=b"")
    assert st == 400


def test_unknown_route_and_method_are_problems(srv):
    st, h, p = srv.get("/v1/nope")
    assert st == 404 and h["content-type"] == "application/problem+json"
    st, h, p = srv.get("/v1/check")
    assert st == 405 and p["status"] == 405


def test_metrics(srv):
    srv.post("/v1/check", req("2025-06-02T21:30:00-05:00"))
    st, h, text = srv.get("/metrics")
    assert st == 200 and h["content-type"].startswith("text/plain")
    assert re.search(r'collectrules_decisions_total\{endpoint="check",result="denied"\} [1-9]', text)
    assert re.search(r'collectrules_decision_violations_total\{rule_id="regf-inconvenient-time"\} [1-9]', text)
    assert 'collectrules_request_duration_seconds_bucket{le="1e-05",route="/v1/check"}' in text
    assert 'collectrules_reloads_total{result="failed"} 0.0' in text
    assert re.search(r'collectrules_policy_info\{fingerprint="[0-9a-f]{64}"\} 1.0', text)


def test_access_log_has_routes_not_bodies(srv):
    srv.get("/v1/accounts/acct-secret-77/history")
    srv.post("/v1/check", {**req("2025-06-02T12:00:00-05:00", account={**CHI, "account_id": "acct-secret-77"}),
                           "id": "req-" + EMAIL})
    log = srv.log()
    assert "POST /v1/check 200" in log
    assert "GET /v1/accounts/{account_id}/history 404" in log
    assert "acct-secret-77" not in log and "jane" not in log and "debt_id" not in log


def test_openapi_served_equals_checked_in(srv):
    st, _, served = srv.get("/openapi.json")
    assert st == 200 and served["openapi"] == "3.1.0"
    checked_in = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    assert served == checked_in, "docs/openapi.json drifted: python -m collectrules.server.openapi > docs/openapi.json"
    for path in ("/v1/check", "/v1/check:batch", "/v1/next-allowed", "/v1/messages:check", "/v1/transcripts:check",
                 "/v1/reservations", "/v1/reservations/{reservation_id}:complete",
                 "/v1/reservations/{reservation_id}:cancel", "/v1/accounts/{account_id}/history", "/v1/rulesets",
                 "/healthz", "/readyz", "/metrics"):
        assert path in served["paths"]
    # the request schema is the library's own model
    assert served["components"]["schemas"]["ContactAttempt"]["additionalProperties"] is False


def test_openapi_document_generated_in_process_matches():
    from collectrules.server.openapi import openapi_document

    checked_in = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    assert openapi_document() == checked_in


# -- security ------------------------------------------------------------------------------------

def test_bearer_token(tmp_path):
    tok = tmp_path / "token"
    tok.write_text("s3cret-token-0123456789abcdef\n")
    s = Server(["-r", "us-federal", "--token-file", str(tok)], log_path=tmp_path / "log")
    try:
        assert s.get("/healthz")[0] == 200 and s.get("/readyz")[0] == 200
        st, h, p = s.post("/v1/check", req("2025-06-02T12:00:00-05:00"))
        assert st == 401 and h["www-authenticate"].startswith("Bearer") and p["status"] == 401
        assert s.post("/v1/check", req("2025-06-02T12:00:00-05:00"),
                      headers={"Authorization": "Bearer wrong-token-0123456789abcdef"})[0] == 401
        assert s.get("/metrics")[0] == 401 and s.get("/v1/rulesets")[0] == 401 and s.get("/openapi.json")[0] == 401
        good = {"Authorization": "Bearer s3cret-token-0123456789abcdef"}
        st, _, d = s.post("/v1/check", req("2025-06-02T12:00:00-05:00"), headers=good)
        assert st == 200 and d["allowed"] is True
        assert "s3cret" not in s.log()
    finally:
        s.stop()


def test_non_loopback_without_token_warns_loudly(tmp_path):
    # the warning comes before the rulesets load; a missing ruleset then stops it before any bind
    r = subprocess.run([sys.executable, "-m", "collectrules.cli", "serve", "--host", "0.0.0.0", "--port", "1",
                        "-r", str(tmp_path / "missing.yaml")], capture_output=True, text=True, cwd=ROOT)
    assert "WARNING" in r.stderr and "WITHOUT a token" in r.stderr and "0.0.0.0" in r.stderr
    assert r.returncode == 2
    from collectrules.server.run import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.0.0.5")


def test_bad_ruleset_at_start_means_no_server(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nrules: [{id: r, kind: nope}]\n")
    r = subprocess.run([sys.executable, "-m", "collectrules.cli", "serve", "--port", "1", "-r", str(bad)],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2 and re.search(r"bad\.yaml:\d+:\d+:", r.stderr)


def test_two_workers_share_metrics(tmp_path):
    """--workers 2: both uvicorn workers decide, and one scrape counts every worker's decisions
    (prometheus multiprocess mode)."""
    s = Server(["-r", "us-federal", "--workers", "2"], log_path=tmp_path / "log")
    try:
        from .server_util import wait_for

        wait_for(lambda: s.log().count("Application startup complete") >= 2, "both workers up", tries=600)
        for _ in range(20):
            st, _, d = s.post("/v1/check", req("2025-06-02T21:00:00-05:00"))
            assert st == 200 and d["allowed"] is False
        text = s.get("/metrics")[2]
        assert re.search(r'collectrules_decisions_total\{endpoint="check",result="denied"\} 20\.0', text), text
        assert len(set(re.findall(r'collectrules_policy_info\{[^}]*pid="(\d+)"', text))) == 2
    finally:
        s.stop()


def test_chunked_body_over_the_limit_is_413(srv):
    """No Content-Length (chunked transfer): the limit is enforced while reading."""
    import http.client

    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    try:
        chunks = (b'{"attempt": {"channel": "call", "debt_id": "' + b"x" * 8192 + b'"}' for _ in range(20))
        c.request("POST", "/v1/check", body=chunks, headers={"Content-Type": "application/json"},
                  encode_chunked=True)
        r = c.getresponse()
        assert r.status == 413 and json.loads(r.read())["status"] == 413
    finally:
        c.close()


def test_decision_log_needs_a_ledger(tmp_path):
    r = subprocess.run([sys.executable, "-m", "collectrules.cli", "serve", "--port", "1", "-r", "us-federal",
                        "--decision-log"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2 and "--decision-log needs --ledger" in r.stderr


def test_unusable_ledger_means_no_server(tmp_path):
    r = subprocess.run([sys.executable, "-m", "collectrules.cli", "serve", "--port", "1", "-r", "us-federal",
                        "--ledger", f"sqlite:///{tmp_path}/missing-dir/ledger.db"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2 and "error:" in r.stderr and "Traceback" not in r.stderr


def test_short_or_empty_token_file_is_refused(tmp_path):
    tok = tmp_path / "token"
    for text in ("short\n",):
        tok.write_text(text)
        r = subprocess.run([sys.executable, "-m", "collectrules.cli", "serve", "--port", "1", "-r", "us-federal",
                            "--token-file", str(tok)], capture_output=True, text=True, cwd=ROOT)
        assert r.returncode == 2 and "at least 16 characters" in r.stderr
