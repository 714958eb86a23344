"""hypothesis properties of the content checks.

* Inserting placeholders, or changing whitespace, letter case and full-width/half-width forms,
  never removes a true finding (the finding's rule still fires).
* Spans always index the original text.
* lint never crashes on arbitrary Unicode, and its reports stay well-formed.
"""

from collectrules.content.shown import shown
import json
import xml.etree.ElementTree as ET

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import collectrules
from collectrules.content.lint import LintOptions, LintResult, _lint_structured, lint_script_text
from collectrules.report.junit import junit_text
from collectrules.report.sarif import to_sarif

POLICY = collectrules.load_policy(["us-federal", "cn-content"])
US = {"jurisdictions": ["US-IL"], "timezones": ["America/Chicago"]}
CN = {"jurisdictions": ["CN"], "timezones": ["Asia/Shanghai"]}

# (text, check_message kwargs): each has at least one finding
BAD = [
    ("This message is from a debt collector. Your balance is open, call 312 555 0100.",
     dict(channel="sms", account=US, stage="subsequent")),
    ("Dear customer, your balance is still open. To stop e-mails, click unsubscribe.",
     dict(channel="email", account=US, stage="subsequent")),
    ("Hi, this is Jane Smith from ABC Services about your past-due account. Please call me back at 555-123-4567.",
     dict(channel="voicemail", account=US, stage="limited_content")),
    ("We are a debt collector. Pay by Friday or we may file a lawsuit against you.",
     dict(channel="letter", account={**US, "sol_expired": True}, stage="subsequent")),
    ("Hi, this is Jane. I am confirming location information for John, who owes a debt.",
     dict(channel="call", account=US, recipient="employer", stage="subsequent")),
    ("你好，我是市公安局经侦大队的，你的事情我们已经立案。", dict(channel="call", account=CN)),
    ("我是XX银行的工作人员王明，工号A1023，关于您的逾期账单：你这个老赖，再不还就拘留你。", dict(channel="sms", account=CN)),
    ("您好，您的朋友张三在我行欠了12000元，请您转告他。", dict(channel="call", account=CN, recipient="emergency_contact")),
]

PLACEHOLDERS = ["{{ x1 }}", "{{ nick | upper }}", "{note}", "{% if flag %}{% endif %}", "{# memo #}"]
SPACES = [" ", "  ", "\t", "\n", "\u3000", "\u00a0", " \n "]


def rules_of(report):
    return {f.rule_id for f in report.findings}


def check(text, kw):
    r = POLICY.check_message(text, **kw)
    for f in r.findings:
        assert 0 <= f.span[0] <= f.span[1] <= len(text)
        assert f.matched in ("", shown(text[f.span[0]:f.span[1]]))
    return r


BASELINE = [rules_of(check(t, kw)) for t, kw in BAD]


def test_every_seed_has_findings():
    assert all(BASELINE)


@settings(max_examples=150, deadline=None)
@given(i=st.integers(0, len(BAD) - 1), data=st.data())
def test_inserting_placeholders_never_removes_a_finding(i, data):
    text, kw = BAD[i]
    n = data.draw(st.integers(1, 6))
    positions = sorted(data.draw(st.lists(st.integers(0, len(text)), min_size=n, max_size=n)), reverse=True)
    out = text
    for p in positions:
        out = out[:p] + data.draw(st.sampled_from(PLACEHOLDERS)) + out[p:]
    assert BASELINE[i] <= rules_of(check(out, kw))


def _widen(ch: str) -> str:
    o = ord(ch)
    return chr(o + 0xFEE0) if 0x21 <= o <= 0x7E else ch


@settings(max_examples=150, deadline=None)
@given(i=st.integers(0, len(BAD) - 1), data=st.data())
def test_whitespace_case_and_width_variants_never_remove_a_finding(i, data):
    text, kw = BAD[i]
    out = []
    for ch in text:
        if ch == " ":
            out.append(data.draw(st.sampled_from(SPACES)))
        elif ch.isascii() and ch.isalnum():
            mode = data.draw(st.sampled_from(["same", "upper", "lower", "wide"]))
            out.append({"same": ch, "upper": ch.upper(), "lower": ch.lower(), "wide": _widen(ch)}[mode])
        elif ch in "，：。" and data.draw(st.booleans()):
            out.append({"，": ",", "：": ":", "。": "."}[ch])
        else:
            out.append(ch)
    variant = "".join(out)
    assert BASELINE[i] <= rules_of(check(variant, kw))


OPTS = LintOptions(channel="sms", jurisdictions=("US",))


def _reports_ok(name, findings):
    res = LintResult(findings=findings, files=[name], rules={})
    from collectrules.content.lint import rule_catalog

    res.rules = rule_catalog(POLICY)
    json.dumps(to_sarif(res))
    ET.fromstring(junit_text(res).encode("utf-8"))
    for f in findings:
        assert f.line >= 1 and f.column >= 1
        str(f)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.text(), front=st.booleans(), stage=st.sampled_from([None, "initial", "subsequent", "limited_content"]))
def test_lint_never_crashes_on_arbitrary_unicode(body, front, stage):
    text = body
    if front:
        text = "---\nchannel: voicemail\njurisdictions: [CN]\n" + (f"stage: {stage}\n" if stage else "") + "---\n" + body
    findings = lint_script_text("x.txt", text, POLICY, OPTS)
    _reports_ok("x.txt", findings)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.text(), suffix=st.sampled_from([".yaml", ".json", ".jsonl"]))
def test_lint_structured_never_crashes(body, suffix):
    findings = _lint_structured("x" + suffix, suffix, body, POLICY, OPTS)
    _reports_ok("x" + suffix, findings)


@settings(max_examples=100, deadline=None)
@given(texts=st.lists(st.text(), min_size=1, max_size=4))
def test_lint_flows_and_transcripts_with_arbitrary_text(texts):
    flow = json.dumps({"channel": "call", "jurisdictions": ["CN"],
                       "nodes": {f"n{i}": {"say": t} for i, t in enumerate(texts)}})
    _reports_ok("f.json", _lint_structured("f.json", ".json", flow, POLICY, OPTS))
    tr = "\n".join(json.dumps({"speaker": "agent", "start_seconds": i, "text": t}) for i, t in enumerate(texts))
    _reports_ok("t.jsonl", _lint_structured("t.jsonl", ".jsonl", tr, POLICY, OPTS))


@settings(max_examples=20, deadline=None)
@given(texts=st.lists(st.text(), min_size=1, max_size=3), fmt=st.sampled_from(["text", "json", "sarif", "junit"]))
def test_lint_cli_writes_any_text(tmp_path_factory, texts, fmt):
    from click.testing import CliRunner

    from collectrules.cli import main

    d = tmp_path_factory.mktemp("arb")
    (d / "a.transcript.jsonl").write_text(
        "\n".join(json.dumps({"speaker": "agent", "start_seconds": i, "text": t}) for i, t in enumerate(texts)),
        encoding="utf-8")
    (d / "b.txt").write_text("---\nchannel: sms\njurisdictions: [CN]\n---\n" + "\n".join(texts), encoding="utf-8")
    out = d / "out"
    r = CliRunner().invoke(main, ["lint", str(d), "--format", fmt, "--output", str(out)])
    assert r.exit_code in (0, 1), r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)
    out.read_text(encoding="utf-8")


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12)
    | st.sampled_from(["sms", "call", "voicemail", "subsequent", "limited_content", "US", "CN", "US-CA",
                       "emergency_contact", "zh", "Asia/Shanghai", "Nowhere/Zone"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(meta=st.dictionaries(st.sampled_from(sorted(["channel", "stage", "language", "jurisdictions", "jurisdiction",
                                                    "recipient", "collector_type", "sol_expired", "license_number",
                                                    "timezones", "place", "purpose", "dialer", "other"])),
                            _VALUES, max_size=6),
       body=st.text(max_size=80))
def test_lint_never_crashes_on_arbitrary_metadata(meta, body):
    import yaml

    text = "---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n" + body
    findings = lint_script_text("m.txt", text, POLICY, OPTS)
    _reports_ok("m.txt", findings)
    flow = json.dumps({**meta, "nodes": {"a": {"say": body}, "b": {**meta, "say": [body, body]}}})
    _reports_ok("f.json", _lint_structured("f.json", ".json", flow, POLICY, OPTS))
    tr = json.dumps({**meta, "turns": [{"speaker": "agent", "start_seconds": 0, "text": body}]})
    _reports_ok("t.json", _lint_structured("t.json", ".json", tr, POLICY, OPTS))
