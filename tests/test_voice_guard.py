"""The voice-bot guard (Policy.conversation): scripted dialogues in English and Chinese, deadlines,
requests and account updates, fail-closed inputs, threads, and end() == check_transcript."""

import datetime as dt
import json
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import collectrules
from collectrules import InputError

ROOT = Path(__file__).resolve().parents[1]
CHI = dt.timezone(dt.timedelta(hours=-6))
SH = dt.timezone(dt.timedelta(hours=8))
START_US = dt.datetime(2026, 3, 2, 10, 0, tzinfo=CHI)
START_CN = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)
US = {"jurisdictions": ["US-IL"], "timezones": ["America/Chicago"]}
CN = {"jurisdictions": ["CN"], "timezones": ["Asia/Shanghai"]}


def s(start, seconds):
    return start + dt.timedelta(seconds=seconds)


@pytest.fixture(scope="module")
def house():
    """The shipped rulesets plus the example call-QA house policy (15 s / 30 s deadlines)."""
    return collectrules.load_policy(["shipped", ROOT / "examples" / "rulesets" / "call-qa.yaml"])


MINI_MIRANDA = ("This is an attempt to collect a debt and any information obtained will be used for that "
                "purpose.")
US_OPENING = ("Hello, this is Ava, a virtual assistant calling from Lakeside Recovery, a debt collector. "
              + MINI_MIRANDA + " You can reach us at 312-555-0142.")
CN_OPENING = "您好，我是北风消费金融公司的智能客服小李，工号A1023，今天联系您是关于您的借款还款事宜。"


# -- English dialogue --------------------------------------------------------------------------


def test_en_threat_is_refused_before_it_is_said(shipped):
    conv = shipped.conversation(account=US, channel="call", dialer="ai_voice", language="en", stage="initial",
                                recipient="borrower", started_at=START_US)
    assert set(conv.rulesets) >= {"us-federal", "us-ai-voice", "us-tcpa"}
    line = "If you do not pay today we will have you arrested."
    v = conv.before_say(line, at=s(START_US, 1))
    assert v.ok is False
    (f,) = v.errors
    assert f.rule_id == "regf-threat-of-arrest-or-seizure" and f.ruleset == "us-federal"
    assert "arrest" in line[f.span[0]:f.span[1]]
    # refused, not said: nothing recorded, so the transcript shows no threat
    v = conv.said(US_OPENING, at=s(START_US, 1))
    assert v.ok, v.findings
    assert v.pending_disclosures == ()
    report = conv.end(at=s(START_US, 30))
    assert report.ok and report.findings == ()


def test_en_pending_disclosures_before_anything_is_said(shipped):
    conv = shipped.conversation(account=US, stage="initial", language="en", started_at=START_US)
    ids = {p.rule_id for p in conv.pending()}
    # Reg F initial-communication disclosures; 64.1200(b) identity and number; the proposed AI notice
    assert ids == {"regf-initial-collect-debt", "regf-initial-information-use", "tcpa-artificial-voice-identity",
                   "tcpa-artificial-voice-callback-number", "us-ai-voice-says-it-is-ai"}
    assert all(p.deadline is None and not p.overdue for p in conv.pending())
    v = conv.before_say("Hello, this is Ava, a virtual assistant calling from Lakeside Recovery.",
                        at=s(START_US, 0.5))
    assert v.ok
    # what is still owed once this is said
    assert {p.rule_id for p in v.pending_disclosures} == {
        "regf-initial-collect-debt", "regf-initial-information-use", "tcpa-artificial-voice-callback-number"}
    # before_say records nothing
    assert {p.rule_id for p in conv.pending()} == ids


def test_manual_dialer_owes_no_ai_disclosures(shipped):
    conv = shipped.conversation(account=US, stage="subsequent", language="en", dialer="manual", started_at=START_US)
    assert {p.rule_id for p in conv.pending()} == {"regf-subsequent-debt-collector"}


def test_initial_call_reaching_its_deadline_without_identification_is_flagged_at_the_deadline(house):
    conv = house.conversation(account=US, channel="call", dialer="ai_voice", language="en", stage="initial",
                              started_at=START_US)
    (ai,) = [p for p in conv.pending() if p.rule_id == "qa-ai-voice-identifies-itself"]
    assert ai.within_seconds == 15 and ai.deadline == s(START_US, 15)
    conv.said("Hello, may I speak with Jordan?", at=s(START_US, 0))
    conv.heard("Yes, speaking.", at=s(START_US, 3))
    # at the deadline itself nothing is late yet (a turn starting at 15 s is in time) ...
    assert conv.overdue(at=s(START_US, 15)) == ()
    v = conv.before_say("How are you today?", at=s(START_US, 15))
    assert v.ok and not [p for p in v.pending_disclosures if p.overdue]
    # ... one millisecond later it is flagged
    late = conv.overdue(at=s(START_US, 15.001))
    assert [f.rule_id for f in late] == ["qa-ai-voice-identifies-itself"]
    assert late[0].severity == "deny" and "within the first 15 s" in late[0].message
    v = conv.before_say("How are you today?", at=s(START_US, 16))
    assert not v.ok and [f.rule_id for f in v.errors] == ["qa-ai-voice-identifies-itself"]
    assert [p.rule_id for p in v.pending_disclosures if p.overdue] == ["qa-ai-voice-identifies-itself"]
    # the utterance that makes the late disclosure passes, with a warning that it is late
    v = conv.said("This is the Lakeside virtual assistant from Lakeside Recovery, a debt collector. "
                  + MINI_MIRANDA + " Call 312-555-0142.", at=s(START_US, 16))
    assert v.ok
    (w,) = [f for f in v.findings if f.rule_id == "qa-ai-voice-identifies-itself"]
    assert w.severity == "warn" and "said at 16 s, after the first 15 s" in w.message
    assert conv.overdue(at=s(START_US, 40)) == ()
    report = conv.end(at=s(START_US, 40))
    (f,) = [f for f in report.findings if f.rule_id == "qa-ai-voice-identifies-itself"]
    assert f.severity == "deny" and f.turn == 2 and "said at 16 s, after the first 15 s" in f.message
    assert not report.ok


def test_the_human_identity_deadline_is_30_seconds(house):
    conv = house.conversation(account=US, dialer="manual", stage="subsequent", language="en", started_at=START_US)
    conv.said("Hello?", at=s(START_US, 0))
    assert conv.overdue(at=s(START_US, 30)) == ()
    assert [f.rule_id for f in conv.overdue(at=s(START_US, 30.5))] == ["qa-identity-at-start"]


def test_mini_miranda_never_said_is_in_the_end_report(shipped):
    conv = shipped.conversation(account=US, stage="initial", language="en", started_at=START_US)
    conv.said("Hello, this is Ava, a virtual assistant calling from Lakeside Recovery. Call 312-555-0142.",
              at=s(START_US, 1))
    report = conv.end(at=s(START_US, 60))
    assert {f.rule_id for f in report.errors} == {"regf-initial-collect-debt", "regf-initial-information-use"}


def test_en_stop_calling_me_and_the_account_update_blocks_the_next_call(shipped):
    conv = shipped.conversation(account=US, language="en", stage="subsequent", started_at=START_US)
    conv.said("Hi, this is Ava, a virtual assistant from Lakeside Recovery, a debt collector. 312-555-0142.",
              at=s(START_US, 1))
    text = "Please stop calling me."
    reqs = conv.heard(text, at=s(START_US, 5))
    kinds = {r.kind: r for r in reqs}
    assert set(kinds) == {"cease_communication", "opt_out_channel"}
    cease, opt = kinds["cease_communication"], kinds["opt_out_channel"]
    at5 = s(START_US, 5)
    assert cease.account_update == {"cease_communication": True,
                                    "consent_ledger": [{"channels": ["call", "voicemail", "sms"], "revoked_at": at5}]}
    assert opt.account_update == {"opted_out_channels": ["call", "voicemail"],
                                  "consent_ledger": [{"channels": ["call", "voicemail"], "revoked_at": at5}]}
    assert "tcpa-revocation" in cease.citation and "tcpa-revocation" in opt.citation
    assert json.loads(json.dumps(cease.to_dict()))["account_update"]["consent_ledger"][0]["revoked_at"] == \
        "2026-03-02T10:00:05-06:00"
    assert text[cease.evidence[0]:cease.evidence[1]] == "stop calling me"
    assert cease.turn == 1 and "regf-cease-communication" in cease.citation and "1006.6(c)" in cease.citation
    assert "regf-opted-out-medium" in opt.citation
    assert conv.requests == reqs
    # the caller records the update: the next call is denied by the cease rule
    updated = {**US, **cease.account_update}
    d = shipped.check({"channel": "call", "at": "2026-03-03T10:00:00-06:00", "debt_id": "D1"}, account=updated)
    assert not d.allowed and "regf-cease-communication" in {v.rule_id for v in d.violations}
    updated = {**US, **opt.account_update}
    d = shipped.check({"channel": "call", "at": "2026-03-03T10:00:00-06:00", "debt_id": "D1"}, account=updated)
    assert "regf-opted-out-medium" in {v.rule_id for v in d.violations}
    # the revocation binds a creditor too (TCPA), where Reg F does not apply: consent given on
    # 2026-01-05, revoked in this call, the next AI-voice call to the mobile is denied
    consent = {"channels": ["call", "sms"], "given_at": "2026-01-05T09:00:00-06:00", "address_id": "M1"}
    creditor = {**US, "collector_type": "first_party", "consent_ledger": [consent]}
    nxt = {"channel": "call", "at": "2026-03-03T10:00:00-06:00", "debt_id": "D1", "dialer": "ai_voice",
           "line_type": "mobile", "address_id": "M1"}
    assert shipped.check(nxt, account=creditor).allowed
    revoked = {**creditor, "consent_ledger": [consent, *cease.account_update["consent_ledger"]]}
    d = shipped.check(nxt, account=revoked)
    assert not d.allowed and "tcpa-revocation" in {v.rule_id for v in d.violations}
    d = shipped.check({"channel": "email", "at": "2026-03-03T10:00:00-06:00", "debt_id": "D1"}, account=updated)
    assert "regf-opted-out-medium" not in {v.rule_id for v in d.violations}


def test_en_lawyer_work_and_time_requests(shipped):
    conv = shipped.conversation(account=US, language="en", started_at=START_US)
    (r,) = conv.heard("I have a lawyer now.", at=s(START_US, 2))
    assert r.kind == "attorney_represented" and r.account_update == {"attorney_represented": True}
    assert "regf-attorney-represented" in r.citation
    (r,) = conv.heard("Don't call me at work.", at=s(START_US, 4))
    assert r.kind == "workplace_contact_prohibited" and r.account_update == {"workplace_contact_prohibited": True}
    (r,) = conv.heard("Don't call me before 9 am.", at=s(START_US, 6))
    assert r.kind == "inconvenient_time"
    assert r.account_update == {"inconvenient_times": [{"start": "00:00", "end": "09:00"}]}
    # recorded, 08:30 is then denied by the consumer-stated inconvenient time, 09:00 is not
    acc = {**US, **r.account_update}
    d = shipped.check({"channel": "call", "at": "2026-03-03T08:30:00-06:00", "debt_id": "D1"}, account=acc)
    assert "regf-consumer-inconvenient-times" in {v.rule_id for v in d.violations}
    d = shipped.check({"channel": "call", "at": "2026-03-03T09:00:00-06:00", "debt_id": "D1"}, account=acc)
    assert "regf-consumer-inconvenient-times" not in {v.rule_id for v in d.violations}
    (r,) = conv.heard("You have the wrong number.", at=s(START_US, 8))
    assert r.kind == "wrong_party" and r.contact_update == {"outcome": "wrong_party"} and r.account_update == {}
    (r,) = conv.heard("I dispute this, it is not my debt", at=s(START_US, 9))
    assert r.kind == "dispute" and r.account_update == {"disputed_unverified": True}


def test_en_negations_are_not_requests(shipped):
    conv = shipped.conversation(account=US, language="en", started_at=START_US)
    assert conv.heard("I'm not saying stop calling me, I just need a minute.", at=s(START_US, 1)) == ()
    assert conv.heard("No, I don't have a lawyer.", at=s(START_US, 2)) == ()
    assert conv.heard("I'm not disputing the debt.", at=s(START_US, 3)) == ()


# -- Chinese dialogue --------------------------------------------------------------------------


def test_zh_dialogue_threat_refused_and_lawyer_heard(shipped):
    conv = shipped.conversation(account=CN, channel="call", dialer="ai_voice", language="zh", stage="initial",
                                recipient="borrower", started_at=START_CN)
    assert {"cn-content", "cn-ai-label-2025"} <= set(conv.rulesets)
    pend = {p.rule_id for p in conv.pending()}
    assert "cn-ai-voice-label" in pend and "cn-identity-institution" in pend
    threat = "您再不还钱，我们就报警把你抓起来拘留。"
    v = conv.before_say(threat, at=s(START_CN, 1))
    assert not v.ok and "cn-threat-detention" in {f.rule_id for f in v.errors}
    v = conv.said(CN_OPENING, at=s(START_CN, 1))
    assert v.ok, v.findings
    assert "cn-ai-voice-label" not in {p.rule_id for p in v.pending_disclosures}
    text = "我已经请了律师，有事跟我律师谈。"
    reqs = conv.heard(text, at=s(START_CN, 8))
    (r,) = reqs
    assert r.kind == "attorney_represented" and r.account_update == {"attorney_represented": True}
    assert text[r.evidence[0]:r.evidence[1]] == "请了律师"
    text = "别再给我打电话了"
    reqs = conv.heard(text, at=s(START_CN, 12))
    assert {r.kind for r in reqs} == {"cease_communication", "opt_out_channel"}
    assert all(text[r.evidence[0]:r.evidence[1]].startswith("别再") for r in reqs)
    report = conv.end(at=s(START_CN, 20))
    assert report.ok, report.findings


def test_zh_negations_and_qualified_requests(shipped):
    conv = shipped.conversation(account=CN, language="zh", started_at=START_CN)
    reqs = conv.heard("我不是说别再打了，我是说现在在开会。", at=s(START_CN, 1))
    assert {r.kind for r in reqs} == {"inconvenient_time"}
    assert conv.heard("我没有律师。", at=s(START_CN, 2)) == ()
    (r,) = conv.heard("晚上8点以后别打电话", at=s(START_CN, 3))
    assert r.kind == "inconvenient_time" and r.account_update == {"inconvenient_times": [{"start": "20:00", "end": "00:00"}]}
    (r,) = conv.heard("不要打到我单位去", at=s(START_CN, 4))
    assert r.kind == "workplace_contact_prohibited"
    (r,) = conv.heard("你打错了", at=s(START_CN, 5))
    assert r.kind == "wrong_party"


def test_zh_missing_ai_label_is_in_the_end_report(shipped):
    conv = shipped.conversation(account=CN, language="zh", stage="subsequent", started_at=START_CN)
    conv.said("您好，我是北风消费金融公司的客服小李，工号A1023，今天联系您是关于您的借款还款事宜。", at=s(START_CN, 1))
    report = conv.end(at=s(START_CN, 30))
    assert [f.rule_id for f in report.errors] == ["cn-ai-voice-label"]


# -- privacy -----------------------------------------------------------------------------------


def test_consumer_words_are_never_kept_or_echoed(shipped):
    conv = shipped.conversation(account=US, language="en", started_at=START_US)
    secret = "Stop calling me, I'm Jane Roe at 617-555-0199, jane@example.com"
    reqs = conv.heard(secret, at=s(START_US, 2))
    assert reqs
    blob = json.dumps([r.to_dict() for r in reqs]) + repr(reqs) + repr(vars(conv))
    for word in ("Jane", "617-555-0199", "jane@example.com", "Roe"):
        assert word not in blob
    report = conv.end(at=s(START_US, 5))
    assert "Jane" not in json.dumps(report.to_dict())


def test_bot_words_are_dropped_at_end(shipped):
    conv = shipped.conversation(account=US, language="en", started_at=START_US)
    conv.said("Hello Jordan Smith, this is Lakeside Recovery.", at=s(START_US, 1))
    conv.end(at=s(START_US, 5))
    assert "Jordan" not in repr(vars(conv))


# -- fail closed -------------------------------------------------------------------------------


def test_inputs_fail_closed(shipped):
    with pytest.raises(InputError):
        shipped.conversation(account=US, started_at=dt.datetime(2026, 3, 2, 10, 0))  # naive
    with pytest.raises(InputError):
        shipped.conversation(account=US, started_at=START_US, channel="fax")
    with pytest.raises(InputError):
        shipped.conversation(account=US, started_at=START_US, dialer="robot")
    with pytest.raises(InputError):
        shipped.conversation(account={"jurisdictions": []}, started_at=START_US)
    conv = shipped.conversation(account=US, started_at=START_US)
    with pytest.raises(InputError):
        conv.before_say("hi", at=dt.datetime(2026, 3, 2, 10, 0, 5))
    with pytest.raises(InputError):
        conv.before_say(b"hi", at=s(START_US, 1))
    with pytest.raises(InputError):
        conv.heard("hi", at=s(START_US, -1))
    conv.said("Hello.", at=s(START_US, 5))
    with pytest.raises(InputError):
        conv.heard("hi", at=s(START_US, 4))  # out of order
    conv.end(at=s(START_US, 6))
    with pytest.raises(InputError):
        conv.said("bye", at=s(START_US, 7))
    assert conv.end(at=s(START_US, 9)) is conv.end(at=s(START_US, 10))


def test_iso_strings_are_instants(shipped):
    conv = shipped.conversation(account=US, started_at="2026-03-02T10:00:00-06:00")
    assert conv.before_say("Hello.", at="2026-03-02T10:00:01-06:00").elapsed_seconds == 1.0
    with pytest.raises(InputError):
        conv.before_say("Hello.", at="2026-03-02T10:00:01")


def test_an_account_no_ruleset_covers_is_refused_every_utterance():
    only_us = collectrules.load_policy(["us-federal"])
    conv = only_us.conversation(account=CN, language="zh", started_at=START_CN)
    v = conv.before_say("您好。", at=s(START_CN, 1))
    assert not v.ok and [f.rule_id for f in v.errors] == ["no-ruleset"]


# -- threads -----------------------------------------------------------------------------------


def test_one_conversation_shared_by_threads_loses_no_turn(shipped):
    conv = shipped.conversation(account=US, language="en", stage="subsequent", started_at=START_US)
    at = s(START_US, 3)
    want = conv.before_say("We will have you arrested.", at=at).to_dict()
    errors, verdicts = [], []

    def work(i):
        try:
            for _ in range(25):
                conv.heard("please stop calling me", at=at)
                verdicts.append(conv.before_say("We will have you arrested.", at=at).to_dict())
                conv.said("Hello from Lakeside Recovery, a debt collector.", at=at)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(conv.requests) == 8 * 25 * 2
    # the same wording findings every time (plus the close-the-call warning once a stop was heard)
    assert all([f for f in v["findings"] if f["kind"] != "request"] == want["findings"] for v in verdicts)
    assert all([f["rule_id"] for f in v["findings"] if f["kind"] == "request"] == ["consumer-asked-to-stop"]
               for v in verdicts)
    assert repr(conv) == "<Conversation call 400 turns>"
    report = conv.end(at=s(START_US, 10))
    # the missing disclosures only (no turn-dependent finding, so the interleaving does not matter)
    assert {f.rule_id for f in report.findings} == {"tcpa-artificial-voice-callback-number", "us-ai-voice-says-it-is-ai"}
    turns = []
    for _ in range(200):
        turns += [("consumer", 3, "please stop calling me"), ("agent", 3, "Hello from Lakeside Recovery, a debt collector.")]
    assert report.to_dict() == shipped.check_transcript(turns, account=US, language="en", stage="subsequent",
                                                        dialer="ai_voice", at=START_US).to_dict()


# -- end() == check_transcript -----------------------------------------------------------------

AGENT_LINES = [
    US_OPENING, MINI_MIRANDA, "We will have you arrested if you do not pay.", "We are a debt collector.",
    "This is the Lakeside virtual assistant.", "Call 312-555-0142.", "Hello, may I speak with Jordan?",
    CN_OPENING, "您再不还钱就把你拘留。", "你这个老赖", "我是北风银行的智能客服。", "您好，请问是张先生吗？",
    "Pay the damn bill.", "", "Reply STOP to opt out.",
    "Hi, this is Ava from Lakeside. Please call me back at 312-555-0142. Thank you.", "\u202eSTOP",
    "<!-- this is an attempt to collect a debt -->",
]
CONSUMER_LINES = ["Please stop calling me.", "我已经请了律师", "Yes.", "别再给我打电话了", "I have a lawyer.", "好的", ""]


@st.composite
def dialogues(draw):
    n = draw(st.integers(0, 8))
    turns, t = [], 0.0
    for _ in range(n):
        t += draw(st.sampled_from([0.0, 0.5, 1.0, 7.5, 15.0, 16.0]))
        if draw(st.booleans()):
            text = draw(st.one_of(st.sampled_from(AGENT_LINES), st.text(max_size=40)))
            turns.append(("agent", t, text))
        else:
            text = draw(st.one_of(st.sampled_from(CONSUMER_LINES), st.text(max_size=40)))
            turns.append(("consumer", t, text))
    opts = dict(
        account=draw(st.sampled_from([US, CN])),
        language=draw(st.sampled_from([None, "en", "zh"])),
        stage=draw(st.sampled_from([None, "initial", "subsequent", "limited_content"])),
        dialer=draw(st.sampled_from(["ai_voice", "manual", "prerecorded"])),
        channel=draw(st.sampled_from(["call", "voicemail"])),
        recipient=draw(st.sampled_from(["borrower", "third_party"])),
    )
    return turns, opts


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(dialogues())
def test_end_report_equals_check_transcript(house, dialogue):
    turns, opts = dialogue
    conv = house.conversation(started_at=START_US, **opts)
    for speaker, t, text in turns:
        if speaker == "agent":
            v = conv.before_say(text, at=s(START_US, t))
            assert v.ok == (not v.errors)
            conv.said(text, at=s(START_US, t))
        else:
            reqs = conv.heard(text, at=s(START_US, t))
            assert all(0 <= r.evidence[0] < r.evidence[1] <= len(text) for r in reqs)
    end_at = s(START_US, (turns[-1][1] if turns else 0) + 1)
    got = conv.end(at=end_at)
    want = house.check_transcript(turns, at=START_US, **opts)
    assert got.to_dict() == want.to_dict()


def test_the_docs_example_runs():
    import re

    doc = (ROOT / "docs" / "voice-guard.md").read_text(encoding="utf-8")
    block = re.search(r"```python\n(.*?)```", doc, re.S).group(1)
    spoken = []
    ns = {"speak": spoken.append}
    exec(compile(block, "voice-guard.md", "exec"), ns)
    assert spoken and ns["v"].ok and ns["report"].ok
    (r,) = ns["conv"].requests
    assert r.kind == "attorney_represented" and r.evidence == (3, 7)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.sampled_from(AGENT_LINES), st.text(max_size=60)), st.sampled_from([US, CN]),
       st.sampled_from([None, "en", "zh"]), st.sampled_from(["ai_voice", "manual"]))
def test_before_say_runs_what_check_message_runs(shipped, text, account, language, dialer):
    conv = shipped.conversation(account=account, language=language, dialer=dialer, started_at=START_US)
    v = conv.before_say(text, at=s(START_US, 1))
    r = shipped.check_message(text, channel="call", account=account, language=language, dialer=dialer,
                              at=START_US, template=False)
    wording = [f for f in r.findings if not (f.span == (0, 0) and not f.matched
                                             and f.kind in ("disclosure", "limited_content"))]
    assert list(v.findings) == sorted(wording, key=lambda f: (f.span, f.rule_id))
    missing = {f.rule_id for f in r.findings if f.kind == "disclosure" and f.span == (0, 0)}
    assert {p.rule_id for p in v.pending_disclosures} == missing


def test_after_wrong_number_the_debt_is_not_discussed(shipped):
    conv = shipped.conversation(account=CN, language="zh", stage="subsequent", started_at=START_CN)
    line = "您的朋友张三在我行欠了12000元，请您转告他尽快处理。"
    before = conv.before_say(line, at=s(START_CN, 1))
    assert "cn-third-party-arrears" not in {f.rule_id for f in before.findings}  # said to the borrower
    (r,) = conv.heard("你打错了", at=s(START_CN, 2))
    assert r.kind == "wrong_party"
    v = conv.before_say(line, at=s(START_CN, 3))
    assert not v.ok and "cn-third-party-arrears" in {f.rule_id for f in v.errors}
    assert "wrong-party-heard" in {f.rule_id for f in v.findings if f.severity == "warn"}
    bye = conv.before_say("不好意思打扰了，再见。", at=s(START_CN, 4))
    assert "cn-third-party-arrears" not in {f.rule_id for f in bye.findings}
    # end() is still the transcript check as declared (recipient borrower)
    conv.said("不好意思打扰了，再见。", at=s(START_CN, 4))
    assert conv.end(at=s(START_CN, 5)).to_dict() == shipped.check_transcript(
        [("consumer", 2, "你打错了"), ("agent", 4, "不好意思打扰了，再见。")], account=CN, language="zh",
        stage="subsequent", dialer="ai_voice", at=START_CN).to_dict()


def test_after_stop_every_verdict_says_to_close_the_call(shipped):
    conv = shipped.conversation(account=US, language="en", stage="subsequent", started_at=START_US)
    assert not [f for f in conv.before_say("Thank you, goodbye.", at=s(START_US, 1)).findings
                if f.rule_id == "consumer-asked-to-stop"]
    conv.heard("Please stop calling me.", at=s(START_US, 2))
    v = conv.before_say("Thank you, goodbye.", at=s(START_US, 3))
    (f,) = [f for f in v.findings if f.rule_id == "consumer-asked-to-stop"]
    assert f.severity == "warn" and "turn 0" in f.message and "regf-cease-communication" in f.citation


def test_apply_requests_records_every_update(shipped):
    from collectrules.voice import apply_requests

    conv = shipped.conversation(account=US, language="en", started_at=START_US)
    reqs = conv.heard("Stop texting me. Don't call me before 9 am. I have a lawyer.", at=s(START_US, 2))
    reqs += conv.heard("Stop texting me!", at=s(START_US, 3))
    acc = apply_requests({**US, "opted_out_channels": ["email"]}, reqs)
    assert isinstance(acc, collectrules.Account)
    assert acc.attorney_represented is True
    assert acc.opted_out_channels == ["email", "sms", "im"]  # appended once, never replaced
    assert [(w.start, w.end) for w in acc.inconvenient_times] == [("00:00", "09:00")]
    assert [set(c.channels) for c in acc.consent_ledger] == [{"sms"}, {"sms"}]  # two revocations, two instants
    with pytest.raises(InputError):
        apply_requests({"jurisdictions": []}, reqs)


def test_next_deadline_for_the_timer(house):
    conv = house.conversation(account=US, dialer="ai_voice", stage="initial", language="en", started_at=START_US)
    assert conv.next_deadline == s(START_US, 15)
    conv.said("Hello, I am an automated assistant.", at=s(START_US, 1))
    assert conv.next_deadline == s(START_US, 30)  # qa-identity-at-start: the company name is still owed
    conv.said("This is Lakeside Recovery calling.", at=s(START_US, 2))
    assert conv.next_deadline is None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["before_say", "said", "heard", "overdue", "pending", "end"]),
                          st.one_of(st.floats(-5, 60, allow_nan=False), st.none(), st.just("naive"),
                                    st.just("2026-03-02T10:00:07-06:00"), st.just("garbage")),
                          st.one_of(st.sampled_from(AGENT_LINES + CONSUMER_LINES), st.text(max_size=30),
                                    st.none(), st.integers())),
                max_size=12))
def test_any_call_sequence_gives_answers_or_input_errors(house, calls):
    conv = house.conversation(account=US, started_at=START_US)
    for name, when, text in calls:
        if when is None:
            at = None
        elif when == "naive":
            at = dt.datetime(2026, 3, 2, 10, 0, 1)
        elif isinstance(when, str):
            at = when
        else:
            at = s(START_US, when)
        try:
            if name == "pending":
                out = conv.pending(at=at)
            elif name in ("overdue", "end"):
                out = getattr(conv, name)(at=at)
            else:
                out = getattr(conv, name)(text, at=at)
        except InputError as exc:
            assert "Jordan" not in str(exc)
            continue
        assert out is not None
