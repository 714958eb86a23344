"""Jurisdiction codes (ISO 3166-1/3166-2, with finer codes such as ``US-NY-NYC``) and the time
zones of each.

An account in ``US-NY-NYC`` is also in ``US-NY`` and in ``US``. When an account gives no time
zone, the evaluator uses every zone of its most specific jurisdiction and requires an attempt
to be allowed in all of them (fail closed: it never guesses one zone).

Zone lists for US states follow the legal zone boundaries (15 U.S.C. 260–262, 49 CFR part 71) as
mapped by the IANA tz database. Countries not listed use pytz's ``country_timezones``; China
uses its single legal standard time (Beijing time) rather than the tz database's de-facto
``Asia/Urumqi`` entry.
"""

from __future__ import annotations

import functools

import pytz

_E, _C, _M, _P = "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"

#: Subdivision (and city) → IANA zones. Several zones: the subdivision spans zone boundaries.
ZONES: dict[str, tuple[str, ...]] = {
    "US-AL": (_C,), "US-AK": ("America/Anchorage", "America/Juneau", "America/Sitka", "America/Yakutat",
                            "America/Nome", "America/Metlakatla", "America/Adak"),
    "US-AZ": ("America/Phoenix", _M), "US-AR": (_C,), "US-CA": (_P,), "US-CO": (_M,), "US-CT": (_E,),
    "US-DE": (_E,), "US-DC": (_E,), "US-FL": (_E, _C), "US-GA": (_E,), "US-HI": ("Pacific/Honolulu",),
    "US-ID": ("America/Boise", _P), "US-IL": (_C,), "US-IN": ("America/Indiana/Indianapolis", _C),
    "US-IA": (_C,), "US-KS": (_C, _M), "US-KY": (_E, _C), "US-LA": (_C,), "US-ME": (_E,), "US-MD": (_E,),
    "US-MA": (_E,), "US-MI": ("America/Detroit", "America/Menominee"), "US-MN": (_C,), "US-MS": (_C,),
    "US-MO": (_C,), "US-MT": (_M,), "US-NE": (_C, _M), "US-NV": (_P, _M), "US-NH": (_E,), "US-NJ": (_E,),
    "US-NM": (_M,), "US-NY": (_E,), "US-NY-NYC": (_E,), "US-NC": (_E,), "US-ND": (_C, _M), "US-OH": (_E,),
    "US-OK": (_C,), "US-OR": (_P, "America/Boise"), "US-PA": (_E,), "US-RI": (_E,), "US-SC": (_E,),
    "US-SD": (_C, _M), "US-TN": (_E, _C), "US-TX": (_C, _M), "US-UT": (_M,), "US-VT": (_E,), "US-VA": (_E,),
    "US-WA": (_P,), "US-WV": (_E,), "US-WI": (_C,), "US-WY": (_M,),
    "US-PR": ("America/Puerto_Rico",), "US-GU": ("Pacific/Guam",), "US-VI": ("America/St_Thomas",),
    "US-AS": ("Pacific/Pago_Pago",), "US-MP": ("Pacific/Saipan",),
    "CN": ("Asia/Shanghai",),
    # Canada: Ontario west of 90°W keeps Central time (Atikokan: EST all year); BC's north-east
    # and Creston keep MST all year and the East Kootenay keeps Mountain time; Quebec east of
    # 63°W (Blanc-Sablon) keeps AST all year and the Magdalen Islands keep Atlantic time.
    "CA-ON": ("America/Toronto", "America/Winnipeg", "America/Atikokan"),
    "CA-BC": ("America/Vancouver", "America/Dawson_Creek", "America/Fort_Nelson", "America/Creston",
              "America/Edmonton"),
    "CA-QC": ("America/Toronto", "America/Blanc-Sablon", "America/Halifax"),
    # Australia: Broken Hill (NSW) keeps South Australian time, Lord Howe Island its own.
    "AU-NSW": ("Australia/Sydney", "Australia/Broken_Hill", "Australia/Lord_Howe"),
    "AU-ACT": ("Australia/Sydney",), "AU-VIC": ("Australia/Melbourne",), "AU-QLD": ("Australia/Brisbane",),
    "AU-SA": ("Australia/Adelaide",), "AU-WA": ("Australia/Perth",), "AU-TAS": ("Australia/Hobart",),
    "AU-NT": ("Australia/Darwin",),
    # Indonesia (no DST): WIB +07, WITA +08, WIT +09, by province (ISO 3166-2:ID).
    "ID-JK": ("Asia/Jakarta",), "ID-BT": ("Asia/Jakarta",), "ID-JB": ("Asia/Jakarta",), "ID-JT": ("Asia/Jakarta",),
    "ID-YO": ("Asia/Jakarta",), "ID-JI": ("Asia/Jakarta",), "ID-KB": ("Asia/Pontianak",),
    "ID-BA": ("Asia/Makassar",), "ID-NB": ("Asia/Makassar",), "ID-NT": ("Asia/Makassar",),
    "ID-SN": ("Asia/Makassar",), "ID-KI": ("Asia/Makassar",),
    "ID-PA": ("Asia/Jayapura",), "ID-PB": ("Asia/Jayapura",), "ID-MA": ("Asia/Jayapura",),
    # Brazil (no DST since 2019): states with shipped rules.
    "BR-SP": ("America/Sao_Paulo",), "BR-AL": ("America/Maceio",),
}


def parents(code: str) -> tuple[str, ...]:
    """``US-NY-NYC`` → ``("US-NY-NYC", "US-NY", "US")``."""
    parts = code.split("-")
    return tuple("-".join(parts[:i]) for i in range(len(parts), 0, -1))


def contains(outer: str, inner: str) -> bool:
    """Is jurisdiction ``inner`` inside (or equal to) ``outer``?"""
    return inner == outer or inner.startswith(outer + "-")


@functools.lru_cache(maxsize=4096)
def zones_for(code: str) -> tuple[str, ...]:
    """Every IANA zone of a jurisdiction: the most specific entry known for it or its parents.

    Returns ``()`` when nothing is known (the evaluator then denies: fail closed).
    """
    for c in parents(code):
        if c in ZONES:
            return ZONES[c]
        if len(c) == 2:
            return tuple(pytz.country_timezones.get(c, ()))
    return ()


def default_zones(jurisdictions: tuple[str, ...]) -> tuple[str, ...]:
    """Every zone of every jurisdiction the account lists, using for each the most specific code
    given (``["US", "US-MA"]`` → Eastern only; ``["US-IL", "CN"]`` → Chicago and Shanghai)."""
    out: list[str] = []
    for j in jurisdictions:
        if any(other != j and contains(j, other) for other in jurisdictions):
            continue  # a more specific code under j is listed: it decides j's zones
        for z in zones_for(j):
            if z not in out:
                out.append(z)
    return tuple(out)


@functools.lru_cache(maxsize=1)
def _zone_fingerprints() -> dict[tuple, frozenset[str]]:
    """Transition data → the names (links included) that share it, for every tz database zone."""
    out: dict[tuple, set[str]] = {}
    for name in pytz.all_timezones:
        out.setdefault(_fingerprint(name), set()).add(name)
    return {k: frozenset(v) for k, v in out.items()}


def _fingerprint(name: str) -> tuple:
    z = pytz.timezone(name)
    return (tuple(getattr(z, "_utc_transition_times", ())), tuple(getattr(z, "_transition_info", ())),
            getattr(z, "_utcoffset", None))


@functools.lru_cache(maxsize=4096)
def zone_in(zone: str, code: str) -> bool:
    """Is IANA zone ``zone`` (a canonical name; links such as ``US/Central`` count as their
    target) one of the zones of jurisdiction ``code``? For a country, every zone the tz database
    lists for it counts; for a subdivision, the zones of :func:`zones_for`. Unknown jurisdictions
    (no zone data) answer ``True``: there is nothing to compare with."""
    country = code.split("-", 1)[0]
    known = set(zones_for(code)) if code != country else set()
    known |= set(pytz.country_timezones.get(country, ())) if code == country else set()
    if not known:
        known = set(pytz.country_timezones.get(country, ()))
        if not known:
            return True
    if zone in known:
        return True
    same = _zone_fingerprints().get(_fingerprint(zone), frozenset())
    return bool(same & known)
