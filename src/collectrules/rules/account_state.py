"""Rule kind ``account_state``: no contact while the account is in a state.

States and what they test:

* ``cease_communication``, ``attorney_represented``, ``disputed_unverified``, ``bankruptcy``,
  ``deceased``, ``debtor_unreachable``, ``sol_expired``, ``breathing_space``: the account flag of
  that name is set.
* ``opted_out_channel``: the attempt's channel is in ``account.opted_out_channels``.
* ``inconvenient_times``: the attempt's local time (in any candidate zone) is inside one of the
  consumer-stated ``account.inconvenient_times`` windows (which may cross midnight).
* ``workplace_contact_prohibited``: the flag is set and the attempt is to a workplace.

Exceptions the law names go in ``unless`` (e.g. Reg F 1006.6(c)(2): a notice that collection
is ending is still allowed after a cease request)::

    - id: regf-cease
      kind: account_state
      state: cease_communication
      unless: [{purposes: [collection_ending, remedy_notice]}]
"""

from __future__ import annotations

import datetime as _dt
import functools
from typing import Literal

from ..clock import WindowSet
from ..ruleset.common import RuleBase
from .base import FAIL, PASS, CompiledRule, Context, Result

State = Literal[
    "cease_communication", "attorney_represented", "disputed_unverified", "bankruptcy", "deceased",
    "debtor_unreachable", "sol_expired", "opted_out_channel", "inconvenient_times",
    "workplace_contact_prohibited", "breathing_space",
]


class AccountStateRule(RuleBase):
    kind: Literal["account_state"]
    state: State


@functools.lru_cache(maxsize=1024)
def _windows(triples: tuple) -> WindowSet:
    return WindowSet(triples, "half_open")


class AccountState(CompiledRule):
    kind = "account_state"

    def __init__(self, model: AccountStateRule, ruleset):
        super().__init__(model, ruleset)
        self.state = model.state

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
        if getattr(acct, s):
            return Result(FAIL, ("account is marked {}", s))
        return Result(PASS, ("account is not marked {}", s))

    def _inconvenient(self, ctx: Context) -> Result:
        wins = ctx.account.inconvenient_times
        if not wins:
            return Result(PASS, ("no consumer-stated inconvenient times",))
        ws = _windows(tuple(w.triple() for w in wins))
        hit = [(z, n, loc) for z, n, loc in zip(ctx.zones, ctx.zone_names, ctx.locals) if ws.contains_local(loc)]
        if not hit:
            return Result(PASS, ("outside the consumer-stated inconvenient times {}", ws.describe()))
        # earliest instant outside every stated window, in every zone
        t = ctx.at
        for _ in range(64):
            moved = False
            for z in ctx.zones:
                if ws.contains_local(t.astimezone(z)):
                    t = _leave(ws, z, t)
                    moved = True
            if not moved:
                break
        z, n, loc = hit[0]
        return Result(FAIL, ("{} {} is inside a time the consumer said is inconvenient ({})",
                             loc.strftime("%Y-%m-%d %H:%M:%S"), n, ws.describe()), t)


def _leave(ws: WindowSet, zone, t: _dt.datetime) -> _dt.datetime:
    """First instant after ``t`` outside ``ws`` in ``zone`` (minute steps, then refine)."""
    step = _dt.timedelta(minutes=1)
    cur = t
    for _ in range(8 * 24 * 60):
        nxt = cur + step
        if not ws.contains_local(nxt.astimezone(zone)):
            lo, hi = cur, nxt
            while (hi - lo) > _dt.timedelta(microseconds=1):
                mid = lo + (hi - lo) / 2
                if ws.contains_local(mid.astimezone(zone)):
                    lo = mid
                else:
                    hi = mid
            return hi
        cur = nxt
    return cur
