"""Borrower-local time: zone names, wall-clock windows, calendar-date arithmetic and holidays.

Conventions used everywhere in collectrules:

* An *instant* is a timezone-aware :class:`datetime.datetime` (pytz, :mod:`zoneinfo` and
  :mod:`dateutil.tz` tzinfos are all accepted). Naive datetimes are rejected with
  :class:`~collectrules.errors.InputError`.
* A *window* is borrower-local wall-clock time (``"08:00"``–``"21:00"``) in an IANA zone; the
  same instant can be inside a window in one zone and outside it in another.
* A *day* is a borrower-local calendar date. "Seven consecutive days" is seven dates, not
  168 hours, so a DST change never makes a day window shorter or longer.

Zone data comes from pytz (the IANA tz database). Holiday calendars come from the ``holidays``
package.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from typing import Iterable

import pytz

from .errors import InputError

UTC = pytz.utc
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=UTC)
_DAY = _dt.timedelta(days=1)

_WEEKDAY_INDEX = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}

_TIME_RE = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)(?::([0-5]\d))?$")


def weekday_index(name: str) -> int:
    """Return 0 for ``"mon"`` … 6 for ``"sun"``."""
    return _WEEKDAY_INDEX[name]


# --------------------------------------------------------------------------------------------
# zones


def _is_fixed_offset(zone: _dt.tzinfo, name: str) -> bool:
    """Is the resolved ``zone`` a fixed UTC offset rather than a place? Decided by the zone
    object (no transitions: ``UTC``, ``Zulu``, ``Etc/GMT+5``…) and by its canonical name
    (``EST``/``MST``/``HST``, which pytz still models with transitions), never by the spelling."""
    return not hasattr(zone, "_utc_transition_times") or name in ("EST", "MST", "HST")


@functools.lru_cache(maxsize=1024)
def canonical_zone_name(name: str) -> str:
    """The tz database's own spelling of a zone name (``america/chicago`` → ``America/Chicago``,
    ``utc`` → ``UTC``). The cache is bounded: arbitrary spellings cannot grow it without limit.

    Raises:
        InputError: the name is not in the tz database.
    """
    if not isinstance(name, str) or not name or len(name) > 64 or not name.isprintable():
        raise InputError("unknown time zone: use an IANA name such as 'America/New_York'")
    try:
        zone = pytz.timezone(name)
    except (pytz.UnknownTimeZoneError, AttributeError, ValueError, TypeError, KeyError, OSError) as exc:
        # the value is not echoed: a mis-filled field may hold personal data
        raise InputError("unknown time zone: use an IANA name such as 'America/New_York'") from exc
    return zone.zone


@functools.lru_cache(maxsize=None)  # keyed by canonical names only: at most ~600 entries
def _zone_by_canonical_name(name: str) -> _dt.tzinfo:
    return pytz.timezone(name)


def get_zone(name: str) -> _dt.tzinfo:
    """Return the pytz zone for an IANA name (any letter case; the cache holds canonical names
    only, so it stays bounded by the size of the tz database).

    Raises:
        InputError: the name is not in the tz database (fail closed: an unknown zone is never
            replaced by a default).
    """
    return _zone_by_canonical_name(canonical_zone_name(name))


#: tz database names that are fixed UTC offsets, not places: they ignore the consumer's daylight
#: saving time, so they are refused (``EST``/``MST``/``HST`` are kept by the tz database only as
#: fixed offsets or links for compatibility). The check itself is made on the resolved zone
#: (:func:`zone_name`), so other spellings (``utc``, ``etc/gmt+5``, ``zulu``) are refused too.
#: (Built on first use: it opens every zone of the tz database, too slow for ``import``.)
@functools.lru_cache(maxsize=1)
def fixed_offset_names() -> frozenset:
    return frozenset(
        [z for z in pytz.all_timezones if not hasattr(pytz.timezone(z), "_utc_transition_times")]
        + ["EST", "MST", "HST"]
    )


def __getattr__(name: str):  # PEP 562: FIXED_OFFSET_NAMES stays a module attribute, built lazily
    if name == "FIXED_OFFSET_NAMES":
        return fixed_offset_names()
    raise AttributeError(name)


def zone_name(value: object) -> str:
    """Normalise a zone given as an IANA name or a tzinfo object to its canonical IANA name.

    Accepts strings (in any letter case: the tz database's own spelling is returned), pytz zones
    (``.zone``), :class:`zoneinfo.ZoneInfo` (``.key``) and :mod:`dateutil.tz` zones read from the
    tz database. Fixed offsets and zones whose IANA name cannot be recovered are rejected,
    because a fixed offset ignores daylight saving time; the test is made on the resolved zone,
    so no spelling (``utc``, ``Etc/GMT+5``, ``zulu``, ``est``) gets around it.

    Raises:
        InputError: unknown or nameless zone, or a fixed offset.
    """
    if isinstance(value, str):
        name = value.strip()
    else:
        name = getattr(value, "zone", None) or getattr(value, "key", None)
        if name is None:
            filename = getattr(value, "_filename", None)  # dateutil.tz.tzfile
            if isinstance(filename, str) and "zoneinfo/" in filename:
                name = filename.split("zoneinfo/", 1)[1]
            elif isinstance(filename, str):
                name = filename
        if not isinstance(name, str):
            raise InputError("time zone object has no IANA name; pass a name such as 'Asia/Shanghai'")
    name = canonical_zone_name(name)
    if name in fixed_offset_names() or _is_fixed_offset(_zone_by_canonical_name(name), name):
        raise InputError("time zone is a fixed UTC offset, not a place (it ignores daylight saving time): "
                         "use a location name such as 'America/New_York'")
    return name


def require_aware(value: _dt.datetime, what: str = "datetime") -> _dt.datetime:
    """Return ``value`` unchanged if it is timezone-aware.

    Raises:
        InputError: ``value`` is naive (no tzinfo, or a tzinfo that gives no offset).
    """
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise InputError(f"{what} {value.isoformat()} is naive: give a timezone-aware datetime")
    return value


def to_timestamp(value: _dt.datetime) -> float:
    """Seconds since the Unix epoch for an aware datetime (exact to the microsecond)."""
    return value.timestamp()


def from_timestamp(ts: float) -> _dt.datetime:
    """UTC datetime for a Unix timestamp."""
    return _dt.datetime.fromtimestamp(ts, UTC)


def local(at: _dt.datetime, zone: _dt.tzinfo) -> _dt.datetime:
    """The wall-clock time of instant ``at`` in ``zone`` (aware, normalised for DST)."""
    return at.astimezone(zone)


def parse_clock(value: str) -> int:
    """Parse ``"HH:MM"`` or ``"HH:MM:SS"`` (``"24:00"`` allowed) into seconds after midnight.

    Raises:
        ValueError: malformed time.
    """
    m = _TIME_RE.match(value.strip()) if isinstance(value, str) else None
    if not m:
        raise ValueError(f"time {value!r} must look like 'HH:MM' or 'HH:MM:SS' (00:00 to 24:00)")
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    secs = h * 3600 + mi * 60 + s
    if secs > 86400:
        raise ValueError(f"time {value!r} is after 24:00")
    return secs


def format_clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}" + (f":{s % 60:02d}" if s % 60 else "")


def seconds_of_day(local_dt: _dt.datetime) -> int:
    """Whole seconds since local midnight. Windows compare wall-clock time at one-second
    resolution: 20:59:59.9 is the second 20:59:59, and an ``open`` window (08:00, 21:00) first
    admits 08:00:01 (the first whole second after 8:00)."""
    return local_dt.hour * 3600 + local_dt.minute * 60 + local_dt.second


@functools.lru_cache(maxsize=65536)
def first_instant_at_or_after(zone: _dt.tzinfo, day: _dt.date, seconds: float) -> _dt.datetime:
    """The earliest UTC instant whose wall clock in ``zone`` is on ``day`` at or after ``seconds``.

    Handles DST: a wall time that does not exist (spring forward) yields the transition instant;
    a wall time that occurs twice (fall back) yields its first occurrence. ``seconds`` may be
    86400 (end of day), which yields the start of the next day.
    """
    if seconds >= 86400:
        return first_instant_at_or_after(zone, day + _DAY, 0)
    naive = _dt.datetime.combine(day, _dt.time()) + _dt.timedelta(seconds=seconds)
    localize = getattr(zone, "localize", None)
    if localize is None:  # non-pytz zone
        cands = [naive.replace(tzinfo=zone, fold=f).astimezone(UTC) for f in (0, 1)]
    else:
        cands = [localize(naive, is_dst=d).astimezone(UTC) for d in (True, False)]
    lo, hi = min(cands), max(cands)

    def wall(u: _dt.datetime) -> _dt.datetime:
        return u.astimezone(zone).replace(tzinfo=None)

    if wall(lo) >= naive:
        return lo
    # ``naive`` falls in a gap: the answer is the transition, between lo and hi.
    lo_s, hi_s = int(lo.timestamp()), int(hi.timestamp())
    while hi_s - lo_s > 1:
        mid = (lo_s + hi_s) // 2
        if wall(from_timestamp(mid)) >= naive:
            hi_s = mid
        else:
            lo_s = mid
    return from_timestamp(hi_s)


@functools.lru_cache(maxsize=65536)
def _repeats(zone: _dt.tzinfo, day: _dt.date, seconds: float) -> tuple[_dt.datetime, ...]:
    """The second occurrence of a wall time that occurs twice (clocks going back), if any."""
    if seconds >= 86400:
        return ()
    naive = _dt.datetime.combine(day, _dt.time()) + _dt.timedelta(seconds=seconds)
    localize = getattr(zone, "localize", None)
    if localize is None:
        cands = {naive.replace(tzinfo=zone, fold=f).astimezone(UTC) for f in (0, 1)}
    else:
        cands = {localize(naive, is_dst=x).astimezone(UTC) for x in (True, False)}
    cands = {c for c in cands if c.astimezone(zone).replace(tzinfo=None) == naive}
    return tuple(sorted(cands)[1:])


@functools.lru_cache(maxsize=4096)
def _fall_back(zone: _dt.tzinfo, day: _dt.date) -> tuple[_dt.datetime, ...]:
    """Instants on local date ``day`` (or at its end) where the clock goes back."""
    u0 = start_of_day(zone, day)
    u1 = start_of_day(zone, day + _DAY)
    if (u1 - u0) <= _DAY:
        return ()
    lo, hi = int(u0.timestamp()), int(u1.timestamp())
    off_lo = from_timestamp(lo).astimezone(zone).utcoffset()
    if from_timestamp(hi).astimezone(zone).utcoffset() >= off_lo:
        return ()
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if from_timestamp(mid).astimezone(zone).utcoffset() == off_lo:
            lo = mid
        else:
            hi = mid
    return (from_timestamp(hi),)


def start_of_day(zone: _dt.tzinfo, day: _dt.date) -> _dt.datetime:
    """The first instant (UTC) of borrower-local date ``day`` in ``zone``."""
    return first_instant_at_or_after(zone, day, 0)


# --------------------------------------------------------------------------------------------
# wall-clock windows


class WindowSet:
    """A compiled set of borrower-local wall-clock windows, keyed by weekday.

    Built from ``(weekdays, start_seconds, end_seconds)`` triples. A window whose end is not
    after its start crosses midnight: it belongs to the weekday it starts on and continues into
    the next day. ``boundary`` is ``half_open`` ``[start, end)``, ``closed`` ``[start, end]`` or
    ``open`` ``(start, end)``.
    """

    __slots__ = ("by_weekday", "boundary", "spec")

    def __init__(self, windows: Iterable[tuple[Iterable[int], int, int]], boundary: str = "half_open"):
        self.boundary = boundary
        self.spec = []
        by_weekday: list[list[tuple[float, float]]] = [[] for _ in range(7)]
        for days, start, end in windows:
            days = tuple(days)
            self.spec.append((days, start, end))
            for d in days:
                if end > start:
                    by_weekday[d].append((start, end))
                else:  # crosses midnight (or a full day when start == end)
                    if start < 86400:
                        by_weekday[d].append((start, 86400.0))
                    if end > 0:
                        by_weekday[(d + 1) % 7].append((-1.0, end))  # -1: opens before midnight
        self.by_weekday = [tuple(sorted(w)) for w in by_weekday]

    def contains(self, weekday: int, sod: float) -> bool:
        """Is wall-clock second-of-day ``sod`` on ``weekday`` inside a window?"""
        b = self.boundary
        for start, end in self.by_weekday[weekday]:
            if start < 0 or start >= 86400:
                lo_ok = True
            elif b == "open":
                lo_ok = sod > start
            else:
                lo_ok = sod >= start
            if end >= 86400:
                hi_ok = True
            elif b == "closed":
                hi_ok = sod <= end
            else:
                hi_ok = sod < end
            if lo_ok and hi_ok:
                return True
        return False

    def contains_local(self, local_dt: _dt.datetime) -> bool:
        return self.contains(local_dt.weekday(), seconds_of_day(local_dt))

    def next_opening(self, zone: _dt.tzinfo, after: _dt.datetime, horizon_days: int = 8) -> _dt.datetime | None:
        """Earliest instant at or after ``after`` that is inside a window in ``zone``.

        Candidates are each window's opening (both occurrences of a wall time repeated when clocks
        go back; the transition itself when the opening falls in a spring-forward gap) and each
        fall-back transition, where the wall clock jumps back into a window.
        Returns ``None`` when no window opens within ``horizon_days`` local days.
        """
        loc = after.astimezone(zone)
        if self.contains_local(loc):
            return after
        day = loc.date()
        best = None
        for offset in range(horizon_days + 1):
            d = day + _dt.timedelta(days=offset)
            cands = []
            for start, _end in self.by_weekday[d.weekday()]:
                if start < 0:
                    continue  # continuation of yesterday's window: covered by yesterday's start
                secs = start + (1 if self.boundary == "open" else 0)
                first = first_instant_at_or_after(zone, d, secs)
                cands.append(first)
                cands.append(first + _dt.timedelta(seconds=1))  # a gap swallowed the opening
                cands.extend(_repeats(zone, d, secs))
            cands.extend(_fall_back(zone, d))
            for c in cands:
                if c >= after and (best is None or c < best) and self.contains_local(c.astimezone(zone)):
                    best = c
            if best is not None and offset >= 1:
                break  # later local days can only open later
        return best

    def next_closing(self, zone: _dt.tzinfo, after: _dt.datetime, horizon_days: int = 8) -> _dt.datetime | None:
        """Earliest instant at or after ``after`` that is outside every window in ``zone``.

        Returns ``None`` when the windows cover every moment for ``horizon_days`` local days.
        """
        t = after
        for _ in range(4 * horizon_days + 8):
            loc = t.astimezone(zone)
            if not self.contains_local(loc):
                return t
            day, wd, sod = loc.date(), loc.weekday(), seconds_of_day(loc)
            best_end = None
            for start, end in self.by_weekday[wd]:
                inside = self._inside(start, end, sod)
                if inside and (best_end is None or end > best_end):
                    best_end = end
            if best_end is None:  # pragma: no cover - contains_local said inside
                return t
            if best_end >= 86400:
                nxt = first_instant_at_or_after(zone, day + _DAY, 0)
            else:
                end_secs = best_end + (1 if self.boundary == "closed" else 0)
                nxt = first_instant_at_or_after(zone, day, end_secs)
                if nxt <= t:  # we are in the repeated hour: the window ends at the second occurrence
                    later = [r for r in _repeats(zone, day, end_secs) if r > t]
                    nxt = later[0] if later else nxt
            t = nxt if nxt > t else t + _dt.timedelta(microseconds=1)
        return None

    def _inside(self, start: float, end: float, sod: float) -> bool:
        b = self.boundary
        lo_ok = True if (start < 0 or start >= 86400) else (sod > start if b == "open" else sod >= start)
        hi_ok = True if end >= 86400 else (sod <= end if b == "closed" else sod < end)
        return lo_ok and hi_ok

    def describe(self) -> str:
        names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        parts = []
        form = {"half_open": "from {} up to (not including) {}", "closed": "from {} to {} inclusive",
                "open": "after {} and before {}"}[self.boundary]
        for days, start, end in self.spec:
            dd = "every day" if len(days) == 7 else ",".join(names[d] for d in days)
            parts.append(f"{dd} " + form.format(format_clock(start), format_clock(end)))
        return "; ".join(parts)


# --------------------------------------------------------------------------------------------
# holidays


@functools.lru_cache(maxsize=256)
def holiday_calendar(country: str, subdiv: str | None, year: int,
                     categories: tuple[str, ...] | None = None) -> frozenset[_dt.date]:
    """Public holidays (observed dates included) for one year, from the ``holidays`` package.

    ``country`` is ISO 3166-1 alpha-2; ``subdiv`` is the part after the dash of an ISO 3166-2
    code (``"MA"`` for ``US-MA``), or ``None`` for the national calendar. ``categories`` selects
    the package's holiday categories (e.g. ``("public", "optional")`` adds Ontario's Easter
    Monday, Civic Holiday and Remembrance Day); ``None`` is the package default (public).

    Raises:
        InputError: the ``holidays`` package has no calendar for the country or subdivision, or
            does not know a requested category for it.
    """
    import holidays as _holidays

    if categories:
        try:
            try:
                cal = _holidays.country_holidays(country, subdiv=subdiv, years=year, observed=True,
                                                 categories=categories)
            except NotImplementedError:
                if subdiv is None:
                    raise
                # as below: an unknown subdivision falls back to the national calendar
                cal = _holidays.country_holidays(country, years=year, observed=True, categories=categories)
        except NotImplementedError as exc:
            raise InputError(f"no public-holiday calendar for {country}") from exc
        except ValueError as exc:
            raise InputError(f"holiday categories {categories} for {country}: {exc}") from exc
        return frozenset(cal.keys())
    try:
        cal = _holidays.country_holidays(country, subdiv=subdiv, years=year, observed=True)
    except NotImplementedError as exc:
        if subdiv is not None:
            # subdivision unknown to the package: fall back to the national calendar, which
            # every subdivision observes.
            try:
                cal = _holidays.country_holidays(country, years=year, observed=True)
            except NotImplementedError:
                raise InputError(f"no public-holiday calendar for {country}") from exc
        else:
            raise InputError(f"no public-holiday calendar for {country}") from exc
    return frozenset(cal.keys())


@functools.lru_cache(maxsize=256)
def make_up_workdays(country: str, year: int) -> frozenset[_dt.date]:
    """Weekend dates that are official working days (China's 调休 make-up workdays)."""
    import holidays as _holidays

    try:
        cal = _holidays.country_holidays(country, years=year)
    except NotImplementedError:
        return frozenset()
    days = getattr(cal, "weekend_workdays", None) or set()
    return frozenset(d for d in days if d.year == year)


def holiday_country_supported(country: str, subdiv: str | None = None) -> bool:
    import holidays as _holidays

    try:
        _holidays.country_holidays(country, subdiv=subdiv, years=2025)
    except NotImplementedError:
        return False
    return True


def next_offset_change(zone: _dt.tzinfo, after: _dt.datetime) -> _dt.datetime | None:
    """The first instant after ``after`` at which ``zone``'s UTC offset changes (a DST change
    or a change of standard time), from the tz database; ``None`` when none is on record."""
    import bisect

    times = getattr(zone, "_utc_transition_times", None)
    if not times:
        return None
    naive = after.astimezone(UTC).replace(tzinfo=None)
    i = bisect.bisect_right(times, naive)
    base = after.astimezone(zone).utcoffset()
    while i < len(times):
        t = times[i].replace(tzinfo=UTC)
        if t.astimezone(zone).utcoffset() != base:
            return t
        i += 1
    return None
