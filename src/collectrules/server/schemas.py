"""The service's request and response models (pydantic v2).

Request bodies reuse the library's input models (:class:`~collectrules.ContactAttempt`,
:class:`~collectrules.Account`, :class:`~collectrules.Contact`, :class:`~collectrules.Turn`) in
the CLI's REQUEST shape, and are validated in pydantic's *strict* JSON mode: a number is never
taken for an instant, ``1`` is never ``true``, and an unknown field is an error. Response models
describe the JSON the library's ``to_dict()`` methods produce. The OpenAPI document is generated
from these same models (:mod:`collectrules.server.openapi`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ..content.findings import Turn
from ..models import Account, Contact, ContactAttempt, Instant
from ..vocab import Channel, Dialer, Outcome, Place, Purpose, Recipient, Stage

_FORBID = ConfigDict(extra="forbid")

#: Default upper bound on the number of requests in one ``/v1/check:batch`` body.
DEFAULT_BATCH_MAX = 1000
#: Default upper bound on a request body, in bytes.
DEFAULT_MAX_BODY = 8 * 1_048_576
#: Upper bound on the number of history entries in one request.
MAX_HISTORY = 10_000
#: Upper bound on message text and transcript size.
MAX_TEXT = 100_000
MAX_TURNS = 2_000


def _at_most(n: int):
    """A length bound enforced as a 422 but left out of the JSON Schema: the body-size limit (413)
    already bounds every list, and a schema ``maxItems`` that only a body over that limit can
    break would turn a 413 into a contract question."""

    def check(v):
        if len(v) > n:
            raise ValueError(f"at most {n} items")
        return v

    return AfterValidator(check)


_History = Annotated[list[Contact], _at_most(MAX_HISTORY)]


# -- requests ------------------------------------------------------------------------------------

class CheckRequest(BaseModel):
    """One request, as ``collectrules check`` reads it: the attempt, the account and the past
    contacts (``history``); ``id`` is the caller's opaque label (never logged)."""

    model_config = _FORBID

    attempt: ContactAttempt
    account: Account
    history: _History = Field(default_factory=list)
    id: str | None = Field(default=None, max_length=200)


class BatchRequest(BaseModel):
    """Up to the configured number of requests (default 1000), each in the
    :class:`CheckRequest` shape. Each item is validated on its own: an invalid item gets an
    ``error`` result and never fails the others."""

    model_config = _FORBID

    requests: list[dict[str, Any]] = Field(min_length=1)


class MessageCheckRequest(BaseModel):
    """A message (or template) to check against the content rules (``Policy.check_message``)."""

    model_config = _FORBID

    text: Annotated[str, _at_most(MAX_TEXT)]
    channel: Channel
    account: Account
    stage: Stage | None = None
    language: str | None = Field(default=None, max_length=35)
    recipient: Recipient | None = None
    place: Place | None = None
    purpose: Purpose | None = None
    dialer: Dialer | None = None
    at: Instant | None = None
    template: bool | None = None


class TranscriptCheckRequest(BaseModel):
    """A call transcript to check after the fact (``Policy.check_transcript``)."""

    model_config = _FORBID

    turns: Annotated[list[Turn], _at_most(MAX_TURNS)]
    account: Account
    channel: Channel | None = None
    stage: Stage | None = None
    language: str | None = Field(default=None, max_length=35)
    recipient: Recipient | None = None
    place: Place | None = None
    purpose: Purpose | None = None
    dialer: Dialer | None = None
    at: Instant | None = None


class ReservationRequest(BaseModel):
    """Check and reserve one attempt in the ledger (``Ledger.reserve``): the :class:`CheckRequest`
    shape plus how long the slot is held. Send an ``Idempotency-Key`` header so a retried request
    returns the same reservation instead of making a second one."""

    model_config = _FORBID

    attempt: ContactAttempt
    account: Account
    history: _History = Field(default_factory=list)
    id: str | None = Field(default=None, max_length=200)
    hold_seconds: int = Field(default=900, ge=1, le=86_400)


class CompleteRequest(BaseModel):
    """The contact happened: its outcome (and, optionally, when)."""

    model_config = _FORBID

    outcome: Outcome
    at: Instant | None = None


# -- responses -----------------------------------------------------------------------------------

class ViolationOut(BaseModel):
    rule_id: str
    ruleset: str
    kind: str
    citation: str
    message: str
    jurisdiction: str
    severity: str
    until: str | None = None
    source: str | None = None
    status: str | None = None


class TraceOut(BaseModel):
    rule_id: str
    ruleset: str
    kind: str
    outcome: str
    detail: str
    citation: str = ""


class DecisionOut(BaseModel):
    """``Decision.to_dict()``; ``trace`` only with ``?explain=true``; ``policy_fingerprint`` is the
    fingerprint of the policy that decided (``GET /v1/rulesets``)."""

    model_config = ConfigDict(extra="allow")

    allowed: bool
    at: str
    account_id: str | None = None
    violations: list[ViolationOut]
    warnings: list[ViolationOut]
    next_allowed_at: str | None = None
    required_disclosures: list[dict[str, Any]]
    rulesets: list[str]
    trace: list[TraceOut] | None = None
    policy_fingerprint: str


class ProblemOut(BaseModel):
    """RFC 9457 problem details (``application/problem+json``). ``errors`` lists each invalid field
    by path; values the caller sent are never echoed."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[dict[str, str]] | None = None


class BatchItemOut(BaseModel):
    index: int
    decision: DecisionOut | None = None
    error: ProblemOut | None = None


class BatchOut(BaseModel):
    results: list[BatchItemOut]
    policy_fingerprint: str


class NextAllowedOut(BaseModel):
    """``next_allowed_at`` is the attempt's own instant when it is allowed now, ``null`` when
    waiting cannot help or nothing opens within the search horizon."""

    allowed_now: bool
    next_allowed_at: str | None = None
    policy_fingerprint: str


class FindingOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    rule_id: str
    kind: str
    span: list[int]
    matched: str
    message: str
    severity: str
    citation: str
    ruleset: str = ""
    source: str | None = None
    status: str | None = None
    turn: int | None = None
    path: str | None = None


class MessageReportOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    ok: bool
    findings: list[FindingOut]
    rulesets: list[str]
    policy_fingerprint: str


class RulesetOut(BaseModel):
    id: str
    version: str
    jurisdiction: str
    title: str
    rules: int
    effective_from: str | None = None
    effective_until: str | None = None


class RulesetsOut(BaseModel):
    fingerprint: str
    loaded_at: str
    reloads: int
    reload_failures: int
    rulesets: list[RulesetOut]


class ReservationOut(BaseModel):
    allowed: bool
    reservation_id: str | None = None
    expires_at: str | None = None
    replayed: bool = False
    decision: DecisionOut


class ReservationStateOut(BaseModel):
    reservation_id: str
    status: Literal["completed", "cancelled"]


class ContactOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    channel: str
    at: str
    debt_ids: list[str]
    outcome: str


class HistoryOut(BaseModel):
    account_id: str
    contacts: list[ContactOut]


class HealthOut(BaseModel):
    status: str
    fingerprint: str | None = None
    ledger: str | None = None
