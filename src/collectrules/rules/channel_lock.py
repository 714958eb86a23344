"""Rule kind ``channel_lock``: once a triggering contact is in the window, contacts in that
window may use at most ``max_channels`` different channels.

Colombia's Ley 2300 de 2023, art. 3: once a direct (two-way) contact has been made, the
consumer may not be contacted through several channels in the same week. Example::

    - id: co-one-channel-a-week
      kind: channel_lock
      channels: [call, sms, email, im]      # the attempts the rule governs
      window: {rolling_days: 7}             # local dates D-6 .. D
      trigger: {outcomes: [conversation], directions: [outbound, inbound]}
      max_channels: 1

Semantics, for an attempt the rule considers: take the past contacts in the window that the
``count`` filter selects (default: the rule's channels, outbound) and those the ``trigger``
filter selects. With no trigger contact in the window the rule passes. Otherwise the channels
of the counted contacts, plus the attempt's own channel, must number at most ``max_channels``
(counted contacts from before the trigger inside the same window count too: the stricter
reading). ``per`` narrows both to the attempt's debt, person or number as for
``frequency_cap``. Only ``rolling_days`` windows are supported. ``until`` is when either every
trigger contact or every contact on another channel has left the window.
"""

from __future__ import annotations

import datetime as _dt
from typing import Literal

from pydantic import Field, model_validator

from .. import clock
from ..ruleset.common import CountFilter, PerKey, RuleBase
from .base import FAIL, PASS, CompiledRule, Context, Result, clock_start, count_filter_key, day_window, dynamic_key
from .frequency_cap import CountWindow


class ChannelLockRule(RuleBase):
    kind: Literal["channel_lock"]
    window: CountWindow
    trigger: CountFilter = Field(description="past contacts that start the lock (e.g. conversations)")
    count: CountFilter | None = Field(default=None, description="past contacts whose channels count")
    max_channels: int = Field(default=1, ge=1)
    per: list[PerKey] = Field(default_factory=lambda: ["account"])

    @model_validator(mode="after")
    def _rolling(self):
        if not self.window.rolling_days:
            raise ValueError("channel_lock supports only window: {rolling_days: N}")
        return self


class ChannelLock(CompiledRule):
    kind = "channel_lock"

    def __init__(self, model: ChannelLockRule, ruleset):
        super().__init__(model, ruleset)
        self.days = model.window.rolling_days
        self.max_channels = model.max_channels
        self.per = tuple(p for p in model.per if p not in ("account", "borrower"))
        self.count_key = count_filter_key(model.count, self.channels)
        self.trigger_key = count_filter_key(model.trigger, None)

    def _in_window(self, ctx: Context, key: tuple):
        start, end = day_window(ctx, -(self.days - 1), 0)
        dyn = dynamic_key(self.per, ctx)
        return [c for c in ctx.history.select_contacts(key, dyn, ctx) if start <= c.at.timestamp() < end]

    def _leaves(self, ctx: Context, c) -> float:
        """When contact ``c`` has left the window in every candidate zone."""
        return max(clock_start(z, c.at.astimezone(z).date() + _dt.timedelta(days=self.days)) for z in ctx.zones)

    def check(self, ctx: Context) -> Result:
        triggers = self._in_window(ctx, self.trigger_key)
        if not triggers:
            return Result(PASS, ("no triggering contact in the last {} local days", self.days))
        counted = self._in_window(ctx, self.count_key)
        channels = {c.channel for c in counted} | {ctx.attempt.channel}
        if len(channels) <= self.max_channels:
            return Result(PASS, ("{} channel(s) in the window: {}", len(channels), ", ".join(sorted(channels))))
        others = [c for c in counted if c.channel != ctx.attempt.channel]
        t_others = max(self._leaves(ctx, c) for c in others) if others else ctx.ts
        t_trigger = max(self._leaves(ctx, c) for c in triggers)
        until = clock.from_timestamp(min(t_others, t_trigger))
        return Result(FAIL, ("after a triggering contact, {} would be channel number {} in {} local days "
                             "(allowed: {}; already used: {})", ctx.attempt.channel, len(channels), self.days,
                             self.max_channels, ", ".join(sorted({c.channel for c in others}))), until)


__all__ = ["ChannelLockRule", "ChannelLock"]
