"""A week of contact slots for one account, as a picture: allowed / denied per channel, with the
rule that decides each denied slot.

Every cell is one real :meth:`collectrules.Policy.check` of the given attempt moved to that slot
(channel and instant replaced, everything else kept), against the same history: the picture answers
"if this were the next contact, could it be made then?". Nothing is drawn by hand and no plotting
library is needed: :func:`week_svg` writes plain SVG.

    from collectrules import load_policy
    from collectrules.calendar import week_svg
    policy = load_policy(["us-federal", "us-ma"])
    svg = week_svg(policy, {"channel": "call", "at": "2025-06-02T00:00:00-04:00", "debt_id": "d-7"},
                   account={"jurisdictions": ["US-MA"], "timezones": ["America/New_York"]},
                   history=[...], days=7)

Used by ``collectrules calendar REQUEST.json --days 7 --out week.svg``.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from html import escape
from typing import Any, Iterable, Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import InputError
from .history import History
from .models import Account, ContactAttempt
from .policy import Policy

__all__ = ["Slot", "Week", "week_grid", "week_svg"]

#: channels drawn when none are given
DEFAULT_CHANNELS: tuple[str, ...] = ("call", "sms", "email")

_ALLOWED = "#2e7d32"
_WARN = "#9ccc65"
_PALETTE = ("#c62828", "#6a1b9a", "#ef6c00", "#1565c0", "#4e342e", "#ad1457", "#00838f", "#5d4037",
            "#283593", "#9e9d24")


@dataclass(frozen=True)
class Slot:
    """One cell: the attempt on ``channel`` at local ``start`` and what :meth:`Policy.check` said.

    Attributes:
        channel: the channel checked.
        start: the slot's start, an aware datetime in the drawing's zone.
        allowed: the decision.
        rule_ids: ``ruleset/rule-id`` of every violation (denied) or warning (allowed), deciding
            rule first.
        citations: the citation of each of ``rule_ids``.
    """

    channel: str
    start: _dt.datetime
    allowed: bool
    rule_ids: tuple[str, ...] = ()
    citations: tuple[str, ...] = ()

    @property
    def deciding_rule(self) -> str | None:
        """The first violated rule of a denied slot (``None`` when allowed)."""
        return None if self.allowed or not self.rule_ids else self.rule_ids[0]


@dataclass(frozen=True)
class Week:
    """The slots of :func:`week_grid`: ``slots[channel][day][slot]``."""

    zone: str
    days: tuple[_dt.date, ...]
    slot_minutes: int
    channels: tuple[str, ...]
    slots: dict[str, list[list[Slot]]] = field(default_factory=dict)

    def deciding_rules(self) -> dict[str, str]:
        """Every rule that decides some denied slot, in first-seen order, with its citation."""
        out: dict[str, str] = {}
        for ch in self.channels:
            for day in self.slots[ch]:
                for s in day:
                    if s.deciding_rule and s.deciding_rule not in out:
                        out[s.deciding_rule] = s.citations[0]
        return out


def _zone(account: Account, tz: str | None) -> tuple[str, ZoneInfo]:
    name = tz or (account.timezones[0] if account.timezones else None)
    if not name:
        raise InputError("calendar: the account lists no timezones; pass tz= (an IANA zone name)")
    try:
        return str(name), ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError("calendar: unknown time zone") from None


def week_grid(policy: Policy, attempt: ContactAttempt | dict, *, account: Account | dict,
              history: History | Iterable[Any] | None = None, days: int = 7,
              channels: Sequence[str] | None = None, slot_minutes: int = 60,
              start: _dt.date | None = None, tz: str | None = None) -> Week:
    """Check ``attempt`` moved to every slot of ``days`` local days, on each channel.

    Args:
        policy: the loaded policy.
        attempt: the attempt template (:class:`ContactAttempt` or dict); its ``at`` gives the
            first day (local date in the drawing's zone) unless ``start`` is given.
        account: the account; its first time zone is the drawing's zone unless ``tz`` is given.
        history: past contacts, the same for every slot.
        days: number of days (1–31).
        channels: channels to draw (default call, sms, email).
        slot_minutes: slot length, a divisor of 1440 between 15 and 240.
        start: first local day.
        tz: IANA zone of the drawing.

    Raises:
        InputError: invalid attempt, account, history or arguments.
    """
    if not isinstance(days, int) or not 1 <= days <= 31:
        raise InputError("calendar: days must be between 1 and 31")
    if not isinstance(slot_minutes, int) or not 15 <= slot_minutes <= 240 or 1440 % slot_minutes:
        raise InputError("calendar: slot_minutes must divide a day and be between 15 and 240")
    acct = account if isinstance(account, Account) else _validated(Account, account, "account")
    base = attempt if isinstance(attempt, ContactAttempt) else _validated(ContactAttempt, attempt, "attempt")
    chans = tuple(channels or DEFAULT_CHANNELS)
    zname, zone = _zone(acct, tz)
    hist = history if isinstance(history, History) else History(list(history or ()))
    first = start or base.at.astimezone(zone).date()
    day_list = tuple(first + _dt.timedelta(days=i) for i in range(days))
    per_day = 1440 // slot_minutes
    week = Week(zone=zname, days=day_list, slot_minutes=slot_minutes, channels=chans)
    for ch in chans:
        rows: list[list[Slot]] = []
        for d in day_list:
            row = []
            for k in range(per_day):
                wall = _dt.datetime.combine(d, _dt.time()) + _dt.timedelta(minutes=k * slot_minutes)
                # the wall time as it is on that day (a DST gap moves it forward, fold=0 otherwise)
                at = wall.replace(tzinfo=zone)
                at = at.astimezone(_dt.timezone.utc).astimezone(zone)
                probe = base.model_copy(update={"channel": ch, "at": at})
                dec = policy.check(_validated(ContactAttempt, probe.model_dump(), "attempt"),
                                   account=acct, history=hist, next_allowed=False)
                found = dec.violations if not dec.allowed else dec.warnings
                row.append(Slot(channel=ch, start=at, allowed=dec.allowed,
                                rule_ids=tuple(f"{v.ruleset}/{v.rule_id}" for v in found),
                                citations=tuple(v.citation for v in found)))
            rows.append(row)
        week.slots[ch] = rows
    return week


def _validated(model, data, what: str):
    from pydantic import ValidationError  # noqa: PLC0415

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})
        raise InputError(f"calendar: invalid {what} ({', '.join(fields)})") from None


def week_svg(policy: Policy, attempt: ContactAttempt | dict, *, account: Account | dict,
             history: History | Iterable[Any] | None = None, days: int = 7,
             channels: Sequence[str] | None = None, slot_minutes: int = 60,
             start: _dt.date | None = None, tz: str | None = None, title: str | None = None) -> str:
    """Draw :func:`week_grid` as a standalone SVG document (a string).

    One band per channel, one row per local day, one cell per slot: green allowed (light green:
    allowed with a warning), denied cells coloured by their deciding rule, with a legend naming
    each rule and its citation. Hovering a cell shows the slot and every rule that fired.
    Arguments as :func:`week_grid`; ``title`` is printed on top.
    """
    week = week_grid(policy, attempt, account=account, history=history, days=days, channels=channels,
                     slot_minutes=slot_minutes, start=start, tz=tz)
    return render_svg(week, title=title)


def render_svg(week: Week, title: str | None = None) -> str:
    """The SVG of a :class:`Week`."""
    per_day = 1440 // week.slot_minutes
    cw = max(8, min(28, 672 // per_day))
    ch_h, left, top = 18, 118, 54 if title else 34
    rules = week.deciding_rules()
    colour = {r: _PALETTE[i % len(_PALETTE)] for i, r in enumerate(rules)}
    band_h = 22 + ch_h * len(week.days) + 12
    grid_h = band_h * len(week.channels)
    legend_top = top + grid_h + 8
    legend_lines = 2 + len(rules)
    width = left + cw * per_day + 20
    height = legend_top + 18 * legend_lines + 10
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11" role="img">']
    label = title or f"Contact slots, {week.days[0].isoformat()} to {week.days[-1].isoformat()} ({week.zone})"
    out.append(f"<title>{escape(label)}</title>")
    out.append(f'<rect width="{width}" height="{height}" fill="#ffffff"/>')
    if title:
        out.append(f'<text x="8" y="20" font-size="14" font-weight="bold">{escape(title)}</text>')
    out.append(f'<text x="8" y="{top - 14}" fill="#444">local time, {escape(week.zone)}; '
               f'{week.slot_minutes}-minute slots</text>')
    y = top
    for chan in week.channels:
        out.append(f'<text x="8" y="{y + 14}" font-weight="bold">{escape(chan)}</text>')
        step = max(1, per_day // 12)
        for k in range(0, per_day, step):
            minutes = k * week.slot_minutes
            out.append(f'<text x="{left + k * cw}" y="{y + 14}" fill="#555">{minutes // 60:02d}'
                       f'{"" if minutes % 60 == 0 else f":{minutes % 60:02d}"}</text>')
        y += 22
        for d, row in zip(week.days, week.slots[chan]):
            out.append(f'<text x="8" y="{y + 13}">{d.strftime("%a")} {d.isoformat()}</text>')
            for k, s in enumerate(row):
                fill = (_WARN if s.rule_ids else _ALLOWED) if s.allowed else colour.get(s.deciding_rule, "#c62828")
                state = "allowed" if s.allowed else "denied"
                tip = f"{chan} {s.start.isoformat()}: {state}" + (f" ({', '.join(s.rule_ids)})" if s.rule_ids else "")
                out.append(f'<rect x="{left + k * cw}" y="{y}" width="{cw - 1}" height="{ch_h - 1}" '
                           f'fill="{fill}" data-state="{state}"><title>{escape(tip)}</title></rect>')
            y += ch_h
        y += 12
    ly = legend_top + 12
    out.append(f'<rect x="8" y="{ly - 10}" width="12" height="12" fill="{_ALLOWED}"/>'
               f'<text x="26" y="{ly}">allowed</text>'
               f'<rect x="100" y="{ly - 10}" width="12" height="12" fill="{_WARN}"/>'
               f'<text x="118" y="{ly}">allowed with a warning</text>')
    ly += 18
    out.append(f'<text x="8" y="{ly}" fill="#444">denied, by deciding rule:</text>')
    for r, cite in rules.items():
        ly += 18
        out.append(f'<rect x="8" y="{ly - 10}" width="12" height="12" fill="{colour[r]}"/>'
                   f'<text x="26" y="{ly}">{escape(r)} — {escape(cite[:110])}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
