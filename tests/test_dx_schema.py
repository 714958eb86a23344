"""Issue 12: the JSON Schema says what validate says where JSON Schema can (time pattern, ISO 3166
code shape, enums), with draft-07 keywords only, so an editor shows the real error."""

import json
import re

import jsonschema
import pytest
from hypothesis import given, strategies as st

from collectrules.clock import parse_clock
from collectrules.models import normalise_jurisdiction
from collectrules.ruleset.schema import JURISDICTION_PATTERN, TIME_PATTERN, json_schema

SCHEMA = json_schema()
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)

DRAFT7_KEYWORDS = {
    "$schema", "$id", "$ref", "$comment", "title", "description", "default", "readOnly", "examples",
    "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength", "minLength",
    "pattern", "additionalItems", "items", "maxItems", "minItems", "uniqueItems", "contains",
    "maxProperties", "minProperties", "required", "additionalProperties", "definitions", "properties",
    "patternProperties", "dependencies", "propertyNames", "const", "enum", "type", "format",
    "contentMediaType", "contentEncoding", "if", "then", "else", "allOf", "anyOf", "oneOf", "not",
}


def _keywords(node, out, parent=None):
    if isinstance(node, dict):
        for k, v in node.items():
            if parent not in ("properties", "definitions", "patternProperties"):
                out.add(k)
            _keywords(v, out, k)
    elif isinstance(node, list):
        for v in node:
            _keywords(v, out, None)
    return out


def test_only_draft07_keywords():
    used = _keywords(SCHEMA, set())
    assert used <= DRAFT7_KEYWORDS, used - DRAFT7_KEYWORDS
    assert "discriminator" not in json.dumps(SCHEMA)
    jsonschema.Draft7Validator.check_schema(SCHEMA)


def _ruleset(**rule):
    base = {"id": "r", "kind": "contact_hours", "citation": "c", "status": "confirmed",
            "windows": [{"start": "08:00", "end": "21:00"}]}
    base.update(rule)
    return {"id": "x", "title": "t", "jurisdiction": "US", "source": "https://x.invalid", "version": "1",
            "rules": [base]}


def _best(doc):
    return jsonschema.exceptions.best_match(VALIDATOR.iter_errors(doc))


def test_valid_minimal_ruleset_passes():
    assert _best(_ruleset()) is None


@pytest.mark.parametrize("doc,where,words", [
    (_ruleset(windows=[{"start": "8:00", "end": "21:00"}]), ["rules", 0, "windows", 0, "start"], "does not match"),
    (_ruleset(windows=[{"start": "08:00", "end": "25:00"}]), ["rules", 0, "windows", 0, "end"], "does not match"),
    (_ruleset(wndows=[]), ["rules", 0], "wndows"),
    (_ruleset(status="confirmd"), ["rules", 0, "status"], "is not one of"),
    (_ruleset(kind="contact_hour"), ["rules", 0, "kind"], "is not one of"),
    ({**_ruleset(), "jurisdiction": "USA-MA"}, ["jurisdiction"], "does not match"),
])
def test_the_real_error_is_reported_where_it_is(doc, where, words):
    err = _best(doc)
    assert err is not None and list(err.absolute_path) == where and words in err.message, \
        (list(err.absolute_path), err.message)


@given(st.text(alphabet="0123456789: 4", min_size=0, max_size=9))
def test_time_pattern_agrees_with_validate(text):
    try:
        parse_clock(text)
        accepted = True
    except ValueError:
        accepted = False
    assert bool(re.match(TIME_PATTERN, text)) == accepted


@given(st.text(alphabet="USMAusma-_N0Y1C ", min_size=0, max_size=12))
def test_jurisdiction_pattern_admits_everything_validate_admits(text):
    try:
        normalise_jurisdiction(text)
    except ValueError:
        return
    assert re.match(JURISDICTION_PATTERN, text)


@pytest.mark.parametrize("code", ["US", "us-ma", "US_NY", "US-NY-NYC", "CN-SH"])
def test_jurisdiction_pattern_examples(code):
    normalise_jurisdiction(code)
    assert re.match(JURISDICTION_PATTERN, code)
