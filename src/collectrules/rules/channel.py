"""Rule kind ``channel``: rules about the means of contact rather than the person — consent a
channel needs, media that are never allowed, revoked consent, and per-line caps.

``test`` selects what is checked (``line_types`` optionally narrows the rule to attempts on
those lines; ``channels``, ``applies_to`` and ``unless`` work as for every rule):

* ``forbidden`` — the channel is never allowed (Reg F 1006.22(f)(4): messages viewable by the
  public or the person's social-media contacts, channel ``social_public``).
* ``employer_provided_address`` — no e-mail to an address the collector knows the employer
  provided (``ContactAttempt.employer_provided_address``), unless the consumer used that address
  to communicate with the collector (``consumer_used_address``) or gave direct prior consent to
  use it (``consent_given_at``) (Reg F 1006.22(f)(3), comment 22(f)(3)-1).
* ``prior_express_consent`` — the account's consent ledger must hold consent for the channel
  and number, given at or before the attempt and not revoked by then (TCPA 47 U.S.C.
  227(b)(1)(A)(iii)).
* ``written_consent`` — the channel is in ``Account.written_consent_channels`` or the ledger holds
  written consent for it, in force at the attempt.
* ``revocation`` — no contact through a channel whose consent the person revoked (any ledger
  entry for the channel and number, whatever debt or sender number it was received on: the
  opt-out follows the person; fresh consent given after the revocation restores it). A channel
  in ``Account.opted_out_channels`` counts as revoked. ``confirmation_messages: 1`` allows that many messages with
  purpose ``opt_out_confirmation`` after the revocation (FCC 24-24, 47 CFR 64.1200(a)(12)).
  ``honour_within_business_days`` only states, in the message, the latest date the law allows
  for honouring it: the rule itself denies from the revocation instant (the stricter reading).
* ``line_cap`` — at most ``max`` counted calls to the same line (``address_id``) in a window,
  unless the ledger holds consent (FCC 20-186/22-100: 3 prerecorded or artificial-voice calls
  per residential line in 30 consecutive days).

Messages never echo the caller's ids or addresses.
"""

from __future__ import annotations

import datetime as _dt
from typing import Literal

from pydantic import Field, model_validator

from .. import clock
from ..ruleset.common import CountFilter, RuleBase
from ..vocab import LineType
from .base import FAIL, PASS, SKIP, CompiledRule, Context, Result
from .frequency_cap import CountWindow, embedded_cap

ChannelTest = Literal[
    "forbidden", "employer_provided_address", "prior_express_consent", "written_consent", "revocation",
    "line_cap",
]


class ChannelRule(RuleBase):
    kind: Literal["channel"]
    test: ChannelTest
    line_types: list[LineType] | None = Field(
        default=None, description="only attempts on these line types (unknown fails closed: list it)"
    )
    confirmation_messages: int = Field(default=0, ge=0, description="revocation: confirmations allowed after it")
    honour_within_business_days: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0, description="line_cap: counted calls allowed in the window")
    window: CountWindow | None = None
    count: CountFilter | None = None
    consent_lifts: bool = Field(default=True, description="line_cap: ledger consent lifts the cap")

    @model_validator(mode="after")
    def _fields(self):
        if self.test == "line_cap" and (self.max is None or self.window is None):
            raise ValueError("test line_cap needs max and window")
        if self.test != "line_cap" and (self.max is not None or self.window is not None):
            raise ValueError("max and window belong to test line_cap")
        return self


def ledger_consent(ctx: Context, channel: str, *, written: bool = False):
    """The ledger entry giving consent for ``channel`` on the attempt's number that is in force
    at the attempt, or ``None``. In force: given at or before the attempt, and no revocation
    covering the channel and number (in this entry or any other, e.g. a STOP received on another
    debt or sender number) made between the consent and the attempt. A channel in
    ``Account.opted_out_channels`` has no consent."""
    if channel in ctx.account.opted_out_channels:
        return None
    at = ctx.at
    addr = ctx.attempt.address_id
    ledger = ctx.account.consent_ledger
    for r in ledger:
        if not r.covers(channel, addr, granting=True) or r.given_at is None or r.given_at > at:
            continue
        if written and not r.written:
            continue
        if any(x.revoked_at is not None and r.given_at <= x.revoked_at <= at and x.covers(channel, addr)
               for x in ledger):
            continue
        return r
    return None


def _revocation(ctx: Context, channel: str):
    """The latest revocation covering ``channel`` on the attempt's number made at or before the
    attempt and not followed by fresh consent (given after it, at or before the attempt)."""
    at = ctx.at
    addr = ctx.attempt.address_id
    ledger = ctx.account.consent_ledger
    best = None
    for r in ledger:
        if r.revoked_at is None or r.revoked_at > at or not r.covers(channel, addr):
            continue
        if best is None or r.revoked_at > best.revoked_at:
            best = r
    if best is None:
        return None
    renewed = any(x.given_at is not None and best.revoked_at < x.given_at <= at
                  and x.covers(channel, addr, granting=True)
                  and (x.revoked_at is None or x.revoked_at > at) for x in ledger)
    return None if renewed else best


def add_business_days(day: _dt.date, n: int, calendar) -> _dt.date:
    """``day`` + ``n`` business days (Monday–Friday, not a holiday of ``calendar``)."""
    d = day
    left = n
    while left > 0:
        d += _dt.timedelta(days=1)
        if d.weekday() < 5 and (calendar is None or d not in calendar):
            left -= 1
    return d


class Channel_(CompiledRule):
    kind = "channel"

    def __init__(self, model: ChannelRule, ruleset):
        super().__init__(model, ruleset)
        self.test = model.test
        self.line_types = frozenset(model.line_types) if model.line_types else None
        self.confirmations = model.confirmation_messages
        self.honour_days = model.honour_within_business_days
        self.consent_lifts = model.consent_lifts
        self._cap = None
        if model.test == "line_cap":
            count = model.count or CountFilter()
            self._cap = embedded_cap(model, ruleset, max=model.max, window=model.window, per=["contact_method"],
                                     count=count, unit="calls to this line")
        self._country = ruleset.jurisdiction.split("-")[0]
        if self.line_types is not None:
            lts = self.line_types
            self.fast_pass = lambda ctx: ctx.attempt.line_type not in lts
            self.fast_outcome = SKIP
            self.pass_detail = ("line type not covered (rule covers {})", ", ".join(sorted(lts)))

    def check(self, ctx: Context) -> Result:
        a = ctx.attempt
        if self.line_types is not None and a.line_type not in self.line_types:
            return Result(SKIP, ("line type {} not covered", a.line_type))
        t = self.test
        if t == "forbidden":
            return Result(FAIL, ("{} is never allowed", a.channel))
        if t == "employer_provided_address":
            if not a.employer_provided_address:
                return Result(PASS, ("address not known to be employer-provided",))
            if a.consumer_used_address:
                return Result(PASS, ("employer-provided address, but the consumer used it to write to the collector",))
            if a.consent_given_at is not None and a.consent_given_at <= ctx.at:
                return Result(PASS, ("employer-provided address used with the consumer's direct prior consent",))
            return Result(FAIL, ("the {} address was provided by the consumer's employer", a.channel))
        if t == "prior_express_consent":
            if ledger_consent(ctx, a.channel) is not None:
                return Result(PASS, ("prior express consent for {} on this number in force", a.channel))
            why = "revoked" if _revocation(ctx, a.channel) is not None else "none recorded"
            return Result(FAIL, ("{} by {} to a line of type {} needs prior express consent ({})", a.channel, a.dialer,
                                 a.line_type, why))
        if t == "written_consent":
            if a.channel in ctx.account.written_consent_channels and _revocation(ctx, a.channel) is None:
                return Result(PASS, ("written consent for {} on file", a.channel))
            if ledger_consent(ctx, a.channel, written=True) is not None:
                return Result(PASS, ("written consent for {} in the ledger", a.channel))
            return Result(FAIL, ("{} needs the consumer's written consent (none in force)", a.channel))
        if t == "revocation":
            return self._revocation(ctx)
        return self._line_cap(ctx)

    def _revocation(self, ctx: Context) -> Result:
        a = ctx.attempt
        rev = _revocation(ctx, a.channel)
        if rev is None:
            if a.channel in ctx.account.opted_out_channels:
                # an opt-out recorded without a date: treated as revoked since before any history
                return self._confirmation_or_fail(ctx, float("-inf"), ("the consumer opted out of {}", a.channel))
            return Result(PASS, ("no revocation of {} on record", a.channel))
        zone = ctx.zones[0]
        rdate = rev.revoked_at.astimezone(zone).date()
        if self.honour_days is not None:
            cal = _calendar(self._country, rdate.year)
            by = add_business_days(rdate, self.honour_days, cal)
            fail = ("consent to {} revoked on {} (to be honoured by {} at the latest; denied from the revocation)",
                    a.channel, rdate, by)
        else:
            fail = ("consent to {} revoked on {}", a.channel, rdate)
        return self._confirmation_or_fail(ctx, rev.revoked_at.timestamp(), fail)

    def _confirmation_or_fail(self, ctx: Context, ts0: float, fail: tuple) -> Result:
        a = ctx.attempt
        if self.confirmations and a.purpose == "opt_out_confirmation":
            sent = 0
            for c, ts in zip(ctx.history.contacts, ctx.history.timestamps):
                if ts >= ts0 and ts <= ctx.ts and c.purpose == "opt_out_confirmation" and c.channel == a.channel \
                        and c.direction == "outbound":
                    sent += 1
            if sent < self.confirmations:
                return Result(PASS, ("confirmation {} of {} allowed after the revocation", sent + 1,
                                     self.confirmations))
            return Result(FAIL, ("the {} confirmation(s) allowed after the revocation were already sent",
                                 self.confirmations))
        return Result(FAIL, fail)

    def _line_cap(self, ctx: Context) -> Result:
        a = ctx.attempt
        if self.consent_lifts and ledger_consent(ctx, a.channel) is not None:
            return Result(SKIP, ("prior express consent on this line: no cap",))
        return self._cap.check(ctx)


def _calendar(country: str, year: int):
    """Federal/national public holidays of ``year`` and the next (``None`` if unknown: weekdays
    only, which can only make the stated honour-by date earlier)."""
    try:
        return clock.holiday_calendar(country, None, year) | clock.holiday_calendar(country, None, year + 1)
    except Exception:  # noqa: BLE001
        return None
