"""SARIF 2.1.0 output for code-scanning tools (GitHub code scanning, Azure DevOps, IDEs).

One run, tool ``collectrules``; one ``reportingDescriptor`` per rule that has findings (id,
title, help text with the citation, ``helpUri`` = the rule's source); one result per finding
with its physical location (1-based lines; columns in Unicode code points, declared with
``columnKind``). ``deny`` findings are ``error``, ``warn`` findings ``warning``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote
from typing import Any

from .. import __version__
from ..content.lint import LintResult, printable

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/collectrules/"


def _uri(path: str) -> str:
    """A URI reference for ``path``: the file system's bytes (``os.fsencode``, so a name that is
    not valid UTF-8 keeps its bytes) percent-encoded (RFC 3986); ``file://`` for absolute paths."""
    raw = os.fsencode(path)
    if os.sep != "/":
        raw = raw.replace(os.sep.encode(), b"/")
    quoted = quote(raw, safe="/:" if os.name == "nt" else "/")
    if Path(path).is_absolute():
        return "file://" + (quoted if quoted.startswith("/") else "/" + quoted)
    return quoted


def to_sarif(result: LintResult) -> dict[str, Any]:
    """The SARIF log as a JSON-ready dict."""
    used = sorted({f.rule_id for f in result.findings})
    rules = []
    index = {}
    for i, rid in enumerate(used):
        meta = result.rules.get(rid, {"title": rid, "citation": "", "source": None, "severity": "deny"})
        help_text = f"{meta.get('title') or rid}. Citation: {meta.get('citation') or '-'}."
        if meta.get("status"):
            help_text += f" Status of this reading: {meta['status']}."
        if meta.get("note"):
            help_text += " " + " ".join(str(meta["note"]).split())
        d: dict[str, Any] = {
            "id": rid,
            "name": "".join(part.capitalize() for part in rid.replace(".", "-").replace("_", "-").split("-")),
            "shortDescription": {"text": meta.get("title") or rid},
            "fullDescription": {"text": f"{meta.get('title') or rid} ({meta.get('citation') or '-'})"},
            "help": {"text": help_text},
            "defaultConfiguration": {"level": "error" if meta.get("severity") == "deny" else "warning"},
            "properties": {"ruleset": meta.get("ruleset"), "kind": meta.get("kind"),
                           "citation": meta.get("citation"), "tags": ["compliance", "debt-collection"]},
        }
        if meta.get("source"):
            d["helpUri"] = meta["source"]
        rules.append(d)
        index[rid] = i
    results = []
    for f in result.findings:
        fd = f.finding
        region: dict[str, Any] = {"startLine": f.line, "startColumn": f.column}
        if (f.end_line, f.end_column) > (f.line, f.column):
            region["endLine"] = f.end_line
            region["endColumn"] = f.end_column
        if fd.matched:
            region["snippet"] = {"text": fd.matched}
        props: dict[str, Any] = {"citation": fd.citation, "ruleset": fd.ruleset, "severity": fd.severity}
        if fd.path:
            props["nodePath"] = fd.path
        if fd.turn is not None:
            props["turn"] = fd.turn
        results.append({
            "ruleId": f.rule_id,
            "ruleIndex": index[f.rule_id],
            "level": "error" if f.severity == "deny" else "warning",
            "message": {"text": printable(f.message)},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(f.file)}, "region": region}}],
            "properties": props,
        })
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "collectrules", "version": __version__,
                                "informationUri": INFORMATION_URI, "rules": rules}},
            "columnKind": "unicodeCodePoints",
            "artifacts": [{"location": {"uri": _uri(p)}} for p in result.files],
            "results": results,
        }],
    }


def sarif_text(result: LintResult) -> str:
    """The SARIF log as JSON text (always valid UTF-8: any lone surrogate is escaped)."""
    return json.dumps(to_sarif(result), indent=2, ensure_ascii=False).encode(
        "utf-8", "backslashreplace").decode("utf-8")
