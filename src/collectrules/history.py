"""Contact history, sorted once and indexed for counting.

:meth:`Policy.check` accepts a plain list of :class:`~collectrules.models.Contact` (or dicts),
which it wraps in a :class:`History` on every call (O(n log n)). A dialer that checks many
attempts for the same account should build the :class:`History` once and pass it instead:

    history = collectrules.History(contacts)        # validate + sort once
    policy.check(attempt, account=account, history=history)

Counting then costs two binary searches per counter: it is nearly flat in the number of past
contacts. Each distinct counter (filter, debt, person) scans the history once, the first time
it is asked for, and is cached on the :class:`History` (appending creates a new History).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Iterable

from pydantic import TypeAdapter, ValidationError

from .errors import InputError
from .models import Contact

_CONTACTS = TypeAdapter(list[Contact])


class History:
    """An immutable, time-sorted contact history for one borrower/account.

    Args:
        contacts: :class:`Contact` objects or JSON-compatible dicts, in any order.

    Raises:
        InputError: an entry is malformed (missing ``outcome``, naive ``at``, unknown channel…);
            a malformed history is never evaluated.
    """

    __slots__ = ("contacts", "timestamps", "_index")

    def __init__(self, contacts: Iterable[Contact | dict[str, Any]] = ()):
        items = contacts if isinstance(contacts, list) else list(contacts)
        if items and not all(type(c) is Contact for c in items):
            try:
                items = _CONTACTS.validate_python(items)
            except ValidationError as exc:
                raise InputError(_history_error(exc)) from None
        pairs = sorted(((c.at.timestamp(), i, c) for i, c in enumerate(items)))
        self.contacts: tuple[Contact, ...] = tuple(p[2] for p in pairs)
        self.timestamps: tuple[float, ...] = tuple(p[0] for p in pairs)
        self._index: dict = {}

    @classmethod
    def coerce(cls, value: "History | Iterable[Contact | dict] | None") -> "History":
        if isinstance(value, History):
            return value
        if value is None:
            return _EMPTY
        if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
            raise InputError("history must be a list of contacts")
        return cls(value)

    def __len__(self) -> int:
        return len(self.contacts)

    def __iter__(self):
        return iter(self.contacts)

    def select(self, static_key: tuple, dyn_key: tuple, ctx: Any, consent_days: int | None) -> list[float]:
        """Sorted timestamps of the contacts a counter counts (cached per key)."""
        groups = ctx.account.debt_groups
        gkey = tuple(tuple(g) for g in groups) if groups else ()
        key = (static_key, dyn_key, consent_days, ctx.zone_names if consent_days else (), gkey)
        hit = self._index.get(key)
        if hit is not None:
            return hit
        out = [self.timestamps[i] for i, c in enumerate(self.contacts)
               if _matches(c, static_key, dyn_key, ctx, consent_days)]
        self._index[key] = out
        return out

    def select_contacts(self, static_key: tuple, dyn_key: tuple, ctx: Any) -> list[Contact]:
        return [c for c in self.contacts if _matches(c, static_key, dyn_key, ctx, None)]


_EMPTY = History(())


def _matches(c: Contact, sk: tuple, dk: tuple, ctx: Any, consent_days: int | None) -> bool:
    chans, directions, outcomes, outcomes_ex, recips, recips_ex, places, purposes, purposes_ex, dialers = sk
    if chans is not None and c.channel not in chans:
        return False
    if c.direction not in directions:
        return False
    if outcomes is not None and c.outcome not in outcomes:
        return False
    if c.outcome in outcomes_ex:
        return False
    if recips is not None and c.recipient not in recips:
        return False
    if c.recipient in recips_ex:
        return False
    if places is not None and c.place not in places:
        return False
    if purposes is not None and c.purpose not in purposes:
        return False
    if c.purpose in purposes_ex:
        return False
    if dialers is not None and c.dialer not in dialers:
        return False
    for part in dk:
        tag = part[0]
        if tag == "debt":
            from .rules.base import debt_group_map

            gm = debt_group_map(ctx.account)
            if not any(gm.get(d, d) == part[1] for d in c.debt_ids):
                return False
        elif tag == "recipient":
            if c.recipient != part[1]:
                return False
            if part[2] is not None and c.recipient_id is not None and c.recipient_id != part[2]:
                return False
        elif tag == "contact_method":
            if c.channel != part[1]:
                return False
            if part[2] is not None and c.address_id is not None and c.address_id != part[2]:
                return False
        elif tag == "place":
            if c.place != part[1]:
                return False
    if consent_days and c.consent_given_at is not None and c.consent_given_at <= c.at:
        # excluded: placed with direct prior consent still in force (consent date = day 1)
        if all((c.at.astimezone(z).date() - c.consent_given_at.astimezone(z).date()).days < consent_days
               for z in ctx.zones):
            return False
    return True


def _history_error(exc: ValidationError) -> str:
    from .redact import error_parts

    parts = []
    for e in exc.errors()[:10]:
        loc, msg = error_parts(e)  # only the message and safe key names: never the input
        where = f"history[{loc[0]}]" + "".join(f".{p}" for p in loc[1:]) if loc else "history"
        parts.append(f"{where}: {msg}")
    more = len(exc.errors()) - 10
    return "malformed history: " + "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def as_of(history: History, at: _dt.datetime) -> History:  # pragma: no cover - helper for callers
    """The part of ``history`` strictly before ``at``."""
    ts = at.timestamp()
    return History([c for c, t in zip(history.contacts, history.timestamps) if t < ts])
