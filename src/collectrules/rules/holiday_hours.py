"""Rule kind ``holiday_hours``: different (usually shorter) allowed hours on public holidays.

Some laws allow contact on public holidays, but for fewer hours than on working days
(Thailand's Debt Collection Act B.E. 2558 s. 9(3): 08:00-20:00 on working days, 08:00-18:00 on
official holidays). Pair this kind with a ``contact_hours`` rule for ordinary days; on a
borrower-local date that is a public holiday this rule also requires the attempt to be inside
its ``windows``; on other dates it passes.

Example::

    - id: th-holiday-hours
      kind: holiday_hours
      windows: [{start: "08:00", end: "18:00"}]
      calendar: subdivision        # as for blackout: subdivision | national | an ISO code
      weekdays: [sat, sun]         # weekdays treated as holidays too (optional)

The calendar is the one ``blackout`` uses (the ``holidays`` package; the account's own
``holidays`` are added). With several candidate zones the attempt must pass in every zone.
A calendar that cannot be decided fails closed.
"""

from __future__ import annotations

import datetime as _dt
from typing import Literal

from pydantic import Field, field_validator

from .. import clock
from ..clock import WindowSet, seconds_of_day
from ..errors import InputError
from ..models import LocalWindow
from ..ruleset.common import RuleBase
from ..vocab import Weekday
from .base import FAIL, PASS, CompiledRule, Context, Lazy, Result, clock_start
from .blackout import calendar_code


class HolidayHoursRule(RuleBase):
    kind: Literal["holiday_hours"]
    windows: list[LocalWindow] = Field(min_length=1)
    boundary: Literal["half_open", "closed", "open"] = "half_open"
    calendar: str = Field(default="subdivision",
                          description="'subdivision', 'national', or an ISO 3166 code such as 'TH'")
    weekdays: list[Weekday] = Field(default_factory=list, description="weekdays treated as holidays too")
    holiday_categories: list[str] | None = None

    @field_validator("calendar")
    @classmethod
    def _calendar(cls, v: str) -> str:
        if v in ("subdivision", "national"):
            return v
        from ..models import normalise_jurisdiction

        code = normalise_jurisdiction(v)
        country, _, sub = code.partition("-")
        if not clock.holiday_country_supported(country, sub.split("-")[0] or None):
            raise ValueError(f"the holidays package has no calendar for {code}")
        return code


class HolidayHours(CompiledRule):
    kind = "holiday_hours"

    def __init__(self, model: HolidayHoursRule, ruleset):
        super().__init__(model, ruleset)
        self.windows = WindowSet([w.triple() for w in model.windows], model.boundary)
        self.calendar = model.calendar
        self.weekdays = frozenset(clock.weekday_index(d) for d in model.weekdays)
        self.categories = tuple(model.holiday_categories) if model.holiday_categories else None

    def _calendar_code(self, ctx: Context) -> tuple[str, str | None]:
        return calendar_code(self.calendar, self.jurisdiction, ctx.account.jurisdictions)

    def is_holiday(self, ctx: Context, day: _dt.date) -> bool:
        if day.weekday() in self.weekdays or day in ctx.account.holidays:
            return True
        country, sub = self._calendar_code(ctx)
        return day in clock.holiday_calendar(country, sub, day.year, self.categories)

    def check(self, ctx: Context) -> Result:
        failing = []
        try:
            for z, name, loc, d in zip(ctx.zones, ctx.zone_names, ctx.locals, ctx.dates):
                if self.is_holiday(ctx, d) and not self.windows.contains(loc.weekday(), seconds_of_day(loc)):
                    failing.append((z, name, loc))
        except InputError as exc:
            return Result(FAIL, ("cannot decide holidays: {}", exc), None)
        if not failing:
            return Result(PASS, ("not a holiday, or inside the holiday hours {}", Lazy(self.windows.describe)))
        until = None
        for z, _name, loc in failing:
            # a lower bound: the next holiday-hours opening, or the next local day (which may
            # not be a holiday), whichever is first
            nxt_day = clock.from_timestamp(clock_start(z, loc.date() + _dt.timedelta(days=1)))
            op = self.windows.next_opening(z, ctx.at)
            first = nxt_day if op is None or nxt_day < op else op
            until = first if until is None or first > until else until
        z, name, loc = failing[0]
        return Result(FAIL, ("{} at {} {} is a holiday and outside the holiday hours {}", ctx.attempt.channel,
                             loc.strftime("%Y-%m-%d %H:%M:%S"), name, Lazy(self.windows.describe)), until)


def describe(model: HolidayHoursRule) -> str:
    return "on public holidays contact allowed only " + WindowSet([w.triple() for w in model.windows],
                                                                  model.boundary).describe()


__all__ = ["HolidayHoursRule", "HolidayHours"]
