"""Rule kind ``prohibited_content``: wording a message must not contain.

``match`` lists forbidden wordings (phrases, exact text, RE2 patterns, or placeholders whose
value would reveal something, e.g. ``placeholder: "*amount*"`` in a message to a third party).
Every occurrence is a finding with its span, at the rule's ``severity``. Scope it with
``applies_to`` (e.g. ``recipients`` other than the borrower, or ``account_flags: [sol_expired]``
for time-barred debts). Example::

    - id: cn-threat-detention
      kind: prohibited_content
      citation: ...
      status: partial
      match:
        - pattern: "拘留|坐牢|逮捕"
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..content.matching import Wording, same_language
from ._content import ContentRule, ContentRuleBase


class ProhibitedContentRule(ContentRuleBase):
    kind: Literal["prohibited_content"]
    match: list[Wording] = Field(min_length=1)
    stages: list[Literal["initial", "subsequent", "limited_content"]] | None = Field(
        default=None, description="omitted: every stage, limited-content messages included")


class ProhibitedContent(ContentRule):
    kind = "prohibited_content"
    default_stages = frozenset({"initial", "subsequent", "limited_content"})

    def __init__(self, model: ProhibitedContentRule, ruleset):
        super().__init__(model, ruleset)
        self.matchers = self.compile_wordings(model.match)

    def applies_to_message(self, stage, language):
        if stage is not None and stage not in self.stages:
            return False
        if self.languages and language and not any(same_language(x, language) for x in self.languages):
            return False
        return True
