"""Record retention: :meth:`Policy.retention_until` and its explanation.

The answer is the latest date until which a record must be kept under every applicable
``retention`` rule of every ruleset that applies to the account (jurisdiction and scope, as for
:meth:`Policy.check`). A rule's effective dates are compared with the local date of the last
activity in the consumer's first time zone (UTC when no zone is known).
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any



from .errors import InputError
from .vocab import RECORD_KINDS

if TYPE_CHECKING:  # pragma: no cover
    from .policy import Policy



def _activity(value: Any) -> _dt.datetime | _dt.date:
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                value = _dt.date.fromisoformat(text)
            elif "T" in text or " " in text:
                value = _dt.datetime.fromisoformat(text)
            else:
                # "20250602" would be read as a Unix timestamp: refuse anything not clearly ISO
                raise ValueError(text)
        except ValueError:
            raise InputError("last_activity_at must be an ISO 8601 date (YYYY-MM-DD) or a timezone-aware "
                             "datetime") from None
    from .models import MAX_YEAR, MIN_YEAR

    if isinstance(value, _dt.date) and not MIN_YEAR <= value.year <= MAX_YEAR:
        raise InputError(f"last_activity_at is outside the supported years {MIN_YEAR}-{MAX_YEAR}")
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InputError("last_activity_at is a naive datetime: give a timezone-aware one (or a date)")
        return value
    if isinstance(value, _dt.date):
        return value
    raise InputError(f"last_activity_at must be a date or an aware datetime, not {type(value).__name__}")


def retention_basis(policy: "Policy", account: Any, last_activity_at: Any, record_kind: str) -> list[tuple[Any, Any]]:
    """Every applicable retention rule and the date it gives, as ``[(rule, until), ...]``.

    Raises:
        InputError: malformed account, naive datetime, unknown record kind.
    """
    from .models import Account
    from .policy import _coerce

    account = _coerce(Account, account, "account")
    if record_kind not in RECORD_KINDS:
        raise InputError(f"record_kind must be one of {', '.join(RECORD_KINDS)}")
    last = _activity(last_activity_at)
    if isinstance(last, _dt.datetime):
        zones, _ = policy._zones(account)
        day = last.astimezone(zones[0]).date() if zones else last.astimezone(_dt.timezone.utc).date()
    else:
        day = last
    applicable, _skipped, covered = policy._select(account)
    if not covered:
        # fail closed: "no ruleset for this jurisdiction" must not read as "nothing to keep"
        raise InputError("no loaded ruleset covers the account's jurisdictions: retention cannot be decided")
    if policy.unknown_period == "deny" and policy._not_in_effect(account, (day,)):
        # fail closed, as for check(): a date when none of the loaded rules was in force is
        # "rules unknown", not "nothing to keep"
        raise InputError("no loaded ruleset for the account's jurisdictions is in effect on the date of the last "
                         "activity: retention cannot be decided")
    out = []
    for rs in applicable:
        if not rs.in_effect((day,)):
            continue
        for rule in rs.rules:
            if rule.kind == "retention" and rule.applies(account, record_kind, day):
                out.append((rule, rule.until(last)))
    return out


def retention_until(policy: "Policy", account: Any, last_activity_at: Any, record_kind: str):
    """The latest applicable keep-until date (same type as ``last_activity_at``), or ``None``
    when the loaded rulesets covering the account say nothing about that record kind.

    Raises:
        InputError: as :func:`retention_basis`, and when no loaded ruleset covers the account's
            jurisdictions at all (fail closed).
    """
    basis = retention_basis(policy, account, last_activity_at, record_kind)
    if not basis:
        return None
    return max(u for _r, u in basis)
