"""Run the test cases that rulesets carry (``tests:`` in the file, or a sibling
``<name>.tests.yaml`` holding a ``tests:`` list) — what ``collectrules test`` does.

Each case gives an attempt, an account, a history and the expected decision. By default a case
is evaluated against its own ruleset alone, so a ruleset's tests pin its own behaviour; a case
may name more rulesets (``rulesets: [us-federal]``) to test stacking.

Coverage: a rule counts as tested when some passing case expects it to fail (in
``violations`` or ``warnings``). Rules no case makes fail are reported as untested.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from pydantic import TypeAdapter, ValidationError

from .compiler import compile_ruleset, compile_rulesets
from .errors import Problem, RulesetError
from .policy import Policy
from .ruleset.loader import LoadedRuleset, load_rulesets, looks_like_path, parse_yaml, position, read_text, shipped_index
from .ruleset.schema import TestCase

_CASES = TypeAdapter(list[TestCase])


@dataclass
class CaseResult:
    ruleset: str
    path: str
    name: str
    passed: bool
    message: str = ""
    fired: frozenset[str] = frozenset()


@dataclass
class TestReport:
    """Results of every case, and which rules no case made fail."""

    __test__ = False

    cases: list[CaseResult] = field(default_factory=list)
    rules: dict[str, list[str]] = field(default_factory=dict)
    covered: dict[str, set[str]] = field(default_factory=dict)

    @property
    def failed(self) -> list[CaseResult]:
        return [c for c in self.cases if not c.passed]

    @property
    def untested(self) -> dict[str, list[str]]:
        return {rs: [r for r in ids if r not in self.covered.get(rs, set())] for rs, ids in self.rules.items()
                if any(r not in self.covered.get(rs, set()) for r in ids)}

    @property
    def ok(self) -> bool:
        return not self.failed


def _sibling_tests(lr: LoadedRuleset) -> list[TestCase]:
    p = lr.path
    sib = p.with_name(p.name.rsplit(".", 1)[0] + ".tests.yaml")
    if not sib.is_file():
        return []
    tree = parse_yaml(read_text(sib), str(sib))  # bounded; non-UTF-8 → a positioned problem
    items = tree.get("tests") if isinstance(tree, dict) else tree
    try:
        return _CASES.validate_python(items or [])
    except ValidationError as exc:
        probs = []
        for e in exc.errors():
            loc = ("tests", *e.get("loc", ())) if isinstance(tree, dict) else tuple(e.get("loc", ()))
            line, col = position(tree, loc)
            probs.append(Problem(str(sib), line, col, lr.model.id, f"{'.'.join(map(str, loc))}: {e.get('msg')}"))
        raise RulesetError(probs) from None


def run_tests(sources: Iterable[str | os.PathLike] | None = None) -> TestReport:
    """Load rulesets (ids, files, directories; all shipped when ``None``) and run their cases.

    Raises:
        RulesetError: a ruleset or tests file is invalid.
    """
    loaded = load_rulesets(sources)
    report = TestReport()
    cache: dict = {}  # rulesets named by stacking cases, loaded and compiled once per run
    for lr in loaded:
        compiled = compile_ruleset(lr)
        cache[("path", lr.path.resolve())] = (compiled,)
        report.rules[lr.model.id] = [r.id for r in lr.model.rules]
        report.covered.setdefault(lr.model.id, set())
        cases = list(lr.model.tests) + _sibling_tests(lr)
        for case in cases:
            report.cases.append(_run_case(lr, compiled, case, report, cache))
        for rcase in getattr(lr.model, "retention_tests", ()):
            report.cases.append(_run_retention_case(lr, compiled, rcase, report, cache))
    return report


def _case_policy(lr: LoadedRuleset, compiled, case, cache: dict | None = None) -> Policy:
    """The ruleset alone, plus the rulesets a case names: shipped ids, or paths relative to the
    ruleset's file that stay inside its directory (an untrusted ruleset cannot make ``test``
    read ``/`` or ``../../elsewhere``). Loads are cached per run.

    Raises:
        RulesetError: a named ruleset that is neither a shipped id nor a path inside the
            ruleset's directory.
    """
    cache = {} if cache is None else cache
    rulesets = [compiled]
    base = lr.path.parent.resolve()
    for s in case.rulesets or ():
        s = str(s)
        if not looks_like_path(s) and (s in shipped_index() or s == "shipped"):
            if (base / s).exists():
                line, col = position(lr.tree, ("tests",))
                raise RulesetError([Problem(str(lr.path), line, col, lr.model.id,
                                            f"ambiguous: {s!r} is a shipped ruleset id and also a path in the "
                                            f"ruleset's directory; write './{s}' for the path")])
            key: Any = ("id", s)
            source: Any = s
        else:
            cand = (base / s).resolve()
            if cand != base and base not in cand.parents:
                line, col = position(lr.tree, ("tests",))
                raise RulesetError([Problem(str(lr.path), line, col, lr.model.id,
                                            "a test case names a ruleset outside the ruleset's directory; use a "
                                            "shipped id or a path inside the directory")])
            if not cand.exists():
                line, col = position(lr.tree, ("tests",))
                raise RulesetError([Problem(str(lr.path), line, col, lr.model.id,
                                            "a test case names a ruleset that is neither a shipped id nor a file "
                                            "in the ruleset's directory")])
            key, source = ("path", cand), cand
        hit = cache.get(key)
        if hit is None:
            hit = tuple(compile_rulesets(load_rulesets([source])))
            cache[key] = hit
        rulesets += [r for r in hit if r.id != compiled.id and r.id not in {x.id for x in rulesets}]
    # the ruleset's own rules decide, also outside its effective dates (a case may pin that a
    # ruleset no longer applies); a Policy built by load_policy() denies such instants
    return Policy(rulesets, unknown_period="allow")


def _run_retention_case(lr: LoadedRuleset, compiled, case, report: TestReport, cache: dict | None = None) -> CaseResult:
    """A ``retention_tests:`` case: Policy.retention_until must give ``expect_until``, set by
    exactly the rules in ``expect_rules`` (which then count as tested)."""
    from .retention import retention_basis

    policy = _case_policy(lr, compiled, case, cache)
    basis = retention_basis(policy, case.account, case.last_activity_at, case.record_kind)
    got = max((u for _r, u in basis), default=None)
    binding = {r.rule_id for r, u in basis if u == got and r.ruleset_id == lr.model.id}
    problems = []
    if got != case.expect_until:
        problems.append(f"retention_until: expected {case.expect_until}, got {got}")
    if set(case.expect_rules) != binding:
        problems.append(f"rules setting the date: expected {sorted(case.expect_rules)}, got {sorted(binding)}")
    passed = not problems
    if passed:
        report.covered[lr.model.id].update(binding)
    return CaseResult(lr.model.id, str(lr.path), f"[retention] {case.name}", passed, "; ".join(problems),
                      frozenset(binding))


def _run_case(lr: LoadedRuleset, compiled, case: TestCase, report: TestReport, cache: dict | None = None) -> CaseResult:
    policy = _case_policy(lr, compiled, case, cache)
    if case.message is not None:
        return _run_message_case(lr, policy, case, report)
    d = policy.check(case.attempt, account=case.account, history=case.history)
    exp = case.expect
    problems = []
    if d.allowed != exp.allowed:
        problems.append(f"expected {'allowed' if exp.allowed else 'denied'}, got "
                        f"{'allowed' if d.allowed else 'denied'}")
    got_v = {v.rule_id for v in d.violations}
    got_w = {v.rule_id for v in d.warnings}
    if exp.violations is not None and set(exp.violations) != got_v:
        problems.append(f"violations: expected {sorted(exp.violations)}, got {sorted(got_v)}")
    if exp.warnings is not None and set(exp.warnings) != got_w:
        problems.append(f"warnings: expected {sorted(exp.warnings)}, got {sorted(got_w)}")
    expected_ids = set(exp.violations or ()) | set(exp.warnings or ())
    for t in d.trace:  # why an expected rule did not fire (not in effect, out of scope, passed)
        if t.rule_id in expected_ids and t.rule_id not in got_v | got_w:
            problems.append(f"{t.rule_id} {t.outcome}: {t.detail}")
    if exp.next_allowed_at is not None:
        if d.next_allowed_at is None or d.next_allowed_at != exp.next_allowed_at:
            problems.append(f"next_allowed_at: expected {exp.next_allowed_at.isoformat()}, got "
                            f"{d.next_allowed_at.isoformat() if d.next_allowed_at else None}")
    passed = not problems
    fired = frozenset(v.rule_id for v in (*d.violations, *d.warnings) if v.ruleset == lr.model.id)
    if passed:
        expected = set(exp.violations or ()) | set(exp.warnings or ())
        report.covered[lr.model.id].update(fired & expected if expected else set())
    return CaseResult(lr.model.id, str(lr.path), case.name, passed, "; ".join(problems), fired)


def _run_message_case(lr: LoadedRuleset, policy: Policy, case: TestCase, report: TestReport) -> CaseResult:
    """A content case: check the message; ``allowed`` is the report's ``ok``."""
    a, m = case.attempt, case.message
    r = policy.check_message(m.text, channel=a.channel, account=case.account, stage=m.stage, language=m.language,
                             recipient=a.recipient, place=a.place, purpose=a.purpose, dialer=a.dialer, at=a.at)
    exp = case.expect
    got_v = {f.rule_id for f in r.findings if f.severity == "deny"}
    got_w = {f.rule_id for f in r.findings if f.severity != "deny"}
    problems = []
    if r.ok != exp.allowed:
        problems.append(f"expected {'ok' if exp.allowed else 'findings'}, got "
                        + ("ok" if r.ok else "; ".join(f"{f.rule_id}: {f.message}" for f in r.errors)))
    if exp.violations is not None and set(exp.violations) != got_v:
        problems.append(f"findings: expected {sorted(exp.violations)}, got {sorted(got_v)}")
    if exp.warnings is not None and set(exp.warnings) != got_w:
        problems.append(f"warnings: expected {sorted(exp.warnings)}, got {sorted(got_w)}")
    passed = not problems
    fired = frozenset(f.rule_id for f in r.findings if f.ruleset == lr.model.id)
    if passed:
        expected = set(exp.violations or ()) | set(exp.warnings or ())
        report.covered[lr.model.id].update(fired & expected)
    return CaseResult(lr.model.id, str(lr.path), case.name, passed, "; ".join(problems), fired)
