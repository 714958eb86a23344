"""Provenance that ages: which rules' sources need re-reading.

Every rule has a ``last_verified`` date (when its source was last checked): its own, or else its
ruleset's. A rule may also have a ``newer_version`` on record (its own, or its ruleset's): a
newer version of the source that was published but not yet encoded. :func:`outdated` lists the
rules that were never verified, not verified within ``days`` days, or have a newer version on
record, so a compliance officer knows what to re-read::

    from collectrules.provenance import outdated
    for item in outdated(days=365):
        print(item.ruleset, item.rule_id, item.reasons)

Used by ``collectrules outdated [--days N]``.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass
from typing import Iterable

__all__ = ["Outdated", "effective_last_verified", "outdated"]


@dataclass(frozen=True)
class Outdated:
    """One rule that needs re-reading, and why (``reasons``: ``never verified``,
    ``not verified since YYYY-MM-DD (N days)``, ``newer version on record: …``)."""

    ruleset: str
    rule_id: str
    jurisdiction: str
    last_verified: _dt.date | None
    source: str | None
    reasons: tuple[str, ...]


def effective_last_verified(rule, ruleset) -> _dt.date | None:
    """The rule's own ``last_verified``, else its ruleset's (``None``: never verified)."""
    return getattr(rule, "last_verified", None) or getattr(ruleset, "last_verified", None)


def outdated(sources: Iterable[str | os.PathLike] | None = None, days: int = 365,
             today: _dt.date | None = None, *, loaded: list | None = None) -> list[Outdated]:
    """Rules (shipped ones when ``sources`` is ``None``) not verified within ``days`` days of
    ``today`` (default: the current UTC date), never verified, or with a newer version of their
    source on record. Sorted by ruleset id, then file order. ``loaded`` (a list from
    :func:`~collectrules.ruleset.loader.load_rulesets`) is used instead of loading ``sources``.

    Raises:
        ValueError: ``days`` is negative.
        RulesetError: a ruleset is invalid.
    """
    from .ruleset.loader import load_rulesets

    if days < 0:
        raise ValueError("days must be 0 or more")
    today = today or _dt.datetime.now(_dt.timezone.utc).date()
    out: list[Outdated] = []
    for lr in sorted(loaded if loaded is not None else load_rulesets(sources), key=lambda x: x.model.id):
        m = lr.model
        for r in m.rules:
            reasons = []
            lv = effective_last_verified(r, m)
            if lv is None:
                reasons.append("never verified")
            else:
                age = (today - lv).days
                if age > days:
                    reasons.append(f"not verified since {lv} ({age} days)")
            nv = r.newer_version or m.newer_version
            if nv is not None:
                when = nv.effective_from or nv.published
                reasons.append(f"newer version on record: {nv.title}" + (f" ({when})" if when else ""))
            if reasons:
                out.append(Outdated(m.id, r.id, m.jurisdiction, lv, r.source or m.source, tuple(reasons)))
    return out
