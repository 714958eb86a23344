"""The contact ledger's contract (issue #14) on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest

import collectrules
from collectrules import InputError, LedgerError, Reservation, open_ledger
from collectrules.ledger import IdempotencyConflict, init_ledger

#: Monday 2025-06-02 10:00 in New York
T = dt.datetime(2025, 6, 2, 14, 0, tzinfo=dt.timezone.utc)


class Clock:
    def __init__(self, t=T):
        self.t = t

    def __call__(self):
        return self.t


@pytest.fixture(scope="module")
def policy():
    return collectrules.load_policy(["us-federal", "us-ma"])


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite://{tmp_path}/ledger.db"
    return request.getfixturevalue("pg_database")


@pytest.fixture()
def clock():
    return Clock()


@pytest.fixture()
def ledger(url, clock):
    with open_ledger(url, clock=clock) as led:
        yield led


def acct(aid="A1", **kw):
    return {"jurisdictions": ["US-MA"], "timezones": ["America/New_York"], "account_id": aid, **kw}


def call(at=T, debt="D1", **kw):
    return {"channel": kw.pop("channel", "call"), "at": at, "debt_id": debt, **kw}


def test_public_names():
    assert collectrules.open_ledger is open_ledger
    assert {"open_ledger", "Reservation", "LedgerError"} <= set(collectrules.__all__)
    assert issubclass(LedgerError, collectrules.CollectrulesError)


def test_reserve_complete_and_the_ma_cap(ledger, policy, clock):
    r1 = ledger.reserve(policy, call(), account=acct())
    assert isinstance(r1, Reservation) and r1.allowed and r1.reservation_id
    assert r1.expires_at == T + dt.timedelta(minutes=15)
    assert r1.decision.allowed and r1.decision.rulesets == ("us-federal", "us-ma")
    ledger.complete(r1.reservation_id, outcome="no_answer")
    clock.t = T + dt.timedelta(hours=1)
    r2 = ledger.reserve(policy, call(clock.t), account=acct())
    assert r2.allowed
    ledger.complete(r2.reservation_id, outcome="voicemail")
    # 209 CMR 18.16(1)(d): a third initiated call in 7 days to the consumer's home or cell
    clock.t = T + dt.timedelta(days=6, hours=2)
    r3 = ledger.reserve(policy, call(clock.t), account=acct())
    assert not r3.allowed and r3.reservation_id is None and r3.expires_at is None
    assert [v.rule_id for v in r3.decision.violations] == ["ma-collector-calls-personal"]
    # the 8th local date after the first two is a new window
    clock.t = T + dt.timedelta(days=7)
    assert ledger.reserve(policy, call(clock.t), account=acct()).allowed
    assert [c.outcome for c in ledger.history("A1")] == ["no_answer", "voicemail", "unknown"]
    assert [c.at for c in ledger.history("A1", since=T + dt.timedelta(minutes=30))] == [
        T + dt.timedelta(hours=1), T + dt.timedelta(days=7)]


def test_a_pending_reservation_counts_and_may_have_been_a_conversation(ledger, policy):
    r1 = ledger.reserve(policy, call(), account=acct())
    r2 = ledger.reserve(policy, call(), account=acct())
    assert r1.allowed and not r2.allowed
    assert "regf-call-after-conversation" in [v.rule_id for v in r2.decision.violations]
    # other debts are not held back by D1's pending call
    assert ledger.reserve(policy, call(debt="D2"), account=acct()).allowed
    ledger.cancel(r1.reservation_id)
    ledger.cancel(r1.reservation_id)  # idempotent
    assert ledger.reserve(policy, call(), account=acct()).allowed


def test_expired_reservation_stays_counted_with_unknown_outcome(ledger, policy, clock):
    r = ledger.reserve(policy, call(), account=acct(), hold=dt.timedelta(minutes=5))
    clock.t = T + dt.timedelta(minutes=6)
    assert ledger.reservation(r.reservation_id)["state"] == "expired"
    with pytest.raises(LedgerError, match="expired"):
        ledger.cancel(r.reservation_id)
    assert [c.outcome for c in ledger.history("A1")] == ["unknown"]
    clock.t = T + dt.timedelta(days=2)
    d = ledger.reserve(policy, call(clock.t), account=acct())
    assert not d.allowed  # 7 days after a possible conversation (1006.14(b)(2)(i)(B))
    assert d.decision.next_allowed_at is not None
    # a late completion replaces the unknown outcome with the real one
    ledger.complete(r.reservation_id, "no_answer")
    assert ledger.reserve(policy, call(clock.t), account=acct()).allowed


def test_complete_and_cancel_states(ledger, policy):
    r = ledger.reserve(policy, call(), account=acct())
    c = ledger.complete(r.reservation_id, "conversation", at=T + dt.timedelta(minutes=2))
    assert c.outcome == "conversation" and c.at == T
    assert ledger.complete(r.reservation_id, "conversation").outcome == "conversation"  # retry: same
    with pytest.raises(LedgerError, match="already completed"):
        ledger.complete(r.reservation_id, "no_answer")
    with pytest.raises(LedgerError, match="completed"):
        ledger.cancel(r.reservation_id)
    with pytest.raises(LedgerError, match="no such reservation"):
        ledger.complete("nope", "no_answer")
    with pytest.raises(InputError):
        ledger.complete(r.reservation_id, "unknown")
    with pytest.raises(InputError):
        ledger.complete(r.reservation_id, "no_answer", at=dt.datetime(2025, 6, 2, 10))  # naive
    r2 = ledger.reserve(policy, call(channel="letter"), account=acct())
    ledger.cancel(r2.reservation_id)
    with pytest.raises(LedgerError, match="cancelled"):
        ledger.complete(r2.reservation_id, "delivered")


def test_idempotency_key_returns_the_same_reservation(ledger, policy):
    a = ledger.reserve(policy, call(), account=acct(), idempotency_key="retry-1")
    b = ledger.reserve(policy, call(), account=acct(), idempotency_key="retry-1")
    assert b.replayed and not a.replayed
    assert (b.allowed, b.reservation_id, b.expires_at) == (a.allowed, a.reservation_id, a.expires_at)
    assert b.decision.violations == a.decision.violations and b.decision.at == a.decision.at
    assert len(ledger.history("A1")) == 1  # never a second attempt
    # a denial replays as the same denial
    d1 = ledger.reserve(policy, call(), account=acct(), idempotency_key="retry-2")
    ledger.cancel(a.reservation_id)
    d2 = ledger.reserve(policy, call(), account=acct(), idempotency_key="retry-2")
    assert not d1.allowed and not d2.allowed and d2.replayed
    assert [v.rule_id for v in d2.decision.violations] == [v.rule_id for v in d1.decision.violations]
    with pytest.raises(IdempotencyConflict):
        ledger.reserve(policy, call(debt="D9"), account=acct(), idempotency_key="retry-1")
    with pytest.raises(IdempotencyConflict):  # the same attempt for an account in another state
        ledger.reserve(policy, call(), account=acct(cease_communication=True), idempotency_key="retry-1")
    # keys are per account
    assert not ledger.reserve(policy, call(), account=acct("A2"), idempotency_key="retry-1").replayed


def test_clock_tolerance(url, policy):
    with open_ledger(url, clock=Clock(), clock_tolerance=dt.timedelta(minutes=5)) as led:
        assert led.reserve(policy, call(T + dt.timedelta(minutes=5)), account=acct()).allowed is not None
        for off in (dt.timedelta(minutes=5, seconds=1), -dt.timedelta(minutes=5, seconds=1), dt.timedelta(days=1)):
            with pytest.raises(InputError, match="ledger clock"):
                led.reserve(policy, call(T + off), account=acct("A2"))
        assert led.history("A2") == []


def test_default_clock_is_the_database_clock(url, policy):
    now = dt.datetime.now(dt.timezone.utc)
    with open_ledger(url) as led:
        r = led.reserve(policy, call(now, channel="letter"), account=acct())
        assert r.decision.at == now
        with pytest.raises(InputError, match="behind the ledger clock"):
            led.reserve(policy, call(now - dt.timedelta(hours=1), channel="letter"), account=acct())
        row = list(led.log_rows())[0]
        assert abs(dt.datetime.fromisoformat(row["instant"]) - now) < dt.timedelta(minutes=5)


def test_inputs_are_refused_before_anything_is_written(ledger, policy):
    with pytest.raises(InputError, match="account_id"):
        ledger.reserve(policy, call(), account={"jurisdictions": ["US-MA"]})
    with pytest.raises(InputError):
        ledger.reserve(policy, call(at="2025-06-02T10:00:00"), account=acct())  # naive
    with pytest.raises(InputError):
        ledger.reserve(policy, call(), account=acct(), hold=dt.timedelta(0))
    with pytest.raises(InputError):
        ledger.reserve(policy, call(), account=acct(), history=[{"channel": "call"}])
    assert list(ledger.log_rows()) == [] and ledger.history("A1") == []


def test_history_is_ledger_plus_caller_history_deduplicated(ledger, policy):
    earlier = {"channel": "call", "at": T - dt.timedelta(days=1), "debt_ids": ["D1"], "outcome": "no_answer"}
    assert ledger.record("A1", earlier) is True
    assert ledger.record("A1", earlier) is False  # the same contact is not recorded twice
    # the same contact passed again by the caller counts once: a 2nd call is allowed ...
    r = ledger.reserve(policy, call(), account=acct(), history=[earlier])
    assert r.allowed
    ledger.complete(r.reservation_id, "no_answer")
    # ... and a contact from a system without the ledger counts too: the 3rd is denied
    other = {"channel": "sms", "at": T + dt.timedelta(minutes=1), "debt_ids": ["D1"], "outcome": "delivered"}
    d = ledger.reserve(policy, call(T + dt.timedelta(minutes=2)), account=acct(), history=[earlier, other])
    assert not d.allowed and "ma-collector-calls-personal" in [v.rule_id for v in d.decision.violations]
    assert len(ledger.history("A1")) == 2


def test_an_attempt_earlier_than_the_latest_entry_is_decided_at_that_entry(ledger, policy, clock):
    r = ledger.reserve(policy, call(T + dt.timedelta(minutes=3), channel="letter"), account=acct())
    late = ledger.reserve(policy, call(T, channel="email"), account=acct())
    assert late.decision.at == T + dt.timedelta(minutes=3)
    assert [c.at for c in ledger.history("A1")] == [T + dt.timedelta(minutes=3)] * 2
    assert r.allowed


def test_check_logs_without_reserving(ledger, policy):
    d = ledger.check(policy, call(), account=acct())
    assert d.allowed and ledger.history("A1") == []
    ledger.check(policy, call(), account=acct(), log=False)
    rows = list(ledger.log_rows())
    assert [r["event"] for r in rows] == ["check"]


def test_decision_log_rows_carry_no_personal_data(ledger, policy):
    secret = {"phone": "617-555-0100", "name": "Jane Roe", "mail": "jane@example.com"}
    account = acct("acct-42", license_number="LIC-1")
    r = ledger.reserve(policy, call(recipient_id="rid-7", address_id="addr-9"), account=account)
    ledger.complete(r.reservation_id, "conversation")
    d3 = ledger.reserve(policy, call(T + dt.timedelta(minutes=1)), account=account)
    rows = list(ledger.log_rows())
    assert [x["event"] for x in rows] == ["reserve", "complete", "reserve"]
    text = json.dumps(rows)
    for v in [*secret.values(), "rid-7", "addr-9", "LIC-1"]:
        assert v not in text
    first = rows[0]
    assert first["account_id"] == first["chain"] == "acct-42" and first["channel"] == "call"
    assert first["at"] == first["requested_at"] == T.isoformat()
    assert first["allowed"] is True and first["reservation_id"] == r.reservation_id
    assert first["rulesets"] == [{"id": "us-federal", "version": policy.ruleset("us-federal").version},
                                 {"id": "us-ma", "version": policy.ruleset("us-ma").version}]
    assert first["fingerprint"] == policy.fingerprint and len(policy.fingerprint) == 64
    denied = rows[2]
    assert denied["allowed"] is False and denied["reservation_id"] is None
    assert "regf-call-after-conversation" in [v["rule_id"] for v in denied["violations"]]
    assert all(set(v) == {"rule_id", "ruleset", "citation"} for v in denied["violations"])
    assert [v["citation"] for v in denied["violations"]] == [v.citation for v in d3.decision.violations]


def test_policy_fingerprint_follows_the_rules():
    a = collectrules.load_policy(["us-federal", "us-ma"]).fingerprint
    assert a == collectrules.load_policy(["us-ma", "us-federal"]).fingerprint
    assert a != collectrules.load_policy(["us-federal"]).fingerprint
    assert a != collectrules.load_policy(["us-federal", "us-ma"], unknown_jurisdiction="allow").fingerprint


# -- the chain -----------------------------------------------------------------------------


def _fill(ledger, policy, clock):
    for i, aid in enumerate(["A1", "A2", "A1", "A1", "A2", "A1"]):
        clock.t = T + dt.timedelta(minutes=i)
        ledger.reserve(policy, call(clock.t, channel="letter"), account=acct(aid))


def _raw(url):
    """A raw connection to the ledger's database, as an attacker (or a DBA) would edit it."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url[len("sqlite://"):], isolation_level=None)
        return conn, "?"
    import psycopg

    return psycopg.connect(url, autocommit=True), "%s"


def _rows(conn):
    return conn.execute("SELECT id, chain, n, row, prev, hash FROM cr_log ORDER BY id").fetchall()


def test_verify_intact(ledger, policy, clock):
    _fill(ledger, policy, clock)
    assert ledger.verify() == (True, None)


@pytest.mark.parametrize("attack", ["edit", "delete", "insert", "delete_last", "swap"])
def test_verify_finds_and_locates_tampering(url, clock, policy, attack):
    with open_ledger(url, clock=clock) as ledger:
        _fill(ledger, policy, clock)
        conn, ph = _raw(url)
        rows = _rows(conn)
        a1 = [r for r in rows if r[1] == "A1"]  # ids of A1's chain: positions 1..4
        target = a1[1]
        if attack == "edit":
            row = json.loads(target[3])
            row["allowed"] = not row["allowed"]
            conn.execute(f"UPDATE cr_log SET row = {ph} WHERE id = {ph}",
                         (json.dumps(row, sort_keys=True, separators=(",", ":")), target[0]))
            want = (target[0], 2, "edited")
        elif attack == "delete":
            conn.execute(f"DELETE FROM cr_log WHERE id = {ph}", (target[0],))
            want = (a1[2][0], 3, "missing rows before")
        elif attack == "insert":
            # a forged row with a valid hash over the previous one, spliced in after position 2
            from collectrules.ledger.core import canonical, chain_hash

            forged = {**json.loads(target[3]), "n": 3, "allowed": True, "note": "forged"}
            text = canonical(forged)
            conn.execute(f"UPDATE cr_log SET n = n + 1 WHERE chain = 'A1' AND n > 2")
            cols = "chain, n, row, prev, hash"
            if url.startswith("sqlite"):
                conn.execute(f"INSERT INTO cr_log (id, {cols}) VALUES ({ph}, 'A1', 3, {ph}, {ph}, {ph})",
                             (10_000, text, target[5], chain_hash(target[5], text)))
                want_id = 10_000
            else:
                cur = conn.execute(f"INSERT INTO cr_log ({cols}) OVERRIDING SYSTEM VALUE VALUES ('A1', 3, {ph}, {ph}, {ph}) "
                                   f"RETURNING id", (text, target[5], chain_hash(target[5], text)))
                want_id = cur.fetchone()[0]
            want = None
        elif attack == "delete_last":
            conn.execute(f"DELETE FROM cr_log WHERE id = {ph}", (a1[-1][0],))
            want = (None, 4, "missing rows at the end")
        else:  # swap two rows' content
            b = a1[2]
            conn.execute(f"UPDATE cr_log SET row = {ph}, prev = {ph}, hash = {ph} WHERE id = {ph}", (b[3], b[4], b[5], target[0]))
            conn.execute(f"UPDATE cr_log SET row = {ph}, prev = {ph}, hash = {ph} WHERE id = {ph}",
                         (target[3], target[4], target[5], b[0]))
            want = (target[0], 2, "")
        conn.close()
        ok, bad = ledger.verify()
        assert not ok and bad is not None
        if attack == "insert":
            # the inserted row is located (ordered by chain position in id order); A2's chain intact
            assert bad.account_id == "A1" and bad.reason.startswith("inserted")
            assert (bad.row_id, bad.position) == (want_id, 3)
        else:
            assert (bad.row_id, bad.position) == want[:2], str(bad)
            assert bad.account_id == "A1" and want[2] in bad.reason
        assert str(bad)


# -- failures ------------------------------------------------------------------------------


def test_sqlite_locked_database_raises_ledger_error_and_reserves_nothing(tmp_path, policy):
    url = f"sqlite://{tmp_path}/l.db"
    init_ledger(url)
    blocker = sqlite3.connect(str(tmp_path / "l.db"), isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    with open_ledger(url, clock=Clock(), busy_timeout=0.2) as led:
        with pytest.raises(LedgerError, match="locked"):
            led.reserve(policy, call(), account=acct())
        blocker.execute("ROLLBACK")
        assert led.history("A1") == [] and list(led.log_rows()) == []
        assert led.reserve(policy, call(), account=acct()).allowed


def test_sqlite_full_database_raises_ledger_error_and_reserves_nothing(tmp_path, policy):
    url = f"sqlite://{tmp_path}/full.db"
    clock = Clock()
    with open_ledger(url, clock=clock, synchronous="normal") as led:
        conn = sqlite3.connect(str(tmp_path / "full.db"), isolation_level=None)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.close()
        led._b.conn.execute(f"PRAGMA max_page_count = {pages + 2}")  # the disk is (nearly) full
        errors = 0
        for i in range(400):
            before = len(led.history(f"F{i}"))
            try:
                led.reserve(policy, call(channel="letter"), account=acct(f"F{i}"), history=[])
            except LedgerError as exc:
                assert "full" in str(exc)
                assert len(led.history(f"F{i}")) == before == 0
                errors += 1
                break
        assert errors == 1
        assert led.verify() == (True, None)


def test_postgresql_down_raises_ledger_error(pg_server):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(LedgerError, match="unavailable"):
        open_ledger(f"postgresql://postgres@127.0.0.1:{port}/postgres", timeout=1)


def test_postgresql_server_gone_mid_session_raises_ledger_error(pg_database, policy):
    import psycopg

    with open_ledger(pg_database, clock=Clock(), timeout=2) as led:
        assert led.reserve(policy, call(channel="letter"), account=acct()).allowed
        name = pg_database.rsplit("/", 1)[1]
        admin = pg_database.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        try:
            with pytest.raises(LedgerError):
                for _ in range(3):  # the pool may hand out a connection it has not yet seen die
                    led.reserve(policy, call(channel="letter"), account=acct())
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')


# -- schema --------------------------------------------------------------------------------


def test_schema_versions(url):
    assert init_ledger(url) == collectrules.ledger.SCHEMA_VERSION
    assert init_ledger(url) == collectrules.ledger.SCHEMA_VERSION  # idempotent
    conn, ph = _raw(url)
    conn.execute(f"UPDATE cr_meta SET value = {ph} WHERE key = 'schema_version'", ("99",))
    conn.close()
    with pytest.raises(LedgerError, match="newer"):
        open_ledger(url)
    with pytest.raises(LedgerError, match="newer"):
        init_ledger(url)


def test_no_schema_without_create(tmp_path):
    with pytest.raises(LedgerError, match="ledger init"):
        open_ledger(f"sqlite://{tmp_path}/empty.db", create=False)


def test_urls():
    with open_ledger("sqlite://") as led:
        assert led.backend == "sqlite"
    for bad in ("mysql://x", "", "sqlite:", "sqlite://relative.db"):
        with pytest.raises(InputError):
            open_ledger(bad)
    with pytest.raises(InputError, match="unknown ledger option"):
        open_ledger("sqlite://", poolsize=3)
    with pytest.raises(LedgerError, match="does not exist"):
        open_ledger("sqlite:///nonexistent-dir-xyz/l.db")


def test_denial_next_allowed_at_is_the_evaluators(ledger, policy):
    r = ledger.reserve(policy, call(), account=acct())
    ledger.complete(r.reservation_id, "conversation")
    plain = ledger.reserve(policy, call(), account=acct())
    keyed = ledger.reserve(policy, call(), account=acct(), idempotency_key="k")
    replay = ledger.reserve(policy, call(), account=acct(), idempotency_key="k")
    direct = policy.check(call(), account=acct(), history=ledger.history("A1"))
    # Reg F: the conversation's date is day 1 of 7; the 8th date opens at 08:00 local (MA: 08:00:01)
    assert direct.next_allowed_at == dt.datetime(2025, 6, 9, 8, 0, 1, tzinfo=direct.next_allowed_at.tzinfo)
    assert plain.decision.next_allowed_at == keyed.decision.next_allowed_at == replay.decision.next_allowed_at \
        == direct.next_allowed_at


def test_a_closed_ledger_and_a_wrong_policy_are_refused(url, policy):
    led = open_ledger(url, clock=Clock())
    with pytest.raises(InputError, match="Policy"):
        led.reserve(None, call(), account=acct())
    led.close()
    led.close()
    with pytest.raises(LedgerError, match="closed"):
        led.reserve(policy, call(), account=acct())


def test_naive_clock_is_refused(tmp_path, policy):
    with open_ledger(f"sqlite://{tmp_path}/l.db", clock=lambda: dt.datetime(2025, 6, 2, 10)) as led:
        with pytest.raises(InputError, match="aware"):
            led.reserve(policy, call(), account=acct())
        assert led.history("A1") == []


def test_threads_sharing_one_ledger_keep_the_caps(url, policy):
    import threading

    from .ledger_helpers import cap_violations, recheck

    clock = Clock(T)
    with open_ledger(url, clock=clock, pool_size=4) if url.startswith("postgres") else open_ledger(url, clock=clock) as led:
        results = []

        def run(k):
            for i in range(25):
                r = led.reserve(policy, call(T, debt=f"D{i % 2}", channel=("call", "sms")[i % 2]), account=acct("TH"))
                results.append(r.allowed)
                if r.allowed and i % 3:
                    led.complete(r.reservation_id, "no_answer")

        threads = [threading.Thread(target=run, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        hist = led.history("TH")
        assert len(results) == 100 and sum(results) == len(hist) > 0
        assert cap_violations(hist) == [] and recheck(policy, hist, "TH") == []


def test_psycopg_is_imported_only_for_postgresql():
    import subprocess
    import sys

    code = ("import sys, collectrules; collectrules.open_ledger('sqlite://').close(); "
            "from collectrules.cli import main; print('psycopg' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_verify_finds_a_whole_chain_deleted_with_its_head(url, clock, policy):
    with open_ledger(url, clock=clock) as ledger:
        _fill(ledger, policy, clock)
        conn, ph = _raw(url)
        conn.execute("DELETE FROM cr_log WHERE chain = 'A2'")
        conn.execute("DELETE FROM cr_heads WHERE chain = 'A2'")
        conn.close()
        ok, bad = ledger.verify()
        assert not ok and bad.account_id == "A2" and "no decision-log row" in bad.reason
