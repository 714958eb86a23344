"""Where a consumer may be: time zones and jurisdictions from a phone number and a postal address.

:func:`locate` turns the evidence a collector has into candidate IANA zones and ISO 3166
jurisdictions, for building an :class:`~collectrules.models.Account`::

    loc = collectrules.locate(phone="+1 312 555 0123", address={"country": "US", "state": "MA"})
    loc.timezones      # ('America/Chicago', 'America/New_York') — the evidence conflicts: both
    loc.jurisdictions  # ('US-IL', 'US-MA')
    account = Account(jurisdictions=loc.jurisdictions or ["US"], timezones=loc.timezones)

Rules (Reg F comment 6(b)(1)(i)-2: with conflicting or ambiguous location information a time
must be convenient in every place the information points to):

* Conflicting evidence yields **every** candidate zone and jurisdiction (the evaluator then
  allows only times good in all of them).
* Unknown stays unknown: nothing is guessed. A number or address that says nothing about the
  place adds nothing (an empty result means "no location known"; the evaluator then fails
  closed).
* A country alone (an address with no state, a toll-free number) stands for every zone of that
  country, unless other evidence places the consumer inside that country.
* A telephone area code is evidence, not proof (numbers are portable); it is reported as such.

Phone numbers are read with ``phonenumbers`` (``timezone.time_zones_for_number``, the region
and the English geocoder description, e.g. "Chicago, IL" → ``US-IL``). Non-geographic numbers
(toll-free, premium rate, VoIP, personal numbers) give only their country. ``evidence`` lists
what was concluded from what, with numbers masked (country code and last two digits only); it
never contains a raw phone number or address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from . import jurisdictions as _jur
from .errors import InputError
from .models import normalise_jurisdiction
from .redact import mask_phone

#: US state and territory names (as the phonenumbers geocoder writes them) → USPS codes.
US_STATES: dict[str, str] = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA",
    "Colorado": "CO", "Connecticut": "CT", "Delaware": "DE", "District of Columbia": "DC",
    "Washington D.C.": "DC", "Washington DC": "DC", "Florida": "FL", "Georgia": "GA", "Hawaii": "HI",
    "Idaho": "ID", "Illinois": "IL", "Indiana": "IN", "Iowa": "IA", "Kansas": "KS", "Kentucky": "KY",
    "Louisiana": "LA", "Maine": "ME", "Maryland": "MD", "Massachusetts": "MA", "Michigan": "MI",
    "Minnesota": "MN", "Mississippi": "MS", "Missouri": "MO", "Montana": "MT", "Nebraska": "NE",
    "Nevada": "NV", "New Hampshire": "NH", "New Jersey": "NJ", "New Mexico": "NM", "New York": "NY",
    "North Carolina": "NC", "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK", "Oregon": "OR",
    "Pennsylvania": "PA", "Rhode Island": "RI", "South Carolina": "SC", "South Dakota": "SD",
    "Tennessee": "TN", "Texas": "TX", "Utah": "UT", "Vermont": "VT", "Virginia": "VA",
    "Washington": "WA", "West Virginia": "WV", "Wisconsin": "WI", "Wyoming": "WY",
    "Puerto Rico": "PR", "Guam": "GU", "U.S. Virgin Islands": "VI", "American Samoa": "AS",
    "Northern Mariana Islands": "MP",
}
_US_CODES = frozenset(US_STATES.values())


def _non_geographic(phonenumbers) -> frozenset:
    t = phonenumbers.PhoneNumberType
    return frozenset({t.TOLL_FREE, t.PREMIUM_RATE, t.SHARED_COST, t.VOIP, t.PERSONAL_NUMBER, t.UAN, t.PAGER,
                      t.VOICEMAIL})
_STATE_ZIP = re.compile(r"\b([A-Z]{2})\s+\d{5}(?:-\d{4})?\b")
_TRAILING_STATE = re.compile(r",\s*([A-Z]{2})$")


@dataclass(frozen=True)
class Location:
    """Candidate places of a consumer.

    Attributes:
        timezones: IANA zone names, sorted; empty when no evidence placed the consumer.
        jurisdictions: ISO 3166 codes (``US-MA``, ``CN``), sorted; empty when unknown.
        evidence: one line per piece of evidence, saying what it gave (numbers masked).
    """

    timezones: tuple[str, ...]
    jurisdictions: tuple[str, ...]
    evidence: tuple[str, ...]

    @property
    def known(self) -> bool:
        """Whether any time zone was found."""
        return bool(self.timezones)

    @property
    def conflicting(self) -> bool:
        """Whether the evidence points to more than one time zone."""
        return len(self.timezones) > 1


def locate(phone: str | list[str] | tuple[str, ...] | None = None, address: Any = None,
           country_hint: str | None = None) -> Location:
    """Candidate time zones and jurisdictions of a consumer from phone number(s) and an address.

    Args:
        phone: a number (E.164 ``+13125550123`` or national format with ``country_hint``), or a
            list of numbers. Unparseable or invalid numbers add no location (noted in evidence).
        address: a mapping with ``country`` (ISO 3166-1 alpha-2) and optionally ``state`` /
            ``region`` / ``province`` / ``subdivision`` (``{"country": "US", "state": "MA"}``); or a
            string that is an ISO code (``"US-MA"``, ``"CN"``); or a free-text US address whose
            ``ST 12345`` state-and-ZIP part is read. Anything else adds nothing.
        country_hint: ISO 3166-1 alpha-2 region used to read national-format numbers and
            addresses without a country.

    Returns:
        A :class:`Location`. Every zone any evidence supports is kept (conflicting evidence →
        several zones); nothing known → empty tuples.

    Raises:
        InputError: ``country_hint`` is not an ISO 3166-1 alpha-2 code.
    """
    hint = None
    if country_hint is not None:
        try:
            hint = normalise_jurisdiction(country_hint)[:2]
        except (ValueError, TypeError, AttributeError):
            raise InputError("country_hint must be an ISO 3166-1 alpha-2 code such as 'US' or 'CN'") from None
    items: list[tuple[str | None, tuple[str, ...], bool]] = []
    evidence: list[str] = []
    if phone is None or isinstance(phone, str):
        phones = [phone] if phone else []
    elif isinstance(phone, (list, tuple)):
        phones = list(phone)
    else:
        raise InputError("phone must be a string (E.164 such as '+13125550123') or a list of strings")
    for p in phones:
        _from_phone(p, hint, items, evidence)
    if address is not None:
        _from_address(address, hint, items, evidence)
    # Country-only evidence ("somewhere in the US") narrows nothing when other evidence places
    # the consumer inside that country; otherwise it stands for every zone of the country.
    fine_countries = {j[:2] for j, _z, coarse in items if j and not coarse}
    zones: set[str] = set()
    jurs: set[str] = set()
    for j, zs, coarse in items:
        if coarse and j and j[:2] in fine_countries:
            continue
        if j:
            jurs.add(j)
        zones.update(zs)
    final_j = sorted(j for j in jurs if not any(o != j and o.startswith(j + "-") for o in jurs))
    return Location(tuple(sorted(zones)), tuple(final_j), tuple(evidence))


def _add(items: list, jur: str | None, zs, coarse: bool = False) -> None:
    items.append((jur, tuple(z for z in zs if z), coarse))


def _from_phone(raw: Any, hint: str | None, items, evidence) -> None:
    if not isinstance(raw, str) or not raw.strip():
        evidence.append("phone: empty or not a string: ignored")
        return
    # phonenumbers (and its geocoder data, ~100 MB of modules) loads on the first locate() by
    # phone, not on `import collectrules`
    import phonenumbers
    from phonenumbers import geocoder
    from phonenumbers import timezone as pn_timezone

    try:
        num = phonenumbers.parse(raw, hint)
    except phonenumbers.NumberParseException:
        evidence.append(f"phone {mask_phone(raw)}: not a parseable number"
                        + ("" if hint or raw.strip().startswith("+") else " (no + prefix and no country_hint)")
                        + ": no location")
        return
    label = mask_phone(num)
    if not phonenumbers.is_valid_number(num):
        evidence.append(f"phone {label}: not a valid number: no location")
        return
    region = phonenumbers.region_code_for_number(num)
    if not region or region in ("001", "ZZ"):
        evidence.append(f"phone {label}: non-geographic (global service) number: no location")
        return
    ntype = phonenumbers.number_type(num)
    if ntype in _non_geographic(phonenumbers):
        jur = _country_code(region)
        _add(items, jur, (), coarse=True)
        evidence.append(f"phone {label}: non-geographic number in {region}: country only, no time zone")
        return
    tzs = [z for z in pn_timezone.time_zones_for_number(num) if z and z != "Etc/Unknown"]
    desc = geocoder.description_for_number(num, "en") or ""
    jur = _country_code(region)
    sub = None
    if region == "US":
        sub = _us_state(desc)
        if sub:
            jur = f"US-{sub}"
    elif region == "CA" and desc:
        # NANP area codes are geographic: the province is evidence, like a US state. Elsewhere
        # (e.g. Chinese mobiles, registered in one province and used anywhere) only the country.
        sub_code = _subdivision_from_description(region, desc)
        if sub_code:
            jur, sub = sub_code, sub_code.split("-", 1)[1]
    if region == "US" and not tzs and jur:
        tzs = list(_jur.zones_for(jur))
    _add(items, jur, tzs)
    kind = "area code" if region in ("US", "CA") else "number prefix"
    evidence.append(
        f"phone {label}: {kind} in {region}"
        + (f" ({desc})" if desc and sub else "")
        + f" → {jur or region}; zones {', '.join(tzs) if tzs else 'unknown'}"
        + (" (portable number: evidence, not proof)" if region in ("US", "CA") else "")
    )


_SUFFIXES = re.compile(r"\s+(sheng|shi|zizhiqu|province|state|territory)$", re.I)


def _fold(name: str) -> str:
    import unicodedata

    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).strip().lower()
    return _SUFFIXES.sub("", text)


def _subdivision_from_description(region: str, desc: str) -> str | None:
    """The ISO 3166-2 code of the province/state the number's geocoder description ends with
    (``"Ontario"`` → ``CA-ON``, ``"Lianyungang, Jiangsu"`` → ``CN-JS``), or ``None``."""
    import pycountry

    last = _fold(desc.split(",")[-1])
    if not last:
        return None
    subs = pycountry.subdivisions.get(country_code=region) or ()
    hits = {sd.code for sd in subs if sd.parent_code is None and _fold(sd.name) == last}
    return hits.pop() if len(hits) == 1 else None


def _us_state(desc: str) -> str | None:
    desc = desc.strip()
    if not desc:
        return None
    m = _TRAILING_STATE.search(desc)
    if m and m.group(1) in _US_CODES:
        return m.group(1)
    return US_STATES.get(desc)


def _country_code(region: str) -> str | None:
    try:
        return normalise_jurisdiction(region)
    except ValueError:
        return None


def _from_address(address: Any, hint: str | None, items, evidence) -> None:
    code = None
    if isinstance(address, dict):
        country = address.get("country") or address.get("country_code") or hint
        sub = (address.get("state") or address.get("region") or address.get("province")
               or address.get("subdivision"))
        if not isinstance(country, str) or not country.strip():
            evidence.append("address: no country (and no country_hint): no location")
            return
        country = country.strip().upper()
        if isinstance(sub, str) and sub.strip():
            s = sub.strip()
            if country == "US" and s in US_STATES:
                s = US_STATES[s]
            s = s.upper()
            if s.startswith(country + "-"):
                s = s[len(country) + 1:]
            code = f"{country}-{s}"
        else:
            code = country
    elif isinstance(address, str):
        text = address.strip()
        if re.fullmatch(r"[A-Za-z]{2}(-[A-Za-z0-9]{1,4}){0,2}", text):
            code = text.upper()
        else:
            m = None
            if hint in (None, "US"):
                found = [g for g in _STATE_ZIP.findall(text) if g in _US_CODES]
                m = found[-1] if found else None
            if m:
                code = f"US-{m}"
            else:
                evidence.append("address: free text without a recognisable country/state: no location")
                return
    else:
        evidence.append("address: not a mapping or string: ignored")
        return
    try:
        code = normalise_jurisdiction(code)
    except ValueError:
        evidence.append("address: country/subdivision is not an ISO 3166 code: no location")
        return
    if code.startswith("US-") and code[3:] not in _US_CODES:
        evidence.append(f"address: {code} is not a US state or territory: country only")
        code = "US"
    tzs = _jur.zones_for(code)
    _add(items, code, tzs, coarse="-" not in code)
    evidence.append(f"address → {code}; zones {', '.join(tzs) if tzs else 'unknown'}")
