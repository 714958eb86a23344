"""Compare two versions of rulesets, rule by rule — what ``collectrules diff OLD NEW`` prints.

A compliance officer reviewing a change wants to know, per ruleset and per rule id, what was
added, removed or changed: numbers (``max``, ``days``), windows, channels, effective dates,
citations, status, notes — any field. This module reads each side as plain YAML data (so an old
revision that no longer validates against the current schema can still be compared), pairs
rulesets by ``id`` and rules by ``id``, and reports field-level changes with dotted paths
(``window.rolling_days``, ``count.outcomes_exclude``).

A side is one of:

* a ruleset file or a directory of them (``*.yaml``/``*.yml``, recursively; sibling
  ``*.tests.yaml`` files are test lists, not rulesets, and are skipped);
* a git revision of a path, ``REV:PATH`` (``HEAD~1:rulesets``; ``PATH`` is relative to the
  repository root, as in ``git show``), read with ``git ls-tree`` and ``git show`` — the working
  tree is never touched.

Example::

    from collectrules.diff import diff_sources, format_text
    d = diff_sources("HEAD~1:rulesets", "rulesets/")
    print(format_text(d))
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError

__all__ = [
    "FieldChange", "RuleDiff", "RulesetDiff", "Diff", "load_side", "git_side", "diff_sources",
    "diff_rulesets", "format_text", "to_dict",
]

#: Ruleset keys compared as ruleset fields (``rules`` and ``tests`` are handled separately).
_SKIP_RULESET_KEYS = ("rules", "tests")


@dataclass(frozen=True)
class FieldChange:
    """One changed field. ``path`` is dotted (``window.rolling_days``); ``old``/``new`` are the
    plain YAML values (``None`` when the field is absent on that side). For lists of plain
    values ``added``/``removed`` name the items that differ."""

    path: str
    old: Any
    new: Any
    added: tuple = ()
    removed: tuple = ()


@dataclass
class RuleDiff:
    """One rule id: ``status`` is ``added``, ``removed`` or ``changed``."""

    rule_id: str
    status: str
    kind: str | None = None
    title: str | None = None
    changes: list[FieldChange] = field(default_factory=list)
    rule: dict | None = None  # the whole rule, for added/removed


@dataclass
class RulesetDiff:
    """One ruleset id: ``status`` is ``added``, ``removed`` or ``changed``."""

    ruleset_id: str
    status: str
    old_path: str | None = None
    new_path: str | None = None
    changes: list[FieldChange] = field(default_factory=list)
    rules: list[RuleDiff] = field(default_factory=list)
    tests: tuple[int, int] | None = None  # (old count, new count) when it changed


@dataclass
class Diff:
    """Everything that differs between two sides (unchanged rulesets are not listed)."""

    old_label: str
    new_label: str
    rulesets: list[RulesetDiff] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.rulesets


# ---------------------------------------------------------------------------------------------
# reading a side


def _parse(text: str, name: str) -> dict | None:
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        # the position only: PyYAML's snippet would echo the file's content
        raise InputError(f"{name}: not valid YAML{where}") from None
    if not isinstance(data, dict) or "rules" not in data:
        return None  # not a ruleset (e.g. an unrelated YAML file)
    return data


def _is_ruleset_name(name: str) -> bool:
    return name.endswith((".yaml", ".yml")) and not name.endswith((".tests.yaml", ".tests.yml"))


def _add(out: dict[str, tuple[str, dict]], data: dict | None, name: str) -> None:
    if data is None:
        return
    rid = str(data.get("id") or Path(name).stem)
    if rid in out:
        raise InputError(f"ruleset id {rid!r} appears twice: {out[rid][0]} and {name}")
    out[rid] = (name, data)


def load_side(source: str | os.PathLike) -> dict[str, tuple[str, dict]]:
    """Read one side: ``{ruleset id: (file name, YAML data)}``.

    ``source`` is a file, a directory, or ``REV:PATH`` (a git revision of a path).

    Raises:
        InputError: the path does not exist and is not ``REV:PATH``, a file is not valid YAML, an
            id appears twice, or git fails.
    """
    s = os.fspath(source)
    p = Path(s)
    if p.exists():
        out: dict[str, tuple[str, dict]] = {}
        files = [p] if p.is_file() else sorted(f for f in p.rglob("*") if f.is_file() and _is_ruleset_name(f.name))
        for f in files:
            try:
                text = f.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                raise InputError(f"{f}: cannot be read as UTF-8 text") from None
            _add(out, _parse(text, str(f)), str(f))
        return out
    if ":" in s:
        rev, _, path = s.partition(":")
        return git_side(rev, path)
    raise InputError(f"no such file or directory, and not REV:PATH: {s}")


def _git(args: list[str], cwd: str | os.PathLike | None) -> str:
    try:
        res = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise InputError("git is not installed") from None
    if res.returncode != 0:
        raise InputError(f"git {' '.join(args)}: {res.stderr.strip() or 'failed'}")
    return res.stdout


def git_side(rev: str, path: str = "rulesets", cwd: str | os.PathLike | None = None) -> dict[str, tuple[str, dict]]:
    """Read the rulesets under ``path`` (relative to the repository root) as of revision ``rev``.

    Uses ``git ls-tree`` and ``git show``; nothing is checked out.

    Raises:
        InputError: not a git repository, unknown revision, or no such path at that revision.
    """
    top = _git(["rev-parse", "--show-toplevel"], cwd).strip()
    path = path.strip("/") or "."
    listing = _git(["ls-tree", "-r", "-z", "--name-only", rev, "--", path], top)
    names = [n for n in listing.split("\0") if n]
    if not names:
        raise InputError(f"{rev}:{path}: no such path at that revision")
    out: dict[str, tuple[str, dict]] = {}
    for n in sorted(names):
        if not _is_ruleset_name(n):
            continue
        text = _git(["show", f"{rev}:{n}"], top)
        _add(out, _parse(text, f"{rev}:{n}"), f"{rev}:{n}")
    return out


def repo_relative(path: str | os.PathLike, cwd: str | os.PathLike | None = None) -> str:
    """``path`` (relative to ``cwd``) as a path relative to the git repository root."""
    top = Path(_git(["rev-parse", "--show-toplevel"], cwd).strip()).resolve()
    full = (Path(cwd or os.getcwd()) / path).resolve()
    try:
        return full.relative_to(top).as_posix()
    except ValueError:
        raise InputError(f"{path} is outside the git repository {top}") from None


# ---------------------------------------------------------------------------------------------
# comparing


def _norm(v: Any) -> Any:
    """Plain, comparable values: dates as ISO strings, numbers kept, nested structures walked."""
    if isinstance(v, (_dt.date, _dt.datetime)):
        return v.isoformat()
    if isinstance(v, dict):
        return {str(k): _norm(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_norm(x) for x in v]
    return v


def _scalar_list(v: Any) -> bool:
    return isinstance(v, list) and all(not isinstance(x, (dict, list)) for x in v)


def _key(x: Any) -> str:
    return json.dumps(x, sort_keys=True, default=str)


def compare_values(old: Any, new: Any, path: str = "") -> list[FieldChange]:
    """Field-level changes between two plain values (dicts walked into dotted paths).

    Lists of plain values are compared as sets (order carries no meaning in rulesets:
    ``channels``, ``per``, ``outcomes_exclude``); lists of mappings (``windows``, ``unless``)
    are compared whole.
    """
    old, new = _norm(old), _norm(new)
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[FieldChange] = []
        for k in list(old) + [k for k in new if k not in old]:
            out += compare_values(old.get(k), new.get(k), f"{path}.{k}" if path else k)
        return out
    if isinstance(old, dict) and new is None:
        return [c for k in old for c in compare_values(old[k], None, f"{path}.{k}" if path else k)]
    if old is None and isinstance(new, dict):
        return [c for k in new for c in compare_values(None, new[k], f"{path}.{k}" if path else k)]
    if _scalar_list(old) and _scalar_list(new):
        o = {_key(x): x for x in old}
        n = {_key(x): x for x in new}
        if o.keys() == n.keys():
            return []
        return [FieldChange(path, old, new,
                            added=tuple(n[k] for k in n if k not in o),
                            removed=tuple(o[k] for k in o if k not in n))]
    if _key(old) == _key(new):
        return []
    return [FieldChange(path, old, new)]


def _rules_by_id(data: dict) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for i, r in enumerate(data.get("rules") or []):
        if isinstance(r, dict):
            out[str(r.get("id") or f"#{i}")] = r
    return out


def diff_rulesets(old: dict[str, tuple[str, dict]], new: dict[str, tuple[str, dict]],
                  old_label: str = "old", new_label: str = "new") -> Diff:
    """Compare two sides as read by :func:`load_side`."""
    d = Diff(old_label, new_label)
    for rid in sorted(set(old) | set(new)):
        if rid not in new:
            name, data = old[rid]
            d.rulesets.append(RulesetDiff(rid, "removed", old_path=name, rules=[
                RuleDiff(k, "removed", r.get("kind"), r.get("title"), rule=_norm(r))
                for k, r in _rules_by_id(data).items()]))
            continue
        if rid not in old:
            name, data = new[rid]
            d.rulesets.append(RulesetDiff(rid, "added", new_path=name, rules=[
                RuleDiff(k, "added", r.get("kind"), r.get("title"), rule=_norm(r))
                for k, r in _rules_by_id(data).items()]))
            continue
        (oname, odata), (nname, ndata) = old[rid], new[rid]
        rd = RulesetDiff(rid, "changed", old_path=oname, new_path=nname)
        rd.changes = compare_values({k: v for k, v in odata.items() if k not in _SKIP_RULESET_KEYS},
                                    {k: v for k, v in ndata.items() if k not in _SKIP_RULESET_KEYS})
        orules, nrules = _rules_by_id(odata), _rules_by_id(ndata)
        for k in list(orules) + [k for k in nrules if k not in orules]:
            if k not in nrules:
                r = orules[k]
                rd.rules.append(RuleDiff(k, "removed", r.get("kind"), r.get("title"), rule=_norm(r)))
            elif k not in orules:
                r = nrules[k]
                rd.rules.append(RuleDiff(k, "added", r.get("kind"), r.get("title"), rule=_norm(r)))
            else:
                ch = compare_values(orules[k], nrules[k])
                if ch:
                    r = nrules[k]
                    rd.rules.append(RuleDiff(k, "changed", r.get("kind"), r.get("title"), ch))
        nt_old, nt_new = len(odata.get("tests") or []), len(ndata.get("tests") or [])
        if nt_old != nt_new or _key(_norm(odata.get("tests"))) != _key(_norm(ndata.get("tests"))):
            rd.tests = (nt_old, nt_new)
        if rd.changes or rd.rules or rd.tests:
            d.rulesets.append(rd)
    return d


def diff_sources(old: str | os.PathLike, new: str | os.PathLike) -> Diff:
    """Compare two sides given as paths or ``REV:PATH`` (see :func:`load_side`).

    Raises:
        InputError: a side cannot be read.
    """
    return diff_rulesets(load_side(old), load_side(new), os.fspath(old), os.fspath(new))


# ---------------------------------------------------------------------------------------------
# output


def _fmt(v: Any, limit: int | None = 100) -> str:
    if v is None:
        return "(none)"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        s = " ".join(v.split())
    elif isinstance(v, list) and _scalar_list(v):
        s = "[" + ", ".join(_fmt(x, None) for x in v) + "]"
    else:
        s = json.dumps(v, ensure_ascii=False, default=str)
    if limit and len(s) > limit:
        s = s[: limit - 1] + "…"
    return s


def _change_line(c: FieldChange) -> str:
    if c.added or c.removed:
        parts = []
        if c.added:
            parts.append("added " + ", ".join(_fmt(x, None) for x in c.added))
        if c.removed:
            parts.append("removed " + ", ".join(_fmt(x, None) for x in c.removed))
        return f"{c.path}: {'; '.join(parts)} (now {_fmt(c.new)})"
    if c.old is None:
        return f"{c.path}: set to {_fmt(c.new)}"
    if c.new is None:
        return f"{c.path}: removed (was {_fmt(c.old)})"
    return f"{c.path}: {_fmt(c.old)} -> {_fmt(c.new)}"


def format_text(d: Diff) -> str:
    """A review-friendly text report: one block per ruleset, one line per rule and field."""
    if d.empty:
        return f"no differences between {d.old_label} and {d.new_label}"
    lines = [f"--- {d.old_label}", f"+++ {d.new_label}"]
    for rs in d.rulesets:
        where = rs.new_path or rs.old_path
        if rs.status == "added":
            lines.append(f"+ ruleset {rs.ruleset_id} added ({where}, {len(rs.rules)} rules)")
        elif rs.status == "removed":
            lines.append(f"- ruleset {rs.ruleset_id} removed ({where}, {len(rs.rules)} rules)")
        else:
            lines.append(f"~ ruleset {rs.ruleset_id} changed ({where})")
        for c in rs.changes:
            lines.append(f"    {_change_line(c)}")
        for r in rs.rules:
            sign = {"added": "+", "removed": "-", "changed": "~"}[r.status]
            head = f"  {sign} rule {r.rule_id}"
            if r.kind:
                head += f" ({r.kind})"
            head += f" {r.status}"
            if r.title and r.status != "changed":
                head += f": {r.title}"
            lines.append(head)
            for c in r.changes:
                lines.append(f"      {_change_line(c)}")
        if rs.tests:
            lines.append(f"    tests: {rs.tests[0]} -> {rs.tests[1]} cases (or cases edited)")
    n_rules = sum(len(rs.rules) for rs in d.rulesets)
    lines.append(f"{len(d.rulesets)} ruleset(s) differ, {n_rules} rule(s) added, removed or changed")
    return "\n".join(lines)


def _change_dict(c: FieldChange) -> dict:
    out: dict[str, Any] = {"path": c.path, "old": c.old, "new": c.new}
    if c.added or c.removed:
        out["added"] = list(c.added)
        out["removed"] = list(c.removed)
    return out


def to_dict(d: Diff) -> dict:
    """The diff as JSON-ready data."""
    return {
        "old": d.old_label,
        "new": d.new_label,
        "rulesets": [
            {
                "id": rs.ruleset_id, "status": rs.status, "old_path": rs.old_path, "new_path": rs.new_path,
                "changes": [_change_dict(c) for c in rs.changes],
                "rules": [
                    {"id": r.rule_id, "status": r.status, "kind": r.kind, "title": r.title,
                     "changes": [_change_dict(c) for c in r.changes],
                     **({"rule": r.rule} if r.rule is not None else {})}
                    for r in rs.rules
                ],
                "tests": {"old": rs.tests[0], "new": rs.tests[1]} if rs.tests else None,
            }
            for rs in d.rulesets
        ],
    }
