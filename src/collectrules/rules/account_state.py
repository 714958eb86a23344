"""Rule kind ``account_state``: no contact while the account is in a state.

States and what they test:

* ``cease_communication``, ``attorney_represented``, ``disputed_unverified``, ``bankruptcy``,
  ``deceased``, ``debtor_unreachable``, ``sol_expired``, ``breathing_space``: the account flag of
  that name is set.
* ``opted_out_channel``: the attempt's channel is in ``account.opted_out_channels``.
* ``inconvenient_times``: the attempt's local time (in any candidate zone) is inside one of the
  consumer-stated ``account.inconvenient_times`` windows (which may cross midnight).
  ``replies_to_consumer: N`` allows N replies through the same medium to a communication the
  consumer initiated inside that window (Reg F comment 6(b)(1)-2), detected from the history:
  the latest inbound contact on the attempt's channel lies in the same occurrence of the window
  as the attempt, and fewer than N outbound contacts on that channel followed it.
* ``workplace_contact_prohibited``: the flag is set and the attempt is to a workplace.
* ``notice_not_sent``: no written notice has been sent to the consumer yet, i.e.
  ``account.notice_sent_at`` is unset or later than the attempt (e.g. the Hong Kong Code of
  Banking Practice and Taiwan's outsourcing rules: the lender must notify the debtor in writing
  before an agency collects). Scope it with ``applies_to`` (e.g. ``collector_types:
  [third_party]``). Waiting helps only when the notice is dated after the attempt.
* ``written_consent_missing``: no written consent to the attempt's channel is in force — the
  channel is not in ``account.written_consent_channels`` (or a ledger revocation or opt-out
  ended it) and no written consent-ledger entry for it is in force (rules that allow a medium only with the consumer's
  written consent, e.g. New York 23 NYCRR 1 and 6 RCNY 5-77 for e-mail and text; scope the rule
  with ``channels``). A consent-seeking message the law allows goes in ``unless`` (e.g.
  ``purposes: [consent_request]``).

Exceptions the law names go in ``unless`` (e.g. Reg F 1006.6(c)(2): a notice that collection
is ending is still allowed after a cease request)::

    - id: regf-cease
      kind: account_state
      state: cease_communication
      unless: [{purposes: [collection_ending, remedy_notice]}]
"""

from __future__ import annotations

import bisect
import functools
from typing import Literal

from pydantic import Field, model_validator

from ..clock import WindowSet
from ..ruleset.common import RuleBase
from .base import FAIL, FRESH_CONSENT_HOURS, PASS, CompiledRule, Context, Result, written_consent_in_force

State = Literal[
    "cease_communication", "attorney_represented", "disputed_unverified", "bankruptcy", "deceased",
    "debtor_unreachable", "sol_expired", "opted_out_channel", "inconvenient_times",
    "workplace_contact_prohibited", "notice_not_sent", "written_consent_missing", "breathing_space",
]


class AccountStateRule(RuleBase):
    kind: Literal["account_state"]
    state: State
    replies_to_consumer: int = Field(
        default=0, ge=0, le=10,
        description="inconvenient_times: replies allowed through the same medium to a communication the consumer "
                    "initiated inside the designated window (Reg F comment 6(b)(1)-2: one)",
    )

    @model_validator(mode="after")
    def _replies(self):
        if self.replies_to_consumer and self.state != "inconvenient_times":
            raise ValueError("replies_to_consumer belongs to state inconvenient_times")
        return self


@functools.lru_cache(maxsize=1024)
def _windows(triples: tuple) -> WindowSet:
    return WindowSet(triples, "half_open")


_FLAG_STATES = frozenset({
    "cease_communication", "attorney_represented", "disputed_unverified", "bankruptcy", "deceased",
    "debtor_unreachable", "sol_expired", "breathing_space",
})


class AccountState(CompiledRule):
    kind = "account_state"

    def fresh_consent_hours(self, model) -> int | None:
        # consent lifting a consumer-stated inconvenient time is consent to a time: fresh only
        return FRESH_CONSENT_HOURS if model.state == "inconvenient_times" else None

    def __init__(self, model: AccountStateRule, ruleset):
        super().__init__(model, ruleset)
        self.state = model.state
        self.replies = model.replies_to_consumer
        # The common case — the account is not in the state — is decided by one attribute test
        # (an account not in the state can never violate the rule, whatever its scoping).
        s = model.state
        if s in _FLAG_STATES:
            self.fast_pass = lambda ctx, f=s: not getattr(ctx.account, f)
            self.pass_detail = ("account is not marked {}", s)
        elif s == "opted_out_channel":
            self.fast_pass = lambda ctx: not ctx.account.opted_out_channels
            self.pass_detail = ("no channel opted out",)
        elif s == "inconvenient_times":
            self.fast_pass = lambda ctx: not ctx.account.inconvenient_times
            self.pass_detail = ("no consumer-stated inconvenient times",)
        elif s == "workplace_contact_prohibited":
            self.fast_pass = lambda ctx: not ctx.account.workplace_contact_prohibited
            self.pass_detail = ("workplace contact not prohibited",)

    def check(self, ctx: Context) -> Result:
        s = self.state
        acct = ctx.account
        if s == "opted_out_channel":
            if ctx.attempt.channel in acct.opted_out_channels:
                return Result(FAIL, ("the consumer opted out of {}", ctx.attempt.channel))
            return Result(PASS, ("{} not opted out", ctx.attempt.channel))
        if s == "workplace_contact_prohibited":
            if acct.workplace_contact_prohibited and ctx.attempt.place == "workplace":
                return Result(FAIL, ("contact at the workplace is prohibited",))
            return Result(PASS, ("not a prohibited workplace contact",))
        if s == "inconvenient_times":
            return self._inconvenient(ctx)
        if s == "notice_not_sent":
            return _notice(ctx)
        if s == "written_consent_missing":
            if written_consent_in_force(ctx, ctx.attempt.channel):
                return Result(PASS, ("written consent in force for {}", ctx.attempt.channel))
            return Result(FAIL, ("no written consent on file for {} (written_consent_channels: {})",
                                 ctx.attempt.channel, ", ".join(acct.written_consent_channels) or "none"))
        if getattr(acct, s):
            return Result(FAIL, ("account is marked {}", s))
        return Result(PASS, ("account is not marked {}", s))

    def _reply_allowed(self, ctx: Context, ws: WindowSet, hit) -> bool:
        """The consumer initiated a communication through the attempt's medium inside the same
        occurrence of the designated window (in every zone where the attempt is inside it), and
        fewer than ``replies`` outbound contacts through that medium followed it."""
        hist = ctx.history
        channel = ctx.attempt.channel
        hi = bisect.bisect_right(hist.timestamps, ctx.ts)
        replies = 0
        for i in range(hi - 1, -1, -1):
            c = hist.contacts[i]
            if ctx.ts - hist.timestamps[i] > 8 * 86400:
                return False  # no designated window lasts that long without closing
            if c.channel != channel:
                continue
            if c.direction == "outbound":
                replies += 1
                if replies >= self.replies:
                    return False
                continue
            # an inbound contact: inside the window, and the window has not closed since
            for z, _name, _loc in hit:
                if not ws.contains_local(c.at.astimezone(z)):
                    return False
                closes = ws.next_closing(z, c.at)
                if closes is not None and closes <= ctx.at:
                    return False
            return True
        return False

    def _inconvenient(self, ctx: Context) -> Result:
        wins = ctx.account.inconvenient_times
        if not wins:
            return Result(PASS, ("no consumer-stated inconvenient times",))
        ws = _windows(tuple(w.triple() for w in wins))
        hit = [(z, n, loc) for z, n, loc in zip(ctx.zones, ctx.zone_names, ctx.locals) if ws.contains_local(loc)]
        if not hit:
            return Result(PASS, ("outside the consumer-stated inconvenient times {}", ws.describe()))
        if self.replies and self._reply_allowed(ctx, ws, hit):
            return Result(PASS, ("a reply through {} to the consumer's own communication inside the designated "
                                 "inconvenient time ({} allowed)", ctx.attempt.channel, self.replies))
        # earliest instant outside every stated window, in every zone
        t = ctx.at
        for _ in range(64):
            moved = False
            for z in ctx.zones:
                if ws.contains_local(t.astimezone(z)):
                    nt = ws.next_closing(z, t)
                    if nt is None:
                        t = None
                        break
                    t = nt
                    moved = True
            if t is None or not moved:
                break
        if self.replies:
            # a later communication from the consumer through this medium, inside the window,
            # would open a reply before the window closes: a lower bound for next_allowed
            nxt = self._next_inbound(ctx, ws, t)
            if nxt is not None and (t is None or nxt < t):
                t = nxt
        z, n, loc = hit[0]
        return Result(FAIL, ("{} {} is inside a time the consumer said is inconvenient ({})",
                             loc.strftime("%Y-%m-%d %H:%M:%S"), n, ws.describe()), t)

    def _next_inbound(self, ctx: Context, ws: WindowSet, limit):
        """The first inbound contact on the attempt's channel after the attempt that lies inside
        the window in every candidate zone (and before ``limit``), or None."""
        hist = ctx.history
        channel = ctx.attempt.channel
        lim = limit.timestamp() if limit is not None else float("inf")
        for i in range(bisect.bisect_right(hist.timestamps, ctx.ts), len(hist.timestamps)):
            ts = hist.timestamps[i]
            if ts >= lim or ts - ctx.ts > 8 * 86400:
                return None
            c = hist.contacts[i]
            if c.channel == channel and c.direction == "inbound" and all(
                    ws.contains_local(c.at.astimezone(z)) for z in ctx.zones):
                return c.at
        return None


def _notice(ctx: Context) -> Result:
    sent = ctx.account.notice_sent_at
    if sent is None:
        return Result(FAIL, ("no written notice has been sent to the consumer (notice_sent_at is unset)",))
    if sent > ctx.at:
        return Result(FAIL, ("the written notice is dated {}, after the attempt", sent.isoformat()), sent)
    return Result(PASS, ("written notice sent {}", sent.isoformat()))
