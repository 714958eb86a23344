"""The exception hierarchy, in one place.

::

    CollectrulesError              base of everything raised on purpose
    ├── InputError                 a request is invalid: naive datetime, unknown zone or channel,
    │                              malformed history (also a ValueError, so pydantic reports it)
    ├── RulesetError               one or more ruleset files are invalid; ``.problems`` lists
    │                              every :class:`Problem` found, each ``file:line:col: rule-id: message``
    └── LedgerError                the contact ledger cannot record (database locked, down, full,
                                   of a newer schema, or a reservation in the wrong state); nothing
                                   was reserved (deny)

Evaluation itself never raises for a well-formed request: a rule that cannot be decided (no
time zone, no holiday calendar) becomes a denial with a reason, never a silent allow.
"""

from __future__ import annotations

from dataclasses import dataclass


class CollectrulesError(Exception):
    """Base class for every error collectrules raises on purpose."""


class InputError(CollectrulesError, ValueError):
    """An attempt, account or history entry is invalid (fail closed: it is never evaluated)."""


@dataclass(frozen=True)
class Problem:
    """One problem in one ruleset file, positioned for an editor."""

    file: str
    line: int
    column: int
    rule_id: str
    message: str

    def __post_init__(self) -> None:
        # positions are 1-based everywhere (an editor's line 1, column 1), never 0
        for name in ("line", "column"):
            v = getattr(self, name)
            if not isinstance(v, int) or v < 1:
                object.__setattr__(self, name, 1)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.rule_id}: {self.message}"


class RulesetError(CollectrulesError):
    """Every problem found while loading and validating rulesets (reported all at once)."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems) or "invalid ruleset")


class LedgerError(CollectrulesError):
    """The contact ledger could not do what was asked (database locked, down or full; schema of
    a newer version; unknown or finished reservation). Nothing was reserved: treat as a denial."""
