"""Rule kind ``retention``: how long records must be kept.

A retention rule does not decide contacts — :meth:`Policy.check` lists it as skipped — it
answers :meth:`Policy.retention_until`: the latest date until which a record must be kept,
over every applicable rule of every applicable ruleset::

    - id: regf-records
      kind: retention
      citation: 12 CFR 1006.100(a)
      status: partial
      record_kinds: [collection_record]
      years: 3                       # after the last collection activity on the debt

Fields: ``record_kinds`` (which records), ``years``/``months``/``days`` (added with calendar
arithmetic, ``dateutil.relativedelta``: 2024-02-29 + 1 year = 2025-02-28), optional
``institution_types`` (an account without an institution type gets every rule: the longer
period). ``channels``, ``applies_to`` and ``unless`` are not used by retention rules.

Rulesets test retention rules with ``retention_tests:`` cases (see :class:`RetentionTestCase`);
a retention rule counts as tested when a passing case names it as the rule that sets the date.
"""

from __future__ import annotations

import datetime as _dt
from typing import Literal

from pydantic import AwareDatetime, Field, model_validator

from ..models import Account
from ..ruleset.common import RuleBase, StrictModel
from ..vocab import InstitutionType, RecordKind
from .base import SKIP, CompiledRule, Context, Result


class RetentionRule(RuleBase):
    kind: Literal["retention"]
    record_kinds: list[RecordKind] = Field(min_length=1)
    years: int = Field(default=0, ge=0, le=100)
    months: int = Field(default=0, ge=0, le=1200)
    days: int = Field(default=0, ge=0, le=36600)
    institution_types: list[InstitutionType] | None = None

    @model_validator(mode="after")
    def _period(self):
        if not (self.years or self.months or self.days):
            raise ValueError("a retention rule needs years, months or days")
        if self.applies_to is not None or self.unless is not None or self.channels is not None:
            raise ValueError("retention rules select by record_kinds and institution_types, "
                             "not channels/applies_to/unless")
        return self


class Retention(CompiledRule):
    kind = "retention"
    in_check = False  # answers Policy.retention_until, never decides a contact

    def __init__(self, model: RetentionRule, ruleset):
        super().__init__(model, ruleset)
        from dateutil.relativedelta import relativedelta

        self.record_kinds = frozenset(model.record_kinds)
        self.institution_types = frozenset(model.institution_types) if model.institution_types else None
        self.delta = relativedelta(years=model.years, months=model.months, days=model.days)
        parts = [f"{n} {u}" for n, u in ((model.years, "years"), (model.months, "months"), (model.days, "days")) if n]
        self.period_text = " ".join(parts)

    def check(self, ctx: Context) -> Result:
        return Result(SKIP, ("record retention ({} for {}): not a contact rule; see Policy.retention_until",
                             self.period_text, ", ".join(sorted(self.record_kinds))))

    def applies(self, account: Account, record_kind: str, day: _dt.date) -> bool:
        if record_kind not in self.record_kinds:
            return False
        if (self.institution_types is not None and account.institution_type is not None
                and account.institution_type not in self.institution_types):
            return False
        f, u = self.effective_from, self.effective_until
        return (f is None or day >= f) and (u is None or day <= u)

    def until(self, last_activity):
        return last_activity + self.delta


class RetentionTestCase(StrictModel):
    """A ruleset's test of :meth:`Policy.retention_until` (listed under ``retention_tests:``).

    ``expect_until`` is the date (or aware datetime, when ``last_activity_at`` is one) that must
    come back; ``None`` expects no applicable rule. ``expect_rules`` are the ids of the rules
    that set it (every rule whose date equals the result).
    """

    __test__ = False

    name: str = Field(min_length=1)
    account: Account
    record_kind: RecordKind
    last_activity_at: AwareDatetime | _dt.date
    expect_until: AwareDatetime | _dt.date | None
    expect_rules: list[str] = Field(default_factory=list)
    rulesets: list[str] | None = None
