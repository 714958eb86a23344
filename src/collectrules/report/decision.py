"""Format :class:`~collectrules.models.Decision` objects for people (text) and machines (JSON)."""

from __future__ import annotations

import json
from typing import Iterable

from ..models import Decision


def text(decision: Decision, *, explain: bool = False, label: str | None = None) -> str:
    head = f"{label}: " if label else ""
    if explain:
        return head + decision.explain()
    lines = [f"{head}{'ALLOWED' if decision.allowed else 'DENIED'} at {decision.at.isoformat()}"]
    for v in decision.violations:
        lines.append(f"  {v.ruleset}/{v.rule_id}: {v.message} [{v.citation}]")
    for v in decision.warnings:
        lines.append(f"  warning {v.ruleset}/{v.rule_id}: {v.message} [{v.citation}]")
    if not decision.allowed:
        lines.append("  next allowed at " + (decision.next_allowed_at.isoformat() if decision.next_allowed_at
                                             else f"none found: {decision.next_allowed_reason}"
                                             if decision.next_allowed_reason else "never by waiting"))
    return "\n".join(lines)


def json_lines(decisions: Iterable[Decision], *, explain: bool = False) -> str:
    out = []
    for d in decisions:
        data = d.to_dict()
        if not explain:
            data.pop("trace", None)
        out.append(data)
    return json.dumps(out[0] if len(out) == 1 else out, indent=2, ensure_ascii=False)


def json_results(results, *, explain: bool = False) -> str:
    """JSON for ``collectrules check``: one object per request with its ``id`` (when given) and
    either the decision or ``{"error": ...}`` (redacted)."""
    from ..redact import redact

    out = []
    for label, res in results:
        if isinstance(res, Decision):
            data = {"id": label, **res.to_dict()}
            if not explain:
                data.pop("trace", None)
        else:
            data = {"id": label, "error": redact(str(res))}
        out.append(data)
    return json.dumps(out[0] if len(out) == 1 else out, indent=2, ensure_ascii=False)
