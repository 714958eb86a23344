"""Lint findings for people (``file:line:col: rule-id: message``) and machines (JSON)."""

from __future__ import annotations

import json

from ..content.lint import LintResult, printable


def text(result: LintResult) -> str:
    """One line per finding, ``file:line:col: rule-id: message [citation]``, then a summary."""
    lines = [str(f) for f in result.findings]
    n_err = len(result.errors)
    n_warn = len(result.findings) - n_err
    lines.append(f"{len(result.files)} file(s) checked: {n_err} error(s), {n_warn} warning(s)")
    return "\n".join(lines)


def json_text(result: LintResult) -> str:
    """A JSON document: ``{"files": [...], "findings": [...], "errors": N, "warnings": N}``."""
    data = {
        "files": [printable(f) for f in result.files],
        "findings": [f.to_dict() for f in result.findings],
        "errors": len(result.errors),
        "warnings": len(result.findings) - len(result.errors),
    }
    # always valid UTF-8 (a lone surrogate left anywhere is written as an escape)
    return json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8", "backslashreplace").decode("utf-8")
