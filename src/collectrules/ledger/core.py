"""The contact ledger: check-and-reserve in one transaction per account, and the decision log.

This module holds the backend-neutral logic; :mod:`.sqlite` and :mod:`.postgres` provide the
transactions (per-account serialisation, the database clock, error mapping). Only the public API
of the evaluator is used: :meth:`Policy.check`, the models, :class:`History` and
:class:`Decision`.

Tables (created by :func:`migrate`, see ``docs/ledger.md``):

``cr_meta``      ``schema_version``
``cr_entries``   one row per counted contact or reservation: the account id, the state
                 (``pending``, ``completed``, ``cancelled``, ``denied``, ``recorded``), the counted
                 instant, the contact as counted (JSON of :class:`Contact`, outcome ``unknown``
                 while pending), the expiry, the idempotency key, the decision (for replays)
``cr_log``       the decision log: one hash chain per account (``chain`` = account id, ``n`` =
                 position), each row's SHA-256 over the previous row's hash and its canonical JSON
``cr_heads``     the last position and hash of every chain (so a deleted tail is found too)
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import hashlib
import json
import threading
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Protocol

from pydantic import ValidationError

from ..errors import InputError, LedgerError
from ..history import History
from ..models import Account, Contact, ContactAttempt, Decision, Violation
from ..vocab import OUTCOMES

UTC = _dt.timezone.utc
DEFAULT_HOLD = _dt.timedelta(minutes=15)
DEFAULT_TOLERANCE = _dt.timedelta(minutes=5)
#: The longest hold a reservation may ask for.
MAX_HOLD = _dt.timedelta(days=1)
#: The ``prev`` of the first row of every chain.
GENESIS = "0" * 64
#: The schema version this code writes; a database of a newer version is refused.
SCHEMA_VERSION = 1

COUNTED = ("pending", "completed", "recorded")


class IdempotencyConflict(InputError):
    """An ``idempotency_key`` was reused for a different attempt (an HTTP service answers 409)."""


@dataclass(frozen=True)
class Reservation:
    """The result of :meth:`Ledger.reserve`.

    ``allowed`` and ``decision`` as :meth:`Policy.check` decided with the ledger's history;
    ``reservation_id`` (``None`` when denied) names the pending attempt, which counts as an
    attempt of its channel until it is completed or cancelled, and stays counted (outcome
    ``unknown``) once ``expires_at`` passes without either. ``replayed`` is true when an
    ``idempotency_key`` returned an earlier reservation (its decision has no ``trace``).
    """

    allowed: bool
    decision: Decision
    reservation_id: str | None
    expires_at: _dt.datetime | None
    account_id: str
    idempotency_key: str | None = None
    replayed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "allowed": self.allowed,
            "reservation_id": self.reservation_id,
            "expires_at": _iso(self.expires_at),
            "account_id": self.account_id,
            "idempotency_key": self.idempotency_key,
            "replayed": self.replayed,
            "decision": self.decision.to_dict(),
        }


@dataclass(frozen=True)
class BadRow:
    """Where :meth:`Ledger.verify` found the decision-log chain broken.

    ``row_id`` is the log row's id (``None`` when rows are missing at the end of a chain),
    ``account_id`` the chain, ``position`` the 1-based position in that chain, ``reason`` what is
    wrong (``edited``, ``missing rows before``, ``inserted or reordered``, ``missing rows at the end``).
    """

    row_id: int | None
    account_id: str
    position: int
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row_id}" if self.row_id is not None else "after the last row"
        return f"{where} (account {self.account_id!r}, position {self.position}): {self.reason}"


class Cursor(Protocol):  # what a backend hands to the logic inside a transaction
    def execute(self, sql: str, params: tuple = ()) -> Any: ...


class Backend(Protocol):
    name: str

    def transaction(self, accounts: Iterable[str]) -> contextlib.AbstractContextManager: ...

    def reader(self) -> contextlib.AbstractContextManager: ...

    def db_now(self, cur: Cursor) -> _dt.datetime: ...

    def stream(self, cur: Cursor, sql: str, params: tuple = ()) -> Iterator[tuple]: ...

    def has_table(self, cur: Cursor, name: str) -> bool: ...

    def ddl(self, version: int) -> list[str]: ...

    def migration_lock(self) -> contextlib.AbstractContextManager: ...

    def close(self) -> None: ...


# ---------------------------------------------------------------------------------------------
# helpers


def _iso(t: _dt.datetime | None) -> str | None:
    return None if t is None else t.isoformat()


def _parse(s: str | None) -> _dt.datetime | None:
    return None if s is None else _dt.datetime.fromisoformat(s)


def _us(t: _dt.datetime) -> int:
    return round(t.timestamp() * 1_000_000)


def _from_us(us: int) -> _dt.datetime:
    return _dt.datetime.fromtimestamp(us / 1_000_000, tz=UTC)


def canonical(row: dict) -> str:
    """The canonical JSON of a decision-log row (sorted keys, no spaces, UTF-8)."""
    return json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev: str, row_json: str) -> str:
    """SHA-256 (hex) of the previous row's hash and this row's canonical JSON."""
    return hashlib.sha256((prev + "\n" + row_json).encode("utf-8")).hexdigest()


_SAFE_MSG = {"literal_error", "missing", "extra_forbidden", "timezone_aware", "datetime_parsing",
             "datetime_type", "datetime_from_date_parsing", "string_type", "bool_type", "bool_parsing",
             "list_type", "too_short", "string_too_short", "dict_type", "model_type", "enum"}


def _coerce(model: type, value: Any, what: str) -> Any:
    """A model from a model or dict; errors name fields, never echo values (personal data)."""
    if isinstance(value, model):
        return value
    if not isinstance(value, dict):
        raise InputError(f"{what} must be a {model.__name__} or a dict, not {type(value).__name__}")
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        parts = []
        for e in exc.errors()[:8]:
            loc = ".".join(str(p) for p in e.get("loc", ()) if isinstance(p, (str, int)))
            msg = e.get("msg", "") if e.get("type") in _SAFE_MSG else f"invalid value ({e.get('type')})"
            parts.append(f"{what}.{loc}: {msg}" if loc else f"{what}: {msg}")
        raise InputError("invalid input: " + "; ".join(parts)) from None


def _pending_contact(a: ContactAttempt, at: _dt.datetime) -> Contact:
    """The attempt as a history entry whose outcome is not known yet."""
    return Contact(
        channel=a.channel, at=at, debt_ids=[a.debt_id], direction="outbound", outcome="unknown",
        recipient=a.recipient, place=a.place, purpose=a.purpose, consent_given_at=a.consent_given_at,
        dialer=a.dialer, recipient_id=a.recipient_id, address_id=a.address_id, line_type=a.line_type,
        sender_id=a.sender_id,
    )


def _decision_record(d: Decision) -> str:
    """The decision without its trace (what a replay returns), as JSON."""
    data = {
        "allowed": d.allowed, "at": _iso(d.at), "account_id": d.account_id,
        "violations": [v.to_dict() for v in d.violations], "warnings": [v.to_dict() for v in d.warnings],
        "next_allowed_at": _iso(d.next_allowed_at),
        "required_disclosures": [x.to_dict() if hasattr(x, "to_dict") else x for x in d.required_disclosures],
        "rulesets": list(d.rulesets),
    }
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def _decision_from(text: str) -> Decision:
    d = json.loads(text)

    def viol(x: dict) -> Violation:
        return Violation(**{**x, "until": _parse(x.get("until"))})

    return Decision(
        allowed=d["allowed"], at=_parse(d["at"]),
        violations=tuple(viol(x) for x in d["violations"]), warnings=tuple(viol(x) for x in d["warnings"]),
        next_allowed_at=_parse(d["next_allowed_at"]), required_disclosures=tuple(d["required_disclosures"]),
        rulesets=tuple(d["rulesets"]), account_id=d["account_id"],
    )


def _digest(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------
# migrations


def migrate(backend: Backend) -> int:
    """Create or upgrade the schema to :data:`SCHEMA_VERSION` (a versioned, idempotent step).

    Returns the schema version. Raises :class:`LedgerError` for a newer schema."""
    with backend.migration_lock() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS cr_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        row = cur.execute("SELECT value FROM cr_meta WHERE key = ?", ("schema_version",)).fetchone()
        version = int(row[0]) if row else 0
        if version > SCHEMA_VERSION:
            raise LedgerError(f"ledger schema version {version} is newer than this collectrules "
                              f"supports ({SCHEMA_VERSION}): upgrade collectrules")
        for v in range(version + 1, SCHEMA_VERSION + 1):
            for stmt in backend.ddl(v):
                cur.execute(stmt)
        if version < SCHEMA_VERSION:
            if row:
                cur.execute("UPDATE cr_meta SET value = ? WHERE key = ?", (str(SCHEMA_VERSION), "schema_version"))
            else:
                cur.execute("INSERT INTO cr_meta (key, value) VALUES (?, ?)", ("schema_version", str(SCHEMA_VERSION)))
        return SCHEMA_VERSION


def schema_version(backend: Backend) -> int:
    """The schema version of the database (0 when the ledger was never initialised)."""
    with backend.reader() as cur:
        if not backend.has_table(cur, "cr_meta"):
            return 0
        row = cur.execute("SELECT value FROM cr_meta WHERE key = ?", ("schema_version",)).fetchone()
        return int(row[0]) if row else 0


def _ddl(version: int, ident: str, bigint: str) -> list[str]:
    if version == 1:
        return [
            f"""CREATE TABLE cr_entries (
                id {ident}, account_id TEXT NOT NULL, reservation_id TEXT UNIQUE, state TEXT NOT NULL,
                at_us {bigint} NOT NULL, contact TEXT NOT NULL, expires_us {bigint}, idem_key TEXT,
                request_digest TEXT, decision TEXT, created_us {bigint} NOT NULL, done_us {bigint},
                completed_at TEXT)""",
            "CREATE INDEX cr_entries_account ON cr_entries (account_id, state, at_us)",
            "CREATE UNIQUE INDEX cr_entries_idem ON cr_entries (account_id, idem_key) WHERE idem_key IS NOT NULL",
            f"""CREATE TABLE cr_log (
                id {ident}, chain TEXT NOT NULL, n {bigint} NOT NULL, row TEXT NOT NULL,
                prev TEXT NOT NULL, hash TEXT NOT NULL)""",
            "CREATE INDEX cr_log_chain ON cr_log (chain, n)",
            f"CREATE TABLE cr_heads (chain TEXT PRIMARY KEY, n {bigint} NOT NULL, hash TEXT NOT NULL)",
        ]
    raise LedgerError(f"no migration to schema version {version}")  # pragma: no cover


# ---------------------------------------------------------------------------------------------
# the ledger


class Ledger:
    """A contact ledger on a database. Build it with :func:`open_ledger`; thread-safe; also a
    context manager (closes on exit)."""

    def __init__(self, backend: Backend, *, clock: Callable[[], _dt.datetime] | None = None,
                 clock_tolerance: _dt.timedelta = DEFAULT_TOLERANCE):
        if not isinstance(clock_tolerance, _dt.timedelta) or clock_tolerance < _dt.timedelta(0):
            raise InputError("clock_tolerance must be a non-negative timedelta")
        if clock is not None and not callable(clock):
            raise InputError("clock must be a zero-argument callable returning an aware datetime")
        self._b = backend
        self._clock = clock
        self.clock_tolerance = clock_tolerance
        self._parsed: dict[str, Contact] = {}
        self._parsed_lock = threading.Lock()
        self._closed = False

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._b.name

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Close the database connection(s). Pending reservations stay counted."""
        if not self._closed:
            self._closed = True
            self._b.close()

    def __repr__(self) -> str:
        return f"<Ledger {self._b.name}{' closed' if self._closed else ''}>"

    # -- time --------------------------------------------------------------------------------

    def _now(self, cur: Cursor) -> _dt.datetime:
        if self._clock is None:
            return self._b.db_now(cur)
        t = self._clock()
        if not isinstance(t, _dt.datetime) or t.tzinfo is None or t.utcoffset() is None:
            raise InputError("the ledger clock must return a timezone-aware datetime")
        return t

    def _check_skew(self, t: _dt.datetime, now: _dt.datetime, what: str) -> None:
        skew = t - now
        if abs(skew) > self.clock_tolerance:
            raise InputError(
                f"{what} is {abs(skew).total_seconds():.0f} s {'ahead of' if skew > _dt.timedelta(0) else 'behind'} "
                f"the ledger clock (tolerance {self.clock_tolerance.total_seconds():.0f} s): check the worker's clock")

    # -- reading -----------------------------------------------------------------------------

    def _contact(self, text: str) -> Contact:
        c = self._parsed.get(text)
        if c is None:
            c = Contact.model_validate_json(text)
            with self._parsed_lock:
                if len(self._parsed) > 200_000:
                    self._parsed.clear()
                self._parsed[text] = c
        return c

    def _counted(self, cur: Cursor, account_id: str) -> list[tuple[str, int]]:
        rows = cur.execute(
            "SELECT contact, at_us FROM cr_entries WHERE account_id = ? AND state IN ('pending', 'completed', "
            "'recorded') ORDER BY at_us, id", (account_id,)).fetchall()
        return [(r[0], int(r[1])) for r in rows]

    def _history_for(self, cur: Cursor, account_id: str, extra: Iterable[Any]) -> tuple[History, str, int]:
        """The history a decision sees: every counted ledger entry of the account, then the
        caller's contacts not already recorded (exact duplicates dropped)."""
        rows = self._counted(cur, account_id)
        texts = [t for t, _ in rows]
        seen = set(texts)
        contacts = [self._contact(t) for t in texts]
        for c in History.coerce(extra):  # validated (InputError on a malformed entry)
            j = c.model_dump_json()
            if j not in seen:
                seen.add(j)
                texts.append(j)
                contacts.append(c)
        last_us = rows[-1][1] if rows else None
        return History(contacts), hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest(), last_us

    # -- the log -----------------------------------------------------------------------------

    def _append_log(self, cur: Cursor, chain: str, row: dict) -> None:
        head = cur.execute("SELECT n, hash FROM cr_heads WHERE chain = ?", (chain,)).fetchone()
        n, prev = (int(head[0]) + 1, head[1]) if head else (1, GENESIS)
        row = {"v": 1, "chain": chain, "n": n, "account_id": chain, **row}
        text = canonical(row)
        h = chain_hash(prev, text)
        cur.execute("INSERT INTO cr_log (chain, n, row, prev, hash) VALUES (?, ?, ?, ?, ?)", (chain, n, text, prev, h))
        if head:
            cur.execute("UPDATE cr_heads SET n = ?, hash = ? WHERE chain = ?", (n, h, chain))
        else:
            cur.execute("INSERT INTO cr_heads (chain, n, hash) VALUES (?, ?, ?)", (chain, n, h))

    @staticmethod
    def _decision_row(event: str, policy: Any, decision: Decision, now: _dt.datetime, channel: str,
                      requested_at: _dt.datetime, reservation_id: str | None, history_digest: str,
                      history_count: int) -> dict:
        versions = []
        for rid in decision.rulesets:
            try:
                versions.append({"id": rid, "version": policy.ruleset(rid).version})
            except (KeyError, AttributeError):
                versions.append({"id": rid, "version": None})
        return {
            "event": event,
            "instant": now.astimezone(UTC).isoformat(),
            "at": decision.at.isoformat(),
            "requested_at": requested_at.isoformat(),
            "channel": channel,
            "allowed": decision.allowed,
            "violations": [{"rule_id": v.rule_id, "ruleset": v.ruleset, "citation": v.citation}
                           for v in decision.violations],
            "warnings": [{"rule_id": v.rule_id, "ruleset": v.ruleset, "citation": v.citation}
                         for v in decision.warnings],
            "rulesets": versions,
            "fingerprint": getattr(policy, "fingerprint", None),
            "reservation_id": reservation_id,
            "history_digest": history_digest,
            "history_count": history_count,
        }

    # -- reserve / check ---------------------------------------------------------------------

    def _prepare(self, attempt: Any, account: Any) -> tuple[ContactAttempt, Account, str]:
        if self._closed:
            raise LedgerError("the ledger is closed")
        attempt = _coerce(ContactAttempt, attempt, "attempt")
        account = _coerce(Account, account, "account")
        if not account.account_id:
            raise InputError("account.account_id is required: the ledger counts contacts per account")
        return attempt, account, account.account_id

    def reserve(self, policy: Any, attempt: ContactAttempt | dict, *, account: Account | dict,
                history: Iterable[Contact | dict] | History | None = (),
                hold: _dt.timedelta = DEFAULT_HOLD, idempotency_key: str | None = None) -> Reservation:
        """Check ``attempt`` against everything the ledger knows of the account and, when
        allowed, insert it as a pending attempt — one transaction, serialised per account.

        Args:
            policy: a :class:`~collectrules.Policy`.
            attempt, account: as for :meth:`Policy.check` (models or dicts);
                ``account.account_id`` is the ledger key and is required.
            history: contacts made by systems that do not use the ledger (exact duplicates of
                recorded contacts are dropped).
            hold: how long the reservation waits for :meth:`complete` or :meth:`cancel`; after
                that it stays counted with outcome ``unknown``.
            idempotency_key: a retried call with the same key (for the same account and attempt)
                returns the first reservation and decision, never a second attempt.

        The attempt is decided at its ``at``, or at the account's latest ledger entry if that is
        later (entries stay in time order, so no window ending later can be overrun); an ``at``
        more than ``clock_tolerance`` away from the ledger clock raises :class:`InputError`.

        Raises:
            InputError: malformed input, no ``account_id``, clock skew, a key reused for another
                attempt (:class:`IdempotencyConflict`).
            LedgerError: the database is locked, down or full. Nothing was reserved.
        """
        return self._decide(policy, attempt, account, history, hold, idempotency_key, reserve=True)

    def check(self, policy: Any, attempt: ContactAttempt | dict, *, account: Account | dict,
              history: Iterable[Contact | dict] | History | None = (), log: bool = True) -> Decision:
        """:meth:`Policy.check` with the ledger's history of the account, reserving nothing;
        appends a ``check`` row to the decision log unless ``log=False``."""
        return self._decide(policy, attempt, account, history, None, None, reserve=False, log=log).decision

    def _decide(self, policy, attempt, account, history, hold, key, *, reserve: bool, log: bool = True) -> Reservation:
        if not callable(getattr(policy, "check", None)) or not callable(getattr(policy, "next_allowed", None)):
            raise InputError("policy must be a collectrules.Policy (from load_policy)")
        attempt, account, aid = self._prepare(attempt, account)
        if reserve:
            if not isinstance(hold, _dt.timedelta) or not _dt.timedelta(0) < hold <= MAX_HOLD:
                raise InputError(f"hold must be a timedelta above 0 and at most {MAX_HOLD}")
            if key is not None and (not isinstance(key, str) or not 0 < len(key) <= 255):
                raise InputError("idempotency_key must be a string of 1 to 255 characters")
        digest = _digest(attempt.model_dump(mode="json"), account.model_dump(mode="json"))
        with self._b.transaction([aid]) as cur:
            now = self._now(cur)
            if key is not None:
                row = cur.execute(
                    "SELECT reservation_id, request_digest, decision, expires_us, state FROM cr_entries "
                    "WHERE account_id = ? AND idem_key = ?", (aid, key)).fetchone()
                if row is not None:
                    if row[1] != digest:
                        raise IdempotencyConflict("idempotency_key was already used for a different attempt")
                    d = _decision_from(row[2])
                    return Reservation(allowed=d.allowed, decision=d, reservation_id=row[0] if d.allowed else None,
                                       expires_at=_from_us(row[3]) if row[3] is not None else None,
                                       account_id=aid, idempotency_key=key, replayed=True)
            self._check_skew(attempt.at, now, "attempt.at")
            hist, hdigest, last_us = self._history_for(cur, aid, history)
            eff = attempt
            if last_us is not None and last_us > _us(attempt.at):
                eff = attempt.model_copy(update={"at": _from_us(last_us).astimezone(attempt.at.tzinfo)})
            # the next_allowed_at search (for a denial) runs after the commit, outside the account
            # lock, unless the denial is stored for an idempotent replay
            decision = policy.check(eff, account=account, history=hist, next_allowed=bool(key and reserve))
            rid = expires = None
            if reserve and decision.allowed:
                rid = uuid.uuid4().hex
                expires = now + hold
                contact = _pending_contact(eff, eff.at)
                cur.execute(
                    "INSERT INTO cr_entries (account_id, reservation_id, state, at_us, contact, expires_us, idem_key, "
                    "request_digest, decision, created_us) VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?)",
                    (aid, rid, _us(eff.at), contact.model_dump_json(), _us(expires), key, digest,
                     _decision_record(decision), _us(now)))
            elif reserve and key is not None:
                cur.execute(
                    "INSERT INTO cr_entries (account_id, reservation_id, state, at_us, contact, idem_key, "
                    "request_digest, decision, created_us) VALUES (?, NULL, 'denied', ?, ?, ?, ?, ?, ?)",
                    (aid, _us(eff.at), _pending_contact(eff, eff.at).model_dump_json(), key, digest,
                     _decision_record(decision), _us(now)))
            if reserve or log:
                self._append_log(cur, aid, self._decision_row(
                    "reserve" if reserve else "check", policy, decision, now, attempt.channel, attempt.at, rid,
                    hdigest, len(hist)))
        if not decision.allowed and decision.next_allowed_at is None and not (key and reserve):
            decision = dataclasses.replace(decision, next_allowed_at=policy.next_allowed(eff, account=account, history=hist))
        return Reservation(allowed=decision.allowed, decision=decision, reservation_id=rid,
                           expires_at=expires, account_id=aid, idempotency_key=key)

    # -- complete / cancel -------------------------------------------------------------------

    def _account_of(self, reservation_id: str) -> str:
        if not isinstance(reservation_id, str) or not reservation_id:
            raise InputError("reservation_id must be a non-empty string")
        with self._b.reader() as cur:
            row = cur.execute("SELECT account_id FROM cr_entries WHERE reservation_id = ?",
                              (reservation_id,)).fetchone()
        if row is None:
            raise LedgerError("no such reservation")
        return row[0]

    def complete(self, reservation_id: str, outcome: str = "no_answer", at: _dt.datetime | str | None = None) -> Contact:
        """The reserved contact happened: record its ``outcome`` (an :data:`~collectrules.vocab.Outcome`).

        ``at`` (when it happened; default the reserved instant) is kept beside the counted
        instant, which stays the reserved one. A completion after ``expires_at`` is accepted
        (it replaces the ``unknown`` outcome with the real one). Completing again with the same
        outcome changes nothing. Returns the contact as counted.

        Raises:
            InputError: unknown outcome, naive or skewed ``at``.
            LedgerError: no such reservation, or it was cancelled or completed with another
                outcome; the database is unavailable.
        """
        if outcome not in OUTCOMES:
            raise InputError(f"outcome must be one of {', '.join(OUTCOMES)}")
        when = None
        if at is not None:
            try:
                when = _dt.datetime.fromisoformat(at) if isinstance(at, str) else at
            except ValueError:
                raise InputError("at must be an ISO 8601 instant with an offset") from None
            if not isinstance(when, _dt.datetime) or when.tzinfo is None or when.utcoffset() is None:
                raise InputError("at must be a timezone-aware datetime")
        aid = self._account_of(reservation_id)
        with self._b.transaction([aid]) as cur:
            now = self._now(cur)
            row = cur.execute("SELECT state, contact, at_us, completed_at FROM cr_entries WHERE reservation_id = ?",
                              (reservation_id,)).fetchone()
            state, text = row[0], row[1]
            c = self._contact(text)
            if state == "completed":
                if c.outcome == outcome:
                    return c
                raise LedgerError(f"reservation already completed with outcome {c.outcome}")
            if state != "pending":
                raise LedgerError(f"reservation is {state}, not pending")
            if when is not None:
                self._check_skew(when, now, "at") if when > now else None
                if _us(when) < int(row[2]) - int(self.clock_tolerance.total_seconds() * 1e6):
                    raise InputError("at is before the reserved instant")
            done = c.model_copy(update={"outcome": outcome})
            cur.execute("UPDATE cr_entries SET state = 'completed', contact = ?, done_us = ?, completed_at = ? "
                        "WHERE reservation_id = ?", (done.model_dump_json(), _us(now), _iso(when), reservation_id))
            self._append_log(cur, aid, {"event": "complete", "instant": now.astimezone(UTC).isoformat(),
                                        "reservation_id": reservation_id, "channel": c.channel, "outcome": outcome,
                                        "at": c.at.isoformat(), "completed_at": _iso(when),
                                        "late": _us(now) > int(self._expires(cur, reservation_id) or 0)})
            return done

    def _expires(self, cur: Cursor, reservation_id: str) -> int | None:
        r = cur.execute("SELECT expires_us FROM cr_entries WHERE reservation_id = ?", (reservation_id,)).fetchone()
        return None if r is None or r[0] is None else int(r[0])

    def cancel(self, reservation_id: str) -> None:
        """The reserved contact did not happen: it stops counting. Cancelling again changes
        nothing.

        Raises:
            LedgerError: no such reservation; it was completed; it expired (an expired
                reservation stays counted as an attempt with outcome ``unknown``); the database
                is unavailable.
        """
        aid = self._account_of(reservation_id)
        with self._b.transaction([aid]) as cur:
            now = self._now(cur)
            row = cur.execute("SELECT state, expires_us, contact FROM cr_entries WHERE reservation_id = ?",
                              (reservation_id,)).fetchone()
            state = row[0]
            if state == "cancelled":
                return
            if state != "pending":
                raise LedgerError(f"reservation is {state}, not pending")
            if row[1] is not None and _us(now) > int(row[1]):
                raise LedgerError("reservation expired: it stays counted as an attempt with outcome unknown")
            cur.execute("UPDATE cr_entries SET state = 'cancelled', done_us = ? WHERE reservation_id = ?",
                        (_us(now), reservation_id))
            self._append_log(cur, aid, {"event": "cancel", "instant": now.astimezone(UTC).isoformat(),
                                        "reservation_id": reservation_id, "channel": self._contact(row[2]).channel})

    # -- record / history --------------------------------------------------------------------

    def record(self, account_id: str, contact: Contact | dict) -> bool:
        """Record a contact made elsewhere, or an inbound one. It counts from now on.

        Returns ``False`` (and records nothing) when the identical contact is already recorded
        for the account, so importing the same export twice adds nothing.

        Raises:
            InputError: no account id; malformed contact; a contact more than the clock
                tolerance in the future.
            LedgerError: the database is unavailable.
        """
        return self.record_many([(account_id, contact)])[0]

    def record_many(self, items: Iterable[tuple[str, Contact | dict]]) -> list[bool]:
        """:meth:`record` for many contacts in one transaction (all or nothing); returns one
        bool per item. Every item is validated before anything is written."""
        prepared: list[tuple[str, Contact]] = []
        for i, (aid, contact) in enumerate(items):
            if not isinstance(aid, str) or not aid:
                raise InputError(f"item {i}: account_id must be a non-empty string")
            prepared.append((aid, _coerce(Contact, contact, "contact")))
        if not prepared:
            return []
        out: list[bool] = []
        with self._b.transaction(sorted({a for a, _ in prepared})) as cur:
            now = self._now(cur)
            for aid, c in prepared:
                if c.at > now + self.clock_tolerance:
                    raise InputError("contact.at is in the future beyond the clock tolerance")
                text = c.model_dump_json()
                dup = cur.execute("SELECT 1 FROM cr_entries WHERE account_id = ? AND at_us = ? AND contact = ? "
                                  "AND state IN ('recorded', 'completed')", (aid, _us(c.at), text)).fetchone()
                if dup:
                    out.append(False)
                    continue
                cur.execute("INSERT INTO cr_entries (account_id, state, at_us, contact, created_us) "
                            "VALUES (?, 'recorded', ?, ?, ?)", (aid, _us(c.at), text, _us(now)))
                self._append_log(cur, aid, {"event": "record", "instant": now.astimezone(UTC).isoformat(),
                                            "at": c.at.isoformat(), "channel": c.channel, "direction": c.direction,
                                            "outcome": c.outcome})
                out.append(True)
        return out

    def history(self, account_id: str, since: _dt.datetime | str | None = None) -> list[Contact]:
        """Every counted contact of the account (recorded, completed, and pending or expired
        reservations with outcome ``unknown``), oldest first; ``since`` keeps those at or after
        an aware instant."""
        if not isinstance(account_id, str) or not account_id:
            raise InputError("account_id must be a non-empty string")
        if isinstance(since, str):
            try:
                since = _dt.datetime.fromisoformat(since)
            except ValueError:
                raise InputError("since must be an ISO 8601 instant with an offset") from None
        if since is not None and (not isinstance(since, _dt.datetime) or since.utcoffset() is None):
            raise InputError("since must be a timezone-aware datetime")
        with self._b.reader() as cur:
            rows = self._counted(cur, account_id)
        lo = _us(since) if since is not None else None
        return [self._contact(t) for t, us in rows if lo is None or us >= lo]

    def reservation(self, reservation_id: str) -> dict[str, Any]:
        """The state of a reservation: ``state`` (``pending``, ``expired``, ``completed``,
        ``cancelled``), ``expires_at``, ``outcome``, ``account_id``."""
        if not isinstance(reservation_id, str) or not reservation_id:
            raise InputError("reservation_id must be a non-empty string")
        with self._b.reader() as cur:
            row = cur.execute("SELECT account_id, state, expires_us, contact FROM cr_entries WHERE reservation_id = ?",
                              (reservation_id,)).fetchone()
            now = self._now(cur)
        if row is None:
            raise LedgerError("no such reservation")
        state = row[1]
        if state == "pending" and row[2] is not None and _us(now) > int(row[2]):
            state = "expired"
        c = self._contact(row[3])
        return {"reservation_id": reservation_id, "account_id": row[0], "state": state,
                "expires_at": _iso(_from_us(int(row[2]))) if row[2] is not None else None,
                "outcome": c.outcome, "channel": c.channel, "at": c.at.isoformat()}

    # -- verification ------------------------------------------------------------------------

    def verify(self) -> tuple[bool, BadRow | None]:
        """Walk every decision-log chain: ``(True, None)`` when intact, else ``(False, first)``
        where ``first`` (a :class:`BadRow`) is the earliest broken row (by row id) — an edited
        row, a row inserted, reordered or moved, rows deleted before it, or rows deleted at the
        end of a chain (found through the chain heads); last, every reservation must have its
        decision row (a whole chain deleted with its head)."""
        bad: list[BadRow] = []
        with self._b.reader() as cur:
            heads = {r[0]: (int(r[1]), r[2]) for r in cur.execute("SELECT chain, n, hash FROM cr_heads").fetchall()}
            rows = self._b.stream(cur, "SELECT id, chain, n, row, prev, hash FROM cr_log ORDER BY chain, n, id")
            chain = None
            expect_n, prev = 1, GENESIS
            broken = False
            seen: set[str] = set()
            logged: set[str] = set()

            def close_chain() -> None:
                if chain is None or broken:
                    return
                head = heads.get(chain)
                if head is None or head[0] != expect_n - 1 or head[1] != prev:
                    pos = expect_n if head is None or head[0] >= expect_n else head[0]
                    if head is None:
                        reason = "chain head missing (rows deleted or inserted at the end)"
                    elif head[0] >= expect_n:
                        reason = "missing rows at the end"
                    else:
                        reason = "chain head does not match (rows inserted at the end)"
                    bad.append(BadRow(None, chain, pos, reason))

            last_id, before_prev = None, None
            for rid, ch, n, text, p, h in rows:
                if ch != chain:
                    close_chain()
                    chain, expect_n, prev, broken = ch, 1, GENESIS, False
                    last_id, before_prev = None, None
                    seen.add(ch)
                if broken:
                    continue
                reason = None
                if chain_hash(p, text) != h:
                    reason = "edited (hash does not match the row)"
                elif p != prev and p == before_prev and last_id is not None:
                    # this row follows the one before the previous: the previous row was inserted
                    bad.append(BadRow(int(last_id), ch, expect_n - 1, "inserted (the next row does not follow it)"))
                    broken = True
                    continue
                elif p != prev:
                    reason = "missing rows before this one" if int(n) > expect_n else "inserted or reordered"
                elif int(n) != expect_n:
                    reason = "position out of sequence"
                else:
                    try:
                        data = json.loads(text)
                        if data.get("chain") != ch or data.get("n") != int(n):
                            reason = "row moved between chains or positions"
                        elif data.get("event") == "reserve" and data.get("reservation_id"):
                            logged.add(data["reservation_id"])
                    except ValueError:
                        reason = "edited (not JSON)"
                if reason:
                    bad.append(BadRow(int(rid), ch, int(n), reason))
                    broken = True
                    continue
                expect_n, before_prev, prev, last_id = expect_n + 1, prev, h, rid
            close_chain()
            for ch, (n, _h) in heads.items():
                if ch not in seen:
                    bad.append(BadRow(None, ch, 1, "missing rows (the whole chain)"))
            if not bad:
                # every reservation has its decision row (a deleted chain and head leave these)
                for res_id, aid in self._b.stream(cur, "SELECT reservation_id, account_id FROM cr_entries "
                                                       "WHERE reservation_id IS NOT NULL ORDER BY id"):
                    if res_id not in logged:
                        bad.append(BadRow(None, aid, 0, "a reservation has no decision-log row (rows deleted)"))
                        break
        if not bad:
            return True, None
        bad.sort(key=lambda b: (b.row_id is None, b.row_id or 0))
        return False, bad[0]

    def log_rows(self, account_id: str | None = None) -> Iterator[dict]:
        """The decision-log rows (parsed), in row order; one account's chain if given."""
        with self._b.reader() as cur:
            if account_id is None:
                rows = cur.execute("SELECT id, row FROM cr_log ORDER BY id").fetchall()
            else:
                rows = cur.execute("SELECT id, row FROM cr_log WHERE chain = ? ORDER BY n", (account_id,)).fetchall()
        for rid, text in rows:
            yield {"id": int(rid), **json.loads(text)}
