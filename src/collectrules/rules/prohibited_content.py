"""Rule kind ``prohibited_content``: wording a message must not contain.

``match`` lists forbidden wordings (phrases, exact text, RE2 patterns, or placeholders whose
value would reveal something, e.g. ``placeholder: "*amount*"`` in a message to a third party).
Every occurrence is a finding with its span, at the rule's ``severity`` (at most 20 per rule and
message, then one "more occurrences" finding). ``except_in`` lists wordings that make an
occurrence inside them innocent: a negation ("you will not be arrested", 不会被拘留) or a
quotation of the law ("it is illegal for a collector to say you will be arrested"). An
occurrence is dropped only when ``except_in`` matches cover it entirely, so keep those
wordings tight (a threat such as "we won't hesitate to have you arrested" must not fit one).
Scope it with
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
    except_in: list[Wording] = Field(
        default_factory=list,
        description="wordings (negations, quotations of the law) inside which an occurrence is not a finding")
    stages: list[Literal["initial", "subsequent", "limited_content"]] | None = Field(
        default=None, description="omitted: every stage, limited-content messages included")


class ProhibitedContent(ContentRule):
    kind = "prohibited_content"
    default_stages = frozenset({"initial", "subsequent", "limited_content"})

    def __init__(self, model: ProhibitedContentRule, ruleset):
        super().__init__(model, ruleset)
        self.matchers = self.compile_wordings(model.match)
        self.exceptions = self.compile_wordings(model.except_in)

    def excepted(self, chunk, span, account=None, language=None) -> bool:
        """True when an ``except_in`` wording found in ``chunk`` covers ``span`` entirely."""
        if not self.exceptions:
            return False
        from ..content.matching import Cover

        key = ("except", self.rule_id, language)
        cache = chunk.cache
        cover = cache.get(key)
        if cover is None:
            spans = []
            for m in self.exceptions:
                if m.applies_to_language(language):
                    spans.extend(m.find(chunk, account, limit=10_000))
            cover = cache[key] = Cover(spans)
        return cover.covers(*span)

    def applies_to_message(self, stage, language):
        if stage is not None and stage not in self.stages:
            return False
        if self.languages and language and not any(same_language(x, language) for x in self.languages):
            return False
        return True
