"""Issue 9, content parts: findings never echo a run of personal data (spans, redacted and
bounded shown text, in check_message, check_transcript and every lint format), findings are
capped per rule and message, and lint refuses files nested too deeply or expanding too much
through aliases (the 531-byte flow file that made lint run for minutes)."""

import json
import textwrap

import pytest
from click.testing import CliRunner

import collectrules
from collectrules.cli import main
from collectrules.content.shown import MAX_FINDINGS_PER_RULE, MAX_SHOWN_CHARS, shown

# a voicemail that is not a limited-content message: it carries a name, an SSN in three
# spellings and a Chinese ID number, none of which may come back in a finding
PII = "123-45-6789"
LEAKY = ("Hi, this is Jane Smith from ABC Services. Regarding Mr Johnathan Quincy-Adams, social "
         "security number 123-45-6789 also 123 45 6789 or 123456789, ID 110101199003074578. "
         "Please call me back at 555-123-4567.")
SECRETS = ("6789", "Johnathan", "Quincy", "110101199003074578", "4578")


def _no_secret(s: str):
    for x in SECRETS:
        assert x not in s, x


def test_shown_text_is_redacted_and_bounded():
    assert shown("may file a lawsuit") == "may file a lawsuit"
    s = shown("SSN 123-45-6789 and 123 45 6789 and 123456789 " + "x" * 500)
    assert "6789" not in s and len(s) <= MAX_SHOWN_CHARS
    assert shown("12000元") == "[number]元"


def test_limited_content_findings_do_not_echo_the_message(policy, us):
    r = policy.check_message(LEAKY, channel="voicemail", account=us, stage="limited_content")
    assert not r.ok
    runs = [f for f in r.findings if "not an allowed element" in f.message]
    assert runs
    for f in r.findings:
        _no_secret(f.matched)
        _no_secret(f.message)
        assert len(f.matched) <= MAX_SHOWN_CHARS
    # the span still points at the offending text
    assert any(LEAKY[f.span[0]:f.span[1]].startswith("Regarding") or "Johnathan" in LEAKY[f.span[0]:f.span[1]]
               for f in runs)


def test_transcript_findings_do_not_echo(policy, us):
    turns = [{"speaker": "agent", "start_seconds": 0, "text": LEAKY},
             {"speaker": "consumer", "start_seconds": 9, "text": "who?"}]
    r = policy.check_transcript(turns, channel="call", account=us, stage="limited_content")
    assert not r.ok
    for f in r.findings:
        _no_secret(json.dumps(f.to_dict()))


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit"])
def test_every_lint_format_is_redacted(tmp_path, fmt):
    p = tmp_path / "vm.txt"
    p.write_text("---\nchannel: voicemail\nstage: limited_content\nlanguage: en\njurisdictions: [US-IL]\n---\n"
                 + LEAKY + "\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["lint", str(p), "--format", fmt])
    assert r.exit_code == 1, r.output
    assert "regf-limited-content-message" in r.output
    _no_secret(r.output)


def _ruleset(tmp_path, pattern):
    p = tmp_path / "dot.yaml"
    p.write_text(textwrap.dedent(f"""\
        id: house-dot
        title: every character
        jurisdiction: US
        source: https://example.org/house
        version: "1"
        rules:
          - id: house-any-char
            kind: prohibited_content
            citation: house rule
            status: confirmed
            match:
              - pattern: "{pattern}"
        """), encoding="utf-8")
    return collectrules.load_policy([str(p)])


def test_findings_are_capped_per_rule_and_message(tmp_path, us):
    pol = _ruleset(tmp_path, ".")
    r = pol.check_message("a" * 200_000, channel="letter", account=us)
    fs = [f for f in r.findings if f.rule_id == "house-any-char"]
    assert len(fs) == MAX_FINDINGS_PER_RULE + 1
    assert "more occurrences not listed" in fs[-1].message and not r.ok


def test_the_cap_bounds_the_work_too(tmp_path, us, monkeypatch):
    """The matcher stops at the cap: count the view spans it maps (no wall clock)."""
    from collectrules.content import normalize

    pol = _ruleset(tmp_path, ".")
    calls = {"n": 0}
    orig = normalize.View.span

    def counting(self, s, e):
        calls["n"] += 1
        return orig(self, s, e)

    monkeypatch.setattr(normalize.View, "span", counting)
    pol.check_message("a" * 50_000, channel="letter", account=us)
    assert calls["n"] <= MAX_FINDINGS_PER_RULE + 1


# --- lint bounds ---------------------------------------------------------------------------------

def _bomb() -> str:
    lines = ["channel: sms", "jurisdictions: [US-IL]", "a0: &a0 [x,x,x,x,x,x,x,x,x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    lines.append("nodes: {n: {say: *a8}}")
    return "\n".join(lines) + "\n"


def _lint(tmp_path, name, text, monkeypatch=None):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    calls = {"n": 0}
    if monkeypatch is not None:
        orig = collectrules.Policy.check_message

        def counting(self, *a, **k):
            calls["n"] += 1
            return orig(self, *a, **k)

        monkeypatch.setattr(collectrules.Policy, "check_message", counting)
    r = CliRunner().invoke(main, ["lint", str(p), "--format", "json"])
    return r, calls["n"]


def test_alias_bomb_flow_is_refused_without_checking(tmp_path, monkeypatch):
    text = _bomb()
    assert len(text.encode()) < 600  # 9**9 strings once expanded
    r, n = _lint(tmp_path, "bomb.yaml", text, monkeypatch)
    assert r.exit_code == 1 and not isinstance(r.exception, Exception)
    data = json.loads(r.output)
    assert [f["rule_id"] for f in data["findings"]] == ["lint-read"]
    assert "aliases are expanded" in data["findings"][0]["message"]
    assert n == 0


@pytest.mark.parametrize("name,text", [
    ("deep.yaml", "channel: sms\nnodes: " + "[" * 3000 + "]" * 3000 + "\n"),
    ("deep.json", '{"channel": "sms", "nodes": ' + "[" * 3000 + "]" * 3000 + "}"),
    ("deep.jsonl", "[" * 5000 + "]" * 5000 + "\n"),
    ("mid.yaml", "channel: sms\njurisdictions: [US-IL]\nnodes: {n: {say: hi, x: " + "[" * 80 + "]" * 80 + "}}\n"),
    ("fm.txt", "---\nchannel: sms\nx: " + "[" * 3000 + "]" * 3000 + "\n---\nhello\n"),
    ("fm2.txt", "---\nchannel: sms\njurisdictions: [US-IL]\nx: " + "[" * 80 + "]" * 80 + "\n---\nhello\n"),
])
def test_deep_nesting_is_a_lint_read_error(tmp_path, name, text):
    r, _ = _lint(tmp_path, name, text)
    assert r.exit_code == 1 and not isinstance(r.exception, Exception), r.output
    data = json.loads(r.output)
    assert "lint-read" in {f["rule_id"] for f in data["findings"]} or \
        any("nested too deeply" in f["message"] for f in data["findings"])


def test_moderate_aliases_are_still_linted(tmp_path):
    text = "channel: sms\njurisdictions: [US-IL]\nlanguage: en\ns: &s [you will be arrested, hi]\n" \
           "nodes: {a: {say: *s}, b: {say: *s}}\n"
    r, _ = _lint(tmp_path, "ok.yaml", text)
    data = json.loads(r.output)
    paths = {f["path"] for f in data["findings"] if f["rule_id"] == "regf-threat-of-arrest-or-seizure"}
    assert paths == {"nodes.a.say[0]", "nodes.b.say[0]"}


def test_aliased_variants_are_checked_once_each(tmp_path, monkeypatch):
    """100 nodes sharing one 100-variant list (a few hundred bytes): 10,000 texts, 2 distinct."""
    text = ("channel: sms\njurisdictions: [US-IL]\nlanguage: en\nstage: subsequent\n"
            "s: &s [" + ",".join(["hello there"] * 99 + ["you will be arrested"]) + "]\n"
            "n: &n {say: *s}\nnodes: [" + ",".join(["*n"] * 100) + "]\n")
    assert len(text.encode()) < 2000
    r, n = _lint(tmp_path, "many.yaml", text, monkeypatch)
    # one check per distinct text and node settings, plus the whole-flow disclosure check
    assert n == 3
    data = json.loads(r.output)
    threat = [f for f in data["findings"] if f["rule_id"] == "regf-threat-of-arrest-or-seizure"]
    assert len(threat) == 100 and len({f["path"] for f in threat}) == 100


def test_findings_per_flow_file_are_bounded(tmp_path):
    from collectrules.content.lint import MAX_FINDINGS_PER_FILE

    text = ("channel: sms\njurisdictions: [US-IL]\nlanguage: en\nstage: subsequent\n"
            "s: &s [" + ",".join(["you will be arrested"] * 100) + "]\n"
            "n: &n {say: *s}\nnodes: [" + ",".join(["*n"] * 50) + "]\n")
    r, _ = _lint(tmp_path, "lots.yaml", text)
    data = json.loads(r.output)
    assert len(data["findings"]) == MAX_FINDINGS_PER_FILE + 1
    assert data["findings"][-1]["rule_id"] == "lint-read" and r.exit_code == 1
