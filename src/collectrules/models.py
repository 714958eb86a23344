"""Inputs and outputs of the evaluator.

Inputs are pydantic v2 models (build them from JSON-compatible dicts with ``model_validate``);
unknown fields are errors, so a misspelt ``cease_comunication`` can never be silently ignored.
Every instant is a timezone-aware datetime; naive datetimes are rejected.

Outputs (:class:`Decision`, :class:`Violation`, :class:`RuleTrace`) are plain frozen
dataclasses: cheap to build on every attempt, ``to_dict()`` for JSON.

Personal data: the models carry only what the rules need. Identifiers (``debt_id``,
``recipient_id``, ``address_id``, ``account_id``) are the caller's opaque ids; pass ids, not
phone numbers or e-mail addresses.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic import TypeAdapter, ValidationError

from .vocab import CallerNumberType  # noqa: I001 - kept apart from the other vocab imports
from . import clock
from .vocab import Channel, CollectorType, DebtType, Dialer, Direction, InstitutionType, Outcome, Place, Purpose, Recipient, Weekday
from .vocab import ContactOutcome, LineType

#: Instants outside these years are refused: no collection rule speaks of them, and date
#: arithmetic near year 1 or 9999 would overflow.
MIN_YEAR, MAX_YEAR = 1900, 2199


def _in_range(value: _dt.datetime) -> _dt.datetime:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"instant outside the supported years {MIN_YEAR}-{MAX_YEAR}")
    return value


_ISO_DATETIME: TypeAdapter[_dt.datetime] = TypeAdapter(AwareDatetime)
_NUMERIC_RE = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")


def _not_a_number(value: Any) -> Any:
    """Refuse numbers (and numeric strings) as instants: pydantic would read ``0``, ``32400`` or
    ``"0"`` as Unix time, an instant in 1970 that no caller means. Instants are aware
    datetimes or ISO 8601 strings with an offset."""
    if isinstance(value, (bool, int, float)) or (isinstance(value, str) and _NUMERIC_RE.match(value)):
        raise ValueError("an instant must be an ISO 8601 string with an offset or an aware datetime, "
                         "not a number")
    if not isinstance(value, (str, _dt.datetime)):
        raise ValueError("an instant must be an ISO 8601 string with an offset or an aware datetime")
    if isinstance(value, str):
        # parse with pydantic's own datetime reading, so strict validation (the HTTP service
        # validates JSON bodies strictly) still accepts ISO strings after this validator; a string
        # that does not parse goes on unchanged and gets pydantic's usual error
        try:
            return _ISO_DATETIME.validate_python(value)
        except ValidationError:
            return value
    return value


#: A timezone-aware datetime in the supported range (naive datetimes and numbers are rejected).
Instant = Annotated[AwareDatetime, BeforeValidator(_not_a_number), AfterValidator(_in_range)]

_JURISDICTION_RE = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,4}){0,2}$")


@functools.lru_cache(maxsize=4096)
def normalise_jurisdiction(code: str) -> str:
    """Upper-case and check a jurisdiction code: an ISO 3166-1 country (``US``), an ISO 3166-2
    subdivision (``US-MA``, ``CN-SH``), or a finer code below a valid subdivision
    (``US-NY-NYC``). Country and subdivision codes are checked against ISO 3166 (pycountry), so
    a typo such as ``US-MAS`` is an error rather than an account that silently misses the state's
    rules.

    Raises:
        ValueError: malformed code, unknown country or unknown subdivision.
    """
    import difflib

    import pycountry

    c = code.strip().upper().replace("_", "-")
    if not _JURISDICTION_RE.match(c):
        raise ValueError(
            f"jurisdiction {code!r} is not an ISO 3166 code such as 'US', 'US-MA' or 'US-NY-NYC'"
        )
    if pycountry.countries.get(alpha_2=c[:2]) is None:
        raise ValueError(f"jurisdiction {code!r}: {c[:2]!r} is not an ISO 3166-1 country code")
    parts = c.split("-")
    if len(parts) >= 2:
        sub = "-".join(parts[:2])
        if pycountry.subdivisions.get(code=sub) is None:
            known = [s.code for s in pycountry.subdivisions.get(country_code=parts[0]) or ()]
            close = difflib.get_close_matches(sub, known, n=1, cutoff=0.6)
            raise ValueError(f"jurisdiction {code!r}: {sub!r} is not an ISO 3166-2 subdivision code"
                             + (f" (did you mean {close[0]!r}?)" if close else ""))
    return c


class LocalWindow(BaseModel):
    """A borrower-local wall-clock window, e.g. ``{"start": "22:00", "end": "08:00"}``.

    ``end`` not after ``start`` means the window crosses midnight. ``days`` limits it to the
    weekdays it starts on (default: every day). Times are ``"HH:MM"`` or ``"HH:MM:SS"``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: str
    end: str
    days: list[Weekday] | None = None

    @field_validator("start", "end")
    @classmethod
    def _check_time(cls, v: str) -> str:
        clock.parse_clock(v)
        return v

    def triple(self) -> tuple[tuple[int, ...], int, int]:
        days = tuple(range(7)) if not self.days else tuple(sorted({clock.weekday_index(d) for d in self.days}))
        return days, clock.parse_clock(self.start), clock.parse_clock(self.end)


def _zones(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, (str, _dt.tzinfo)):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise ValueError("timezones must be a list of IANA zone names")
    try:
        return [clock.zone_name(v) for v in value]
    except clock.InputError as exc:
        raise ValueError(str(exc)) from None


class ContactAttempt(BaseModel):
    """A contact the collector proposes to make (the thing :meth:`Policy.check` decides).

    Attributes:
        channel: one of :data:`~collectrules.vocab.Channel`.
        at: the instant of the attempt (timezone-aware). For e-mail and SMS, the send time.
        debt_id: the caller's opaque id of the debt the attempt is about.
        recipient: who is contacted (:data:`~collectrules.vocab.Recipient`).
        place: ``personal`` or ``workplace`` number/address.
        purpose: why (:data:`~collectrules.vocab.Purpose`).
        consent_given_at: when the person gave direct prior consent to this contact, if they did
            (Reg F 1006.14(b)(3)(i), 1006.6(b)(4)).
        dialer: ``manual``, ``autodialer``, ``prerecorded``, ``ai_voice`` or ``unknown`` (default:
            not stated). ``unknown`` gets the strict reading: every autodialer / prerecorded /
            artificial-voice consent rule applies and no manual-call exception is granted; state
            ``manual`` to get the manual-call reading (docs/defaults.md).
        employer_provided_address: the e-mail address was provided by the consumer's employer.
        recipient_id: opaque id of the person contacted (several people may share a role).
        address_id: opaque id of the phone number / e-mail address used (per-contact-method counts).
        line_type: ``mobile``, ``residential`` or ``unknown`` (default) for calls and texts; TCPA
            consent rules treat ``unknown`` as a mobile (fail closed).
        sender_id: opaque id of the caller id / sender number or short code used. Informational:
            opt-outs follow the person, not the sender number.
        consumer_used_address: the consumer has used this e-mail address (or number) to
            communicate with the collector about the debt (Reg F 1006.6(d)(4)(i)(A), 1006.22(f)(3)).
        callback_requested: the person contacted asked to be contacted again (Reg F 1006.10(c)).
        earlier_answer_believed_incorrect: the collector reasonably believes the person's earlier
            answer was wrong or incomplete and that they now have correct or complete location
            information (Reg F 1006.10(c)).
        caller_number_type: what kind of number the call or text is placed from
            (:data:`~collectrules.vocab.CallerNumberType`: ``service_series``,
            ``promotional_series``, ``registered``, ``ordinary``). Unstated (``None``): rules of
            kind ``caller_number`` read it strictly and deny.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    channel: Channel
    at: Instant
    debt_id: str = Field(min_length=1)
    recipient: Recipient = "borrower"
    place: Place = "personal"
    purpose: Purpose = "collection"
    consent_given_at: Instant | None = None
    dialer: Dialer = "unknown"
    employer_provided_address: bool = False
    recipient_id: str | None = None
    address_id: str | None = None
    line_type: LineType = "unknown"
    sender_id: str | None = None
    consumer_used_address: bool = False
    callback_requested: bool = False
    earlier_answer_believed_incorrect: bool = False
    caller_number_type: CallerNumberType | None = None


class Contact(BaseModel):
    """A past contact or attempt (one history entry).

    ``debt_ids`` lists every debt the contact was about (a contact about several debts counts
    toward each, Reg F 1006.14(b)(4)). ``outcome`` is required: the evaluator never guesses it.
    ``outcome="unknown"`` (an attempt whose outcome was never reported, e.g. a pending or expired
    ledger reservation) is counted by every counter, whatever outcomes the counter keeps or drops.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    channel: Channel
    at: Instant
    debt_ids: list[str] = Field(min_length=1)
    direction: Direction = "outbound"
    outcome: ContactOutcome
    recipient: Recipient = "borrower"
    place: Place = "personal"
    purpose: Purpose = "collection"
    consent_given_at: Instant | None = None
    dialer: Dialer = "unknown"
    recipient_id: str | None = None
    address_id: str | None = None
    line_type: LineType = "unknown"
    sender_id: str | None = None


class ConsentRecord(BaseModel):
    """One entry of an account's consent ledger: consent given to be contacted through some
    channels (optionally one number/address), and its revocation.

    Attributes:
        channels: the channels the consent covers (``call``, ``sms``, ``voicemail``…).
        address_id: opaque id of the number/address consented; ``None`` covers every number or
            address of the person. A revocation with ``address_id=None`` revokes them all.
        given_at: when consent was given (``None`` for a revocation with no recorded consent).
        revoked_at: when the person revoked it, by any reasonable means (a STOP/QUIT/END/REVOKE/
            OPT-OUT/CANCEL/UNSUBSCRIBE reply, a call, an e-mail…; FCC 24-24, 47 CFR 64.1200(a)(10)).
        written: the consent was given in writing (signed or electronic).
        debt_id, sender_id: where the consent or revocation was received (provenance only): an
            opt-out follows the person across debts and sender numbers.
        record_id: the caller's opaque id of the ledger entry.

    Instants are timezone-aware; ``revoked_at`` must not be before ``given_at``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    channels: list[Channel] = Field(min_length=1)
    address_id: str | None = None
    given_at: Instant | None = None
    revoked_at: Instant | None = None
    written: bool = False
    debt_id: str | None = None
    sender_id: str | None = None
    record_id: str | None = None

    @field_validator("revoked_at")
    @classmethod
    def _order(cls, v, info):
        g = info.data.get("given_at")
        if v is not None and g is not None and v < g:
            raise ValueError("revoked_at is before given_at")
        return v

    def covers(self, channel: str, address_id: str | None, *, granting: bool = False) -> bool:
        """Does this entry speak about ``channel`` on the number/address ``address_id``?

        A revocation is read widely (an entry for any number covers an attempt whose number is
        unknown). Consent is read narrowly (``granting=True``): consent on one number does not
        cover an attempt whose number is not given, only an entry without a number does (fail
        closed).
        """
        if channel not in self.channels:
            return False
        if self.address_id is None:
            return True
        if address_id is None:
            return not granting
        return self.address_id == address_id


class Account(BaseModel):
    """What the collector knows about the account and the consumer it is collecting from.

    Attributes:
        jurisdictions: ISO 3166 codes where the consumer is (``["US-MA"]``); an account in
            ``US-MA`` is also in ``US``. At least one.
        timezones: IANA zone names (or tzinfo objects) where the consumer may be. Several zones →
            an attempt must be allowed in every one (Reg F comment 6(b)(1)(i)-2). Empty → every
            zone of the most specific jurisdiction.
        collector_type: ``third_party`` (debt collector), ``first_party`` (creditor in its own
            name) or ``debt_buyer``.
        institution_type: the collector's institution type, for rules scoped by it.
        debt_type: the kind of debt (``credit_card``, ``consumer_loan`` …), for rules scoped by it;
            unknown (``None``) makes every product-scoped rule apply (fail closed).
        cease_communication: the consumer asked in writing to cease, or refused to pay (1006.6(c)).
        attorney_represented: the collector knows the consumer has an attorney for the debt.
        disputed_unverified: a timely dispute is pending verification (1006.38(d)(2)).
        bankruptcy: the consumer is in bankruptcy (automatic stay).
        deceased: the consumer has died.
        opted_out_channels: channels the consumer asked not to be used (1006.14(h)).
        inconvenient_times: borrower-local windows the consumer said are inconvenient.
        workplace_contact_prohibited: the employer prohibits contact at work (1006.6(b)(3)).
        contact_consent_hours: borrower-local windows the consumer agreed to be contacted in.
        days_past_due: days the account is past due.
        debt_groups: lists of debt ids that count as one particular debt (1006.14(b)(4)).
        holidays: extra borrower-local holiday dates, added to the jurisdiction's calendar.
        notice_sent_at: when the written notice to the consumer was sent.
        written_consent_channels: channels the consumer consented to in writing.
        debtor_unreachable: the debtor cannot be reached (失联).
        third_party_refusals: opaque ids (or roles) of people who asked not to be contacted again.
        sol_expired: the statute of limitations has run (time-barred debt).
        license_number: the collector's licence number, for disclosures.
        institution_name: the name (or brand) of the institution collecting or collected for,
            for disclosures: a message naming it states the institution (content rules'
            ``account_value: institution_name``).
        account_id: the caller's opaque account id (echoed in outputs).
        breathing_space: a Debt Respite Scheme moratorium (England and Wales "Breathing Space",
            standard or mental-health crisis) is in force for the account's debts, as notified by
            the Insolvency Service (SI 2020/1311 regs 7 and 11): no contact to collect them.
        consent_ledger: :class:`ConsentRecord` entries (TCPA prior express consent and its
            revocation; written consent). Belongs to the person: it applies to every debt.
        debtor_lacks_capacity: the debtor lacks (full) civil capacity (CN GB/T 45251-2025:
            无民事行为能力或限制民事行为能力).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    jurisdictions: list[str] = Field(min_length=1)
    timezones: list[str] = Field(default_factory=list)
    collector_type: CollectorType = "third_party"
    institution_type: InstitutionType | None = None
    debt_type: DebtType | None = None
    cease_communication: bool = False
    attorney_represented: bool = False
    disputed_unverified: bool = False
    bankruptcy: bool = False
    deceased: bool = False
    opted_out_channels: list[Channel] = Field(default_factory=list)
    inconvenient_times: list[LocalWindow] = Field(default_factory=list)
    workplace_contact_prohibited: bool = False
    contact_consent_hours: list[LocalWindow] = Field(default_factory=list)
    days_past_due: int | None = Field(default=None, ge=0)
    debt_groups: list[list[str]] = Field(default_factory=list)
    holidays: list[_dt.date] = Field(default_factory=list)
    notice_sent_at: Instant | None = None
    written_consent_channels: list[Channel] = Field(default_factory=list)
    debtor_unreachable: bool = False
    third_party_refusals: list[str] = Field(default_factory=list)
    sol_expired: bool = False
    license_number: str | None = None
    institution_name: str | None = None
    account_id: str | None = None
    breathing_space: bool = False
    consent_ledger: list[ConsentRecord] = Field(default_factory=list)
    debtor_lacks_capacity: bool = False

    @field_validator("jurisdictions", mode="before")
    @classmethod
    def _jurisdictions(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, (list, tuple)):
            raise ValueError("jurisdictions must be a list of ISO 3166 codes such as ['US-MA']")
        return [normalise_jurisdiction(x) if isinstance(x, str) else x for x in v]

    @field_validator("timezones", mode="before")
    @classmethod
    def _timezones(cls, v: Any) -> Any:
        return _zones(v)


# ---------------------------------------------------------------------------------------------
# outputs


def _iso(value: _dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass(frozen=True)
class Violation:
    """A rule that fails for an attempt.

    ``until`` is the earliest instant at which this rule alone might allow the attempt
    (``None``: not by waiting, e.g. a cease-communication request).
    """

    rule_id: str
    ruleset: str
    kind: str
    citation: str
    message: str
    jurisdiction: str
    severity: str
    until: _dt.datetime | None = None
    source: str | None = None
    status: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "ruleset": self.ruleset,
            "kind": self.kind,
            "citation": self.citation,
            "message": self.message,
            "jurisdiction": self.jurisdiction,
            "severity": self.severity,
            "until": _iso(self.until),
            "source": self.source,
            "status": self.status,
        }


@dataclass(frozen=True)
class RuleTrace:
    """How one rule was considered: ``outcome`` is ``pass``, ``fail`` or ``skip``."""

    rule_id: str
    ruleset: str
    kind: str
    outcome: str
    detail: str
    citation: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "ruleset": self.ruleset,
            "kind": self.kind,
            "outcome": self.outcome,
            "detail": self.detail,
            "citation": self.citation,
        }


class _Lazy:
    """A dataclass field of :class:`Decision` that may be computed on first read.

    A data descriptor: the dataclass ``__init__`` stores the given value in the instance's
    ``__dict__``; the marker :data:`_PENDING` stores nothing, and the first read runs the
    decision's pending computation once (under the decision's own lock, so concurrent readers
    wait for one computation rather than each running it)."""

    __slots__ = ("name", "default")

    def __init__(self, default: Any = None):
        self.default = default

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self.default  # what dataclasses reads as the field's default
        d = obj.__dict__
        try:
            return d[self.name]
        except KeyError:
            pass
        obj._resolve()
        return d.get(self.name, self.default)

    def __set__(self, obj: Any, value: Any) -> None:
        if value is not _PENDING:
            obj.__dict__[self.name] = value


class _Pending:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<pending>"


#: Marker for a :class:`Decision` field computed on first read (see :meth:`Decision._lazy`).
_PENDING: Any = _Pending()


@dataclass(frozen=True)
class Decision:
    """The answer to :meth:`Policy.check`.

    ``allowed`` is false when any rule at ``deny`` severity fails (``violations``); failing
    ``warn`` rules are listed in ``warnings`` and do not block. ``next_allowed_at`` is the
    earliest instant at or after ``at`` at which the same attempt would be allowed (``at`` itself
    when allowed; ``None`` when waiting cannot help, e.g. a cease request, or nothing opens
    within the search horizon), in the consumer's first time zone. ``trace`` lists every rule
    considered, for :meth:`explain`. ``required_disclosures`` lists the disclosure rules that
    apply to the attempt (filled by the content rules). ``rulesets`` names the rulesets applied
    (in scope and in effect for the account and instant); ``to_dict()`` and ``explain()`` show
    them, so a decision made without the shipped rulesets says so.
    """

    allowed: bool
    at: _dt.datetime
    violations: tuple[Violation, ...] = ()
    warnings: tuple[Violation, ...] = ()
    next_allowed_at: _dt.datetime | None = _Lazy()  # type: ignore[assignment]
    required_disclosures: tuple[Any, ...] = ()
    rulesets: tuple[str, ...] = ()
    account_id: str | None = None
    raw_trace: tuple = field(default=(), repr=False, compare=False)
    #: why ``next_allowed_at`` is ``None`` for a denied attempt (waiting cannot help, the search
    #: horizon or work bound was reached, the supported years end, the zones never intersect).
    next_allowed_reason: str | None = _Lazy()  # type: ignore[assignment]

    @classmethod
    def _lazy(cls, search: Any, **fields: Any) -> "Decision":
        """A decision whose ``next_allowed_at`` and ``next_allowed_reason`` come from
        ``search()`` (returning ``(instant, reason)``), run on the first read of either (or of
        ``to_dict()``, ``explain()``, equality, pickling), at most once, thread-safe. A caller
        that never reads them never pays for the search."""
        import threading

        d = cls(next_allowed_at=_PENDING, next_allowed_reason=_PENDING, **fields)
        object.__setattr__(d, "_pending", (threading.Lock(), search))
        return d

    def _resolve(self) -> None:
        d = self.__dict__
        pending = d.get("_pending")
        if pending is None:
            return
        with pending[0]:
            if "next_allowed_at" not in d:
                nxt, reason = pending[1]()
                d["next_allowed_reason"] = reason
                d["next_allowed_at"] = nxt  # written last: its presence means both are there
            d.pop("_pending", None)

    def __getstate__(self) -> dict[str, Any]:
        # pickles as an eager decision: the pending search (and its lock) is run, not shipped;
        # the trace travels formatted (the raw one refers to compiled rules, which hold
        # generated functions)
        self._resolve()
        state = {k: v for k, v in self.__dict__.items() if k != "_pending"}
        state["_trace"] = self.trace
        state["raw_trace"] = ()
        return state

    @property
    def trace(self) -> tuple[RuleTrace, ...]:
        """Every rule considered: ``pass``, ``fail``, ``warn`` or ``skip``, with the values compared."""
        cached = self.__dict__.get("_trace")
        if cached is None:
            cached = tuple(_trace_entry(*raw) for raw in self.raw_trace)
            object.__setattr__(self, "_trace", cached)
        return cached

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (instants as ISO 8601 strings). Contains no personal data: only
        rule data, instants and the caller's opaque ids."""
        return {
            "allowed": self.allowed,
            "at": _iso(self.at),
            "account_id": self.account_id,
            "violations": [v.to_dict() for v in self.violations],
            "warnings": [v.to_dict() for v in self.warnings],
            "next_allowed_at": _iso(self.next_allowed_at),
            "next_allowed_reason": self.next_allowed_reason,
            "required_disclosures": [
                d.to_dict() if hasattr(d, "to_dict") else d for d in self.required_disclosures
            ],
            "rulesets": list(self.rulesets),
            "trace": [t.to_dict() for t in self.trace],
        }

    def explain(self) -> str:
        """Every rule considered, applied or skipped and why, with the values compared."""
        lines = [
            f"{'ALLOWED' if self.allowed else 'DENIED'} at {self.at.isoformat()}"
            + (f" (account {self.account_id})" if self.account_id else "")
        ]
        if not self.allowed:
            lines.append("next allowed at " + (self.next_allowed_at.isoformat() if self.next_allowed_at
                                               else f"none found: {self.next_allowed_reason}"
                                               if self.next_allowed_reason
                                               else "never by waiting (see the violations)"))
        lines.append("rulesets applied: " + (", ".join(self.rulesets) if self.rulesets else "none"))
        for v in self.violations:
            lines.append(f"  violation {v.ruleset}/{v.rule_id}: {v.message} [{v.citation}]")
        for v in self.warnings:
            lines.append(f"  warning   {v.ruleset}/{v.rule_id}: {v.message} [{v.citation}]")
        lines.append("rules considered (failed, warned, passed, then skipped):")
        elsewhere = []
        order = {"fail": 0, "warn": 1, "pass": 2}
        for t in sorted(self.trace, key=lambda t: order.get(t.outcome, 3)):
            if t.kind == "ruleset" and t.outcome == "skip" and t.detail.startswith("jurisdiction "):
                elsewhere.append(t.ruleset)
                continue
            mark = {"pass": "PASS", "fail": "FAIL", "skip": "skip", "warn": "WARN"}.get(t.outcome, t.outcome)
            cite = f" [{t.citation}]" if t.citation and t.outcome != "skip" else ""
            lines.append(f"  {mark:4} {t.ruleset}/{t.rule_id} ({t.kind}): {t.detail}{cite}")
        if elsewhere:
            lines.append(f"  skip {len(elsewhere)} ruleset(s) for other jurisdictions: {', '.join(elsewhere)}")
        return "\n".join(lines)


def _trace_entry(rule: Any, outcome: str, detail: Any) -> RuleTrace:
    """Build a RuleTrace from the evaluator's compact record (formatting happens only here)."""
    if isinstance(detail, tuple):
        fmt, *args = detail
        detail = fmt.format(*args) if args else fmt
    return RuleTrace(
        rule_id=getattr(rule, "rule_id", "*"),
        ruleset=getattr(rule, "ruleset_id", None) or getattr(rule, "id", "?"),
        kind=getattr(rule, "kind", "ruleset"),
        outcome=outcome,
        detail=str(detail),
        citation=getattr(rule, "citation", "") or "",
    )
