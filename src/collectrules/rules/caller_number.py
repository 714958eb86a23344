"""Rule kind ``caller_number``: the kind of number a call or text must be placed from.

Some regulators reserve a number series for a class of calls (India: TRAI's direction that
service and transactional calls of RBI-, SEBI-, PFRDA- and IRDAI-regulated entities come from
1600xx numbers) or require numbers registered for the purpose. The attempt states the kind of
its number in ``ContactAttempt.caller_number_type`` (:data:`~collectrules.vocab.CallerNumberType`).

Example::

    - id: in-trai-1600-series
      kind: caller_number
      channels: [call]
      allowed_types: [service_series]

An attempt whose ``caller_number_type`` is not stated (``None``) fails: the rule cannot tell
that the number is one the source allows (fail closed). Waiting never helps (``until`` is
``None``): the attempt must be placed from another number. Messages never echo the number.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..ruleset.common import RuleBase
from ..vocab import CallerNumberType
from .base import FAIL, PASS, CompiledRule, Context, Result


class CallerNumberRule(RuleBase):
    kind: Literal["caller_number"]
    allowed_types: list[CallerNumberType] = Field(
        min_length=1, description="the kinds of caller number the source allows for these attempts"
    )


class CallerNumber(CompiledRule):
    kind = "caller_number"

    def __init__(self, model: CallerNumberRule, ruleset):
        super().__init__(model, ruleset)
        self.allowed = frozenset(model.allowed_types)
        self._allowed_text = ", ".join(model.allowed_types)

    def check(self, ctx: Context) -> Result:
        t = ctx.attempt.caller_number_type
        if t is None:
            return Result(FAIL, ("caller number type not stated; this rule needs one of: {}", self._allowed_text),
                          None)
        if t in self.allowed:
            return Result(PASS, ("placed from a number of type {}", t))
        return Result(FAIL, ("placed from a number of type {}; allowed: {}", t, self._allowed_text), None)


def describe(model: CallerNumberRule) -> str:
    return "calls and texts only from numbers of type " + ", ".join(model.allowed_types)


__all__ = ["CallerNumberRule", "CallerNumber"]
