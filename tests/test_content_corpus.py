"""Issue 9, content evasion and false alarms: a corpus of innocent texts gets no deny-level
prohibited-wording finding (target: 0 false positives; the rate is reported in
benchmarks/README.md by benchmarks/bench_content_corpus.py), every evasion in the threats corpus
is found, and a hypothesis property: lookalike letters, accents, HTML markup, entities and
joiners never hide a threat."""

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import collectrules

CORPUS = yaml.safe_load((Path(__file__).parent / "data" / "content_corpus.yaml").read_text(encoding="utf-8"))
ZONES = {"US": ("US-IL", "America/Chicago"), "CN": ("CN", "Asia/Shanghai"), "HK": ("HK", "Asia/Hong_Kong"),
         "TW": ("TW", "Asia/Taipei"), "GB": ("GB", "Europe/London")}


@pytest.fixture(scope="module")
def shipped_policy():
    return collectrules.load_policy()


def deny_findings(policy, entry, text=None):
    jur, zone = ZONES[entry["j"]]
    account = {"jurisdictions": [jur], "timezones": [zone], "sol_expired": entry.get("sol_expired", False),
               "institution_type": "bank"}
    r = policy.check_message(entry["text"] if text is None else text, channel="letter", account=account,
                             recipient=entry.get("recipient", "borrower"))
    return [f for f in r.findings if f.severity == "deny" and f.kind == "prohibited_content"]


def test_corpus_sizes():
    assert len(CORPUS["innocent"]) >= 30 and len(CORPUS["threats"]) >= 30
    assert {e["j"] for e in CORPUS["innocent"]} == set(ZONES)


@pytest.mark.parametrize("entry", CORPUS["innocent"], ids=lambda e: e["text"][:40])
def test_innocent_text_has_no_deny_finding(shipped_policy, entry):
    assert deny_findings(shipped_policy, entry) == []


@pytest.mark.parametrize("entry", CORPUS["threats"], ids=lambda e: e["text"][:40])
def test_threat_is_found(shipped_policy, entry):
    assert deny_findings(shipped_policy, entry)


# -- property: disguises never hide a threat --------------------------------------------------------

THREATS = ["you will be arrested", "we will arrest you", "you will go to jail", "you'll be jailed"]
# Latin letter → lookalikes from other scripts (Cyrillic, Greek), accented forms, full-width
LOOKALIKE = {"a": "аαáàâäå", "e": "еéèêë", "o": "оοóòôö", "i": "іíìîï", "r": "г", "s": "ѕ", "c": "с",
             "y": "уý", "u": "υúùûü", "l": "ӏ", "j": "ј", "t": "т", "d": "ԁ", "w": "ԝ", "g": "ɡ"}


@st.composite
def disguised(draw):
    text = draw(st.sampled_from(THREATS))
    out = []
    for ch in text:
        choice = draw(st.integers(0, 9))
        if ch in LOOKALIKE and choice < 3:
            out.append(draw(st.sampled_from(LOOKALIKE[ch])))
        elif ch.isalpha() and choice == 3:
            out.append(chr(ord(ch) - 0x61 + 0xFF41))          # full-width
        elif ch.isalpha() and choice == 4:
            out.append(ch + draw(st.sampled_from(["</b>", "<i>", "<span class=x>"])))
        elif ch.isalpha() and choice == 5:
            out.append(f"&#{ord(ch)};")
        elif ch.isalpha() and choice == 6:
            out.append(ch + draw(st.sampled_from(["\u200b", "\u00ad", "\u0301"])))
        elif ch == " " and choice < 5:
            out.append(draw(st.sampled_from(["&nbsp;", "\u3000", "  ", " <br> "])))
        else:
            out.append(ch)
    return "".join(out)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=disguised())
def test_disguised_threat_is_still_found(shipped_policy, text):
    entry = {"j": "US", "text": text}
    assert deny_findings(shipped_policy, entry, text), text
