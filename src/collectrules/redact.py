"""Redaction of personal data in text the library echoes (lint findings, error messages, logs).

:func:`redact` replaces, in this order:

* e-mail addresses (internationalised ones too) → ``[email]``;
* Chinese resident identity card numbers (居民身份证号码: 18 characters, 17 digits and a digit or
  ``X``, optionally grouped; and the older 15-digit form) → ``[cn-id]``;
* US social security numbers (``123-45-6789``, ``123 45 6789``, ``123456789``) → ``[ssn]``;
* identity documents shaped like a Hong Kong identity card or a passport number (one or two
  capital letters and 6–9 digits, ``A123456(7)``, ``E12345678``) → ``[id]``;
* bank card numbers (13–19 digits, optionally grouped by spaces or dashes) → ``[card]``;
* telephone numbers found by ``phonenumbers.PhoneNumberMatcher`` (valid international ``+``
  numbers, and national numbers of the regions in ``regions``), and anything shaped like a
  North American number (``312-555-0123``, ``(312) 555 0123``) → ``[phone]``;
* any other run of 11 or more digits (grouped or not) → ``[number]`` — a number that none of
  the above recognised is still not echoed (fail closed).

The patterns over-match on purpose: a false redaction costs a little readability, a missed one
leaks a person's data. :func:`mask_phone` gives a short, non-identifying label for a number
(country code and last two digits) for evidence strings.
"""

from __future__ import annotations

import re

import phonenumbers

#: Regions whose national-format numbers :func:`redact` looks for (in addition to ``+`` numbers).
DEFAULT_REGIONS: tuple[str, ...] = ("US", "CN", "HK", "TW", "GB", "IN")

_EMAIL = re.compile(r"[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)*\.\w{2,}")  # internationalised addresses too
_CN_ID = re.compile(r"(?<![0-9A-Za-z])(?:\d{6}[ \-]?\d{8}[ \-]?\d{3}[\dXx]|\d{15})(?![0-9A-Za-z])")
_DECIMAL = re.compile(r"\d+\.\d{1,2}")
# 123-45-6789, 123 45 6789 (any mix of dashes and spaces) and 123456789 (nine digits alone)
_SSN = re.compile(r"(?<![\d\-])\d{3}[- ]?\d{2}[- ]?\d{4}(?![\d\-])")
_ID_DOC = re.compile(r"(?<![A-Za-z0-9])[A-Z]{1,2}\d{6,9}(?:\([0-9A]\))?(?![A-Za-z0-9])")  # HK ID, passports
_CARD = re.compile(r"(?<!\d)(?:\d[ \-]?){12,18}\d(?!\d)")
_NANP = re.compile(r"(?<![\d+])(?:\(?\d{3}\)?[ .\-])?\d{3}[ .\-]\d{4}(?!\d)")
_DIGITS = re.compile(r"(?<!\d)(?:\d[ \-.]?){10,}\d(?!\d)")


def redact(text: str, regions: tuple[str, ...] = DEFAULT_REGIONS) -> str:
    """``text`` with phone numbers, e-mail addresses, Chinese ID numbers and bank card numbers
    replaced by ``[phone]``, ``[email]``, ``[cn-id]``, ``[card]`` (and other long digit runs by
    ``[number]``).

    Args:
        text: any text; non-strings are converted with ``str()``.
        regions: ISO 3166-1 regions whose national-format phone numbers are recognised.

    Returns:
        The redacted text (unchanged when nothing personal is found).
    """
    if not isinstance(text, str):
        text = str(text)
    if not text:
        return text
    out = _EMAIL.sub("[email]", text)
    out = _CN_ID.sub("[cn-id]", out)
    out = _SSN.sub("[ssn]", out)
    out = _ID_DOC.sub("[id]", out)
    out = _phones(out, ())          # international (+) numbers first: they can look like cards
    out = _CARD.sub("[card]", out)
    out = _phones(out, regions)
    out = _NANP.sub("[phone]", out)
    out = _DIGITS.sub("[number]", out)
    return out


def _phones(text: str, regions: tuple[str, ...]) -> str:
    if not any(ch.isdigit() for ch in text):
        return text
    spans: list[tuple[int, int]] = []
    for region in (regions or (None,)):
        try:
            matcher = phonenumbers.PhoneNumberMatcher(text, region or "ZZ", leniency=phonenumbers.Leniency.VALID)
            for m in matcher:
                if _DECIMAL.fullmatch(m.raw_string) or (text[m.end:m.end + 1] == "."
                                                       and text[m.end + 1:m.end + 2].isdigit()):
                    continue  # a decimal amount such as 12345678.90, not a number to call
                spans.append((m.start, m.end))
        except Exception:  # noqa: BLE001 - a matcher failure must not stop redaction of the rest
            continue
    if not spans:
        return text
    spans.sort()
    merged: list[list[int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    parts = []
    last = 0
    for s, e in merged:
        parts.append(text[last:s])
        parts.append("[phone]")
        last = e
    parts.append(text[last:])
    return "".join(parts)


def mask_phone(number: "phonenumbers.PhoneNumber | str") -> str:
    """A short label for a number that does not identify it: ``+1 …67`` (country code and the
    last two digits only)."""
    if isinstance(number, str):
        digits = [c for c in number if c.isdigit()]
        return "…" + "".join(digits[-2:]) if digits else "…"
    national = str(number.national_number)
    return f"+{number.country_code} …{national[-2:]}"


_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,63}$")  # field-name style keys only


def _strings(value, depth: int = 0) -> list[str]:
    if isinstance(value, str):
        return [value] if len(value) >= 3 else []
    if depth >= 3:
        return []
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v, depth + 1)]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [s for v in value for s in _strings(v, depth + 1)]
    return []


def error_parts(err: dict) -> tuple[list[str], str]:
    """A pydantic error's location and message, safe to show: location parts that are not
    lower-case field-name style keys or indexes (e.g. an unknown key that is a phone number or a
    name) become ``?``,
    and any given input value quoted by the message (e.g. an unknown zone name) becomes
    ``<given value>``; the result is then passed through :func:`redact`."""
    loc = []
    for p in err.get("loc", ()):
        if isinstance(p, int) or (isinstance(p, str) and _IDENT.match(p)):
            loc.append(str(p))
        else:
            loc.append("?")
    msg = str(err.get("msg", "invalid"))
    for s in sorted(set(_strings(err.get("input"))), key=len, reverse=True):
        if s in msg:
            msg = msg.replace(repr(s), "<given value>").replace(s, "<given value>")
    return loc, redact(msg)
