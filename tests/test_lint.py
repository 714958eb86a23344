"""`collectrules lint`: inputs, positions, exit codes and the text/JSON/SARIF/JUnit reports."""

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from collectrules.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SARIF_SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-2.1.0-rtm.5.json").read_text(encoding="utf-8"))

SMS_BAD = "---\nchannel: sms\nstage: subsequent\nlanguage: en\njurisdictions: [US-IL]\n---\n" \
          "This is from a debt collector.\nYour balance is open. Call 312-555-0100.\n"
SMS_OK = SMS_BAD + "Reply STOP to opt out.\n"
CN_BAD = "---\nchannel: sms\nlanguage: zh\njurisdictions: [CN]\n---\n" \
         "我是XX银行的工作人员王明，关于您的逾期账单：\n你这个老赖，再不还就拘留你。\n"


def run(*args):
    r = CliRunner().invoke(main, ["lint", *map(str, args)])
    return r.exit_code, r.output


@pytest.fixture
def scripts(tmp_path):
    d = tmp_path / "scripts"
    d.mkdir()
    (d / "bad.txt").write_text(SMS_BAD, encoding="utf-8")
    (d / "ok.txt").write_text(SMS_OK, encoding="utf-8")
    (d / "cn.txt").write_text(CN_BAD, encoding="utf-8")
    (d / "notes.yaml").write_text("just: config\n", encoding="utf-8")
    return d


def test_text_output_positions_and_exit_1(scripts):
    code, out = run(scripts / "bad.txt", scripts / "ok.txt")
    assert code == 1
    first = out.splitlines()[0]
    assert first.startswith(f"{scripts / 'bad.txt'}:7:1: regf-electronic-opt-out: ")
    assert "[12 CFR 1006.6(e)]" in first
    assert "2 file(s) checked: 1 error(s)" in out


def test_clean_file_exits_0(scripts):
    code, out = run(scripts / "ok.txt")
    assert code == 0 and "0 error(s)" in out


def test_chinese_positions_are_code_point_columns(scripts):
    code, out = run(scripts / "cn.txt")
    assert code == 1
    lines = {ln.split(": ")[1]: ln for ln in out.splitlines() if ln.startswith(str(scripts))}
    # line 7 of the file is the second body line; 老赖 is at column 4, 拘留 at column 11
    assert lines["cn-insult"].startswith(f"{scripts / 'cn.txt'}:7:4:")
    assert lines["cn-threat-detention"].startswith(f"{scripts / 'cn.txt'}:7:11:")


def test_directories_and_globs(scripts):
    code, out = run(scripts)
    assert code == 1 and "4 file(s) checked" in out
    assert "lint-skip" in out  # a YAML file that is neither a flow nor a transcript: warned, not an error
    code, out = run(str(scripts / "o*.txt"))
    assert code == 0 and "1 file(s) checked" in out


def test_usage_errors_exit_2(scripts, tmp_path):
    code, out = run(tmp_path / "nope.txt")
    assert code == 2 and "no such file" in out
    code, _ = run(str(tmp_path / "*.nothing"))
    assert code == 2
    code, _ = run(scripts / "ok.txt", "--format", "xml")
    assert code == 2
    code, _ = run(scripts / "ok.txt", "--channel", "pigeon")
    assert code == 2
    assert CliRunner().invoke(main, ["lint"]).exit_code == 2


def test_ruleset_errors_exit_2_with_position(scripts, tmp_path):
    bad = tmp_path / "bad-rules.yaml"
    bad.write_text("""id: bad-rules
title: t
jurisdiction: US
source: https://example.org/
version: "1"
rules:
  - id: look-ahead
    kind: prohibited_content
    citation: x
    status: unconfirmed
    match:
      - pattern: "debt(?=or)"
""", encoding="utf-8")
    code, out = run(scripts / "ok.txt", "--ruleset", bad)
    assert code == 2
    assert f"{bad}:12:18: look-ahead: " in out and "not supported by RE2" in out


def test_options_fill_in_missing_metadata(tmp_path):
    f = tmp_path / "plain.txt"
    f.write_text("This is from a debt collector. Reply STOP to opt out.", encoding="utf-8")
    code, out = run(f, "--ruleset", "us-federal")
    assert code == 1 and "lint-config" in out and "no channel" in out
    code, out = run(f, "--ruleset", "us-federal", "--channel", "sms", "--stage", "subsequent")
    assert code == 0, out  # jurisdiction defaults to the only country loaded (US)
    code, out = run(f, "--channel", "sms", "--stage", "subsequent")  # every shipped ruleset: US and CN
    assert code == 1 and "no jurisdiction declared" in out
    code, out = run(f, "--channel", "sms", "--stage", "subsequent", "--jurisdiction", "US-TX")
    assert code == 0, out


def test_json_output(scripts, tmp_path):
    out_file = tmp_path / "r.json"
    code, _ = run(scripts / "bad.txt", "--format", "json", "--output", out_file)
    assert code == 1
    data = json.loads(out_file.read_text(encoding="utf-8"))
    (f,) = data["findings"]
    assert f["rule_id"] == "regf-electronic-opt-out" and f["line"] == 7 and f["severity"] == "deny"
    assert data["errors"] == 1


def test_sarif_validates_against_the_sarif_2_1_0_schema(scripts, tmp_path):
    out_file = tmp_path / "r.sarif"
    code, _ = run(scripts, EXAMPLES / "scripts", "--format", "sarif", "--output", out_file)
    assert code == 1
    log = json.loads(out_file.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    run0 = log["runs"][0]
    assert log["version"] == "2.1.0" and run0["tool"]["driver"]["name"] == "collectrules"
    rules = {r["id"]: r for r in run0["tool"]["driver"]["rules"]}
    assert "12 CFR 1006.6(e)" in rules["regf-electronic-opt-out"]["help"]["text"]
    assert rules["regf-electronic-opt-out"]["helpUri"].startswith("https://")
    res = [r for r in run0["results"] if r["ruleId"] == "cn-insult"]
    assert res and res[0]["level"] == "error"
    region = res[0]["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"], region["endColumn"]) == (7, 4, 6)
    assert region["snippet"]["text"] == "老赖"
    for r in run0["results"]:
        assert run0["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"]


def test_sarif_for_a_clean_run_validates(scripts, tmp_path):
    out_file = tmp_path / "clean.sarif"
    code, _ = run(scripts / "ok.txt", "--format", "sarif", "-o", out_file)
    assert code == 0
    log = json.loads(out_file.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    assert log["runs"][0]["results"] == []


def test_junit_output(scripts):
    code, out = run(scripts / "bad.txt", scripts / "ok.txt", "--format", "junit")
    assert code == 1
    root = ET.fromstring(out.encode("utf-8"))
    assert root.tag == "testsuites" and root.get("tests") == "2" and root.get("failures") == "1"
    fails = root.findall(".//failure")
    assert len(fails) == 1 and fails[0].get("type") == "regf-electronic-opt-out"


def test_examples_scripts_are_clean_and_bad_scripts_are_not():
    code, out = run(EXAMPLES / "scripts")
    assert code == 0, out
    code, out = run(EXAMPLES / "bad-scripts")
    assert code == 1
    for rid in ("regf-electronic-opt-out", "regf-limited-content-message", "cn-impersonate-authority",
                "cn-insult", "cn-threat-detention", "cn-third-party-arrears"):
        assert rid in out


def test_flow_node_paths(tmp_path):
    flow = tmp_path / "bot.flow.yaml"
    flow.write_text("""channel: call
stage: subsequent
language: en
jurisdictions: [US-IL]
nodes:
  hello:
    say: "Hi, this is the Acme assistant. This call is from a debt collector."
  threat:
    say:
      - "Please pay today."
      - "Pay now or we may file a lawsuit."
  vm:
    channel: voicemail
    stage: limited_content
    say: "Hi, this is Jane from ABC Services about your debt. Please call me back at 555-123-4567."
""", encoding="utf-8")
    code, out = run(flow, "--format", "json")
    data = json.loads(out)
    by_rule = {}
    for f in data["findings"]:
        by_rule.setdefault(f["rule_id"], []).append(f)
    assert not any(f["kind"] == "disclosure" for f in data["findings"])  # said in node 'hello'
    vm = by_rule["regf-limited-content-message"]
    assert all(f["path"] == "nodes.vm.say" for f in vm)
    debt = [f for f in vm if f["matched"] == "debt"][0]
    assert debt["line"] == 15 and debt["column"] == flow.read_text().splitlines()[14].index("debt") + 1
    assert code == 1
    # time-barred threat only when the flow declares sol_expired
    text = flow.read_text().replace("jurisdictions: [US-IL]", "jurisdictions: [US-IL]\nsol_expired: true")
    flow.write_text(text, encoding="utf-8")
    code, out = run(flow, "--format", "json")
    f = [f for f in json.loads(out)["findings"] if f["rule_id"] == "regf-time-barred-no-suit-threat"][0]
    assert f["path"] == "nodes.threat.say[1]" and f["matched"] == "may file a lawsuit" and f["line"] == 12


def test_flow_missing_disclosure_reported_on_nodes(tmp_path):
    flow = tmp_path / "bot.flow.json"
    flow.write_text(json.dumps({"channel": "sms", "stage": "subsequent", "jurisdictions": ["US"],
                                "nodes": [{"id": "a", "text": "Hello."}, {"id": "b", "text": "Bye."}]}),
                    encoding="utf-8")
    code, out = run(flow)
    assert code == 1
    assert "[nodes] " in out and "regf-subsequent-debt-collector" in out and "regf-electronic-opt-out" in out


def test_transcripts_json_and_jsonl(tmp_path):
    turns = [
        {"speaker": "agent", "start_seconds": 0, "text": "This is Sam, a debt collector."},
        {"speaker": "consumer", "start_seconds": 3, "text": "I can't pay."},
        {"speaker": "agent", "start_seconds": 6, "text": "Then we will sue you."},
    ]
    j = tmp_path / "c.transcript.json"
    j.write_text(json.dumps({"stage": "subsequent", "jurisdictions": ["US-IL"], "sol_expired": True,
                             "turns": turns}, indent=1), encoding="utf-8")
    code, out = run(j)
    assert code == 1 and "[turn 2]" in out and "regf-time-barred-no-suit-threat" in out
    jl = tmp_path / "c.transcript.jsonl"
    jl.write_text(json.dumps({"meta": {"stage": "subsequent", "jurisdictions": ["US-IL"], "sol_expired": True}})
                  + "\n" + "\n".join(json.dumps(t) for t in turns) + "\n", encoding="utf-8")
    code, out = run(jl, "--format", "json")
    data = json.loads(out)
    (f,) = data["findings"]
    assert f["turn"] == 2 and f["line"] == 4 and f["matched"] == "will sue"
    code, out = run(EXAMPLES / "scripts" / "call.transcript.json")
    assert code == 0, out


def test_example_call_qa_ruleset_on_transcripts(tmp_path):
    qa = EXAMPLES / "rulesets" / "call-qa.yaml"
    t = tmp_path / "bot.transcript.json"
    t.write_text(json.dumps({"stage": "subsequent", "jurisdictions": ["US-IL"], "dialer": "ai_voice", "turns": [
        {"speaker": "agent", "start_seconds": 0, "text": "Hello, may I speak with Jordan?"},
        {"speaker": "consumer", "start_seconds": 4, "text": "Yes."},
        {"speaker": "agent", "start_seconds": 20, "text": "This is the Lakeside virtual assistant."},
    ]}), encoding="utf-8")
    code, out = run(t, "--ruleset", qa, "--format", "json")
    data = json.loads(out)
    (f,) = data["findings"]
    assert code == 1 and f["rule_id"] == "qa-ai-voice-identifies-itself" and f["turn"] == 2
    assert "said at 20 s, after the first 15 s" in f["message"]
    code, out = run(EXAMPLES / "scripts" / "call.transcript.json", "--ruleset", qa, "--ruleset", "us-federal")
    assert code == 0, out
