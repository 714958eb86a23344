"""Rule kind ``blackout``: whole borrower-local days with no contact.

Example (Ontario: no contact on statutory holidays; Indonesia POJK 22/2023: Monday–Saturday
only)::

    - id: id-no-sunday-or-holiday
      kind: blackout
      weekdays: [sun]
      public_holidays: true      # the jurisdiction's calendar from the ``holidays`` package
      dates: [2026-12-24]        # extra dates the rule names

Public holidays are observed dates in the calendar of the account's most specific jurisdiction
inside the ruleset's (``calendar: subdivision``, the default) or the country's national
calendar (``calendar: national``), or an explicit ISO code. The account's own ``holidays`` are
added whenever ``public_holidays`` is on. ``holiday_categories`` picks the package's categories
(default public only; ``[public, optional]`` adds e.g. Ontario's Easter Monday, Civic Holiday and
Remembrance Day, which its Legislation Act counts as holidays). ``make_up_workdays_exempt: true`` lifts a weekday
blackout on official make-up working days (China's 调休).
"""

from __future__ import annotations

import datetime as _dt
from typing import Literal

from pydantic import Field, field_validator, model_validator

from .. import clock
from ..errors import InputError
from ..ruleset.common import RuleBase
from ..vocab import Weekday
from .base import FAIL, PASS, CompiledRule, Context, Result, clock_start

_DAYNAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")



def calendar_code(calendar: str, jurisdiction: str, account_jurisdictions) -> tuple[str, str | None]:
    """The (country, subdivision) whose public holidays a rule's ``calendar`` names: an explicit
    code (``CN``, ``US-MA``), the rule's country (``national``), or the most specific of the
    account's jurisdictions inside the rule's (``subdivision``)."""
    if calendar not in ("subdivision", "national"):
        country, _, sub = calendar.partition("-")
        return country, (sub.split("-")[0] or None)
    country = jurisdiction[:2]
    if calendar == "national":
        return country, None
    best = jurisdiction
    for j in account_jurisdictions:
        if (j == jurisdiction or j.startswith(jurisdiction + "-")) and len(j) > len(best):
            best = j
    parts = best.split("-")
    return country, (parts[1] if len(parts) > 1 else None)

class BlackoutRule(RuleBase):
    kind: Literal["blackout"]
    weekdays: list[Weekday] = Field(default_factory=list)
    public_holidays: bool = False
    calendar: str = Field(
        default="subdivision",
        description="'subdivision', 'national', or an ISO 3166 code such as 'CA-ON'",
    )
    dates: list[_dt.date] = Field(default_factory=list)
    make_up_workdays_exempt: bool = False
    holiday_categories: list[str] | None = Field(
        default=None,
        description="holidays-package categories to include, e.g. [public, optional] (default: public only)",
    )

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

    @model_validator(mode="after")
    def _categories(self):
        if self.holiday_categories and self.calendar not in ("subdivision", "national"):
            import holidays as _holidays

            country = self.calendar[:2]
            cls = type(_holidays.country_holidays(country, years=2025))
            known = set(getattr(cls, "supported_categories", ()) or ())
            bad = [c for c in self.holiday_categories if known and c not in known]
            if bad:
                raise ValueError(f"holiday_categories {bad} not known for {country} (known: {sorted(known)})")
        return self

    @model_validator(mode="after")
    def _something(self):
        if not (self.weekdays or self.public_holidays or self.dates):
            raise ValueError("a blackout needs weekdays, public_holidays or dates")
        return self


class Blackout(CompiledRule):
    kind = "blackout"

    def __init__(self, model: BlackoutRule, ruleset):
        super().__init__(model, ruleset)
        self.weekdays = frozenset(clock.weekday_index(d) for d in model.weekdays)
        self.public_holidays = model.public_holidays
        self.calendar = model.calendar
        self.dates = frozenset(model.dates)
        self.make_up = model.make_up_workdays_exempt
        self.categories = tuple(model.holiday_categories) if model.holiday_categories else None

    def _calendar_code(self, ctx: Context) -> tuple[str, str | None]:
        return calendar_code(self.calendar, self.jurisdiction, ctx.account.jurisdictions)

    def why_blacked_out(self, ctx: Context, day: _dt.date) -> str | None:
        wd = day.weekday()
        if wd in self.weekdays:
            if not (self.make_up and day in clock.make_up_workdays(self.jurisdiction[:2], day.year)):
                return f"{_DAYNAMES[wd]} is a no-contact day"
        if day in self.dates:
            return f"{day} is a listed no-contact date"
        if self.public_holidays:
            if day in ctx.account.holidays:
                return f"{day} is a local holiday given on the account"
            country, sub = self._calendar_code(ctx)
            if day in clock.holiday_calendar(country, sub, day.year, self.categories):
                return f"{day} is a public holiday in {country}{'-' + sub if sub else ''}"
        return None

    def check(self, ctx: Context) -> Result:
        try:
            reasons = [(z, n, d, self.why_blacked_out(ctx, d)) for z, n, d in zip(ctx.zones, ctx.zone_names, ctx.dates)]
        except InputError as exc:
            return Result(FAIL, ("cannot decide holidays: {}", exc), None)
        failing = [r for r in reasons if r[3]]
        if not failing:
            return Result(PASS, ("{} is not a no-contact day", ", ".join(str(d) for d in ctx.dates)))
        until = 0.0
        for z, _n, d, _why in failing:
            nxt = d + _dt.timedelta(days=1)
            for _ in range(370):
                if self.why_blacked_out(ctx, nxt) is None:
                    break
                nxt += _dt.timedelta(days=1)
            else:
                return Result(FAIL, ("{} ({})", failing[0][3], failing[0][1]), None)
            until = max(until, clock_start(z, nxt))
        return Result(FAIL, ("{} ({})", failing[0][3], failing[0][1]), clock.from_timestamp(until))
