"""Reservations, history and the decision log through the service, on a SQLite ledger
(PostgreSQL is the ledger's own tests' to cover)."""

from __future__ import annotations

import datetime as dt

import pytest

from .server_util import Server, midday_zone


@pytest.fixture(scope="module")
def lsrv(tmp_path_factory):
    d = tmp_path_factory.mktemp("ledger")
    s = Server(["-r", "us-federal", "--ledger", f"sqlite:///{d}/ledger.db", "--decision-log"],
               log_path=d / "server.log")
    s.db = d / "ledger.db"
    yield s
    s.stop()


def now_req(account_id, zone, channel="call", **kw):
    at = dt.datetime.now(dt.timezone.utc).isoformat()
    return {"attempt": {"channel": channel, "at": at, "debt_id": "D1", **kw},
            "account": {"jurisdictions": ["US"], "timezones": [zone], "account_id": account_id}}


def test_reserve_complete_history(lsrv):
    z = midday_zone()
    st, _, r = lsrv.post("/v1/reservations", {**now_req("acct-r1", z), "hold_seconds": 600})
    assert st == 200 and r["allowed"] is True and r["reservation_id"] and r["expires_at"]
    assert r["decision"]["allowed"] is True and r["replayed"] is False
    rid = r["reservation_id"]
    st, _, c = lsrv.post(f"/v1/reservations/{rid}:complete", {"outcome": "no_answer"})
    assert st == 200 and c == {"reservation_id": rid, "status": "completed"}
    st, _, h = lsrv.get("/v1/accounts/acct-r1/history")
    assert st == 200 and h["account_id"] == "acct-r1"
    assert [(x["channel"], x["outcome"]) for x in h["contacts"]] == [("call", "no_answer")]
    # a completed reservation cannot be cancelled; an unknown one is a 404
    st, _, p = lsrv.post(f"/v1/reservations/{rid}:cancel")
    assert st == 409 and p["status"] == 409
    st, h2, p = lsrv.post("/v1/reservations/nope:cancel")
    assert st == 404 and h2["content-type"] == "application/problem+json"


def test_eighth_call_in_seven_days_denied_by_the_ledger(lsrv):
    """12 CFR 1006.14(b)(2)(i): after 7 call attempts within 7 days the 8th reservation is denied."""
    z = midday_zone()
    for _ in range(7):
        st, _, r = lsrv.post("/v1/reservations", now_req("acct-cap", z))
        assert st == 200 and r["allowed"] is True, r
        assert lsrv.post(f"/v1/reservations/{r['reservation_id']}:complete", {"outcome": "no_answer"})[0] == 200
    st, _, r = lsrv.post("/v1/reservations", now_req("acct-cap", z))
    assert st == 200 and r["allowed"] is False and r["reservation_id"] is None
    assert "regf-call-frequency-7-in-7" in [v["rule_id"] for v in r["decision"]["violations"]]
    # /v1/check sees the ledger's history of the account too
    st, _, d = lsrv.post("/v1/check", now_req("acct-cap", z))
    assert st == 200 and d["allowed"] is False
    assert "regf-call-frequency-7-in-7" in [v["rule_id"] for v in d["violations"]]
    # and /v1/next-allowed: the 7 calls made today keep the 8th out for 7 local dates
    st, _, n = lsrv.post("/v1/next-allowed", now_req("acct-cap", z))
    assert st == 200 and n["allowed_now"] is False
    nxt = dt.datetime.fromisoformat(n["next_allowed_at"])
    assert nxt - dt.datetime.now(dt.timezone.utc) > dt.timedelta(days=6)


def test_pending_reservation_counts_until_cancelled(lsrv):
    """A pending call has an unknown outcome: it may have been a conversation (1006.14(b)(2)(ii),
    seven days after a telephone conversation), so a second call is denied until it is cancelled."""
    z = midday_zone()
    st, _, a = lsrv.post("/v1/reservations", now_req("acct-pend", z))
    assert a["allowed"] is True
    st, _, b = lsrv.post("/v1/reservations", now_req("acct-pend", z))
    assert b["allowed"] is False
    assert "regf-call-after-conversation" in [v["rule_id"] for v in b["decision"]["violations"]]
    assert lsrv.post(f"/v1/reservations/{a['reservation_id']}:cancel")[0] == 200
    st, _, c = lsrv.post("/v1/reservations", now_req("acct-pend", z))
    assert c["allowed"] is True


def test_idempotency_key(lsrv):
    z = midday_zone()
    body = now_req("acct-idem", z)
    h = {"Idempotency-Key": "dialer-7-attempt-1"}
    st, _, a = lsrv.post("/v1/reservations", body, headers=h)
    st2, _, b = lsrv.post("/v1/reservations", body, headers=h)
    assert st == st2 == 200 and a["reservation_id"] == b["reservation_id"] and b["replayed"] is True
    st, _, hist = lsrv.get("/v1/accounts/acct-idem/history")
    assert len(hist["contacts"]) == 1, "a retry never counts twice"
    other = now_req("acct-idem", z, channel="sms")
    st, _, p = lsrv.post("/v1/reservations", other, headers=h)
    assert st == 409 and p["status"] == 409


def test_reserve_needs_account_id_and_clock(lsrv):
    z = midday_zone()
    body = now_req("x", z)
    del body["account"]["account_id"]
    st, _, p = lsrv.post("/v1/reservations", body)
    assert st == 422 and "account_id" in p["detail"]
    body = now_req("acct-skew", z)
    body["attempt"]["at"] = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=2)).isoformat()
    st, _, p = lsrv.post("/v1/reservations", body)
    assert st == 422


def test_decision_log_rows_and_chain(lsrv):
    import collectrules

    z = midday_zone()
    assert lsrv.post("/v1/check", now_req("acct-log", z))[0] == 200
    assert lsrv.post("/v1/check:batch", {"requests": [now_req("acct-log", z)] * 2})[0] == 200
    led = collectrules.open_ledger(f"sqlite:///{lsrv.db}")
    try:
        rows = list(led.log_rows("acct-log"))
        assert len(rows) == 3
        ok, bad = led.verify()
        assert ok and bad is None
        fp = collectrules.load_policy(["us-federal"]).fingerprint
        assert fp in repr(rows[0])
    finally:
        led.close()


def test_decision_log_requires_account_id(lsrv):
    body = now_req("x", midday_zone())
    del body["account"]["account_id"]
    st, _, p = lsrv.post("/v1/check", body)
    assert st == 422


def test_readyz_probes_the_ledger(lsrv):
    st, _, r = lsrv.get("/readyz")
    assert st == 200 and r["ledger"] == "reachable"


def test_history_since_and_bad_inputs(lsrv):
    z = midday_zone()
    st, _, r = lsrv.post("/v1/reservations", now_req("acct-since", z))
    assert r["allowed"] is True
    later = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=30)).isoformat()
    earlier = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=30)).isoformat()
    from urllib.parse import quote

    assert len(lsrv.get(f"/v1/accounts/acct-since/history?since={quote(earlier)}")[2]["contacts"]) == 1
    assert lsrv.get(f"/v1/accounts/acct-since/history?since={quote(later)}")[2]["contacts"] == []
    for bad in ("0.5", "1700000000", "2025-06-02T12:00:00", "yesterday"):
        st, _, p = lsrv.get(f"/v1/accounts/acct-since/history?since={quote(bad)}")
        assert st == 422 and p["errors"][0]["loc"] == "query.since", bad
    st, _, p = lsrv.post("/v1/reservations", now_req("acct-since", z), headers={"Idempotency-Key": "k" * 201})
    assert st == 422
    st, _, p = lsrv.post(f"/v1/reservations/{r['reservation_id']}:complete", {"outcome": "teleported"})
    assert st == 422 and p["errors"][0]["loc"] == "outcome"


def test_reservations_on_a_postgresql_ledger(pg_database, tmp_path):
    """The same flow on PostgreSQL (the ledger's own tests cover its concurrency): reserve with
    an idempotency key, retry, complete, history, and the decision log's chain."""
    import collectrules

    s = Server(["-r", "us-federal", "--ledger", pg_database, "--decision-log"], log_path=tmp_path / "log")
    try:
        z = midday_zone()
        assert s.get("/readyz")[2]["ledger"] == "reachable"
        h = {"Idempotency-Key": "pg-1"}
        body = now_req("acct-pg", z)
        st, _, a = s.post("/v1/reservations", body, headers=h)
        st2, _, b = s.post("/v1/reservations", body, headers=h)
        assert st == st2 == 200 and a["allowed"] and a["reservation_id"] == b["reservation_id"] and b["replayed"]
        assert s.post(f"/v1/reservations/{a['reservation_id']}:complete", {"outcome": "no_answer"})[0] == 200
        st, _, hist = s.get("/v1/accounts/acct-pg/history")
        assert [(c["channel"], c["outcome"]) for c in hist["contacts"]] == [("call", "no_answer")]
        assert s.post("/v1/check", now_req("acct-pg", z))[0] == 200
    finally:
        s.stop()
    led = collectrules.open_ledger(pg_database)
    try:
        assert led.verify() == (True, None)
        assert len(list(led.log_rows("acct-pg"))) >= 2
    finally:
        led.close()
