"""What the content rule kinds (``disclosure``, ``prohibited_content``, ``limited_content``)
share: the stage/language scoping fields and a compiled base that stays out of timing.

Content rules do not decide whether an attempt may be made: in :meth:`Policy.check` they are
skipped at once ("content rule: checked by check_message"); :meth:`Policy.check_message`,
:meth:`Policy.check_transcript` and ``collectrules lint`` evaluate them. Their matchers are
compiled once, when the ruleset is compiled.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from ..content.matching import Matcher, Wording, same_language
from ..ruleset.common import RuleBase
from ..vocab import Stage
from .base import SKIP, CompiledRule, Result

_SKIP = Result(SKIP, ("content rule: checked by check_message",))


class ContentRuleBase(RuleBase):
    """Fields shared by the content rule kinds.

    ``stages`` omitted means every stage except ``limited_content`` (a limited-content message
    is checked only by ``limited_content`` rules). ``languages`` omitted means every language;
    when given, the rule is applied to messages declared in one of them or with no declared
    language (``zh`` also covers ``zh-CN``).
    """

    stages: list[Stage] | None = None
    languages: list[str] | None = Field(default=None, description="BCP 47 language tags, e.g. en, zh")

    @field_validator("languages")
    @classmethod
    def _langs(cls, v):
        if v is not None:
            for tag in v:
                if not tag or not tag.replace("-", "").replace("_", "").isalnum():
                    raise ValueError(f"language {tag!r} is not a language tag such as 'en' or 'zh-CN'")
        return v


class ContentRule(CompiledRule):
    """Compiled base of the content kinds."""

    default_stages: frozenset[str] = frozenset({"initial", "subsequent"})
    in_check = False  # wording is checked by check_message/check_transcript, not by check()

    def __init__(self, model: ContentRuleBase, ruleset):
        super().__init__(model, ruleset)
        self.stages = frozenset(model.stages) if model.stages else self.default_stages
        self.languages = tuple(model.languages) if model.languages else None

    def evaluate(self, ctx):  # timing checks: never decides
        return _SKIP

    def check(self, ctx):  # pragma: no cover - evaluate() short-circuits
        return _SKIP

    def applies_to_message(self, stage: str | None, language: str | None) -> bool:
        if stage is None:
            if not (self.stages & {"initial", "subsequent"}):
                return False
        elif stage not in self.stages:
            return False
        if self.languages and language and not any(same_language(l, language) for l in self.languages):
            return False
        return True

    @staticmethod
    def compile_wordings(ws: list[Wording]) -> tuple[Matcher, ...]:
        return tuple(Matcher(w) for w in ws)
