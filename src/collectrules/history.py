"""Contact history, sorted once and indexed for counting.

:meth:`Policy.check` accepts a plain list of :class:`~collectrules.models.Contact` (or dicts),
which it wraps in a :class:`History` on every call (O(n log n)). A dialer that checks many
attempts for the same account should build the :class:`History` once and pass it instead:

    history = collectrules.History(contacts)        # validate + sort once
    policy.check(attempt, account=account, history=history)

Counting then costs two binary searches per counter: it is nearly flat in the number of past
contacts. Each distinct counter (filter, debt, person) scans the history once, the first time
it is asked for, and is cached on the :class:`History`; ``history.append(contact)`` adds a
contact in place and keeps those indexes (a binary search each). A plain list given to
:meth:`Policy.check` is used once: each counter scans only the contacts inside its window.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import functools
import hashlib
import linecache
import types
import weakref
from typing import Any, Callable, Iterable

from pydantic import TypeAdapter, ValidationError

from .errors import InputError
from .fastinput import fast_build as _fast
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

    __slots__ = ("contacts", "timestamps", "_index", "_pending", "_oneshot", "__weakref__")

    def __init__(self, contacts: Iterable[Contact | dict[str, Any]] = ()):
        items = contacts if isinstance(contacts, list) else list(contacts)
        if items and not all(type(c) is Contact for c in items):
            # common shapes by generated plain checks; anything else (and every error) through
            # the pydantic models, so messages and acceptance stay the models'
            built = [c if type(c) is Contact else _fast(Contact, c) for c in items]
            if not all(built):  # a None: some entry is not of a common shape
                try:
                    items = _CONTACTS.validate_python(items)
                except ValidationError as exc:
                    raise InputError(_history_error(exc)) from None
            else:
                items = built
        pairs = sorted(((c.at.timestamp(), i, c) for i, c in enumerate(items)))
        #: the contacts, oldest first (read-only: extend with :meth:`append`)
        self.contacts: list[Contact] = [p[2] for p in pairs]
        #: their instants as POSIX timestamps, ascending (read-only)
        self.timestamps: list[float] = [p[0] for p in pairs]
        self._index: dict = {}
        self._pending: Any = None  # decisions whose next-allowed search still reads this history
        self._oneshot = False  # built by Policy.check from a plain list: used for one check only

    @classmethod
    def coerce(cls, value: "History | Iterable[Contact | dict] | None") -> "History":
        if isinstance(value, History):
            return value
        if value is None:
            return _EMPTY
        if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
            raise InputError("history must be a list of contacts")
        h = cls(value)
        h._oneshot = True  # nobody else holds it: count only what each window needs
        return h

    def __len__(self) -> int:
        return len(self.contacts)

    def __iter__(self):
        return iter(tuple(self.contacts))

    def append(self, contact: "Contact | dict[str, Any]") -> None:
        """Add one contact (a :class:`Contact` or dict) in place, in time order, keeping every
        counter index built so far: a binary search for its place and one per cached counter,
        instead of rebuilding the history. A decision made earlier whose ``next_allowed_at``
        has not been read yet is settled first (it answers for the history it was made on).
        Checks may share a History across threads; ``append`` must not run while another
        thread checks with the same History (extend it from the thread that owns the account).

        Raises:
            InputError: a malformed contact (the history is left unchanged).
        """
        if self is _EMPTY:
            raise InputError("the shared empty history cannot be extended: build a History")
        c = contact if type(contact) is Contact else _fast(Contact, contact)
        if c is None:
            if not isinstance(contact, dict):
                raise InputError(f"contact must be a Contact or a dict, not {type(contact).__name__}")
            try:
                c = Contact.model_validate(contact)
            except ValidationError as exc:
                raise InputError(_history_error(exc).replace("history[", "contact[", 1)) from None
        pending = self._pending
        if pending:
            for d in list(pending.values()):
                d._resolve()
            pending.clear()
        ts = c.at.timestamp()
        i = bisect.bisect_right(self.timestamps, ts)
        self.timestamps.insert(i, ts)
        self.contacts.insert(i, c)
        for pred, stamps in self._index.values():
            if pred(c):
                bisect.insort_right(stamps, ts)

    def _hold(self, decision: Any) -> None:
        """Register a decision whose pending search reads this (caller-owned) history."""
        if self._oneshot or self is _EMPTY:
            return
        if self._pending is None:
            # by identity (a decision's hash would read its fields, running the search);
            # entries leave when the decision is garbage
            self._pending = weakref.WeakValueDictionary()
        self._pending[id(decision)] = decision

    def select(self, static_key: tuple, dyn_key: tuple, ctx: Any, consent_days: int | None,
               window: tuple[float, float] | None = None) -> list[float]:
        """Sorted timestamps of the contacts a counter counts (cached per key).

        ``window`` (``start``, ``end`` timestamps): the caller counts only inside it. A history
        used for one check only is then scanned from a binary search to the window's end rather
        than indexed whole; the result may omit contacts outside the window."""
        if not self.contacts:
            return []  # nothing to index; no cache entry (the shared empty history must not grow)
        groups = ctx.account.debt_groups
        gkey = tuple(tuple(g) for g in groups) if groups else ()
        key = (static_key, dyn_key, consent_days, ctx.zone_names if consent_days else (), gkey)
        hit = self._index.get(key)
        if hit is not None:
            return hit[1]
        pred = _predicate(static_key, dyn_key, ctx, consent_days)
        ts, cs = self.timestamps, self.contacts
        if window is not None and self._oneshot:
            lo = bisect.bisect_left(ts, window[0])
            hi = bisect.bisect_left(ts, window[1])
            return [ts[i] for i in range(lo, hi) if pred(cs[i])]
        out = [t for t, c in zip(ts, cs) if pred(c)]
        self._index[key] = (pred, out)
        return out

    def select_contacts(self, static_key: tuple, dyn_key: tuple, ctx: Any) -> list[Contact]:
        return [c for c in self.contacts if _matches(c, static_key, dyn_key, ctx, None)]


def _predicate(static_key: tuple, dyn_key: tuple, ctx: Any, consent_days: int | None) -> Callable[[Contact], bool]:
    f = _static_filter(static_key)
    if not (dyn_key or consent_days):
        return f
    from .rules.base import debt_group_map

    gm = debt_group_map(ctx.account)
    zones = ctx.zones

    z = types.SimpleNamespace(zones=zones)  # what _dynamic_ok reads of the context
    return lambda c: f(c) and _dynamic_ok(c, dyn_key, z, consent_days, gm)


_EMPTY = History(())


@functools.lru_cache(maxsize=1024)
def _static_filter(sk: tuple) -> Callable[[Contact], bool]:
    """A generated predicate for the attempt-independent part of a counter's filter (one
    comparison per filter the rule gives), registered in :mod:`linecache`."""
    chans, directions, outcomes, outcomes_ex, recips, recips_ex, places, purposes, purposes_ex, dialers = sk
    ns: dict[str, Any] = {}
    conds = []
    for expr, name, value, wanted in (
        ("c.channel in {}", "CH", chans, chans is not None),
        ("c.direction in {}", "DI", directions, True),
        # an unreported outcome ("unknown") is kept by every outcome filter (fail closed)
        ("(c.outcome in {} or c.outcome == 'unknown')", "OU", outcomes, outcomes is not None),
        ("c.outcome not in {}", "OX", outcomes_ex, bool(outcomes_ex)),
        ("c.recipient in {}", "RE", recips, recips is not None),
        ("c.recipient not in {}", "RX", recips_ex, bool(recips_ex)),
        ("c.place in {}", "PL", places, places is not None),
        ("c.purpose in {}", "PU", purposes, purposes is not None),
        ("c.purpose not in {}", "PX", purposes_ex, bool(purposes_ex)),
        ("c.dialer in {}", "DL", dialers, dialers is not None),
    ):
        if wanted:
            ns[name] = value
            conds.append(expr.format(name))
    src = "def f(c):\n    return " + (" and ".join(conds) or "True") + "\n"
    # one name per distinct filter (not per call): linecache holds at most one entry per filter
    filename = f"<collectrules history filter {hashlib.sha1(repr(sk).encode()).hexdigest()[:12]}>"
    exec(compile(src, filename, "exec"), ns)  # noqa: S102 - built from fixed templates above
    linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)
    return ns["f"]


def _matches(c: Contact, sk: tuple, dk: tuple, ctx: Any, consent_days: int | None) -> bool:
    from .rules.base import debt_group_map

    return _static_filter(sk)(c) and _dynamic_ok(c, dk, ctx, consent_days, debt_group_map(ctx.account))


def _dynamic_ok(c: Contact, dk: tuple, ctx: Any, consent_days: int | None, gm: dict[str, str]) -> bool:
    """The attempt-dependent part: same debt (group), same person, same number or place; and
    the consent exclusion."""
    for part in dk:
        tag = part[0]
        if tag == "debt":
            if gm:
                if not any(gm.get(d, d) == part[1] for d in c.debt_ids):
                    return False
            elif part[1] not in c.debt_ids:
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
