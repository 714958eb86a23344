"""Rule kind ``cooldown``: after an event, no contact through given channels for N local days.

Example (Reg F 12 CFR 1006.14(b)(2)(i)(B): no call within seven consecutive days after a
telephone conversation about the debt; the conversation date is day 1)::

    - id: regf-after-conversation
      kind: cooldown
      channels: [call]                        # what is blocked
      days: 7                                 # event on date C blocks dates C .. C+6
      after: {channels: [call], outcomes: [conversation], directions: [outbound, inbound]}
      per: [recipient, debt]                  # a conversation about several debts blocks each
      exclude_consented_days: 7

Only events at or before the attempt count. With several zones, the event blocks until its
day window has ended in every zone.
"""

from __future__ import annotations

import bisect
import datetime as _dt
from typing import Literal

from pydantic import Field

from .. import clock
from ..ruleset.common import CountFilter, PerKey, RuleBase
from .base import FAIL, PASS, SKIP, CompiledRule, Context, counter_per, Result, day_window, count_filter_key, dynamic_key, latest_start, window_bounds


class CooldownRule(RuleBase):
    kind: Literal["cooldown"]
    days: int = Field(ge=1, le=3660)
    after: CountFilter
    per: list[PerKey] = Field(
        default_factory=lambda: ["borrower"],
        description="counter key: borrower (whole history; the default), account (the debt id merged through "
                    "Account.debt_groups), debt, recipient, contact_method, place",
    )
    exclude_consented_days: int | None = Field(default=None, ge=1)
    event: str = Field(default="event", description="what the event is, for messages")


class Cooldown(CompiledRule):
    kind = "cooldown"

    def __init__(self, model: CooldownRule, ruleset):
        super().__init__(model, ruleset)
        self.days = model.days
        self.per = counter_per(model.per)
        self.static_key = count_filter_key(model.after, self.channels)
        self.consent_days = model.exclude_consented_days
        self.event = model.event

    def check(self, ctx: Context) -> Result:
        if self.consent_days and ctx.consent_valid(self.consent_days):
            return Result(SKIP, ("not blocked: placed with direct prior consent given within {} days",
                                 self.consent_days))
        start, _end = day_window(ctx, -(self.days - 1), 0)
        # the window ends just after the attempt's instant (the search counts up to ctx.ts)
        stamps = ctx.history.select(self.static_key, dynamic_key(self.per, ctx), ctx, None,
                                    (start, ctx.ts + 1.0))
        hi = bisect.bisect_right(stamps, ctx.ts)
        lo = bisect.bisect_left(stamps, start, 0, hi)
        if hi <= lo:
            return Result(PASS, ("no {} on the {} local days up to {}", self.event, self.days, ctx.dates[0]))
        last = clock.from_timestamp(stamps[hi - 1])
        until = latest_start(ctx.zones, lambda z: last.astimezone(z).date(), self.days)
        first_zone = ctx.zones[0]
        return Result(
            FAIL,
            ("{} on {} (day 1) blocks contact through {}", self.event, last.astimezone(first_zone).date(),
             last.astimezone(first_zone).date() + _dt.timedelta(days=self.days - 1)),
            until,
        )
