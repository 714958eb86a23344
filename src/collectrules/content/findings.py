"""Outputs of the content checks: :class:`Finding`, :class:`MessageReport`,
:class:`RequiredDisclosure`, and the transcript input :class:`Turn`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


@dataclass(frozen=True)
class Finding:
    """One problem in a message.

    ``span`` is ``(start, end)`` in the checked text (Python string indices, i.e. code points);
    a missing element has the empty span ``(0, 0)`` and ``matched == ""``. ``matched`` is the
    text at the span *as shown*: redacted (phone, e-mail, identity and card numbers), digit runs
    masked and cut to 40 characters (:func:`collectrules.content.shown.shown`); it is empty for a
    limited-content run of words that are not allowed elements (that run is the
    consumer-specific part of the message: names, account numbers), which only the span locates. ``severity`` is the
    rule's (``deny`` blocks, ``warn`` reports). ``turn`` is the transcript turn index and
    ``path`` the dialogue-node path, when there is one.
    """

    rule_id: str
    kind: str
    span: tuple[int, int]
    matched: str
    message: str
    severity: str
    citation: str
    ruleset: str = ""
    source: str | None = None
    status: str | None = None
    turn: int | None = None
    path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id, "ruleset": self.ruleset, "kind": self.kind,
            "span": list(self.span), "matched": self.matched, "message": self.message,
            "severity": self.severity, "citation": self.citation, "source": self.source,
            "status": self.status, "turn": self.turn, "path": self.path,
        }


@dataclass(frozen=True)
class MessageReport:
    """The answer to :meth:`Policy.check_message` / :meth:`Policy.check_transcript`.

    ``ok`` is false when any finding has ``deny`` severity. ``rulesets`` are the ids of the
    rulesets applied (same jurisdiction and scope selection as :meth:`Policy.check`).
    """

    ok: bool
    findings: tuple[Finding, ...] = ()
    rulesets: tuple[str, ...] = ()

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "deny")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity != "deny")

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "findings": [f.to_dict() for f in self.findings], "rulesets": list(self.rulesets)}


@dataclass(frozen=True)
class RequiredDisclosure:
    """A disclosure rule that applies to an attempt (``Decision.required_disclosures``): what a
    message sent for that attempt must carry, and in which stages."""

    rule_id: str
    ruleset: str
    element: str
    citation: str
    stages: tuple[str, ...] | None
    languages: tuple[str, ...] | None
    accepted: tuple[str, ...]
    severity: str
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id, "ruleset": self.ruleset, "element": self.element,
            "citation": self.citation, "stages": list(self.stages) if self.stages else None,
            "languages": list(self.languages) if self.languages else None,
            "accepted": list(self.accepted), "severity": self.severity, "source": self.source,
        }


class Turn(BaseModel):
    """One turn of a call transcript: who spoke, when (seconds from the start of the call) and
    what was said."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    speaker: Literal["agent", "consumer"]
    start_seconds: float = Field(ge=0)
    text: str
