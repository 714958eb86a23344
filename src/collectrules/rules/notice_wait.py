"""Rule kind ``notice_wait``: no contact until a waiting period after the written notice has passed.

Several laws make the first contact a written notice and forbid further contact (or calls)
until some days after it was sent: Ontario R.R.O. 1990, Reg. 74, s. 21 (6 days), British
Columbia BPCPA s. 115(2) (5 days), Quebec's Act respecting the collection of certain debts
(5 days). The instant the notice was sent is ``Account.notice_sent_at``.

Example (Ontario, stricter reading: the sending date is not counted, so a notice sent on local
date S allows contact from local date S+7)::

    - id: on-notice-wait
      kind: notice_wait
      channels: [call, voicemail, sms, email, visit, im, social_private, social_public, letter]
      days: 6                      # whole local days that must pass after the sending date
      notice_channels: [letter]    # how the notice itself is sent

Semantics, for an attempt the rule considers (its ``channels``, ``applies_to``, ``unless``):

* No notice on file (``notice_sent_at`` is ``None``) or a notice sent after the attempt: an
  attempt through one of ``notice_channels`` passes (it may be the notice itself); any other
  attempt fails (fail closed: the first contact must be the written notice). ``until`` is
  ``None`` when no notice is on file (waiting does not help: a notice must be sent), else the
  end of the waiting period.
* Notice sent on borrower-local date S (``notice_sent_at`` at or before the attempt): the attempt
  fails on local dates up to S+``days`` and passes from local date S+``days``+1, 00:00 local
  (``sent_date_is_day_one: true`` counts the sending date as day 1 instead: allowed from
  S+``days``). Notice channels are not exempt during the wait: a second letter demanding
  payment is still contact. Leave a channel out of ``channels`` to let it through at any time.
* Several candidate zones: the period must have ended in every zone.

When the consumer says the notice did not arrive, the laws require a new notice and a new wait:
clear ``notice_sent_at`` before sending the new notice (so that letter passes) and set it to the
new sending instant afterwards.
"""

from __future__ import annotations

import datetime as _dt
from typing import Literal

from pydantic import Field

from ..ruleset.common import RuleBase
from ..vocab import Channel
from .base import FAIL, PASS, CompiledRule, Context, Result, latest_start


class NoticeWaitRule(RuleBase):
    kind: Literal["notice_wait"]
    days: int = Field(ge=0, le=3660, description="whole borrower-local days that must pass after the sending date")
    notice_channels: list[Channel] = Field(
        min_length=1, description="channels the written notice itself is sent by (allowed while no notice is on file)"
    )
    sent_date_is_day_one: bool = Field(
        default=False,
        description="count the sending date as day 1 (contact allowed from S+days) instead of S+days+1",
    )


class NoticeWait(CompiledRule):
    kind = "notice_wait"

    def __init__(self, model: NoticeWaitRule, ruleset):
        super().__init__(model, ruleset)
        self.days = model.days
        self.notice_channels = frozenset(model.notice_channels)
        # local date offset (from the sending date) of the first allowed date
        self.open_offset = model.days if model.sent_date_is_day_one else model.days + 1

    def _opens(self, ctx: Context, sent: _dt.datetime) -> _dt.datetime:
        return latest_start(ctx.zones, lambda z: sent.astimezone(z).date(), self.open_offset)

    def check(self, ctx: Context) -> Result:
        sent = ctx.account.notice_sent_at
        channel = ctx.attempt.channel
        if sent is None or sent > ctx.at:
            if channel in self.notice_channels:
                return Result(PASS, ("no written notice on file before this attempt; a {} may be the notice",
                                     channel))
            if sent is None:
                return Result(FAIL, ("no written notice on file (Account.notice_sent_at is unset): the first "
                                     "contact must be the written notice ({}); a {} is not allowed before it",
                                     ", ".join(sorted(self.notice_channels)), channel), None)
            return Result(FAIL, ("the written notice is sent only at {}, after this {}",
                                 sent.isoformat(), channel), self._opens(ctx, sent))
        opens = self._opens(ctx, sent)
        if ctx.at >= opens:
            return Result(PASS, ("written notice sent {} (local {}); waiting period of {} days over since {}",
                                 sent.isoformat(), sent.astimezone(ctx.zones[0]).date(), self.days,
                                 opens.astimezone(ctx.zones[0]).isoformat()))
        return Result(FAIL, ("written notice sent on {} (local): no {} until {} local", 
                             sent.astimezone(ctx.zones[0]).date(), channel,
                             opens.astimezone(ctx.zones[0]).strftime("%Y-%m-%d %H:%M")), opens)
