"""Rule kind ``frequency_cap``: at most ``max`` counted contacts in a window.

Example (Reg F 12 CFR 1006.14(b)(2)(i)(A): more than seven calls within seven consecutive days
about a particular debt to a particular person is a presumed violation)::

    - id: regf-7-in-7
      kind: frequency_cap
      channels: [call]
      max: 7
      window: {rolling_days: 7}        # local dates D-6 .. D, the proposed call included
      per: [recipient, debt]
      count: {outcomes_exclude: [busy, not_connected]}
      exclude_consented_days: 7        # 1006.14(b)(3)(i)

Windows (exactly one): ``rolling_days: N`` (borrower-local calendar dates D−N+1..D),
``calendar_week: true`` (with ``week_starts``), ``calendar_month: true``, ``per_day: true``
(the local date D), ``rolling_hours: H`` (the H hours up to the attempt) or ``rolling_months: N``
(local dates after the same date N calendar months earlier, up to D: a conservative "per month",
e.g. the ACCC/ASIC guideline's 10 contacts per month). With several zones
the window is the union of each zone's window, so no zone's count is missed.

The proposed attempt counts as one more contact: its outcome is unknown, so it is assumed to
be one the counter counts (a 4th call after three conversations today could become a 4th
conversation). History entries are the contacts other than the proposed one.
"""

from __future__ import annotations

import bisect
import datetime as _dt
from typing import Literal

from dateutil.relativedelta import relativedelta
from pydantic import Field, model_validator

from .. import clock
from ..ruleset.common import CountFilter, PerKey, RuleBase, StrictModel
from ..vocab import Weekday
from .base import FAIL, PASS, SKIP, CompiledRule, Context, counter_per, Lazy, day_window, Result, count_filter_key, dynamic_key, latest_start, window_bounds


class CountWindow(StrictModel):
    """Exactly one of the window forms."""

    rolling_days: int | None = Field(default=None, ge=1, le=3660)
    rolling_hours: int | None = Field(default=None, ge=1, le=24 * 366)
    calendar_week: bool | None = None
    calendar_month: bool | None = None
    per_day: bool | None = None
    week_starts: Weekday = "mon"
    rolling_months: int | None = Field(
        default=None, ge=1, le=120,
        description="borrower-local dates after the same date N calendar months earlier, up to D "
                    "(D - N months + 1 day .. D; a missing day of month clamps to the month's last day)",
    )

    @model_validator(mode="after")
    def _one(self):
        given = [n for n in ("rolling_days", "rolling_hours", "calendar_week", "calendar_month", "per_day",
                             "rolling_months") if getattr(self, n)]
        if len(given) != 1:
            raise ValueError(
                "window needs exactly one of rolling_days, rolling_hours, calendar_week, calendar_month, per_day, "
                "rolling_months"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self

    def describe(self) -> str:
        if self.rolling_days:
            return f"{self.rolling_days} consecutive local days"
        if self.rolling_hours:
            return f"{self.rolling_hours} hours"
        if self.calendar_week:
            return f"calendar week (from {self.week_starts})"
        if self.calendar_month:
            return "calendar month"
        if self.rolling_months:
            n = self.rolling_months
            return "rolling calendar month" if n == 1 else f"{n} rolling calendar months"
        return "local day"


class FrequencyCapRule(RuleBase):
    kind: Literal["frequency_cap"]
    max: int = Field(ge=0)
    window: CountWindow
    per: list[PerKey] = Field(
        default_factory=lambda: ["borrower"],
        description="counter key: borrower (whole history; the default), account (the debt id merged through "
                    "Account.debt_groups), debt, recipient, contact_method, place",
    )
    count: CountFilter | None = None
    exclude_consented_days: int | None = Field(
        default=None, ge=1,
        description="contacts (and the attempt) placed with direct prior consent given within N local days "
                    "(consent date = day 1) are not counted",
    )
    unit: str = Field(default="contacts", description="what the counter counts, for messages")


def _span(d: _dt.date, n: int) -> str:
    return f"{d - _dt.timedelta(days=n - 1)}..{d}"


class FrequencyCap(CompiledRule):
    kind = "frequency_cap"

    def __init__(self, model: FrequencyCapRule, ruleset):
        super().__init__(model, ruleset)
        self.max = model.max
        self.window = model.window
        self.per = counter_per(model.per)
        self.static_key = count_filter_key(model.count, self.channels)
        self.consent_days = model.exclude_consented_days
        self.unit = model.unit
        f = model.count
        excluded = sorted(set((f.outcomes_exclude or []) if f else []))
        self._not_counted = f" ({', '.join(excluded)} not counted)" if excluded else ""
        w = model.window
        self._week_start = clock.weekday_index(w.week_starts)

    def _bounds(self, ctx: Context) -> tuple[float, float, str]:
        w = self.window
        if w.rolling_hours:
            end = ctx.ts
            return end - w.rolling_hours * 3600.0, end + 1e-6, f"{w.rolling_hours}h up to the attempt"
        if w.rolling_days:
            n = w.rolling_days
            s, e = day_window(ctx, -(n - 1), 0)
            return s, e, Lazy(_span, ctx.dates[0], n)
        if w.per_day:
            s, e = day_window(ctx, 0, 0)
            return s, e, f"{ctx.dates[0]}"
        if w.rolling_months:
            s = e = None
            for z, d in zip(ctx.zones, ctx.dates):
                first = rolling_months_start(d, w.rolling_months)
                zs, ze = window_bounds((z,), (d,), (first - d).days, 0)
                s = zs if s is None or zs < s else s
                e = ze if e is None or ze > e else e
            d0 = ctx.dates[0]
            return s, e, f"{rolling_months_start(d0, w.rolling_months)}..{d0}"
        if w.calendar_week:
            starts = []
            for d in ctx.dates:
                back = (d.weekday() - self._week_start) % 7
                starts.append(-back)
            s = e = None
            for z, d, off in zip(ctx.zones, ctx.dates, starts):
                zs, ze = window_bounds((z,), (d,), off, off + 6)
                s = zs if s is None or zs < s else s
                e = ze if e is None or ze > e else e
            d0 = ctx.dates[0] + _dt.timedelta(days=starts[0])
            return s, e, f"week {d0}..{d0 + _dt.timedelta(days=6)}"
        # calendar month
        s = e = None
        for z, d in zip(ctx.zones, ctx.dates):
            first = d.replace(day=1)
            nxt = (first + _dt.timedelta(days=32)).replace(day=1)
            zs, ze = window_bounds((z,), (first,), 0, (nxt - first).days - 1)
            s = zs if s is None or zs < s else s
            e = ze if e is None or ze > e else e
        return s, e, f"{ctx.dates[0]:%Y-%m}"

    def check(self, ctx: Context) -> Result:
        if self.consent_days and ctx.consent_valid(self.consent_days):
            return Result(SKIP, ("not counted: placed with direct prior consent given within {} days",
                                 self.consent_days))
        start, end, label = self._bounds(ctx)
        stamps = ctx.history.select(self.static_key, dynamic_key(self.per, ctx), ctx, self.consent_days,
                                    (start, end))
        lo = bisect.bisect_left(stamps, start)
        hi = bisect.bisect_left(stamps, end)
        count = hi - lo
        if count + 1 <= self.max:
            return Result(PASS, ("{} of max {} {} on {} with this one{}", count + 1, self.max, self.unit, label,
                                 self._not_counted))
        until = self._until(ctx, stamps, lo, count)
        return Result(FAIL, ("{} of max {} {} on {} with this one{}", count + 1, self.max, self.unit, label,
                             self._not_counted), until)

    def _until(self, ctx: Context, stamps: list[float], lo: int, count: int) -> _dt.datetime | None:
        """Lower bound on when enough counted contacts leave the window."""
        w = self.window
        k = count + 1 - self.max  # how many of the oldest must leave
        if self.max == 0 or k > count:
            # a cap of 0 (or more to drop than are there): this attempt alone breaks it; only a new
            # window helps for calendar windows, never for rolling ones.
            if w.rolling_days or w.rolling_hours:
                return None
            k = 0
        if w.rolling_hours:
            return clock.from_timestamp(stamps[lo + k - 1] + w.rolling_hours * 3600.0)
        if w.rolling_days:
            c_ts = stamps[lo + k - 1]
            inst = clock.from_timestamp(c_ts)
            return latest_start(ctx.zones, lambda z: inst.astimezone(z).date(), w.rolling_days)
        if w.per_day:
            return latest_start(ctx.zones, lambda z: ctx.dates[ctx.zones.index(z)], 1)
        if w.rolling_months:
            if self.max == 0:
                return None
            inst = clock.from_timestamp(stamps[lo + k - 1])
            best = None
            for z in ctx.zones:
                t = clock.start_of_day(z, rolling_months_exit(inst.astimezone(z).date(), w.rolling_months))
                best = t if best is None or t > best else best
            return best
        if w.calendar_week:
            def week_end(z):
                d = ctx.dates[ctx.zones.index(z)]
                return d - _dt.timedelta(days=(d.weekday() - self._week_start) % 7)
            return latest_start(ctx.zones, week_end, 7)
        best = None
        for z, d in zip(ctx.zones, ctx.dates):
            nxt = (d.replace(day=1) + _dt.timedelta(days=32)).replace(day=1)
            t = clock.start_of_day(z, nxt)
            best = t if best is None or t > best else best
        return best


def rolling_months_start(day: _dt.date, months: int) -> _dt.date:
    """First local date of the ``rolling_months`` window ending on ``day``: the same date
    ``months`` calendar months earlier (clamped to that month's last day), plus one day.

    2025-03-15, 1 → 2025-02-16; 2025-03-31, 1 → 2025-03-01 (February has no 31st).
    """
    return day - relativedelta(months=months) + _dt.timedelta(days=1)


def rolling_months_exit(day: _dt.date, months: int) -> _dt.date:
    """First local date whose ``rolling_months`` window no longer contains ``day``."""
    d = day + relativedelta(months=months)
    while rolling_months_start(d, months) <= day:
        d += _dt.timedelta(days=1)
    return d


def embedded_cap(model: RuleBase, ruleset, *, max: int, window: CountWindow, per: list[str],
                 count: CountFilter, unit: str) -> FrequencyCap:
    """A frequency cap inside another rule kind (recipient, channel), sharing its identity."""
    cap_model = FrequencyCapRule(
        id=model.id, kind="frequency_cap", title=model.title, citation=model.citation, status=model.status,
        severity=model.severity, channels=model.channels, max=max, window=window, per=per, count=count, unit=unit,
    )
    return FrequencyCap(cap_model, ruleset)
