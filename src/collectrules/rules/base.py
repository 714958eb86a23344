"""What every compiled rule shares: identity, scoping, effective dates and the evaluation context.

A compiled rule is a small object with an ``evaluate(ctx)`` method returning ``None`` (pass,
with nothing to say), or a :class:`Result`. It never reads YAML and never raises for a
well-formed request.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import linecache
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from .. import clock
from ..ruleset.common import Conditions, CountFilter, RuleBase

if TYPE_CHECKING:  # pragma: no cover
    from ..history import History
    from ..models import Account, ContactAttempt

PASS = "pass"
FAIL = "fail"
SKIP = "skip"


@dataclass(slots=True)
class Result:
    """The outcome of one rule for one attempt.

    ``detail`` is a format string and its arguments, formatted only when someone reads the
    trace. ``until`` (for failures) is a lower bound on the instant at which this rule could
    allow the attempt; ``None`` means waiting does not help.
    """

    outcome: str
    detail: tuple
    until: _dt.datetime | None = None

    def text(self) -> str:
        fmt, *args = self.detail
        return fmt.format(*args) if args else fmt


class Lazy:
    """Text computed only when a trace or message is read (keeps ``check`` free of formatting)."""

    __slots__ = ("fn", "args")

    def __init__(self, fn: Callable[..., str], *args: Any):
        self.fn = fn
        self.args = args

    def __str__(self) -> str:
        return self.fn(*self.args)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


class Context:
    """Everything one evaluation needs, computed once per check and shared by the rules."""

    __slots__ = ("attempt", "account", "history", "zones", "zone_names", "locals", "dates", "ts", "at",
                 "_debt_key", "cache")

    def __init__(self, attempt: "ContactAttempt", account: "Account", history: "History",
                 zones: tuple, zone_names: tuple[str, ...], at: _dt.datetime):
        self.attempt = attempt
        self.account = account
        self.history = history
        self.zones = zones
        self.zone_names = zone_names
        self.at = at
        self.ts = at.timestamp()
        if len(zones) == 1:
            loc = at.astimezone(zones[0])
            self.locals = (loc,)
            self.dates = (loc.date(),)
        else:
            self.locals = tuple(at.astimezone(z) for z in zones)
            self.dates = tuple(loc.date() for loc in self.locals)
        self._debt_key = None
        self.cache: dict = {}

    def debt_key(self) -> str:
        """The attempt's particular debt: its debt group (Reg F 1006.14(b)(4)) or its own id."""
        if self._debt_key is None:
            self._debt_key = debt_group_map(self.account).get(self.attempt.debt_id, self.attempt.debt_id)
        return self._debt_key

    def consent_valid(self, days: int) -> bool:
        """Direct prior consent given at or before the attempt, on a local date within ``days``
        days (the consent date is day 1), in every candidate zone."""
        c = self.attempt.consent_given_at
        if c is None or c > self.at:
            return False
        for z, d in zip(self.zones, self.dates):
            if (d - c.astimezone(z).date()).days >= days:
                return False
        return True


_DEBT_GROUP_CACHE: dict[int, tuple[Any, dict[str, str]]] = {}


def debt_group_map(account: "Account") -> dict[str, str]:
    """Map each debt id in ``account.debt_groups`` to its group's key (first id of the group)."""
    groups = account.debt_groups
    if not groups:
        return {}
    hit = _DEBT_GROUP_CACHE.get(id(account))
    if hit is not None and hit[0] is account:
        return hit[1]
    # groups that share a debt are one particular debt: merge them (union-find), so the result
    # does not depend on the order the groups are listed in
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for g in groups:
        for d in g[1:]:
            ra, rb = find(g[0]), find(d)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
        if g:
            find(g[0])
    members: dict[str, list[str]] = {}
    for d in list(parent):
        members.setdefault(find(d), []).append(d)
    mapping: dict[str, str] = {}
    for root, ds in members.items():
        key = "group:" + min(ds)
        for d in ds:
            mapping[d] = key
    if len(_DEBT_GROUP_CACHE) > 1024:
        _DEBT_GROUP_CACHE.clear()
    _DEBT_GROUP_CACHE[id(account)] = (account, mapping)
    return mapping


_PRED_COUNTER = [0]


#: How long a bare ``consent_given_at`` counts as consent to a contact at an otherwise
#: inconvenient time (hours rules and consumer-stated inconvenient times): consent to be called
#: at such a time is consent to *that* contact, so it must be fresh — given at or before the
#: attempt and at most this many hours earlier (docs/defaults.md). Standing consent to given
#: hours is ``Account.contact_consent_hours``.
FRESH_CONSENT_HOURS = 24


def written_consent_in_force(ctx: "Context", channel: str) -> bool:
    """The consumer's prior written consent to ``channel`` is in force at the attempt: the channel
    is in ``Account.written_consent_channels`` and no ledger revocation covers it (consent is
    revocable), or the consent ledger holds a written consent for it in force. A channel in
    ``Account.opted_out_channels`` has no consent."""
    from .channel import _revocation, ledger_consent

    if channel in ctx.account.opted_out_channels:
        return False
    if channel in ctx.account.written_consent_channels and _revocation(ctx, channel) is None:
        return True
    return ledger_consent(ctx, channel, written=True) is not None


def _fresh_consent(ctx: "Context", hours: int) -> bool:
    c = ctx.attempt.consent_given_at
    return c is not None and c <= ctx.at and (ctx.ts - c.timestamp()) <= hours * 3600.0


def compile_conditions(c: Conditions | None, name: str = "conditions", *,
                       unknown_matches: bool = True,
                       fresh_consent_hours: int | None = None) -> Callable[[Context], bool] | None:
    """Turn a :class:`Conditions` block into one plain Python predicate on the context
    (``None``: always true).

    Account facts the caller may not know (``institution_type``, ``debt_type``,
    ``days_past_due``) and an attempt whose ``dialer`` is ``unknown`` (the default: not stated)
    fail closed: when unknown they match an ``applies_to`` block (``unknown_matches=True``: the
    rule applies) and do not match an ``unless`` block (``unknown_matches=False``: the exception
    is not granted), unless the block names ``unknown`` itself.

    ``fresh_consent_hours``: for rules where consent lifts a time restriction (hours rules), a
    ``consent: true`` selector needs consent given at most that many hours before the attempt
    (a selector's own ``consent_within_hours`` wins when stricter).

    The predicate is generated source (one ``if`` per selector, constants bound as frozensets),
    registered in :mod:`linecache` so tracebacks and debuggers show it.
    """
    if c is None:
        return None
    ns: dict[str, Any] = {}
    lines = []

    def member(expr: str, values: list | None, key: str) -> None:
        if values is not None:
            ns[key] = frozenset(values)
            lines.append(f"    if {expr} not in {key}: return False")

    member("a.channel", c.channels, "CHANNELS")
    member("a.recipient", c.recipients, "RECIPIENTS")
    member("a.place", c.places, "PLACES")
    member("a.purpose", c.purposes, "PURPOSES")
    if c.dialers is not None:
        ns["DIALERS"] = frozenset(c.dialers)
        if unknown_matches and "unknown" not in c.dialers:
            # an unstated dialer could be any of them: the rule applies (fail closed)
            lines.append("    if a.dialer not in DIALERS and a.dialer != 'unknown': return False")
        else:
            lines.append("    if a.dialer not in DIALERS: return False")
    member("acct.collector_type", c.collector_types, "COLLECTOR_TYPES")
    unknown = "False" if unknown_matches else "True"  # what "fact unknown" makes the predicate reject

    def optional_member(field: str, values: list | None, key: str) -> None:
        if values is not None:
            ns[key] = frozenset(values)
            lines.append(f"    if acct.{field} is None:")
            lines.append(f"        if {unknown}: return False")
            lines.append(f"    elif acct.{field} not in {key}: return False")

    optional_member("institution_type", c.institution_types, "INSTITUTION_TYPES")
    optional_member("debt_type", c.debt_types, "DEBT_TYPES")
    for bound, op in ((c.days_past_due_over, "<="), (c.days_past_due_at_most, ">")):
        if bound is not None:
            lines.append("    if acct.days_past_due is None:")
            lines.append(f"        if {unknown}: return False")
            lines.append(f"    elif acct.days_past_due {op} {int(bound)}: return False")
    hours = c.consent_within_hours
    if c.consent and fresh_consent_hours is not None:
        hours = fresh_consent_hours if hours is None else min(hours, fresh_consent_hours)
    if c.consent is not None and not (c.consent and hours is not None):
        cond = "a.consent_given_at is not None and a.consent_given_at <= ctx.at"
        lines.append(f"    if {'not ' if c.consent else ''}({cond}): return False")
    if hours is not None:
        ns["_fresh"] = _fresh_consent
        lines.append(f"    if not _fresh(ctx, {int(hours)}): return False")
    if c.written_consent is not None:
        ns["_written"] = written_consent_in_force
        lines.append(f"    if {'not ' if c.written_consent else ''}_written(ctx, a.channel): return False")
    for flag in c.account_flags or ():
        lines.append(f"    if not acct.{flag}: return False")
    for flag in c.account_flags_unset or ():
        lines.append(f"    if acct.{flag}: return False")
    src = "def pred(ctx):\n    a = ctx.attempt\n    acct = ctx.account\n" + "\n".join(lines) + "\n    return True\n"
    # the file name depends only on the rule and the source, so loading the same rules again
    # reuses the linecache entry instead of adding one per load_policy() (no growth per load)
    filename = f"<collectrules {name} {hashlib.sha1(src.encode()).hexdigest()[:12]}>"
    code = compile(src, filename, "exec")
    exec(code, ns)  # noqa: S102 - source built above from validated selector names only
    linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)
    return ns["pred"]


def describe_conditions(c: Conditions) -> str:
    parts = []
    for name, value in c.model_dump(exclude_none=True).items():
        parts.append(f"{name}={','.join(map(str, value)) if isinstance(value, list) else value}")
    return " and ".join(parts) or "always"


class CompiledRule:
    """Base class: identity, scoping (channels, ``applies_to``, ``unless``) and effective dates.

    Subclasses implement :meth:`check` and may override :meth:`compile_extra`.
    """

    kind = "?"
    #: False for kinds that do not decide contact attempts (content, retention): the compiler
    #: leaves them out of the per-channel lists that :meth:`Policy.check` walks.
    in_check = True
    #: optional ``fast_pass(ctx) -> bool``: True when the rule certainly does not fail, letting
    #: the evaluator record ``pass_detail`` without the full evaluation (set by kinds that can).
    fast_pass: Callable[[Context], bool] | None = None
    pass_detail: tuple = ("passes",)
    #: what ``fast_pass`` records: ``pass``, or ``skip`` when it tests the rule's own scope
    fast_outcome: str = PASS

    def __init__(self, model: RuleBase, ruleset: Any):
        self.model = model
        self.rule_id = model.id
        self.ruleset_id = ruleset.id
        self.jurisdiction = ruleset.jurisdiction
        self.citation = model.citation
        self.source = model.source or ruleset.source
        self.status = model.status
        self.severity = model.severity
        self.title = model.title
        self.channels = frozenset(model.channels) if model.channels else None
        self.effective_from = model.effective_from
        self.effective_until = model.effective_until
        self.applies_to = compile_conditions(model.applies_to, f"{ruleset.id}/{model.id} applies_to")
        self._applies_text = describe_conditions(model.applies_to) if model.applies_to else ""
        fresh = self.fresh_consent_hours(model)
        self.unless = tuple((compile_conditions(u, f"{ruleset.id}/{model.id} unless", unknown_matches=False,
                                                fresh_consent_hours=fresh),
                             describe_conditions(u) + (f" (consent at most {fresh} h old)"
                                                       if fresh and u.consent else ""))
                            for u in (model.unless or ()))
        self._dated = self.effective_from is not None or self.effective_until is not None

    def fresh_consent_hours(self, model: RuleBase) -> int | None:
        """Kinds whose consent exception lifts a time restriction return
        :data:`FRESH_CONSENT_HOURS`: there ``unless: [{consent: true}]`` needs fresh consent."""
        return None

    # -- scoping -----------------------------------------------------------------------------

    def in_effect(self, ctx: Context) -> bool:
        """In force on the attempt's local date in any candidate zone (stricter: more rules)."""
        f, u = self.effective_from, self.effective_until
        if f is None and u is None:
            return True
        for d in ctx.dates:
            if (f is None or d >= f) and (u is None or d <= u):
                return True
        return False

    def evaluate(self, ctx: Context) -> Result | None:
        if self._dated and not self.in_effect(ctx):
            return Result(SKIP, ("not in effect on {} (effective {}..{})", ctx.dates[0],
                                 self.effective_from or "", self.effective_until or ""))
        if self.applies_to is not None and not self.applies_to(ctx):
            return Result(SKIP, ("does not apply: needs {}", self._applies_text))
        for pred, text in self.unless:
            if pred(ctx):
                return Result(SKIP, ("exception applies: {}", text))
        res = self.check(ctx)
        if res is not None and res.outcome == FAIL and self.effective_until is not None:
            # the rule stops binding when its effective period ends in every candidate zone:
            # no later than that, waiting helps (e.g. an old cap replaced by a new rule)
            ends = latest_start(ctx.zones, lambda z: self.effective_until, 1)
            if res.until is None or ends < res.until:
                res.until = ends
        return res

    def check(self, ctx: Context) -> Result | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def message(self, ctx: Context, result: Result) -> str:
        """The violation message: the rule's title, then what was found."""
        found = result.text()
        return f"{self.title}: {found}" if self.title else found


# ---------------------------------------------------------------------------------------------
# shared helpers for counting rules


def count_filter_key(f: CountFilter | None, default_channels: frozenset | None) -> tuple:
    """A hashable description of a count filter (the history index key)."""
    f = f or CountFilter()
    chans = frozenset(f.channels) if f.channels else default_channels
    return (
        chans,
        frozenset(f.directions) if f.directions else frozenset({"outbound"}),
        frozenset(f.outcomes) if f.outcomes else None,
        frozenset(f.outcomes_exclude or ()),
        frozenset(f.recipients) if f.recipients else None,
        frozenset(f.recipients_exclude or ()),
        frozenset(f.places) if f.places else None,
        frozenset(f.purposes) if f.purposes else None,
        frozenset(f.purposes_exclude or ()),
        # a past contact whose dialer was not stated could have been any: it counts (fail closed)
        (frozenset(f.dialers) | {"unknown"}) if f.dialers else None,
    )


def counter_per(per) -> tuple[str, ...]:
    """The attempt-dependent parts of a counter key for a rule's ``per`` list.

    ``borrower`` counts the whole history given (every debt of the consumer: the history is the
    consumer's). ``account`` counts per account, and an account is the attempt's ``debt_id``
    merged through ``Account.debt_groups`` (several debt ids under one account number are one
    account): the same key as ``debt`` — contacts about the consumer's other accounts are not
    counted. ``recipient``, ``contact_method`` and ``place`` narrow further.
    """
    out: list[str] = []
    for p in per:
        p = "debt" if p == "account" else p
        if p != "borrower" and p not in out:
            out.append(p)
    return tuple(out)


def dynamic_key(per: tuple[str, ...], ctx: Context) -> tuple:
    """The attempt-dependent part of a counter key (which debt, which person, which number);
    memoised on the context, since several rules usually ask for the same one."""
    cache = ctx.cache
    key = ("dk", per)
    hit = cache.get(key)
    if hit is not None:
        return hit
    a = ctx.attempt
    out = []
    for p in per:
        if p == "debt":
            out.append(("debt", ctx.debt_key()))
        elif p == "recipient":
            out.append(("recipient", a.recipient, a.recipient_id))
        elif p == "contact_method":
            out.append(("contact_method", a.channel, a.address_id))
        elif p == "place":
            out.append(("place", a.place))
    result = cache[key] = tuple(out)
    return result


def day_window(ctx: Context, first_offset: int, last_offset: int) -> tuple[float, float]:
    """:func:`window_bounds` for the attempt's own local dates, memoised on the context."""
    key = ("dw", first_offset, last_offset)
    hit = ctx.cache.get(key)
    if hit is None:
        hit = ctx.cache[key] = window_bounds(ctx.zones, ctx.dates, first_offset, last_offset)
    return hit


def window_bounds(zones, dates, first_offset: int, last_offset: int) -> tuple[float, float]:
    """Union over zones of local dates ``D+first_offset .. D+last_offset`` as UTC timestamps
    ``[start, end)``."""
    start = end = None
    for z, d in zip(zones, dates):
        s = clock_start(z, d + _dt.timedelta(days=first_offset))
        e = clock_start(z, d + _dt.timedelta(days=last_offset + 1))
        start = s if start is None or s < start else start
        end = e if end is None or e > end else end
    return start, end


_START_CACHE: dict = {}


def clock_start(zone, day: _dt.date) -> float:
    """Cached timestamp of the first instant of local date ``day`` in ``zone``."""
    key = (zone, day)
    v = _START_CACHE.get(key)
    if v is None:
        if len(_START_CACHE) > 65536:
            _START_CACHE.clear()
        v = _START_CACHE[key] = clock.start_of_day(zone, day).timestamp()
    return v


def latest_start(zones, local_date_of, offset_days: int) -> _dt.datetime:
    """max over zones of the start of (local date of an instant + offset) — a lower bound on when
    an instant leaves a day window in every zone."""
    best = None
    for z in zones:
        t = clock_start(z, local_date_of(z) + _dt.timedelta(days=offset_days))
        best = t if best is None or t > best else best
    return clock.from_timestamp(best)
