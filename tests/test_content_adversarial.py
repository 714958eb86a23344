"""Regression tests for the adversarial review of the content engine: parser crashes and
quadratic scans, wording that is never rendered, personal data in errors, evasion by
invisible or blank characters, bidi controls, transcript scaling and non-UTF-8 file names."""

from collectrules.content.shown import shown
import json
import os
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from collectrules import InputError
from collectrules.cli import main
from collectrules.content import normalize
from collectrules.content.template import parse_template

DC = "This message is from a debt collector. "
FM_US = "---\nchannel: sms\nstage: subsequent\nlanguage: en\njurisdictions: [US-IL]\n---\n"


def ids(report, severity="deny"):
    return {f.rule_id for f in report.findings if f.severity == severity}


def lint(*args):
    r = CliRunner().invoke(main, ["lint", *map(str, args)])
    return r.exit_code, r.output


# --- 1. parser recursion ------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["{{ " + "(" * 80 + " }}", "{{" + "{" * 100, "{{ " + "[" * 500 + " }}",
                                  "{% if a %}" * 400 + "x" + "{% endif %}" * 400,
                                  "{% if a %}" * 5000 + "x" + "{% else %}x{% endif %}" * 5000,
                                  "{% for a in b %}" * 3000 + "x" + "{% endfor %}" * 3000])
def test_deeply_nested_template_is_a_syntax_finding_not_a_crash(policy, text):
    r = policy.check_message(text, channel="sms", account={"jurisdictions": ["US-IL"]})
    assert "template-syntax" in ids(r)
    assert not r.ok


def test_lint_on_deeply_nested_template_exits_normally(tmp_path):
    f = tmp_path / "deep.txt"
    f.write_text(FM_US + "{{ " + "(" * 80 + " }}\n", encoding="utf-8")
    code, out = lint(f)
    assert code == 1
    assert "template-syntax" in out and "Traceback" not in out


# --- 2. linear tag scanning ---------------------------------------------------------------------

def _seconds(policy, text):
    t0 = time.perf_counter()
    r = policy.check_message(text, channel="sms", account={"jurisdictions": ["US-IL"]}, stage="subsequent")
    return time.perf_counter() - t0, r


def _growth(policy, make, n):
    """Time at size n over time at size n/4 (best of three runs each): about 4 when linear, 16
    when quadratic. A ratio of two sizes, not a wall-clock bound (the machine may be loaded)."""
    def ratio():
        small = min(_seconds(policy, make(n // 4))[0] for _ in range(3))
        big = min(_seconds(policy, make(n))[0] for _ in range(3))
        # below 20 ms timings are noise; a quadratic case at these sizes takes seconds
        return big / max(small, 0.02)

    # a loaded machine can slow one measurement; a quadratic scan is slow in every round, so the
    # best of up to three rounds is taken (stopping at the first round that is clearly linear)
    best = ratio()
    for _ in range(2):
        if best < 8:
            break
        best = min(best, ratio())
    return best


@pytest.mark.parametrize("unit", ["{{a ", "{%a ", "{#a ", "<!--a "])
def test_200kb_of_unclosed_tags_is_linear_and_fails_closed(policy, unit):
    n = 200_000 // len(unit)
    assert _growth(policy, lambda k: unit * k, n) < 10
    _, r = _seconds(policy, unit * n)
    if unit != "<!--a ":
        assert "template-syntax" in ids(r)
    assert not r.ok


@pytest.mark.parametrize("make,n", [
    (lambda k: "{{" + " " * k + "}}", 200_000),          # was quadratic in the placeholder-name pattern
    (lambda k: "{{ -" + " " * k + "}}", 200_000),
    (lambda k: "{" + " " * k + "}", 200_000),
    (lambda k: "{ " * k, 100_000),
    (lambda k: "{a}" * k, 40_000),
    (lambda k: "<!-" * k, 70_000),
    (lambda k: "{% if a %}x{% endif %}" * k, 8_000),
    (lambda k: "{% raw %}" + "{{a " * k, 50_000),
    (lambda k: "<!--{{a}}-->x" * k, 8_000),
    (lambda k: "<!--" + "{{a}}x" * k, 8_000),
    (lambda k: "<b>" * k + "you will be arrested", 40_000),      # HTML tags are skipped in linear time
    (lambda k: "&#97;" * k + "you will be arrested", 40_000),    # character references too
    (lambda k: '{{ "' + "a" * k + '" }}', 200_000),              # string literals in tags
    (lambda k: "nobody will be arrested. " * k, 8_000),          # except_in wordings
])
def test_pathological_templates_are_linear(policy, make, n):
    assert _growth(policy, make, n) < 10


TOKENS = ["{{", "}}", "{%", "%}", "{#", "#}", "{", "}", "<!--", "-->", " ", "a", "if ", "endif", "else",
          "for x in y", "endfor", "set ", "endset", "macro m()", "endmacro", "(", "Reply STOP", "拘留",
          "\u202e", "\n", "-"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=40))
def test_any_template_gives_a_report_never_an_exception(policy, toks):
    text = "".join(toks)
    r = policy.check_message(text, channel="sms", account={"jurisdictions": ["US-IL"]}, stage="subsequent")
    for f in r.findings:
        assert 0 <= f.span[0] <= f.span[1] <= len(text)
        assert f.matched in ("", shown(text[f.span[0]:f.span[1]]))


def test_unclosed_tag_position_is_its_line():
    tpl = parse_template("Hello\nthere {{ name\nReply STOP")
    assert tpl.syntax_error[0] == 2 and "never closed" in tpl.syntax_error[1]


def test_lint_of_1mb_unclosed_tags_finishes(tmp_path):
    f = tmp_path / "big.txt"
    f.write_text(FM_US + "{{a " * 250_000, encoding="utf-8")
    code, out = lint(f)
    assert code == 1 and "template-syntax" in out


def test_oversized_template_fails_closed(policy, monkeypatch):
    from collectrules.content import template

    monkeypatch.setattr(template, "MAX_TEMPLATE_CHARS", 100)
    r = policy.check_message(DC + "Reply STOP to opt out. " + "x" * 100, channel="sms",
                             account={"jurisdictions": ["US-IL"]}, stage="subsequent")
    assert "template-syntax" in ids(r)


# --- 3. wording that is never rendered ----------------------------------------------------------

@pytest.mark.parametrize("body", [
    "{% set x %}Reply STOP to opt out.{% endset %}",
    "{%- set x -%}Reply STOP to opt out.{%- endset -%}",
    "{% macro m() %}Reply STOP to opt out.{% endmacro %}",
    "{% call m() %}Reply STOP to opt out.{% endcall %}",
    "{% filter upper %}Reply STOP to opt out.{% endfilter %}",
    "<!-- Reply STOP to opt out. -->",
    "<!-- Reply STOP to opt out.",
    "Reply {{ x }}STOP to opt out.",
    "Reply {{ x }} STOP to opt out.",
    "Reply {x}STOP to opt out.",
])
def test_unrendered_or_split_wording_does_not_satisfy_a_disclosure(policy, us, body):
    r = policy.check_message(DC + body, channel="email", account=us, stage="subsequent")
    r2 = policy.check_message(DC + body, channel="sms", account=us, stage="subsequent")
    assert "regf-electronic-opt-out" in ids(r2)
    assert not r.ok or "unsubscribe" in body  # email accepts other wordings; none is present here


@pytest.mark.parametrize("body", ["Reply STOP to opt out.", "{% set y = 1 %}Reply STOP to opt out.",
                                  "Reply {# note #}STOP to opt out.", "<!-- note --> Reply STOP to opt out."])
def test_rendered_wording_still_counts(policy, us, body):
    r = policy.check_message(DC + body, channel="sms", account=us, stage="subsequent")
    assert r.ok, r.findings


def test_html_comment_hides_disclosure_in_plain_text_mode(policy, us):
    r = policy.check_message(DC + "<!-- Reply STOP to opt out. -->", channel="sms", account=us,
                             stage="subsequent", template=False)
    assert "regf-electronic-opt-out" in ids(r)


def test_prohibited_wording_inside_unrendered_blocks_is_still_caught(policy, cn):
    for body in ("{% set x %}再不还就拘留你{% endset %}", "<!-- 再不还就拘留你 -->", "{% macro m() %}老赖{% endmacro %}"):
        r = policy.check_message(body, channel="sms", account=cn)
        assert ids(r) & {"cn-threat-detention", "cn-insult"}, body


def test_placeholder_inside_prohibited_wording_is_still_caught(policy, cn):
    r = policy.check_message("再不还就拘{{ x }}留你", channel="sms", account=cn)
    assert "cn-threat-detention" in ids(r)


# --- 4. no personal data echoed -----------------------------------------------------------------

PII = "Jane Roe 312-555-0199"


@pytest.mark.parametrize("field", ["recipient", "stage", "channel", "purpose", "dialer", "place"])
def test_input_errors_do_not_echo_the_value(policy, us, field):
    kw = {"channel": "sms", field: PII}
    with pytest.raises(InputError) as ei:
        policy.check_message("Hello", account=us, **kw)
    msg = str(ei.value)
    assert "Jane" not in msg and "0199" not in msg
    assert field in msg


def test_transcript_unknown_key_is_not_echoed(policy, us):
    with pytest.raises(InputError) as ei:
        policy.check_transcript([{"speaker": "agent", "start_seconds": 0, "text": "hi", PII: 1}], account=us)
    msg = str(ei.value)
    assert "Jane" not in msg and "0199" not in msg and "unknown key" in msg


def test_lint_does_not_echo_front_matter_values_or_keys(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text(f"---\nchannel: {PII}\nstage: {PII}\nrecipient: sms\njurisdictions: [US-IL]\n"
                 f"'{PII}': 1\n\"bad\\x1bkey\": 2\n---\nHello\n", encoding="utf-8")
    code, out = lint(f, "--format", "json")
    assert "Jane" not in out and "0199" not in out and "\x1b" not in out
    code, out = lint(f)
    assert "Jane" not in out and "0199" not in out and "\x1b" not in out
    assert "channels: " in out and "2 other key(s) not shown" in out


def test_lint_invalid_front_matter_yaml_shows_only_a_position(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text(f"---\nchannel: sms\nnote: [{PII}\n---\nHello\n", encoding="utf-8")
    code, out = lint(f)
    assert "Jane" not in out and "0199" not in out
    assert "not valid YAML (line" in out


def test_lint_invalid_structured_file_shows_only_a_position(tmp_path):
    f = tmp_path / "flow.yaml"
    f.write_text(f"nodes: [{PII}\n", encoding="utf-8")
    g = tmp_path / "t.jsonl"
    g.write_text('{"speaker": "agent", "text": "' + PII + '"\n', encoding="utf-8")
    code, out = lint(f, g)
    assert "Jane" not in out and "0199" not in out


def test_lint_text_output_strips_control_characters(tmp_path):
    f = tmp_path / "a\x1b[31m.txt"
    f.write_text(FM_US + "Hello\n", encoding="utf-8")
    code, out = lint(f)
    assert "\x1b" not in out and "\\x1b" in out


# --- 5. evasion by spacing, punctuation and invisible characters --------------------------------

@pytest.mark.parametrize("text", ["拘 留", "拘\u3000留", "拘\n留", "拘.留", "拘·留", "拘\u0301留", "逮\ufe0f捕",
                                  "逮\U000e0100捕", "坐\u034f牢"])
def test_cn_detention_evasions(policy, cn, text):
    r = policy.check_message("再不还就" + text + "你", channel="sms", account=cn)
    fs = [f for f in r.findings if f.rule_id == "cn-threat-detention"]
    assert fs, text
    s, e = fs[0].span
    assert ("再不还就" + text + "你")[s:e] == text  # span maps back to the original characters


@pytest.mark.parametrize("text,rule", [("老-赖", "cn-insult"), ("老 赖", "cn-insult"), ("老賴", "cn-insult"),
                                       ("黑名單", "cn-false-blacklist"), ("進監獄", "cn-threat-detention")])
def test_cn_insult_evasions_and_traditional_forms(policy, cn, text, rule):
    assert rule in {f.rule_id for f in policy.check_message("你这个" + text, channel="sms", account=cn).findings}


def test_han_clause_punctuation_still_separates(policy, cn):
    assert "cn-threat-detention" not in ids(policy.check_message("不会被拘，留意账单", channel="sms", account=cn))


@pytest.mark.parametrize("sep", ["s\ufe0fue", "s\u034fue", "\u3164sue", "\u2800sue", "\u115fsue", "\uffa0sue"])
def test_english_threat_evasions(policy, us, sep):
    text = sep if sep.startswith("s") else sep
    msg = DC + ("We will " + text if text.startswith("s") else "We will" + text) + " you. Reply STOP to opt out."
    r = policy.check_message(msg, channel="sms", account={**us, "sol_expired": True}, stage="subsequent")
    assert "regf-time-barred-no-suit-threat" in ids(r)


def test_owes_with_variation_selector_to_employer(policy, us):
    r = policy.check_message("He o\ufe0fwes a debt to our client.", channel="sms", account=us, recipient="employer")
    assert "regf-third-party-debt-mention" in ids(r)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab拘留 .·\u3000\ufe0f\u034f\u0301\u3164\u202e{}-,")), max_size=30))
def test_view_spans_map_back_into_the_text(text):
    for mode in (normalize.LOOSE, normalize.PATTERN):
        for strict in (False, True):
            v = normalize.build_view(text, mode, strict=strict)
            assert len(v.starts) == len(v.ends) == len(v.text)
            assert all(0 <= s < e <= len(text) for s, e in zip(v.starts, v.ends))
            assert list(v.starts) == sorted(v.starts)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([" ", "\u3000", "\n", ".", "·", "-", "\ufe0f", "\u034f", "\u0301"]), max_size=4))
def test_any_invisible_or_joining_gap_inside_han_word_is_ignored(gap):
    v = normalize.build_view("拘" + "".join(gap) + "留", normalize.PATTERN)
    assert v.text == "拘留"


# --- 6. bidirectional controls ------------------------------------------------------------------

@pytest.mark.parametrize("ctl", ["\u202e", "\u202d", "\u202a", "\u202b", "\u2066", "\u2067", "\u2068"])
def test_bidi_control_breaks_a_required_phrase_and_warns(policy, us, ctl):
    r = policy.check_message(DC + f"Reply {ctl}STOP\u202c to opt out.", channel="sms", account=us, stage="subsequent")
    assert "regf-electronic-opt-out" in ids(r)
    assert "bidi-control" in ids(r, "warn")
    w = [f for f in r.findings if f.rule_id == "bidi-control"][0]
    assert "bidirectional control characters" in w.message


def test_bidi_control_does_not_hide_prohibited_wording(policy, cn):
    r = policy.check_message("再不还就拘\u202e留你", channel="sms", account=cn)
    assert "cn-threat-detention" in ids(r)


def test_no_bidi_warning_without_controls(policy, us):
    r = policy.check_message(DC + "Reply STOP to opt out.", channel="sms", account=us, stage="subsequent")
    assert r.findings == ()


def test_bidi_warning_in_sarif_catalogue(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text(FM_US + DC + "Reply \u202eSTOP\u202c to opt out.\n", encoding="utf-8")
    code, out = lint(f, "--format", "sarif")
    data = json.loads(out)
    rules = {r["id"] for r in data["runs"][0]["tool"]["driver"]["rules"]}
    assert "bidi-control" in rules and code == 1


# --- 7. limited-content transcripts scale ---------------------------------------------------------

def test_limited_content_transcript_of_10k_turns_is_capped_and_mapped(policy, us):
    turns = [{"speaker": "agent", "start_seconds": i, "text": f"your past due account number {i}."}
             for i in range(10_000)]
    r = policy.check_transcript(turns, channel="call", account=us, stage="limited_content")
    lcm = [f for f in r.findings if f.rule_id == "regf-limited-content-message" and "lacks" not in f.message]
    # at most 20 findings per rule and message, then one "more occurrences" finding
    assert len(lcm) == 21 and "more occurrences not listed" in lcm[-1].message
    mapped = [f for f in r.findings if f.turn is not None and f.matched]
    assert mapped and all(f.turn < 20 for f in mapped)
    for f in mapped:
        assert shown(turns[f.turn]["text"][f.span[0]:f.span[1]]) == f.matched


# --- 8. non-UTF-8 file names --------------------------------------------------------------------

@pytest.mark.skipif(sys.platform.startswith(("win", "darwin")), reason="needs a byte-oriented file system")
@pytest.mark.parametrize("fmt", ["json", "sarif", "text"])
def test_non_utf8_file_name_gives_valid_output(tmp_path, fmt):
    d = os.fsencode(str(tmp_path))
    with open(os.path.join(d, b"bad\xff.txt"), "wb") as fh:
        fh.write((FM_US + "Hello\n").encode("utf-8"))
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "LC_ALL": "C.UTF-8"}
    p = subprocess.run([sys.executable, "-c", "from collectrules.cli import main; main()", "lint",
                        "--format", fmt, str(tmp_path)], capture_output=True, env=env)
    assert p.returncode == 1, p.stderr.decode("utf-8", "replace")
    out = p.stdout.decode("utf-8")  # strict: must be valid UTF-8
    if fmt == "json":
        data = json.loads(out)
        assert any(f.endswith("bad\\xff.txt") for f in data["files"])
    elif fmt == "sarif":
        data = json.loads(out)
        uris = [a["location"]["uri"] for a in data["runs"][0]["artifacts"]]
        assert any(u.endswith("bad%FF.txt") for u in uris)
    else:
        assert "bad\\xff.txt" in out


@pytest.mark.parametrize("kind", ["exact", "phrase", "pattern"])
def test_wording_inside_a_bidi_override_never_counts_as_required(kind):
    from collectrules.content.engine import Chunk
    from collectrules.content.matching import Matcher, Wording

    m = Matcher(Wording(**{kind: "STOP"}))
    text = "Reply \u202eSTOP\u202c to opt out."
    strict = Chunk(text, ((0, len(text)),), (), None, strict=True)
    loose = Chunk(text, ((0, len(text)),), ())
    assert m.find(strict) == []
    assert m.find(loose)  # prohibited-wording view: still found
    after = text + "\nReply STOP"
    assert m.find(Chunk(after, ((0, len(after)),), (), None, strict=True))  # the override ended with the line


def test_lint_refuses_oversized_files(tmp_path, monkeypatch):
    from collectrules.content import lint as lint_mod

    monkeypatch.setattr(lint_mod, "MAX_FILE_BYTES", 1000)
    f = tmp_path / "big.txt"
    f.write_text(FM_US + "x" * 2000, encoding="utf-8")
    code, out = lint(f)
    assert code == 1 and "lint-read" in out and "not checked" in out


@pytest.mark.parametrize("body", [
    "<!-- {% if a %} -->Reply STOP to opt out.<!-- {% endif %} -->",   # conditional, tags in comments
    "<!-- x {{ name }} Reply STOP to opt out. -->",
])
def test_tags_inside_html_comments_still_shape_the_template(policy, us, body):
    r = policy.check_message(DC + body, channel="sms", account=us, stage="subsequent")
    assert "regf-electronic-opt-out" in ids(r)


def test_placeholder_inside_html_comment_is_hidden():
    tpl = parse_template("a <!-- {{ opt_out_link }} --> b")
    assert [it[0] for it in tpl.root.items] == ["text", "hidden", "hidden", "hidden", "text"]
    assert tpl.placeholders[0].name == "opt_out_link"


INVISIBLE = ["\ufe0f", "\ufe00", "\u034f", "\U000e0100", "\u200b", "\u200d", "\u2060", "\u00ad"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 8), st.sampled_from(INVISIBLE)), max_size=4),
       st.sampled_from([" ", "\u3164", "\u2800", "\u115f", "\u1160", "\uffa0", "\u3000", "  "]))
def test_invisible_characters_never_hide_a_threat(policy, inserts, gap):
    word = list("will" + gap + "sue")
    for pos, ch in sorted(inserts, reverse=True):
        word.insert(min(pos, len(word)), ch)
    text = DC + "We " + "".join(word) + " you. Reply STOP to opt out."
    r = policy.check_message(text, channel="sms", account={"jurisdictions": ["US-IL"], "sol_expired": True},
                             stage="subsequent")
    assert "regf-time-barred-no-suit-threat" in ids(r), repr(text)
