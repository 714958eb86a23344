"""Rule kind ``contact_hours``: borrower-local wall-clock windows in which contact is allowed.

Example (Reg F 12 CFR 1006.6(b)(1)(i): before 8 a.m. and after 9 p.m. local time are
inconvenient)::

    - id: regf-inconvenient-time
      kind: contact_hours
      windows: [{start: "08:00", end: "21:00"}]
      boundary: half_open          # [08:00:00, 21:00:00): 20:59:59 allowed, 21:00:00 denied

Windows may name weekdays (``days: [sun]``) and may cross midnight. ``consent_hours: true``
also allows the account's ``contact_consent_hours`` (standing consent to those hours: the
Chinese rules' "unless agreed", Reg F's direct prior consent to a time) for attempts to the
recipients in ``consent_hours_recipients`` (default: the borrower, whose consent it is). With
several candidate zones the attempt must be inside a window in every zone.

Consent is consent to a time: ``unless: [{consent: true}]`` on an hours rule is granted only for
fresh consent — ``consent_given_at`` at or before the attempt and at most
:data:`~collectrules.rules.base.FRESH_CONSENT_HOURS` (24) hours earlier; a selector's own
``consent_within_hours`` may make it shorter. Older consent is not consent to this contact.
"""

from __future__ import annotations

import functools
from typing import Literal

from pydantic import Field

from ..clock import WindowSet, format_clock, seconds_of_day
from ..models import LocalWindow
from ..ruleset.common import RuleBase
from ..vocab import Recipient
from .base import FAIL, FRESH_CONSENT_HOURS, PASS, CompiledRule, Context, Lazy, Result

_DAYNAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class ContactHoursRule(RuleBase):
    kind: Literal["contact_hours"]
    windows: list[LocalWindow] = Field(min_length=1)
    boundary: Literal["half_open", "closed", "open"] = "half_open"
    consent_hours: bool = Field(
        default=False, description="also allow the account's contact_consent_hours windows"
    )
    consent_hours_recipients: list[Recipient] = Field(
        default_factory=lambda: ["borrower"],
        description="recipients for whom the account's contact_consent_hours count (the consumer's own consent)",
    )


@functools.lru_cache(maxsize=1024)
def _consent_windows(triples: tuple, boundary: str) -> WindowSet:
    return WindowSet(triples, boundary)


class ContactHours(CompiledRule):
    kind = "contact_hours"

    def __init__(self, model: ContactHoursRule, ruleset):
        super().__init__(model, ruleset)
        self.windows = WindowSet([w.triple() for w in model.windows], model.boundary)
        self.consent_hours = model.consent_hours
        self.consent_recipients = frozenset(model.consent_hours_recipients)

    def fresh_consent_hours(self, model) -> int:
        return FRESH_CONSENT_HOURS

    def _sets(self, ctx: Context) -> list[WindowSet]:
        sets = [self.windows]
        if (self.consent_hours and ctx.account.contact_consent_hours
                and ctx.attempt.recipient in self.consent_recipients):
            triples = tuple(w.triple() for w in ctx.account.contact_consent_hours)
            sets.append(_consent_windows(triples, "half_open"))
        return sets

    def check(self, ctx: Context) -> Result:
        sets = self._sets(ctx)
        failing = []
        for z, name, loc in zip(ctx.zones, ctx.zone_names, ctx.locals):
            wd, sod = loc.weekday(), seconds_of_day(loc)
            if not any(s.contains(wd, sod) for s in sets):
                failing.append((z, name, loc))
        if not failing:
            return Result(PASS, ("{} local time inside {}", Lazy(_fmt_locals, ctx), Lazy(self.windows.describe)))
        until = None
        for z, _name, _loc in failing:
            opens = [o for o in (s.next_opening(z, ctx.at) for s in sets) if o is not None]
            if not opens:
                until = None
                break
            first = min(opens)
            until = first if until is None or first > until else until
        z, name, loc = failing[0]
        return Result(
            FAIL,
            ("{} {} at {} {} ({}) is outside the allowed hours {}", ctx.attempt.channel,
             "attempt", loc.strftime("%Y-%m-%d %H:%M:%S"), name, _DAYNAMES[loc.weekday()],
             Lazy(self.windows.describe)),
            until,
        )


def _fmt_locals(ctx: Context) -> str:
    return ", ".join(f"{loc.strftime('%H:%M:%S')} {n}" for n, loc in zip(ctx.zone_names, ctx.locals))


def describe(model: ContactHoursRule) -> str:
    return "contact allowed only " + WindowSet([w.triple() for w in model.windows], model.boundary).describe()


__all__ = ["ContactHoursRule", "ContactHours", "format_clock"]
