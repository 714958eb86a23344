"""Bounded, deterministic fuzzing for issue #9's acceptance: over requests (API and CLI),
rulesets (validate, compile, check, ``collectrules test``) and messages.

Every outcome must be a denial, an :class:`~collectrules.InputError` (or, for rulesets, a
:class:`~collectrules.RulesetError`), or an allow that agrees with an independent reading of
the hours and stop rules (no silent allows); no other exception may escape (no crashes, no
non-library exceptions). Seeds are fixed, so a failure reproduces.
"""

import copy
import datetime as dt
import json
import random

import pytest
import pytz
from click.testing import CliRunner

import collectrules
from collectrules import CollectrulesError, InputError, RulesetError
from collectrules.cli import main
from collectrules.ruleset.loader import shipped_dir, validate_file

N_REQUESTS = 1500
N_RULESETS = 50
N_MESSAGES = 150

HOSTILE = [None, 0, -1, 1, 32400, 2**70, 1e308, float("nan"), float("inf"), True, False, "", " ", "0", "32400",
           "x" * 300, [], {}, [[]], [None], {"a": {"b": []}}, "2025-06-02", "2025-06-02T10:00:00",
           "2025-06-02T10:00:00Z", "9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00-12:00", "1970-01-01T00:00:00Z",
           "2199-12-31T23:00:00-10:00", "utc", "Etc/GMT+5", "zulu", "est", "America/Chicago", "america/chicago",
           "Asia/Kolkata", "US-NY-NY", "US-NY-NYC", "ZZ", "US-ZZ", "us-il", "\x00", "\u202e", "١٢٣", "🙂",
           "jane@example.com", "+1 617 555 0100", ["US-IL", "MX"], ["US", "IN"], ["America/Chicago", "UTC"],
           {"start": "22:00", "end": "08:00"}, [{"start": "25:00", "end": "08:00"}], "call", "sms", "letter"]

ZONES = ["America/Chicago", "America/New_York", "America/Los_Angeles", "America/Phoenix", "Pacific/Honolulu",
         "America/St_Johns", "Asia/Kolkata", "Australia/Adelaide", "Asia/Kathmandu", "Europe/London",
         "America/Anchorage", "America/Indiana/Indianapolis"]
JURS = ["US", "US-IL", "US-NY", "US-NY-NYC", "US-MA", "US-CA", "US-TX", "US-AZ", "US-HI", "US-FL", "US-WA"]
START = dt.datetime(1976, 1, 1, tzinfo=pytz.utc)


def _instant(rnd):
    t = START + dt.timedelta(seconds=rnd.randrange(0, 60 * 365 * 86400))
    z = pytz.timezone(rnd.choice(ZONES))
    return t.astimezone(z).isoformat()


def _request(rnd):
    at = _instant(rnd)
    attempt = {"channel": rnd.choice(["call", "sms", "email", "voicemail", "call", "call"]), "at": at, "debt_id": "D1"}
    if rnd.random() < 0.15:
        attempt["consent_given_at"] = _instant(rnd)
    if rnd.random() < 0.2:
        attempt["recipient"] = rnd.choice(["borrower", "attorney", "third_party", "spouse"])
    if rnd.random() < 0.1:
        attempt["purpose"] = rnd.choice(["collection", "collection_ending", "remedy_notice"])
    account = {"jurisdictions": rnd.sample(JURS, rnd.choice([1, 1, 1, 2]))}
    if rnd.random() < 0.7:
        account["timezones"] = rnd.sample(ZONES, rnd.choice([1, 1, 2, 3]))
    for flag in ("cease_communication", "attorney_represented", "workplace_contact_prohibited"):
        if rnd.random() < 0.08:
            account[flag] = True
    history = []
    base = dt.datetime.fromisoformat(at)
    for _ in range(rnd.choice([0, 0, 1, 3, 8])):
        t = base - dt.timedelta(minutes=rnd.randrange(1, 9 * 24 * 60))
        history.append({"channel": "call", "at": t.isoformat(), "debt_ids": ["D1"],
                        "outcome": rnd.choice(["no_answer", "voicemail", "conversation", "busy"])})
    req = {"attempt": attempt, "account": account, "history": history}
    # mutate: replace, drop or add fields with hostile values
    for _ in range(rnd.choice([0, 0, 1, 1, 2, 3])):
        part = rnd.choice(["attempt", "account", "history", "top"])
        value = copy.deepcopy(rnd.choice(HOSTILE))
        if part == "top":
            req[rnd.choice(["attempt", "account", "history"])] = value
        elif part == "history":
            if isinstance(req["history"], list) and req["history"] and rnd.random() < 0.7:
                entry = rnd.choice(req["history"])
                if isinstance(entry, dict):
                    entry[rnd.choice(["at", "channel", "outcome", "debt_ids", "direction", "extra"])] = value
            else:
                req["history"] = value
        elif isinstance(req[part], dict):
            key = rnd.choice(list(req[part]) + ["timezones", "jurisdictions", "unknown_field", "at", "channel"])
            if rnd.random() < 0.15:
                req[part].pop(key, None)
            else:
                req[part][key] = value
    return req


def _zones_of(account):
    from collectrules import jurisdictions

    names = account.timezones or list(jurisdictions.default_zones(tuple(account.jurisdictions)))
    return [pytz.timezone(n) for n in names]


def _reference_permits(req):
    """Necessary conditions for an allow under us-federal + us-fdcpa, read independently of the
    evaluator: the statute in force (1978-03-20 on) in the consumer's local date; every candidate
    zone's local wall clock inside 08:00-21:00 unless the consumer consented beforehand; no cease
    request (outside its two purposes); no attorney (unless calling the attorney)."""
    attempt = collectrules.ContactAttempt.model_validate(req["attempt"])
    account = collectrules.Account.model_validate(req["account"])
    at = attempt.at
    zones = _zones_of(account)
    if not zones:
        return False
    locals_ = [at.astimezone(z) for z in zones]
    if all(loc.date() < dt.date(1978, 3, 20) for loc in locals_):
        return False
    consent = attempt.consent_given_at is not None and attempt.consent_given_at <= at
    if attempt.channel != "letter" and not consent:
        for loc in locals_:
            s = loc.hour * 3600 + loc.minute * 60 + loc.second
            if not 8 * 3600 <= s < 21 * 3600:
                return False
    if account.cease_communication and attempt.purpose not in ("collection_ending", "remedy_notice"):
        return False
    if account.attorney_represented and attempt.recipient != "attorney":
        return False
    return True


@pytest.fixture(scope="module")
def statute_and_regf():
    return collectrules.load_policy(["us-federal", "us-fdcpa"])


def test_fuzz_requests_no_silent_allow_no_crash(statute_and_regf):
    rnd = random.Random(9)
    outcomes = {"allowed": 0, "denied": 0, "invalid": 0}
    crashes = []
    for i in range(N_REQUESTS):
        req = _request(rnd)
        try:
            d = statute_and_regf.check(req.get("attempt"), account=req.get("account"), history=req.get("history"))
        except InputError:
            outcomes["invalid"] += 1
            continue
        except Exception as exc:  # noqa: BLE001 - this is what the test looks for
            crashes.append((i, type(exc).__name__, str(exc)[:200]))
            continue
        if d.allowed:
            outcomes["allowed"] += 1
            assert _reference_permits(req), (i, json.dumps(req, default=str)[:500], d.explain())
        else:
            outcomes["denied"] += 1
            assert d.violations
    assert not crashes, crashes[:5]
    # the generator must exercise all three outcomes, or the test proves little
    assert min(outcomes.values()) > N_REQUESTS // 20, outcomes


def test_fuzz_requests_through_the_cli_lose_none(tmp_path):
    rnd = random.Random(99)
    reqs = [_request(rnd) for _ in range(200)]
    lines = []
    for r in reqs:
        lines.append(json.dumps(r, allow_nan=True) if rnd.random() > 0.05 else "{not json")
        if rnd.random() < 0.05:
            lines.append("")
    p = tmp_path / "fuzz.jsonl"
    p.write_text("\n".join(lines) + "\n")
    r = CliRunner().invoke(main, ["check", str(p), "-r", "us-federal", "-r", "us-fdcpa"])
    assert r.exit_code in (0, 1, 2) and "Traceback" not in r.output, r.output[-2000:]
    results = [ln for ln in r.output.splitlines() if not ln.startswith(" ")
               and any(k in ln for k in ("ALLOWED", "DENIED", "INVALID"))]
    assert len(results) == len(reqs)
    assert "could not be decided" not in r.output  # no non-library exception behind any INVALID


def _mutations(text, rnd):
    lines = text.splitlines()
    op = rnd.randrange(12)
    i = rnd.randrange(len(lines))
    if op == 0:
        del lines[i]
    elif op == 1:
        lines.insert(i, lines[rnd.randrange(len(lines))])
    elif op == 2:
        lines[i] = lines[i].replace(":", "", 1)
    elif op == 3:
        lines[i] = lines[i] + " " + rnd.choice(["&a", "*a", "[", "{", "}", "!!int x", "!!python/object:os.system", "|"])
    elif op == 4:
        lines[i] = "  " * rnd.randrange(0, 40) + lines[i].lstrip()
    elif op == 5:
        lines[i] = "".join(rnd.choice("08:-9a{}[]\"' ") if rnd.random() < 0.2 else ch for ch in lines[i])
    elif op == 6:
        lines.insert(i, "x: " + "[" * rnd.randrange(50, 2000))
    elif op == 7:
        lines[i] = lines[i].replace("7", str(rnd.choice([-1, 0, 10**30, 2**63]))).replace("08:00", rnd.choice(
            ["24:00", "25:00", "23:59:60", "-1:00", "08:00:00.5"]))
    elif op == 8:
        lines[i] = lines[i].replace("2021-11-30", rnd.choice(["2021-02-30", "0001-01-01", "9999-12-31", "2199-12-31"]))
    elif op == 9:
        return ("\n".join(lines)).encode("utf-8")[: rnd.randrange(1, len(text))] + bytes([rnd.randrange(256)])
    elif op == 10:
        lines.insert(i, "a0: &a0 [x,x,x,x,x,x,x,x]\n" + "\n".join(
            f"a{k}: &a{k} [" + ",".join([f"*a{k - 1}"] * 8) + "]" for k in range(1, 9)))
    else:
        lines[i] = lines[i].replace("America/Chicago", rnd.choice(["utc", "Mars/Base", "", "EST"]))
    return ("\n".join(lines) + "\n").encode("utf-8")


PROBES = [
    ({"channel": "call", "at": "2025-06-02T03:00:00-05:00", "debt_id": "D1"}, {"jurisdictions": ["US-IL"]}),
    ({"channel": "call", "at": "2025-06-02T12:00:00-05:00", "debt_id": "D1"}, {"jurisdictions": ["US-IL"]}),
    ({"channel": "sms", "at": "1999-06-02T22:00:00-05:00", "debt_id": "D1"}, {"jurisdictions": ["US"]}),
]


def test_fuzz_rulesets_validate_compile_check_and_test(tmp_path):
    from collectrules.testing import run_tests

    rnd = random.Random(2026)
    sources = [shipped_dir() / "us" / "federal.yaml", shipped_dir() / "us" / "fdcpa.yaml",
               shipped_dir() / "us" / "wa.yaml", shipped_dir() / "cn" / "gbt-45251-2025.yaml"]
    crashes = []
    accepted = 0
    for i in range(N_RULESETS):
        src = rnd.choice(sources)
        data = _mutations(src.read_text(encoding="utf-8"), rnd)
        d = tmp_path / f"case{i}"
        d.mkdir()
        p = d / "rs.yaml"
        p.write_bytes(data)
        try:
            lr = validate_file(p)
        except RulesetError as exc:
            assert all(pr.line >= 1 and pr.column >= 1 for pr in exc.problems)
            continue
        except Exception as exc:  # noqa: BLE001
            crashes.append((i, "validate", type(exc).__name__, str(exc)[:200]))
            continue
        accepted += 1
        try:
            policy = collectrules.load_policy([str(p)])
            for attempt, account in PROBES:
                try:
                    policy.check(attempt, account=account)
                except InputError:
                    pass
            run_tests([str(p)])
        except CollectrulesError:
            pass
        except Exception as exc:  # noqa: BLE001
            crashes.append((i, "use", lr.model.id, type(exc).__name__, str(exc)[:200]))
    assert not crashes, crashes[:5]
    assert accepted > 5  # some mutants stay valid and are exercised end to end


def test_fuzz_messages_raise_only_library_errors(statute_and_regf):
    rnd = random.Random(7)
    alphabet = list("abc xyz 0123456789{}%#<>!&;@.-_\n\t\u200b\u202e拘留警察您") + ["{{", "}}", "{%", "%}", "<b>", "&amp;"]
    crashes = []
    for i in range(N_MESSAGES):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(0, 300)))
        try:
            statute_and_regf.check_message(text, channel=rnd.choice(["sms", "email", "voicemail"]),
                                           account={"jurisdictions": ["US-IL"]},
                                           stage=rnd.choice([None, "initial", "subsequent", "limited_content"]),
                                           at=dt.datetime(2025, 6, 2, 12, tzinfo=pytz.utc))
        except InputError:
            pass
        except Exception as exc:  # noqa: BLE001
            crashes.append((i, type(exc).__name__, str(exc)[:200]))
    assert not crashes, crashes[:5]
