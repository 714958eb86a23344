"""Rule kind ``disclosure``: an element every message in scope must carry.

Scoped like every rule (``channels``, ``applies_to`` recipients, account flags…) plus
``stages`` and ``languages``. ``accept`` lists the wordings that satisfy it (any one is enough;
see :mod:`collectrules.content.matching`), including a named template placeholder that stands
for the element. In a call transcript the element must be said by the agent, and within the
first ``within_seconds`` seconds of the call when the rule gives it. Example (Regulation F
1006.6(e))::

    - id: regf-electronic-opt-out
      kind: disclosure
      element: opt-out notice
      citation: 12 CFR 1006.6(e)
      status: confirmed
      channels: [email, sms, im, social_private]
      accept:
        - pattern: "reply\\\\s+[\\"']?stop"
        - placeholder: "unsubscribe_*"

The rules of this kind are also listed, per attempt, in ``Decision.required_disclosures``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..content.matching import Wording
from ._content import ContentRule, ContentRuleBase


class DisclosureRule(ContentRuleBase):
    kind: Literal["disclosure"]
    element: str = Field(min_length=1, description="what must be disclosed, in a few words")
    accept: list[Wording] = Field(min_length=1)
    within_seconds: float | None = Field(
        default=None, ge=0, description="transcripts: the agent must say it in a turn starting this early"
    )


class Disclosure(ContentRule):
    kind = "disclosure"

    def __init__(self, model: DisclosureRule, ruleset):
        super().__init__(model, ruleset)
        self.element = model.element
        self.matchers = self.compile_wordings(model.accept)
        self.within_seconds = model.within_seconds
        self.accepted_text = tuple(w.describe() for w in model.accept)
