"""Compliant contact plans: the contact instants an account may get within a horizon.

    from collectrules.plan import plan_contacts
    slots = plan_contacts(policy, account, history, channel="call",
                          start="2025-06-09T00:00:00-05:00", end="2025-06-16T00:00:00-05:00")

The horizon ``[start, end)`` is cut into slots of ``slot`` (default 30 minutes) from ``start``.
Each planned contact is added to the history before the next one is chosen, so the plan itself
never exceeds a cap, and every planned instant is allowed by :meth:`Policy.check` given the
history and the *earlier* planned contacts.

* ``score=None``: slots are taken in time order — every slot that is allowed given the earlier
  planned ones is planned, until ``max_contacts`` (no allowed slot is skipped). Denied slots are
  jumped over with ``Decision.next_allowed_at`` (the earliest instant that would be allowed).
* ``score(slot) -> float`` (e.g. a right-party-contact model): slots are tried best score first
  (ties: earlier first); a slot is planned when the plan with it stays valid, i.e. it is allowed
  given the planned contacts before it, and every planned contact after it is still allowed.

A planned contact's outcome is unknown; it is counted as ``outcome`` (default
``"conversation"``: every shipped counter counts a conversation, and conversation-triggered
rules such as Regulation F's 7 days after a telephone conversation then apply — the strict
reading). Only the public API is used (the models, :class:`~collectrules.History`,
:meth:`~collectrules.Policy.check`).
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any, Callable, Iterable

from pydantic import ValidationError

from collectrules import Account, Contact, ContactAttempt, History, InputError, Policy

__all__ = ["plan_contacts", "plan_table", "MAX_SLOTS"]

#: The most slots one plan may consider (a year of 30-minute slots is 17,520).
MAX_SLOTS = 20_000

#: Attempt fields a planned contact carries over into the history (the rest are attempt-only).
_CARRY = tuple(f for f in ("recipient", "place", "purpose", "dialer", "recipient_id", "address_id", "line_type",
                           "sender_id", "consent_given_at") if f in Contact.model_fields)


def _instant(value: Any, what: str) -> _dt.datetime:
    if isinstance(value, str):
        try:
            value = _dt.datetime.fromisoformat(value)
        except ValueError:
            raise InputError(f"{what} is not an ISO 8601 instant") from None
    if not isinstance(value, _dt.datetime):
        raise InputError(f"{what} must be an aware datetime or an ISO 8601 string with an offset")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InputError(f"{what} is naive: give a timezone-aware instant")
    return value


def _coerce(model: type, value: Any, what: str) -> Any:
    if isinstance(value, model):
        return value
    if isinstance(value, dict):
        try:
            return model.model_validate(value)
        except ValidationError as exc:
            e = exc.errors()[0]
            loc = ".".join(str(p) for p in e.get("loc", ()))
            raise InputError(f"{what}.{loc}: invalid ({e.get('type')})") from None
    raise InputError(f"{what} must be a {model.__name__} or a dict")


class _Plan:
    """The planning state of one account: a base history and the planned contacts."""

    def __init__(self, policy: Policy, account: Account, history: History, template: dict, outcome: str):
        self.policy, self.account, self.base = policy, account, history
        self.template, self.outcome = template, outcome
        self.checks = 0

    def attempt(self, t: _dt.datetime) -> ContactAttempt:
        return ContactAttempt.model_validate({**self.template, "at": t})

    def contact(self, t: _dt.datetime) -> Contact:
        d = {k: self.template[k] for k in _CARRY if k in self.template}
        return Contact.model_validate({**d, "channel": self.template["channel"], "at": t,
                                       "debt_ids": [self.template["debt_id"]], "outcome": self.outcome})

    def history(self, planned: list[Contact]) -> History:
        return History(list(self.base.contacts) + planned) if planned else self.base

    def decide(self, t: _dt.datetime, planned: list[Contact], next_allowed: bool):
        self.checks += 1
        return self.policy.check(self.attempt(t), account=self.account, history=self.history(planned),
                                 next_allowed=next_allowed)


def _debt_id(debt_id: str | None, history: History, account: Account) -> str:
    if debt_id is not None:
        return debt_id
    debts = {d for c in history.contacts for d in c.debt_ids}
    if len(debts) == 1:
        return debts.pop()
    if not debts:
        return account.account_id or "planned"
    raise InputError("the history is about several debts: give debt_id (the debt the planned contacts are about)")


def plan_contacts(policy: Policy, account: Account | dict, history: History | Iterable[Any] | None, *,
                  channel: str, start: _dt.datetime | str, end: _dt.datetime | str,
                  max_contacts: int | None = None, slot: _dt.timedelta = _dt.timedelta(minutes=30),
                  score: Callable[[_dt.datetime], float] | None = None, debt_id: str | None = None,
                  attempt: dict | None = None, outcome: str = "conversation") -> list[_dt.datetime]:
    """The compliant contact instants within ``[start, end)``, in time order.

    Args:
        policy: the compiled policy.
        account, history: as for :meth:`Policy.check`.
        channel: the channel of the planned contacts.
        start, end: the horizon (aware datetimes or ISO 8601 strings with an offset; ``end``
            exclusive). Slots are ``start + k * slot`` in absolute time (a DST change shifts
            their wall-clock times by the hour, never skips or doubles one); the instants
            returned carry ``start``'s zone.
        max_contacts: plan at most this many (``None``: as many as the rules allow).
        slot: the slot length (positive; at most :data:`MAX_SLOTS` slots in the horizon).
        score: ``score(slot) -> float``, higher first (see the module docs); ``None`` plans in
            time order.
        debt_id: the debt the contacts are about; default: the history's only debt (an error
            when it names several), or the account id for an empty history.
        attempt: other :class:`~collectrules.ContactAttempt` fields of the planned contacts
            (``recipient``, ``dialer``, ``address_id``…).
        outcome: the outcome a planned contact counts as in the history (default
            ``conversation``, the strict reading).

    Raises:
        InputError: malformed account/history/arguments, naive instants, too many slots, a
            score that is not a finite number.
    """
    if not isinstance(policy, Policy):
        raise InputError("policy must be a collectrules.Policy")
    acc = _coerce(Account, account, "account")
    hist = History.coerce(history)
    t0, t1 = _instant(start, "start"), _instant(end, "end")
    shown = t0.tzinfo
    # slots in absolute time: start + k * slot is the same instant grid across DST changes (aware
    # datetime arithmetic in one zone would be wall-clock arithmetic, and differences between
    # instants in different tzinfo objects are absolute: mixing them would skip slots)
    t0, t1 = t0.astimezone(_dt.timezone.utc), t1.astimezone(_dt.timezone.utc)
    if not isinstance(slot, _dt.timedelta) or slot <= _dt.timedelta(0):
        raise InputError("slot must be a positive timedelta")
    if max_contacts is not None and (not isinstance(max_contacts, int) or max_contacts < 0):
        raise InputError("max_contacts must be a non-negative integer or None")
    n_slots = max(0, math.ceil((t1 - t0) / slot))
    if n_slots > MAX_SLOTS:
        raise InputError(f"the horizon has {n_slots} slots; at most {MAX_SLOTS} (use a longer slot)")
    if (t1 - t0) > _dt.timedelta(days=399):
        raise InputError("the horizon is longer than 399 days")
    template = dict(attempt or {})
    for k in ("at", "channel", "debt_id"):
        template.pop(k, None)
    template["channel"] = channel
    template["debt_id"] = _debt_id(debt_id, hist, acc)
    state = _Plan(policy, acc, hist, template, outcome)
    try:
        state.attempt(t0)  # validate the template once
        state.contact(t0)
    except ValidationError as exc:
        e = exc.errors()[0]
        raise InputError(f"attempt.{'.'.join(str(p) for p in e.get('loc', ()))}: invalid ({e.get('type')})") from None
    limit = n_slots if max_contacts is None else min(max_contacts, n_slots)
    if limit == 0:
        return []
    if score is None:
        times = _in_time_order(state, t0, slot, n_slots, limit)
    else:
        times = _by_score(state, t0, slot, n_slots, limit, lambda t: score(t.astimezone(shown)))
    return [t.astimezone(shown) for t in times]


def _in_time_order(state: _Plan, t0: _dt.datetime, slot: _dt.timedelta, n_slots: int, limit: int) -> list:
    planned: list[Contact] = []
    out: list[_dt.datetime] = []
    k = 0
    while k < n_slots and len(out) < limit:
        t = t0 + k * slot
        d = state.decide(t, planned, next_allowed=True)
        if d.allowed:
            out.append(t)
            planned.append(state.contact(t))
            k += 1
            continue
        na = d.next_allowed_at
        if na is None:
            break  # waiting cannot help (cease, a cap of zero, nothing within the search horizon)
        k = max(k + 1, math.ceil((na - t0) / slot))
    return out


def _valid_from(state: _Plan, times: list[_dt.datetime], first: int) -> bool:
    """Is every planned instant from index ``first`` on allowed given the earlier ones?"""
    contacts = [state.contact(t) for t in times]
    for i in range(first, len(times)):
        if not state.decide(times[i], contacts[:i], next_allowed=False).allowed:
            return False
    return True


def _by_score(state: _Plan, t0, slot, n_slots, limit, score) -> list:
    slots = [t0 + k * slot for k in range(n_slots)]
    scored = []
    for k, t in enumerate(slots):
        s = score(t)
        try:
            s = float(s)
        except (TypeError, ValueError):
            raise InputError("score must return a number") from None
        if not math.isfinite(s):
            raise InputError("score must return a finite number")
        scored.append((-s, k))
    scored.sort()
    chosen: list[_dt.datetime] = []
    for _neg, k in scored:
        if len(chosen) >= limit:
            break
        t = slots[k]
        pos = sum(1 for c in chosen if c < t)
        trial = chosen[:pos] + [t] + chosen[pos:]
        if _valid_from(state, trial, pos):
            chosen = trial
    return chosen


# ---------------------------------------------------------------------------------------------
# tables


def plan_table(policy: Policy, accounts: Any, contacts: Any = None, *, channel: str,
               start: _dt.datetime | str, end: _dt.datetime | str, max_contacts: int | None = None,
               slot: _dt.timedelta = _dt.timedelta(minutes=30),
               score: Callable[[Any, _dt.datetime], float] | None = None, workers: int | None = None,
               chunk_rows: int = 5_000, attempt: dict | None = None, outcome: str = "conversation",
               progress: Callable[[int], None] | None = None):
    """:func:`plan_contacts` for every account of a table (columns as for
    :func:`collectrules.batch.check_table`); one output row per account, in input order:
    ``account_id``, ``planned_at`` (list of UTC timestamps) and the ``error_*`` columns for an
    account that could not be planned (``planned_at`` null). ``score(account_id, slot)``.

    The debt id of each account's plan is its history's only debt (or its ``account_id`` for an
    empty history); an account whose history names several debts is reported, not planned (plan
    it with :func:`plan_contacts` and an explicit ``debt_id``).
    """
    import pyarrow as pa

    from collectrules import batch

    if not isinstance(policy, Policy):
        raise InputError("policy must be a collectrules.Policy")
    acc = batch.to_arrow(accounts, "accounts")
    con = batch.empty_contacts() if contacts is None else batch.to_arrow(contacts, "contacts")
    batch.check_columns(acc, batch.ACCOUNT_COLUMNS, ("account_id",), "accounts")
    batch.check_columns(con, batch.CONTACT_COLUMNS, ("account_id",), "contacts")
    t0, t1 = _instant(start, "start"), _instant(end, "end")
    opts = dict(channel=channel, start=t0, end=t1, max_contacts=max_contacts, slot=slot, attempt=attempt,
                outcome=outcome)
    plan_contacts(policy, {"jurisdictions": ["US"]}, None, **{**opts, "max_contacts": 0})  # arguments, up front
    n_workers = batch.worker_count(workers)
    task = _PlanTask(opts, score)
    parts = []
    done = 0
    n_workers = n_workers if acc.num_rows > chunk_rows else 1
    if n_workers > 1:
        chunk_rows = min(chunk_rows, -(-acc.num_rows // n_workers))
    for out in batch.run_chunks(policy, task, batch.chunk_payloads(acc, acc, con, max(1, chunk_rows)), n_workers):
        parts.append(out)
        done += out.num_rows
        if progress is not None:
            progress(done)
    if not parts:
        return task(policy, acc, acc, con, accounts_rows=None, contacts_rows=None, offset=0)
    return pa.concat_tables(parts)


PLAN_COLUMNS = ("account_id", "planned_at", "error_table", "error_row", "error_field", "error")


class _PlanTask:
    """Plans one chunk of accounts (runs in the batch workers)."""

    def __init__(self, opts: dict, score):
        self.opts, self.score = opts, score

    def __call__(self, policy, part, acc, con, *, accounts_rows, contacts_rows, offset):
        import pyarrow as pa

        from collectrules import batch

        loader = batch.AccountLoader(acc, con, accounts_rows=accounts_rows, contacts_rows=contacts_rows)
        ids = part.column("account_id").to_pylist()
        planned, et, er, ef, ee = [], [], [], [], []
        for i, aid in enumerate(ids):
            prep = loader.load(aid)
            if isinstance(prep, batch.BadRow) and prep.table == "accounts" and prep.row is None and aid is not None:
                prep = batch.BadRow("accounts", offset + i, prep.field, prep.reason)
            if aid is None:
                prep = batch.BadRow("accounts", offset + i, "account_id", "missing account_id")
            if not isinstance(prep, batch.BadRow):
                account, hist = prep
                sc = None if self.score is None else (lambda t, _a=aid: self.score(_a, t))
                try:
                    times = plan_contacts(policy, account, hist, score=sc, **self.opts)
                except InputError as exc:
                    prep = batch.BadRow("accounts", offset + i, None, str(exc))
                else:
                    planned.append([t.astimezone(_dt.timezone.utc) for t in times])
                    et.append(None), er.append(None), ef.append(None), ee.append(None)
                    continue
            planned.append(None)
            et.append(prep.table), er.append(prep.row), ef.append(prep.field), ee.append(prep.reason)
        return pa.Table.from_arrays([
            part.column("account_id").combine_chunks() if part.num_rows else pa.array([], part.schema.field("account_id").type),
            pa.array(planned, pa.list_(pa.timestamp("us", tz="UTC"))),
            pa.array(et, pa.string()), pa.array(er, pa.int64()), pa.array(ef, pa.string()), pa.array(ee, pa.string()),
        ], names=list(PLAN_COLUMNS))
