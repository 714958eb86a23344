"""Issue 8, "Message content": regression tests with values from the rules' sources."""

import json

import pytest
from click.testing import CliRunner

import collectrules
from collectrules.cli import main


def deny(report):
    return {f.rule_id for f in report.findings if f.severity == "deny"}


@pytest.fixture(scope="module")
def regf():
    return collectrules.load_policy(["us-federal"])


@pytest.fixture(scope="module")
def cnp():
    return collectrules.load_policy(["cn-content"])


US = {"jurisdictions": ["US-IL"], "timezones": ["America/Chicago"]}
CN = {"jurisdictions": ["CN"], "timezones": ["Asia/Shanghai"]}

# --- 12 CFR 1006.2(j): limited-content messages -----------------------------------------------------

# every optional element of 1006.2(j)(2) at once, plus the required ones of (j)(1)
EVERY_ELEMENT = ("Good morning, this message is for Maria. This is Jane Smith from ABC Services, calling on "
                 "Monday, March 3 at 2:30 p.m. Please call me back at 555-0100, extension 12. The best times to "
                 "reach me are weekdays between 9 a.m. and 5 p.m. Any of our representatives can help you. "
                 "Thank you.")


@pytest.mark.parametrize("text", [
    "Hi, this is Jane Smith from ABC Services. Please call me back at 555-0100. Thank you.",   # 7 digits
    "Hi, this is Jane Smith from ABC Services, calling on Monday, March 3 at 2:30 p.m. Please call me at 312-555-0100.",
    "Hello, this is Jane from ABC. It is March 3rd. Please return my call at (312) 555-0100.",
    "Hi, this is Jane from ABC. Please call me at 1-800-555-0100. The best times to reach me are 9 a.m. to 5 p.m.",
    "Hi, this is Jane from ABC. Please call me at 312.555.0100 on 3/3 after 10 a.m.",
    EVERY_ELEMENT,
])
def test_valid_limited_content_voicemails_pass(regf, text):
    r = regf.check_message(text, channel="voicemail", account=US, stage="limited_content")
    assert r.ok and r.findings == (), [(f.message, text[f.span[0]:f.span[1]]) for f in r.findings]


def test_limited_content_with_a_debt_mention_still_fails(regf):
    text = EVERY_ELEMENT.replace("Thank you.", "It is about your overdue balance.")
    r = regf.check_message(text, channel="voicemail", account=US, stage="limited_content")
    assert "regf-limited-content-message" in deny(r)


@pytest.mark.parametrize("channel", ["sms", "email"])
def test_text_labelled_limited_content_keeps_its_channel_checks(regf, channel):
    text = "Hi, this is Jane Smith from ABC Services. Please call me back at 555-0100. Thank you."
    r = regf.check_message(text, channel=channel, account=US, stage="limited_content")
    assert "regf-electronic-opt-out" in deny(r)          # 1006.6(e)
    assert "regf-initial-collect-debt" in deny(r)        # checked as a communication
    assert "limited-content-stage" in {f.rule_id for f in r.warnings}


def test_lint_flow_node_labelled_limited_content_on_sms(tmp_path):
    p = tmp_path / "flow.yaml"
    p.write_text("channel: sms\nlanguage: en\njurisdictions: [US-IL]\nnodes:\n  vm:\n    stage: limited_content\n"
                 "    say: \"Hi, this is Jane from ABC. Please call me back at 555-0100.\"\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["lint", str(p), "--format", "json"])
    ids = {f["rule_id"] for f in json.loads(r.output)["findings"]}
    assert "regf-electronic-opt-out" in ids and r.exit_code == 1


# --- CN: signatures, impersonation, identity ------------------------------------------------------

@pytest.mark.parametrize("text", [
    "【浦东法院】您的借款已逾期，请联系。",
    "您好，您的借款已逾期【浦东法院】请联系。",
    "您的借款已逾期。【浦东法院】",
])
def test_court_signature_at_start_middle_and_end(cnp, text):
    r = cnp.check_message(text, channel="sms", account=CN, language="zh")
    spans = [text[f.span[0]:f.span[1]] for f in r.findings if f.rule_id == "cn-impersonate-authority"]
    assert "【浦东法院】" in spans


def test_pattern_view_keeps_both_brackets():
    from collectrules.content import normalize
    assert normalize.build_view("您好【浦东法院】您的", normalize.PATTERN).text == "您好【浦东法院】您的"


@pytest.mark.parametrize("text", [
    "我是区劳动监察大队的，你单位反映你欠款。",
    "这里是市人社局，你的社保将受影响。",
    "我是税务局稽查科的，你的欠款涉及偷税。",
    "我们是市场监督管理局的，请配合调查。",
    "本人系县检察院工作人员。",
    "我是劳动人事争议仲裁委员会的。",
    "【XX市人力资源和社会保障局】您的借款已逾期",
    "XX区劳动监察大队通知书：请于三日内还款",
    "這裡是台北地檢署，您涉嫌詐欺。",          # Traditional forms
    "我是勞動監察大隊的稽查員。",
    "【國稅局】您的貸款已逾期",
    "我們是市場監督管理局的。",
])
def test_impersonating_any_administrative_or_judicial_body(cnp, text):
    r = cnp.check_message(text, channel="call", account=CN, language="zh")
    assert "cn-impersonate-authority" in deny(r)


def test_institution_signed_letter_with_article_69_contents_passes(cnp):
    letter = ("尊敬的张先生：截至2026年3月1日，您尾号1234的信用卡欠款余额为人民币12,345.67元，已逾期45天。"
              "催收原因：未按约定还款；依据《商业银行信用卡业务监督管理办法》及领用合约。您有权查询账户、提出异议并"
              "提交证据，请通过本行官方渠道还款，联系电话95555。XX银行信用卡中心（盖章）")
    r = cnp.check_message(letter, channel="letter", account=CN, language="zh")
    assert r.ok, [f.rule_id for f in r.findings]


@pytest.mark.parametrize("channel,collector_needed", [("call", True), ("voicemail", True), ("visit", True),
                                                       ("sms", False), ("letter", False), ("email", False)])
def test_collector_name_is_a_voice_channel_duty(cnp, channel, collector_needed):
    r = cnp.check_message("【XX银行】您的信用卡账单已逾期，请尽快还款。", channel=channel, account=CN, language="zh")
    assert ("cn-identity-collector" in deny(r)) is collector_needed


def test_institution_from_brand_signature_self_introduction_or_account(cnp):
    assert cnp.check_message("【花呗】您本期账单已逾期3天，请及时还款。", channel="sms", account=CN).ok
    r = cnp.check_message("您好，我是安心花的客服小王，工号8812，关于您的借款逾期还款事宜。", channel="call", account=CN)
    assert r.ok, [f.rule_id for f in r.findings]
    text = "安心花提醒您：您的借款已逾期，请通过官方渠道还款。"
    assert "cn-identity-institution" in deny(cnp.check_message(text, channel="im", account=CN))
    assert cnp.check_message(text, channel="im", account={**CN, "institution_name": "安心花"}).ok


# --- HK, TW, GB, time-barred debts -----------------------------------------------------------------

def test_hk_and_tw_content_rulesets_are_shipped():
    ids = {rs.id for rs in collectrules.load_policy().rulesets}
    assert {"hk-content", "tw-content"} <= ids


@pytest.mark.parametrize("word", ["逮捕", "羈押", "拘提", "管收", "移送地檢署"])
def test_tw_threat_words(word):
    p = collectrules.load_policy(["tw-content"])
    r = p.check_message(f"您再不還款就會被{word}。", channel="sms",
                        account={"jurisdictions": ["TW"], "timezones": ["Asia/Taipei"]})
    assert "tw-threat-arrest-detention" in deny(r)


@pytest.mark.parametrize("word,rule", [("查封", "tw-threat-seizure-auction"), ("拍賣", "tw-threat-seizure-auction")])
def test_tw_seizure_words_warn(word, rule):
    p = collectrules.load_policy(["tw-content"])
    r = p.check_message(f"法院將{word}您的房子。", channel="letter",
                        account={"jurisdictions": ["TW"], "timezones": ["Asia/Taipei"]})
    assert r.ok and rule in {f.rule_id for f in r.warnings}


def test_hk_third_party_told_of_the_debt():
    p = collectrules.load_policy(["hk-content"])
    acct = {"jurisdictions": ["HK"], "timezones": ["Asia/Hong_Kong"], "institution_type": "bank"}
    r = p.check_message("Mr Chan owes our bank HK$50,000, please ask him to pay.", channel="call", account=acct,
                        recipient="family")
    assert "hk-third-party-debt-mention" in deny(r)
    assert p.check_message("Mr Chan owes our bank HK$50,000.", channel="call", account=acct).ok


@pytest.mark.parametrize("text", [
    "Sorry we missed you. We tried to deliver a parcel today; call us to rebook your delivery.",
    "Your parcel is waiting. Call 0300 123 4567.",
    "You have won a prize! Call us to claim your prize.",
    "You are due a refund: ring us today.",
])
def test_gb_misleading_pretexts(text):
    p = collectrules.load_policy(["gb-fca-conc"])
    r = p.check_message(text, channel="letter", account={"jurisdictions": ["GB"], "timezones": ["Europe/London"]})
    assert "gb-conc-misleading-pretext" in deny(r)


@pytest.mark.parametrize("text,found", [
    ("Your file will be passed to our lawyers for legal action.", True),
    ("We are referring your account to our legal department.", True),
    ("We may obtain a judgment against you.", True),
    ("Your wages may be garnished.", True),
    ("Wage garnishment may follow.", True),
    ("We will not sue you.", False),
    ("No legal action will be taken.", False),
    ("We will not refer your account to an attorney.", False),
])
def test_time_barred_indirect_suit_threats(regf, text, found):
    acct = {**US, "sol_expired": True}
    r = regf.check_message(text, channel="letter", account=acct, stage="subsequent")
    assert ("regf-time-barred-no-suit-threat" in deny(r)) is found
    # the same text on a debt that is not time-barred is not this rule's business
    r2 = regf.check_message(text, channel="letter", account=US, stage="subsequent")
    assert "regf-time-barred-no-suit-threat" not in deny(r2)
