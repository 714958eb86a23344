"""Rule kind ``limited_content``: a message that may contain only the allowed elements.

Regulation F 1006.2(j) defines a limited-content message: a voicemail for a consumer that
carries only a business name that does not indicate debt collection, a request to reply, the
name of a natural person to contact, a telephone number, and optionally a salutation, the date
and time, suggested reply times and a statement that any representative can help. Anything
else makes it a communication (which then needs the 1006.18(e) disclosures).

The rule lists the ``elements`` (each with accepted wordings; ``required: true`` ones must be
present), ``filler`` words allowed anywhere ("this", "is", "please"…), ``allowed_placeholders``
(globs of placeholder names whose values are allowed elements) and ``forbidden`` wordings (a
mention of a debt, a business name that reveals debt collection). Findings:

* each ``forbidden`` wording found;
* each run of words covered by no element and no filler ("content beyond the allowed
  elements");
* each placeholder not in ``allowed_placeholders`` (its value is unknown content);
* each missing required element.

It applies only to messages checked at stage ``limited_content`` (the default ``stages``).
"""

from __future__ import annotations

import fnmatch
from typing import Literal

from pydantic import Field

from ..content import normalize
from ..content.matching import Wording
from ..ruleset.common import StrictModel
from ._content import ContentRule, ContentRuleBase


class LimitedContentElement(StrictModel):
    name: str = Field(min_length=1)
    required: bool = False
    accept: list[Wording] = Field(min_length=1)


class LimitedContentRule(ContentRuleBase):
    kind: Literal["limited_content"]
    elements: list[LimitedContentElement] = Field(min_length=1)
    forbidden: list[Wording] = Field(default_factory=list)
    filler: list[str] = Field(default_factory=list, description="words allowed anywhere")
    allowed_placeholders: list[str] = Field(default_factory=list, description="globs of placeholder names")


class LimitedContent(ContentRule):
    kind = "limited_content"
    default_stages = frozenset({"limited_content"})

    def __init__(self, model: LimitedContentRule, ruleset):
        super().__init__(model, ruleset)
        self.elements = tuple((e.name, e.required, self.compile_wordings(e.accept)) for e in model.elements)
        self.forbidden = self.compile_wordings(model.forbidden)
        self.filler = frozenset(normalize.fold(w).strip() for w in model.filler)
        self.allowed_placeholders = tuple(g.lower() for g in model.allowed_placeholders)

    def placeholder_allowed(self, name: str | None) -> bool:
        if not name:
            return False
        n = name.lower()
        return any(fnmatch.fnmatchcase(n, g) for g in self.allowed_placeholders)
