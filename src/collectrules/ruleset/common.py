"""Fields every rule kind shares, and the selector sub-language (``applies_to`` / ``unless``).

A rule kind is a pydantic model that subclasses :class:`RuleBase` and fixes ``kind`` to a
literal; it lives in its own module under :mod:`collectrules.rules` together with its compile
step and its check.
"""

from __future__ import annotations

import datetime as _dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..vocab import Channel, CollectorType, DebtType, Dialer, Direction, InstitutionType, Outcome, Place, Purpose, Recipient, Severity, Status

RULE_ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"

#: Account fields that are plain on/off flags and can be named in ``account_flags``.
ACCOUNT_FLAGS = (
    "cease_communication", "attorney_represented", "disputed_unverified", "bankruptcy", "deceased",
    "workplace_contact_prohibited", "debtor_unreachable", "sol_expired",
)


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Conditions(StrictModel):
    """Selectors on the attempt and the account. Every field given must match (AND); a list
    matches when the value is one of its items.

    Used as ``applies_to`` (the rule is considered only when all match) and ``unless`` (the rule
    is skipped, as an exception the law names, when any listed condition set matches).
    """

    channels: list[Channel] | None = None
    recipients: list[Recipient] | None = None
    places: list[Place] | None = None
    purposes: list[Purpose] | None = None
    dialers: list[Dialer] | None = None
    collector_types: list[CollectorType] | None = None
    institution_types: list[InstitutionType] | None = None
    debt_types: list[DebtType] | None = Field(
        default=None, description="account debt types; an account with no debt_type matches (fail closed)"
    )
    days_past_due_over: int | None = Field(
        default=None, ge=0, description="matches when the account is more than N days past due"
    )
    days_past_due_at_most: int | None = Field(default=None, ge=0)
    consent: bool | None = Field(
        default=None,
        description="true: the attempt carries direct prior consent given at or before it",
    )
    consent_within_hours: int | None = Field(
        default=None, ge=1, le=24 * 366,
        description="the attempt carries direct prior consent given at or before it and at most N hours earlier",
    )
    written_consent: bool | None = Field(
        default=None,
        description="true: the consumer's prior written consent to the attempt's channel is in force "
                    "(Account.written_consent_channels not revoked in the ledger, or a written ledger entry)",
    )
    account_flags: list[Literal[
        "cease_communication", "attorney_represented", "disputed_unverified", "bankruptcy", "deceased",
        "workplace_contact_prohibited", "debtor_unreachable", "sol_expired",
    ]] | None = Field(default=None, description="account flags that must all be set")
    account_flags_unset: list[Literal[
        "cease_communication", "attorney_represented", "disputed_unverified", "bankruptcy", "deceased",
        "workplace_contact_prohibited", "debtor_unreachable", "sol_expired",
    ]] | None = Field(default=None, description="account flags that must all be clear")


class CountFilter(StrictModel):
    """Which past contacts a counter counts (all given fields must match).

    ``outcomes`` keeps only those outcomes (e.g. ``[conversation]`` for effective conversations);
    ``outcomes_exclude`` drops outcomes (e.g. ``[busy, not_connected]``). The same pattern holds
    for recipients and purposes. Omitted ``channels`` means the rule's own channels; omitted
    ``directions`` means ``[outbound]`` (collector-initiated).
    """

    channels: list[Channel] | None = None
    directions: list[Direction] | None = None
    outcomes: list[Outcome] | None = None
    outcomes_exclude: list[Outcome] | None = None
    recipients: list[Recipient] | None = None
    recipients_exclude: list[Recipient] | None = None
    places: list[Place] | None = None
    purposes: list[Purpose] | None = None
    purposes_exclude: list[Purpose] | None = None
    dialers: list[Dialer] | None = None


class NewerVersion(StrictModel):
    """A newer version of a rule's (or ruleset's) source that is on record but not yet encoded,
    e.g. a replacing regulation published after the rule was written (``collectrules outdated``
    lists the rules it concerns, so someone re-reads them)."""

    title: str = Field(min_length=1, description="the newer instrument, e.g. 'Consumer Protection Code 2025'")
    source: str | None = Field(default=None, pattern=r"^https?://")
    published: _dt.date | None = None
    effective_from: _dt.date | None = None
    note: str | None = None


PerKey = Literal["recipient", "debt", "contact_method", "place", "account", "borrower"]


class RuleBase(StrictModel):
    """Fields common to every rule.

    ``id`` is unique within its ruleset. ``citation`` names the provision (``12 CFR
    1006.14(b)(2)(i)(A)``); ``source`` is a URL of the text; ``status`` is the confidence in this
    reading (``confirmed`` | ``partial`` | ``unconfirmed``); ``note`` records doubts and which
    stricter reading was chosen. ``channels`` omitted means every channel.
    ``effective_from``/``effective_until`` are borrower-local dates, both inclusive.
    """

    id: str = Field(pattern=RULE_ID_PATTERN)
    kind: str
    title: str | None = Field(default=None, description="what the rule does, in plain words")
    citation: str = Field(min_length=1)
    source: str | None = Field(default=None, pattern=r"^https?://")
    effective_from: _dt.date | None = None
    effective_until: _dt.date | None = None
    status: Status
    severity: Severity = "deny"
    channels: list[Channel] | None = None
    applies_to: Conditions | None = None
    unless: list[Conditions] | None = None
    note: str | None = None
    last_verified: _dt.date | None = Field(
        default=None, description="when the rule's source was last checked (default: the ruleset's last_verified)"
    )
    newer_version: NewerVersion | None = Field(
        default=None, description="a newer version of the source on record (default: the ruleset's)"
    )

    @model_validator(mode="after")
    def _dates(self):
        if self.effective_from and self.effective_until and self.effective_until < self.effective_from:
            raise ValueError("effective_until is before effective_from")
        return self
