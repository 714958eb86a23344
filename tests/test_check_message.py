"""Policy.check_message on real texts (issue 4 acceptance) and Decision.required_disclosures."""

import datetime as dt

import pytest

import collectrules
from collectrules import InputError


def ids(report, severity="deny"):
    return {f.rule_id for f in report.findings if f.severity == severity}


# --- Regulation F -----------------------------------------------------------------------------

def test_sms_without_opt_out_is_a_finding(policy, us):
    r = policy.check_message("This message is from a debt collector. Call us at 312-555-0100 about your plan.",
                             channel="sms", account=us, stage="subsequent", language="en")
    assert not r.ok
    assert ids(r) == {"regf-electronic-opt-out"}
    f = r.findings[0]
    assert f.kind == "disclosure" and f.citation == "12 CFR 1006.6(e)" and f.span == (0, 0)


def test_sms_with_reply_stop_is_clean(policy, us):
    r = policy.check_message("This message is from a debt collector. Call us at 312-555-0100 about your plan. "
                             "Reply STOP to opt out.", channel="sms", account=us, stage="subsequent")
    assert r.ok and r.findings == ()


def test_full_width_reply_stop_counts(policy, us):
    r = policy.check_message("This message is from a debt collector. Ｒｅｐｌｙ　ＳＴＯＰ to opt out.",
                             channel="sms", account=us, stage="subsequent")
    assert r.ok


def test_subsequent_email_without_debt_collector_statement(policy, us):
    r = policy.check_message("Dear customer, your balance is still open. To stop e-mails, click unsubscribe.",
                             channel="email", account=us, stage="subsequent")
    assert ids(r) == {"regf-subsequent-debt-collector"}


def test_stage_not_declared_checks_initial_and_subsequent(policy, us):
    r = policy.check_message("Please call us. Reply STOP to opt out.", channel="sms", account=us)
    assert ids(r) == {"regf-initial-collect-debt", "regf-initial-information-use", "regf-subsequent-debt-collector"}
    assert all("stage not declared" in f.message for f in r.findings)


LCM = "Hi, this is Jane Smith from ABC Services. Please call me back at 555-123-4567. Thank you."


def test_limited_content_voicemail_is_clean(policy, us):
    r = policy.check_message(LCM, channel="voicemail", account=us, stage="limited_content")
    assert r.ok, r.findings


def test_limited_content_voicemail_about_past_due_account_is_a_finding(policy, us):
    text = LCM.replace("ABC Services.", "ABC Services about your past-due account.")
    r = policy.check_message(text, channel="voicemail", account=us, stage="limited_content")
    assert ids(r) == {"regf-limited-content-message"}
    assert any(f.matched == "past-due" for f in r.findings)
    i = text.index("past-due")
    assert any(f.span == (i, i + len("past-due")) for f in r.findings)


def test_limited_content_needs_callback_number(policy, us):
    r = policy.check_message("Hi, this is Jane Smith from ABC Services. Thank you.", channel="voicemail",
                             account=us, stage="limited_content")
    msgs = " ".join(f.message for f in r.findings)
    assert "telephone number" in msgs and "request that the consumer reply" in msgs


def test_limited_content_template_with_allowed_placeholders(policy, us):
    r = policy.check_message("Hi {{ first_name }}, this is {{ agent_name }} from {{ company_name }}. "
                             "Please call me back at {{ callback_number }}.", channel="voicemail", account=us,
                             stage="limited_content")
    assert r.ok, r.findings
    r = policy.check_message("Hi, this is {{ agent_name }}. Please call me back at {{ callback_number }} "
                             "about {{ amount_due }}.", channel="voicemail", account=us, stage="limited_content")
    assert not r.ok
    assert any(f.matched == "{{ amount_due }}" for f in r.findings)


def test_limited_content_is_exempt_from_mini_miranda(policy, us):
    r = policy.check_message(LCM, channel="voicemail", account=us, stage="limited_content")
    assert not {"regf-initial-collect-debt", "regf-subsequent-debt-collector"} & ids(r)


def test_time_barred_threat_only_when_sol_expired(policy, us):
    text = "We are a debt collector. Pay by Friday or we may file a lawsuit against you."
    r = policy.check_message(text, channel="letter", account={**us, "sol_expired": True}, stage="subsequent")
    assert ids(r) == {"regf-time-barred-no-suit-threat"}
    (f,) = r.findings
    assert f.matched == "may file a lawsuit" and text[f.span[0]:f.span[1]] == f.matched
    assert policy.check_message(text, channel="letter", account=us, stage="subsequent").ok


def test_third_party_message_must_not_reveal_debt(policy, us):
    text = "Hi, this is Jane Smith. I am confirming location information for John Doe, who owes money."
    r = policy.check_message(text, channel="call", account=us, recipient="employer", stage="subsequent")
    assert ids(r) == {"regf-third-party-debt-mention"}
    assert r.findings[0].matched == "owes"
    ok = policy.check_message("Hi, this is Jane Smith. I am confirming location information for John Doe.",
                              channel="call", account=us, recipient="employer", stage="subsequent")
    assert ok.ok


def test_disclosure_satisfied_by_accepted_placeholder(policy, us):
    r = policy.check_message("{{ mini_miranda }} Reply STOP to opt out.", channel="sms", account=us, stage="initial")
    assert r.ok


def test_disclosure_in_only_one_branch_is_not_guaranteed(policy, us):
    base = "This message is from a debt collector. {% if sms %}Reply STOP to opt out.{% endif %}"
    r = policy.check_message(base, channel="sms", account=us, stage="subsequent")
    assert ids(r) == {"regf-electronic-opt-out"}
    both = ("This message is from a debt collector. {% if a %}Reply STOP to opt out.{% else %}"
            "Text STOP to opt out.{% endif %}")
    assert policy.check_message(both, channel="sms", account=us, stage="subsequent").ok
    loop = "This message is from a debt collector. {% for x in xs %}Reply STOP{% endfor %}"
    assert not policy.check_message(loop, channel="sms", account=us, stage="subsequent").ok


def test_template_syntax_error_fails_closed(policy, us):
    r = policy.check_message("This message is from a debt collector. Reply STOP. {% if x %}",
                             channel="sms", account=us, stage="subsequent")
    assert "template-syntax" in ids(r)  # and nothing in a broken template counts as always rendered


def test_unknown_jurisdiction_fails_closed(policy):
    r = policy.check_message("hello", channel="sms", account={"jurisdictions": ["FR"]})
    assert not r.ok and ids(r) == {"no-ruleset"}


def test_invalid_inputs_raise(policy, us):
    with pytest.raises(InputError):
        policy.check_message("x", channel="pigeon", account=us)
    with pytest.raises(InputError):
        policy.check_message("x", channel="sms", account=us, stage="final")
    with pytest.raises(InputError):
        policy.check_message("x", channel="sms", account=us, recipient="neighbour")
    with pytest.raises(InputError):
        policy.check_message("x", channel="sms", account=us, at=dt.datetime(2025, 1, 1))
    with pytest.raises(InputError):
        policy.check_message(b"x", channel="sms", account=us)


# --- CN -----------------------------------------------------------------------------------------

IDENTITY = "我是XX银行信用卡中心的工作人员王明，工号A1023，今天联系您是关于您信用卡账户的还款事宜。"


def test_cn_proper_identity_statement_is_clean(policy, cn):
    r = policy.check_message("您好，" + IDENTITY, channel="call", account=cn, language="zh-CN")
    assert r.ok and r.findings == ()


def test_cn_claiming_police_or_court(policy, cn):
    text = "你好，我们是县法院执行局的。" + IDENTITY
    r = policy.check_message(text, channel="call", account=cn, language="zh")
    assert ids(r) == {"cn-impersonate-authority"}
    (f,) = r.findings
    # greedy: the claim runs to the last authority named (法院执行局)
    assert f.matched == "我们是县法院执行局" and text[f.span[0]:f.span[1]] == f.matched
    assert f.span == (3, 12)
    r = policy.check_message("我是派出所民警。" + IDENTITY, channel="sms", account=cn)
    assert "cn-impersonate-authority" in ids(r)


def test_cn_threat_of_detention(policy, cn):
    text = IDENTITY + "再不还钱就拘留你。"
    r = policy.check_message(text, channel="sms", account=cn)
    assert ids(r) == {"cn-threat-detention"}
    i = text.index("拘留")
    assert r.findings[0].span == (i, i + 2)


def test_cn_insult(policy, cn):
    text = IDENTITY + "你这个老赖！"
    r = policy.check_message(text, channel="im", account=cn)
    assert ids(r) == {"cn-insult"}
    assert r.findings[0].matched == "老赖"


def test_cn_emergency_contact_told_the_amount(policy, cn):
    text = "您好，您的朋友张三在我行欠了12000元，请您转告他。"
    r = policy.check_message(text, channel="call", account=cn, recipient="emergency_contact")
    assert ids(r) == {"cn-third-party-arrears"}
    matched = {text[f.span[0]:f.span[1]] for f in r.findings}
    assert "12000元" in matched and "欠了" in matched
    # the amount is shown masked (digit runs are never echoed)
    assert "[number]元" in {f.matched for f in r.findings}
    # the same words to the borrower are not a third-party disclosure
    r2 = policy.check_message(IDENTITY + "您欠了12000元。", channel="call", account=cn)
    assert r2.ok


def test_cn_spans_across_placeholders(policy, cn):
    text = IDENTITY + "再不还钱就拘{{ x }}留你。"
    r = policy.check_message(text, channel="sms", account=cn)
    (f,) = r.findings
    assert f.matched == "拘{{ x }}留"
    text = "我是{{ city }}公安局的。" + IDENTITY
    r = policy.check_message(text, channel="sms", account=cn)
    (f,) = [f for f in r.findings if f.rule_id == "cn-impersonate-authority"]
    assert f.matched == "我是{{ city }}公安" and f.span == (0, len("我是{{ city }}公安"))


def test_cn_rules_do_not_apply_to_us_accounts(policy, us):
    r = policy.check_message("你这个老赖 This message is from a debt collector. Reply STOP",
                             channel="sms", account=us, stage="subsequent")
    assert r.ok
    assert r.rulesets == ("us-federal",)


# --- Decision.required_disclosures ---------------------------------------------------------------

def test_required_disclosures_by_channel_and_recipient(policy, us):
    at = "2025-06-02T12:00:00-05:00"
    d = policy.check({"channel": "sms", "at": at, "debt_id": "D1"}, account=us)
    got = {r.rule_id for r in d.required_disclosures}
    assert got == {"regf-initial-collect-debt", "regf-initial-information-use", "regf-subsequent-debt-collector",
                   "regf-electronic-opt-out"}
    d2 = policy.check({"channel": "letter", "at": at, "debt_id": "D1"}, account=us)
    assert "regf-electronic-opt-out" not in {r.rule_id for r in d2.required_disclosures}
    d3 = policy.check({"channel": "call", "at": at, "debt_id": "D1", "recipient": "employer"}, account=us)
    assert d3.required_disclosures == ()
    data = d.to_dict()["required_disclosures"]
    assert {x["rule_id"] for x in data} == got and all(x["citation"] for x in data)
    # cached answer is the same object on a second call; timing decision unchanged
    again = policy.check({"channel": "sms", "at": at, "debt_id": "D1"}, account=us)
    assert again.required_disclosures == d.required_disclosures and again.allowed


def test_required_disclosures_cn(policy, cn):
    d = policy.check({"channel": "call", "at": "2026-03-02T10:00:00+08:00", "debt_id": "L1"}, account=cn)
    assert {r.rule_id for r in d.required_disclosures} == {
        "cn-identity-collector", "cn-identity-institution", "cn-contact-purpose"}


def test_content_rules_take_no_part_in_timing_checks(policy, us):
    d = policy.check({"channel": "sms", "at": "2025-06-02T12:00:00-05:00", "debt_id": "D1"}, account=us)
    assert d.allowed
    assert not [t for t in d.trace if t.kind in ("disclosure", "prohibited_content", "limited_content")]
    assert d.required_disclosures  # reported as what the message must carry instead


# --- transcripts --------------------------------------------------------------------------------

TRANSCRIPT = [
    ("agent", 0.0, "Hello, may I speak with Jordan Lee?"),
    ("consumer", 2.0, "Speaking. You people will sue me?"),
    ("agent", 4.5, "This is Sam with Lakeside Recovery. This is an attempt to collect a debt and any "
                   "information obtained will be used for that purpose."),
]


def test_transcript_clean(policy, us):
    r = policy.check_transcript(TRANSCRIPT, account=us, stage="initial")
    assert r.ok, r.findings


def test_transcript_prohibited_wording_has_turn_and_span(policy, us):
    turns = TRANSCRIPT + [("agent", 30.0, "If you do not pay, we will sue you.")]
    r = policy.check_transcript(turns, account={**us, "sol_expired": True}, stage="initial")
    (f,) = r.findings
    assert f.rule_id == "regf-time-barred-no-suit-threat" and f.turn == 3
    assert turns[3][2][f.span[0]:f.span[1]] == "will sue"


def test_transcript_consumer_words_are_not_checked(policy, us):
    r = policy.check_transcript(TRANSCRIPT, account={**us, "sol_expired": True}, stage="initial")
    assert r.ok


def test_transcript_within_seconds(tmp_path):
    rs = tmp_path / "ai.yaml"
    rs.write_text("""
id: test-ai-voice
title: test
jurisdiction: US
source: https://example.org/
version: "1"
rules:
  - id: ai-identify-at-start
    kind: disclosure
    citation: test
    status: unconfirmed
    channels: [call]
    element: that the caller is an automated voice
    within_seconds: 10
    accept:
      - pattern: "(automated|artificial|virtual)\\\\s+(assistant|voice|agent)"
""", encoding="utf-8")
    p = collectrules.load_policy([str(rs)])
    acct = {"jurisdictions": ["US"], "timezones": ["America/Chicago"]}
    early = [("agent", 1.0, "Hi, I am an automated assistant calling for Acme.")]
    assert p.check_transcript(early, account=acct).ok
    late = [("agent", 1.0, "Hi, calling for Acme."), ("consumer", 5.0, "Who is this?"),
            ("agent", 12.0, "I am an automated assistant.")]
    r = p.check_transcript(late, account=acct)
    (f,) = r.findings
    assert f.turn == 2 and "after the first 10 s" in f.message and f.matched == "automated assistant"
    never = [("agent", 1.0, "Hi, calling for Acme.")]
    (f,) = p.check_transcript(never, account=acct).findings
    assert "never says" in f.message
    with pytest.raises(InputError):
        p.check_transcript([("robot", 1.0, "x")], account=acct)
    with pytest.raises(InputError):
        p.check_transcript([("agent", -1, "x")], account=acct)


@pytest.mark.parametrize("text", [
    "Hello, this message is for Jordan Lee. This is Sam Rivera with Lakeside Services. Please return my call at "
    "(312) 555-0100, extension 12, between 9 a.m. and 5 p.m. on weekdays. Thank you.",
    "Good morning, my name is Sam Rivera from Lakeside Services. Please call us back at 1-800-555-0199. "
    "Any of our representatives can help you. Thanks, goodbye.",
    "Hi Jordan, it's Sam at Lakeside. Give us a call at 312.555.0100 today. Have a great day!",
])
def test_realistic_limited_content_messages_are_clean(policy, us, text):
    r = policy.check_message(text, channel="voicemail", account=us, stage="limited_content")
    assert r.ok, r.findings


@pytest.mark.parametrize("text, word", [
    ("Hi, this is Sam from Lakeside Collections. Please call me back at 312-555-0100.", "Collections"),
    ("Hi, this is Sam. Please call me back at 312-555-0100. This is an attempt to collect a debt.", "debt"),
    ("Hi, this is Sam. Please call me back at 312-555-0100 regarding an important business matter.",
     "regarding an important business matter"),
])
def test_limited_content_messages_with_more_are_findings(policy, us, text, word):
    r = policy.check_message(text, channel="voicemail", account=us, stage="limited_content")
    assert not r.ok
    assert word in {text[f.span[0]:f.span[1]] for f in r.findings}
