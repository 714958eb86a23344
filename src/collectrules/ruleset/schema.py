"""The ruleset file format, as pydantic models (and the JSON Schema exported from them).

A ruleset file::

    id: us-federal                      # lower-case, unique among loaded rulesets
    title: Regulation F (12 CFR 1006) contact timing
    jurisdiction: US                    # ISO 3166-1 / 3166-2 code; US-NY-NYC style allowed
    scope:
      collector_types: [third_party, debt_buyer]
      institution_types: null           # optional
    source: https://www.consumerfinance.gov/rules-policy/regulations/1006/
    version: "2025.1"
    effective_from: 2021-11-30
    last_verified: 2026-12-04           # when the sources were last checked (rules may override)
    rules: [...]                        # see the rule kinds in collectrules.rules
    tests: [...]                        # the ruleset's own test cases (TestCase)
"""

from __future__ import annotations

import datetime as _dt
import json
from typing import Annotated, Any, Union

from pydantic import Field, field_validator, model_validator

from ..models import Account, Contact, ContactAttempt, normalise_jurisdiction
from ..rules import KINDS
from ..rules.retention import RetentionTestCase
from ..vocab import CollectorType, InstitutionType, Purpose, Stage
from .common import RULE_ID_PATTERN, NewerVersion, StrictModel

Rule = Annotated[Union[tuple(model for model, _ in KINDS.values())], Field(discriminator="kind")]


class Scope(StrictModel):
    """Which collectors a ruleset binds (omitted lists mean all)."""

    collector_types: list[CollectorType] | None = None
    institution_types: list[InstitutionType] | None = None
    purposes: list[Purpose] | None = Field(
        default=None, description="attempt purposes the ruleset covers (e.g. only marketing)"
    )


class Expectation(StrictModel):
    """What a test case expects. ``violations``/``warnings``, when given, are the exact sets of
    rule ids that must fail at deny/warn severity."""

    allowed: bool
    violations: list[str] | None = None
    warnings: list[str] | None = None
    next_allowed_at: _dt.datetime | None = None


class MessageCase(StrictModel):
    """The message of a content test case (rule kinds disclosure, prohibited_content,
    limited_content). Channel, recipient and send time come from the case's ``attempt``;
    ``expect.allowed`` is the report's ``ok``, ``expect.violations``/``warnings`` the ids of the
    rules with findings at deny/warn severity."""

    text: str
    stage: Stage | None = None
    language: str | None = None


class TestCase(StrictModel):
    """One test case of a ruleset: a request and the decision it must get."""

    __test__ = False  # not a pytest class

    name: str = Field(min_length=1)
    attempt: ContactAttempt
    account: Account
    history: list[Contact] = Field(default_factory=list)
    expect: Expectation
    rulesets: list[str] | None = Field(
        default=None, description="evaluate with these ruleset ids/paths too (default: this ruleset alone)"
    )
    message: MessageCase | None = Field(
        default=None, description="check this message (check_message) instead of the attempt's timing"
    )


class RulesetFile(StrictModel):
    """A whole ruleset file."""

    id: str = Field(pattern=RULE_ID_PATTERN)
    title: str = Field(min_length=1)
    jurisdiction: str
    scope: Scope = Field(default_factory=Scope)
    source: str = Field(pattern=r"^https?://")
    version: str = Field(min_length=1)
    effective_from: _dt.date | None = None
    effective_until: _dt.date | None = None
    description: str | None = None
    last_verified: _dt.date | None = Field(
        default=None, description="when the sources were last checked; inherited by rules without their own"
    )
    newer_version: NewerVersion | None = Field(
        default=None, description="a newer version of the ruleset's source on record, not yet encoded"
    )
    rules: list[Rule] = Field(min_length=1)
    tests: list[TestCase] = Field(default_factory=list)
    retention_tests: list[RetentionTestCase] = Field(
        default_factory=list, description="cases for Policy.retention_until (retention rules)"
    )

    @field_validator("jurisdiction")
    @classmethod
    def _jurisdiction(cls, v: str) -> str:
        return normalise_jurisdiction(v)

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, v: Any) -> Any:
        return str(v) if isinstance(v, (int, float)) else v

    @model_validator(mode="after")
    def _effective_order(self):
        if self.effective_from and self.effective_until and self.effective_until < self.effective_from:
            raise ValueError("effective_until is before effective_from: the ruleset would never apply")
        return self

    @model_validator(mode="after")
    def _unique_ids(self):
        seen: set[str] = set()
        for r in self.rules:
            if r.id in seen:
                raise ValueError(f"duplicate rule id {r.id!r}")
            seen.add(r.id)
        return self


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a ruleset file, draft-07 compatible (``definitions``, not ``$defs``), so
    yaml-language-server and other editors can validate and autocomplete rulesets."""
    schema = RulesetFile.model_json_schema(mode="validation")
    text = json.dumps(schema).replace('"#/$defs/', '"#/definitions/')
    schema = json.loads(text)
    if "$defs" in schema:
        schema["definitions"] = schema.pop("$defs")
    out = {"$schema": "http://json-schema.org/draft-07/schema#",
           "$id": "https://collectrules.invalid/schema/ruleset.json"}
    out.update(schema)
    return out
