"""Rule kind ``prohibition``: contact in the situation the rule selects is never allowed.

The situation is everything the rule's ``channels`` and ``applies_to`` select; ``unless`` names
the exceptions. Example (209 CMR 18.17(7): no visits to the consumer's workplace unless the
consumer asked for one)::

    - id: ma-no-workplace-visits
      kind: prohibition
      channels: [visit]
      applies_to: {places: [workplace]}
      unless: [{purposes: [response_to_consumer]}]
"""

from __future__ import annotations

from typing import Literal

from ..ruleset.common import RuleBase
from .base import FAIL, CompiledRule, Context, Result


class ProhibitionRule(RuleBase):
    kind: Literal["prohibition"]


class Prohibition(CompiledRule):
    kind = "prohibition"

    def check(self, ctx: Context) -> Result:
        a = ctx.attempt
        return Result(FAIL, ("{} to {} ({}) is prohibited here", a.channel, a.recipient, a.place))
