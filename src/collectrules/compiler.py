"""Compile validated rulesets into prepared evaluators.

Compilation happens once, at :func:`~collectrules.load_policy`: each rule becomes an object with
precomputed windows and counter keys, and each ruleset indexes its rules by channel, so
:meth:`Policy.check` does no YAML or schema work.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path

from .rules import compile_rule
from .rules.base import CompiledRule
from .ruleset.loader import LoadedRuleset
from .vocab import CHANNELS


@dataclass
class CompiledRuleset:
    """One ruleset, ready to evaluate."""

    id: str
    title: str
    jurisdiction: str
    version: str
    source: str
    path: Path | None
    collector_types: frozenset | None
    institution_types: frozenset | None
    purposes: frozenset | None
    effective_from: _dt.date | None
    effective_until: _dt.date | None
    rules: tuple[CompiledRule, ...]
    #: channel → ((rule, covers_channel), ...) in file order
    by_channel: dict[str, tuple[tuple[CompiledRule, bool], ...]] = field(default_factory=dict)
    model: object = None
    #: loaded from the rulesets shipped with collectrules (not a caller's own file)
    shipped: bool = False

    def in_effect(self, dates) -> bool:
        f, u = self.effective_from, self.effective_until
        if f is None and u is None:
            return True
        return any((f is None or d >= f) and (u is None or d <= u) for d in dates)


def compile_ruleset(loaded: LoadedRuleset) -> CompiledRuleset:
    m = loaded.model
    cr = CompiledRuleset(
        id=m.id, title=m.title, jurisdiction=m.jurisdiction, version=m.version, source=m.source,
        path=loaded.path,
        collector_types=frozenset(m.scope.collector_types) if m.scope.collector_types else None,
        institution_types=frozenset(m.scope.institution_types) if m.scope.institution_types else None,
        purposes=frozenset(m.scope.purposes) if m.scope.purposes else None,
        effective_from=m.effective_from, effective_until=m.effective_until,
        rules=(), model=m, shipped=_is_shipped(loaded.path),
    )
    rules = tuple(compile_rule(r, cr) for r in m.rules)
    cr.rules = rules
    timing = tuple(r for r in rules if r.in_check)
    cr.by_channel = {
        ch: tuple((r, r.channels is None or ch in r.channels) for r in timing) for ch in CHANNELS
    }
    return cr


def _is_shipped(path: Path | None) -> bool:
    from .ruleset.loader import shipped_dir

    if path is None:
        return False
    try:
        return Path(path).resolve().is_relative_to(shipped_dir().resolve())
    except (OSError, ValueError):
        return False


def compile_rulesets(loaded: list[LoadedRuleset]) -> list[CompiledRuleset]:
    return [compile_ruleset(lr) for lr in loaded]
