"""The ``collectrules`` command: a thin layer that parses, calls the API and formats.

Exit codes: ``check`` 0 allowed, 1 denied, 2 invalid input or rulesets; ``validate`` and
``test`` 0 clean, 1 problems or failures, 2 usage errors.
"""

from __future__ import annotations

import json
from typing import Any
import sys
from pathlib import Path

import click
import yaml

from . import __version__
from .errors import InputError, RulesetError
from .vocab import CHANNELS
from .report import decision as decision_report


def _rulesets_option(f):
    return click.option("--ruleset", "-r", "rulesets", multiple=True, metavar="ID_OR_PATH",
                        help="Shipped ruleset id, file or directory (repeatable); 'shipped' adds every shipped "
                             "ruleset. Default: every shipped ruleset.")(f)


def _load_requests(source: str, prefix: bytes = b"") -> list[dict | InputError]:
    """Read REQUEST: one object, a list, JSONL or YAML. Returns one entry per request: the request
    dict, or an :class:`InputError` for a request that cannot be read (one bad JSONL line or
    malformed request does not stop the others).

    Bounded (:mod:`collectrules.limits`): input size, request count, nesting depth and YAML alias
    expansion.

    Raises:
        InputError: the input as a whole is unreadable.
    """
    from .limits import MAX_REQUEST_BYTES

    if source == "-":
        stream = getattr(sys.stdin, "buffer", None)
        data = stream.read(MAX_REQUEST_BYTES + 1) if stream is not None else sys.stdin.read(MAX_REQUEST_BYTES + 1)
        if prefix:
            data = prefix + data
        name = "<stdin>"
    else:
        p = Path(source)
        if not p.is_file():
            raise click.UsageError(f"no such request file: {source}")
        try:
            with open(p, "rb") as fh:
                data = fh.read(MAX_REQUEST_BYTES + 1)
        except OSError as exc:
            raise InputError(f"{source}: cannot read ({exc.strerror})") from None
        name = source
    if len(data) > MAX_REQUEST_BYTES:
        raise InputError(f"{name}: larger than {MAX_REQUEST_BYTES} bytes")
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise InputError(f"{name}: not UTF-8 text (line {line})") from None
    else:
        text = data
    try:
        return _parse_requests(text, name)
    except RecursionError:
        raise InputError(f"{name}: nested too deeply") from None


def _jsonl(text: str, name: str) -> list[Any] | None:
    """JSONL: more than one non-blank line and the first parses as a JSON object. Each line is
    parsed alone; a line that is not JSON becomes an :class:`InputError` naming its line number
    (counted over every line, blank ones included), so it does not lose the others."""
    lines = text.splitlines()
    filled = [(n, ln) for n, ln in enumerate(lines, 1) if ln.strip()]
    if len(filled) < 2:
        return None
    try:
        first = json.loads(filled[0][1])
    except (json.JSONDecodeError, RecursionError):
        return None
    if not isinstance(first, dict):
        return None
    out: list[Any] = []
    for n, ln in filled:
        try:
            out.append((n, json.loads(ln)))
        except json.JSONDecodeError as exc:
            out.append((n, InputError(f"{name}: line {n}: not JSON ({exc.msg} at column {exc.colno})")))
        except RecursionError:
            out.append((n, InputError(f"{name}: line {n}: nested too deeply")))
    return out


def _parse_requests(text: str, name: str) -> list[dict | InputError]:
    from . import limits

    text_s = text.strip()
    data: Any = None
    numbered: list[tuple[int | None, Any]] | None = None
    try:
        data = json.loads(text_s) if text_s else None
    except json.JSONDecodeError:
        numbered = _jsonl(text, name)
        if numbered is None:
            try:
                data = limits.safe_load(text)
            except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as exc:
                # position only: the YAML snippet would echo request content (personal data)
                mark = getattr(exc, "problem_mark", None)
                where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
                bound = getattr(exc, "problem", "") or ""
                why = f" ({bound})" if "nested more than" in bound or "expands to more than" in bound else ""
                raise InputError(f"{name}: not JSON, JSONL or YAML{where}{why}") from None
    if numbered is None:
        if isinstance(data, dict):
            data = [data]
        if not isinstance(data, list) or not data:
            raise InputError(f"{name}: expected a request object {{attempt, account, history}} or a list of them")
        numbered = [(None, d) for d in data]
    if len(numbered) > limits.MAX_REQUESTS:
        raise InputError(f"{name}: more than {limits.MAX_REQUESTS} requests; split the input")
    out: list[dict | InputError] = []
    for i, (line, d) in enumerate(numbered):
        where = f"line {line}" if line is not None else f"request {i}"
        out.append(_checked_request(d, name, where))
    return out


def _checked_request(d: Any, name: str, where: str) -> dict | InputError:
    """One parsed request, or the :class:`InputError` that stands for it."""
    from . import limits

    if isinstance(d, InputError):
        return d
    if not isinstance(d, dict):
        return InputError(f"{name}: {where}: not an object")
    try:
        limits.check_depth(d)
    except limits.BoundExceeded as exc:
        return InputError(f"{name}: {where}: {exc}")
    unknown = set(d) - {"attempt", "account", "history", "id"}
    if unknown or "attempt" not in d or "account" not in d:
        return InputError(f"{name}: {where}: needs 'attempt' and 'account' (and optional 'history', "
                          "'id')" + (f"; {len(unknown)} unknown key(s)" if unknown else ""))
    return d


def _stream_lines(stream, first: list[bytes], name: str):
    """Yield (line number, request dict or InputError) for each non-blank line of a JSONL
    stream as it arrives (blank lines are counted, not answered). Each line is bounded by
    MAX_REQUEST_BYTES; memory stays flat whatever the input size."""
    from .limits import MAX_REQUEST_BYTES

    n = 0

    def lines():
        yield from first
        while True:
            ln = stream.readline(MAX_REQUEST_BYTES + 1)
            if not ln:
                return
            yield ln

    it = lines()
    for raw in it:
        n += 1
        if len(raw) > MAX_REQUEST_BYTES and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):  # skip the rest of the oversized line
                raw = stream.readline(MAX_REQUEST_BYTES + 1)
            yield n, InputError(f"{name}: line {n}: larger than {MAX_REQUEST_BYTES} bytes")
            continue
        try:
            text = raw.decode("utf-8-sig" if n == 1 else "utf-8")
        except UnicodeDecodeError:
            yield n, InputError(f"{name}: line {n}: not UTF-8 text")
            continue
        if not text.strip():
            continue
        try:
            d = json.loads(text)
        except json.JSONDecodeError as exc:
            yield n, InputError(f"{name}: line {n}: not JSON ({exc.msg} at column {exc.colno})")
            continue
        except RecursionError:
            yield n, InputError(f"{name}: line {n}: nested too deeply")
            continue
        yield n, _checked_request(d, name, f"line {n}")


def _open_stream(source: str):
    """(binary stream, display name) for REQUEST."""
    if source == "-":
        return getattr(sys.stdin, "buffer", None), "<stdin>"
    return None, source


def _peek_jsonl(stream) -> tuple[list[bytes], bool]:
    """Read up to the first non-blank line: is it a whole JSON object (JSONL, streamed)?"""
    from .limits import MAX_REQUEST_BYTES

    first: list[bytes] = []
    while True:
        ln = stream.readline(MAX_REQUEST_BYTES + 1)
        if not ln:
            return first, False
        first.append(ln)
        if ln.strip():
            break
    try:
        return first, isinstance(json.loads(ln.decode("utf-8-sig")), dict)
    except (ValueError, RecursionError):
        return first, False


def _label(request: Any) -> str | None:
    """The request's ``id`` as shown on every output line and in JSON: redacted like the
    INVALID lines (a caller may put a phone number or an e-mail address there) and bounded."""
    from .redact import redact

    if not isinstance(request, dict) or request.get("id") is None:
        return None
    value = request.get("id")
    if not isinstance(value, (str, int, float, bool)):
        return "<id not shown: not a string>"
    text = redact(str(value))
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= 80 else text[:77] + "..."


def _write_output(output: str, text: str) -> None:
    """Write a report to ``--output``; a path that cannot be written exits 2."""
    try:
        Path(output).write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        click.echo(f"error: cannot write {output}: {exc.strerror}", err=True)
        sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="collectrules")
def main() -> None:
    """Debt-collection compliance rules: check contact attempts, validate and test rulesets."""


def _notice_if_no_shipped(policy) -> None:
    """House rules alone replace the shipped rulesets: say so on stderr, every time."""
    if not any(getattr(rs, "shipped", False) for rs in policy.rulesets):
        click.echo("notice: no shipped ruleset is loaded (only " + ", ".join(rs.id for rs in policy.rulesets)
                   + "); decisions ignore the law the shipped rulesets encode. Add -r shipped to stack them.",
                   err=True)


@main.command()
@click.argument("request")
@_rulesets_option
@click.option("--format", "fmt", type=click.Choice(["text", "json", "jsonl"]), default="text", show_default=True,
              help="jsonl: one compact JSON result per line.")
@click.option("--explain", is_flag=True, help="Show every rule considered and why.")
def check(request: str, rulesets: tuple[str, ...], fmt: str, explain: bool) -> None:
    """Decide contact attempts in REQUEST (JSON, JSONL or YAML file, or - for stdin).

    A request is {"attempt": {...}, "account": {...}, "history": [...], "id": ...}, or a list of
    them (JSON array, JSONL or YAML). A request that is invalid is reported as INVALID and the
    others are still decided. Exit 0 when every attempt is allowed, 1 when any is denied, 2 when
    any request (or the input as a whole) is invalid.

    JSONL (the first non-blank line a whole JSON object) is streamed with --format text or
    jsonl: each line is answered as it arrives and the output flushed, so the command can run
    as a co-process; memory stays flat in the input size; blank lines are counted but not
    answered; a bad line gets its own result (with its line number in jsonl).
    """
    from .policy import load_policy
    from .redact import redact

    prefix = b""
    try:
        policy = load_policy(list(rulesets) or None)
        _notice_if_no_shipped(policy)
        if fmt != "json":
            stream, name = _open_stream(request)
            opened = None
            if stream is None and request != "-" and Path(request).is_file():
                try:
                    stream = opened = open(request, "rb")  # noqa: SIM115 - closed below
                except OSError:
                    stream = None
            if stream is not None:
                first, is_jsonl = _peek_jsonl(stream)
                if is_jsonl:
                    try:
                        _stream_check(policy, stream, first, name, fmt, explain)
                    finally:
                        if opened:
                            opened.close()
                if opened:
                    opened.close()
                else:
                    prefix = b"".join(first)
        reqs = _load_requests(request, prefix)
    except RulesetError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    except InputError as exc:
        click.echo(f"error: {redact(str(exc))}", err=True)  # never echo personal data
        sys.exit(2)
    results: list[tuple[str | None, Any]] = []
    for i, r in enumerate(reqs):
        label = _label(r)
        if isinstance(r, InputError):
            results.append((label, r))
            continue
        try:
            results.append((label, policy.check(r["attempt"], account=r["account"], history=r.get("history"))))
        except InputError as exc:
            results.append((label, InputError(f"request {i}{f' ({label})' if label else ''}: {exc}")))
        except Exception as exc:  # noqa: BLE001 - fail closed per request: never lose the batch
            results.append((label, InputError(f"request {i}{f' ({label})' if label else ''}: could not be "
                                              f"decided ({type(exc).__name__}); treated as invalid")))
    if fmt == "json":
        click.echo(decision_report.json_results(results, explain=explain))
    elif fmt == "jsonl":
        for label, res in results:
            click.echo(_jsonl_result(label, res, explain))
    else:
        for label, res in results:
            if isinstance(res, InputError):
                click.echo(f"{label + ': ' if label else ''}INVALID: {redact(str(res))}")
            else:
                click.echo(decision_report.text(res, explain=explain, label=label))
    if any(isinstance(res, InputError) for _l, res in results):
        sys.exit(2)
    sys.exit(0 if all(res.allowed for _l, res in results) else 1)


def _decide(policy, r: Any, label: str | None, where: str) -> Any:
    """The decision for one request, or the InputError standing for it (never raises)."""
    if isinstance(r, InputError):
        return r
    try:
        return policy.check(r["attempt"], account=r["account"], history=r.get("history"))
    except InputError as exc:
        return InputError(f"{where}{f' ({label})' if label else ''}: {exc}")
    except Exception as exc:  # noqa: BLE001 - fail closed per request: never lose the batch
        return InputError(f"{where}{f' ({label})' if label else ''}: could not be decided "
                          f"({type(exc).__name__}); treated as invalid")


def _jsonl_result(label: str | None, res: Any, explain: bool, line: int | None = None) -> str:
    from .redact import redact

    data: dict[str, Any] = {"id": label}
    if line is not None:
        data["line"] = line
    if isinstance(res, InputError):
        data["error"] = redact(str(res))
    else:
        data.update(res.to_dict())
        if not explain:
            data.pop("trace", None)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _stream_check(policy, stream, first: list[bytes], name: str, fmt: str, explain: bool) -> None:
    """Answer each JSONL line as it arrives, flushing after each; exits with check's code."""
    from .redact import redact

    invalid = denied = False
    for n, r in _stream_lines(stream, first, name):
        label = _label(r)
        res = _decide(policy, r, label, f"{name}: line {n}")
        if isinstance(res, InputError):
            invalid = True
        elif not res.allowed:
            denied = True
        if fmt == "jsonl":
            text = _jsonl_result(label, res, explain, n)
        elif isinstance(res, InputError):
            text = f"{label + ': ' if label else ''}INVALID: {redact(str(res))}"
        else:
            text = decision_report.text(res, explain=explain, label=label)
        click.echo(text)
        sys.stdout.flush()
    sys.exit(2 if invalid else 1 if denied else 0)


@main.command()
@click.argument("paths", nargs=-1, required=True)
def validate(paths: tuple[str, ...]) -> None:
    """Validate ruleset files or directories; print every problem as file:line:col: rule-id: message.

    Exit 0 valid, 1 problems found, 2 no ruleset file found.
    """
    from .ruleset.loader import load_rulesets

    _require_rulesets(paths)
    try:
        loaded = load_rulesets(list(paths))
    except RulesetError as exc:
        for p in exc.problems:
            click.echo(str(p))
        click.echo(f"{len(exc.problems)} problem(s)", err=True)
        sys.exit(1)
    n_rules = sum(len(lr.model.rules) for lr in loaded)
    click.echo(f"ok: {len(loaded)} ruleset(s), {n_rules} rule(s)")


@main.command("test")
@click.argument("paths", nargs=-1)
@click.option("--require-coverage", is_flag=True, help="Fail when a rule is not made to fail by any test.")
@click.option("--strict", is_flag=True, help="Fail when a ruleset carries no test case.")
def test_cmd(paths: tuple[str, ...], require_coverage: bool, strict: bool) -> None:
    """Run the test cases that rulesets carry (all shipped rulesets when no PATH is given).

    Prints PASS/FAIL per case (a failure with the case's file:line, the rules that decided and
    the explain lines of the failing rules) and the rules no passing case makes fail. Exit 0 all
    passed, 1 a case failed (or, with --require-coverage, a rule is untested; with --strict, a
    ruleset has no case), 2 a ruleset or test file is invalid, or no ruleset was found.
    """
    from .testing import run_tests

    _require_rulesets(paths)
    try:
        report = run_tests(list(paths) or None)
    except RulesetError as exc:
        for p in exc.problems:
            click.echo(str(p))
        sys.exit(2)
    for c in report.cases:
        if c.passed:
            click.echo(f"PASS {c.ruleset}: {c.name}")
            continue
        click.echo(f"FAIL {c.ruleset}: {c.name} ({c.where})" + (f" -- {c.message}" if c.message else ""))
        for ln in c.explain:
            click.echo(f"    {ln.strip()}")
    for rs in report.no_cases:
        click.echo(f"no test cases in {rs}" + (" (--strict: failing)" if strict else ""))
    untested = report.untested
    for rs, ids in untested.items():
        click.echo(f"untested in {rs}: {', '.join(ids)}")
    total_rules = sum(len(v) for v in report.rules.values())
    covered = total_rules - sum(len(v) for v in untested.values())
    click.echo(f"{len(report.cases) - len(report.failed)} passed, {len(report.failed)} failed; "
               f"{covered} of {total_rules} rules covered")
    sys.exit(1 if report.failed or (require_coverage and untested) or (strict and report.no_cases) else 0)


def _require_rulesets(paths: tuple[str, ...]) -> None:
    """Exit 2 when PATHS name directories that hold no ruleset file (an empty input is not a pass)."""
    from .ruleset.loader import RulesetError as _RE, resolve

    if not paths:
        return
    try:
        found = resolve(list(paths))
    except _RE:
        return  # reported with positions by the load itself
    if not found:
        click.echo(f"error: no ruleset files (*.yaml, *.yml) found in {', '.join(paths)}", err=True)
        sys.exit(2)


@main.command()
def schema() -> None:
    """Print the JSON Schema of ruleset files (draft-07, for yaml-language-server and editors)."""
    from .ruleset.schema import json_schema

    click.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))


@main.command("list")
@_rulesets_option
def list_cmd(rulesets: tuple[str, ...]) -> None:
    """List rulesets: id, jurisdiction, version, rule count, title."""
    from .ruleset.loader import load_rulesets

    try:
        loaded = load_rulesets(list(rulesets) or None)
    except RulesetError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    rows = sorted(((lr.model.id, lr.model.jurisdiction, lr.model.version, str(len(lr.model.rules)), lr.model.title)
                   for lr in loaded))
    widths = [max(len(r[i]) for r in rows + [("id", "jurisdiction", "version", "rules", "")]) for i in range(4)]
    click.echo(f"{'id':{widths[0]}}  {'jurisdiction':{widths[1]}}  {'version':{widths[2]}}  {'rules':>{widths[3]}}  title")
    for r in rows:
        click.echo(f"{r[0]:{widths[0]}}  {r[1]:{widths[1]}}  {r[2]:{widths[2]}}  {r[3]:>{widths[3]}}  {r[4]}")


@main.command("diff")
@click.argument("old")
@click.argument("new", required=False)
@click.option("--git", "rev", metavar="REV",
              help="Read OLD as it was at git revision REV (NEW defaults to OLD in the working tree).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def diff_cmd(old: str, new: str | None, rev: str | None, fmt: str) -> None:
    """Show, per ruleset and rule id, what was added, removed or changed between OLD and NEW.

    OLD and NEW are ruleset files, directories, or REV:PATH (a git revision of a path relative to
    the repository root, e.g. HEAD~1:rulesets). Exit 0 when they are the same, 1 when they
    differ, 2 on errors.
    """
    from . import diff as _diff

    try:
        if rev:
            new = new or old
            old_side = _diff.git_side(rev, _diff.repo_relative(old))
            d = _diff.diff_rulesets(old_side, _diff.load_side(new), f"{rev}:{old}", new)
        else:
            if new is None:
                raise click.UsageError("give OLD and NEW, or --git REV with one PATH")
            d = _diff.diff_sources(old, new)
    except InputError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if fmt == "json":
        click.echo(json.dumps(_diff.to_dict(d), indent=2, ensure_ascii=False, default=str))
    else:
        click.echo(_diff.format_text(d))
    sys.exit(0 if d.empty else 1)


@main.command("catalogue")
@_rulesets_option
@click.option("--format", "fmt", type=click.Choice(["markdown", "rst"]), default="markdown", show_default=True)
@click.option("--output", "-o", "output", type=click.Path(dir_okay=False), help="Write to FILE instead of stdout.")
def catalogue_cmd(rulesets: tuple[str, ...], fmt: str, output: str | None) -> None:
    """Generate the rules catalogue: one table per jurisdiction (rule id, what it does, numbers,
    citation, status), from the ruleset YAML."""
    from .catalogue import build_catalogue, render

    try:
        text = render(build_catalogue(list(rulesets) or None), fmt)
    except RulesetError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    if output:
        _write_output(output, text)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text)
@main.command()
@click.argument("paths", nargs=-1, required=True)
@_rulesets_option
@click.option("--channel", help="Channel of files that do not declare one (sms, email, voicemail, call...).")
@click.option("--stage", type=click.Choice(["initial", "subsequent", "limited_content"]),
              help="Stage of files that do not declare one (default: initial and subsequent rules both apply).")
@click.option("--language", help="Language tag of files that do not declare one (en, zh-CN...).")
@click.option("--jurisdiction", "jurisdictions", multiple=True, metavar="CODE",
              help="ISO 3166 code(s) for files that do not declare jurisdictions (repeatable).")
@click.option("--recipient", help="Recipient of files that do not declare one (default borrower).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif", "junit"]), default="text",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write the report to FILE.")
@click.option("--declared-only", is_flag=True,
              help="Lint only files that declare themselves outreach scripts: a YAML front-matter block at the "
                   "top, or a *.flow.* / *.transcript.* name; other files given are skipped (the pre-commit "
                   "hook's default).")
def lint(paths, rulesets, channel, stage, language, jurisdictions, recipient, fmt, output, declared_only) -> None:
    """Check outreach scripts, dialogue flows and call transcripts against the content rules.

    PATHS are files, directories (searched recursively) or globs. Scripts may declare channel,
    stage, language and jurisdictions in YAML front matter; the options fill in the rest.
    Exit 0 clean (warnings allowed), 1 findings at error severity, 2 usage or ruleset errors, or
    no file found.
    """
    from .content.lint import LintOptions, UsageError, run_lint
    from .policy import load_policy
    from .report import findings as findings_report

    if channel is not None and channel not in CHANNELS:
        click.echo(f"error: unknown channel (value not shown); channels: {', '.join(CHANNELS)}", err=True)
        sys.exit(2)
    if declared_only:
        given = len(paths)
        paths = tuple(p for p in paths if declares_script(p))
        if not paths:
            click.echo(f"nothing to lint: none of {given} file(s) declares itself an outreach script "
                       "(front matter, or a *.flow.* / *.transcript.* name)")
            sys.exit(0)
    try:
        policy = load_policy(list(rulesets) or None)
        opts = LintOptions(channel=channel, stage=stage, language=language,
                           jurisdictions=tuple(jurisdictions), recipient=recipient)
        result = run_lint(paths, policy, opts)
    except RulesetError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    except (UsageError, InputError) as exc:
        from .content.lint import printable

        click.echo(f"error: {printable(str(exc))}", err=True)
        sys.exit(2)
    if not result.files:
        from .content.lint import printable

        click.echo(f"error: no files to lint found in {printable(', '.join(paths))}", err=True)
        sys.exit(2)
    if fmt == "json":
        out = findings_report.json_text(result)
    elif fmt == "sarif":
        from .report.sarif import sarif_text

        out = sarif_text(result)
    elif fmt == "junit":
        from .report.junit import junit_text

        out = junit_text(result)
    else:
        out = findings_report.text(result)
    if output:
        _write_output(output, out)
        if fmt != "text":
            click.echo(findings_report.text(result), err=True)
    else:
        click.echo(out)
    sys.exit(result.exit_code)


_SCRIPT_NAMES = (".flow.", ".transcript.")


def declares_script(path: str) -> bool:
    """Does the file at ``path`` declare itself an outreach script: a ``---`` front-matter line
    first (a byte-order mark and blank lines aside), or a ``*.flow.*`` / ``*.transcript.*`` name?
    Directories and globs are kept (they are expanded by lint itself)."""
    p = Path(path)
    if not p.is_file():
        return True
    if any(s in p.name.lower() for s in _SCRIPT_NAMES):
        return True
    try:
        with open(p, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return True  # let lint report it
    utf16 = head[:2] in (b"\xff\xfe", b"\xfe\xff")
    text = head.decode("utf-16" if utf16 else "utf-8-sig", "ignore")
    first = next((ln for ln in text.lstrip("\ufeff").splitlines() if ln.strip()), "")
    return first.rstrip() == "---"
@main.command("calendar")
@click.argument("request")
@_rulesets_option
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 31), help="Number of local days drawn.")
@click.option("--channel", "channels", multiple=True, type=click.Choice(CHANNELS), metavar="CHANNEL",
              help="Channel to draw (repeatable). Default: call, sms, email.")
@click.option("--slot-minutes", default=60, show_default=True, type=int, help="Slot length in minutes.")
@click.option("--title", help="Title printed on top of the picture.")
@click.option("--out", "-o", "output", required=True, type=click.Path(dir_okay=False), help="SVG file to write.")
def calendar_cmd(request: str, rulesets: tuple[str, ...], days: int, channels: tuple[str, ...],
                 slot_minutes: int, title: str | None, output: str) -> None:
    """Draw a week of allowed / denied slots for the one request in REQUEST as an SVG picture.

    Every cell is a real check of the request's attempt moved to that slot (per channel), against
    the request's history; denied cells are coloured by the deciding rule. The first day is the
    attempt's local date. Exit 0 when the picture was written, 2 on invalid input or rulesets.
    """
    from .calendar import week_svg
    from .policy import load_policy
    from .redact import redact

    try:
        policy = load_policy(list(rulesets) or None)
        reqs = _load_requests(request)
        if len(reqs) != 1:
            raise InputError(f"{request}: calendar draws one request, found {len(reqs)}")
        if isinstance(reqs[0], InputError):
            raise reqs[0]
        r = reqs[0]
        svg = week_svg(policy, r["attempt"], account=r["account"], history=r.get("history"), days=days,
                       channels=channels or None, slot_minutes=slot_minutes, title=title)
    except RulesetError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    except InputError as exc:
        click.echo(f"error: {redact(str(exc))}", err=True)
        sys.exit(2)
    _write_output(output, svg.rstrip("\n"))
    click.echo(f"wrote {output}", err=True)


@main.command()
@_rulesets_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback by default).")
@click.option("--port", default=8181, show_default=True, type=click.IntRange(0, 65535))
@click.option("--ledger", "ledger_url", metavar="URL", help="Contact ledger (sqlite:///path or postgresql://...).")
@click.option("--token-file", type=click.Path(exists=True, dir_okay=False),
              help="Require 'Authorization: Bearer <token>' (the file's first line) on every endpoint but health.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option("--decision-log", is_flag=True, help="Append every decision to the ledger's decision log.")
@click.option("--batch-max", default=1000, show_default=True, type=click.IntRange(1, 100_000),
              help="Most requests in one /v1/check:batch body.")
@click.option("--max-body", default=8 * 1_048_576, show_default=True, type=click.IntRange(1024, 1 << 30),
              help="Largest request body in bytes (larger bodies get 413).")
@click.option("--no-watch", is_flag=True, help="Reload on SIGHUP only, not on ruleset file changes.")
def serve(rulesets, host, port, ledger_url, token_file, workers, decision_log, batch_max, max_body, no_watch) -> None:
    """Run the HTTP/JSON decision service (needs the [server] extra): /v1/check, /v1/check:batch,
    /v1/next-allowed, /v1/messages:check, /v1/transcripts:check, reservations on --ledger,
    /v1/rulesets, /healthz, /readyz, /metrics; OpenAPI at /openapi.json. SIGHUP or a ruleset file
    change reloads the rulesets. See docs/server.md."""
    from .errors import CollectrulesError

    try:
        from .server import serve as run_server
    except ImportError as exc:
        click.echo(f"error: the server needs the [server] extra: pip install 'collectrules[server]' ({exc.name})",
                   err=True)
        sys.exit(2)
    try:
        run_server(list(rulesets) or None, host=host, port=port, ledger_url=ledger_url, token_file=token_file,
                   workers=workers, decision_log=decision_log, batch_max=batch_max, max_body=max_body,
                   watch=not no_watch)
    except RulesetError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    except (ValueError, OSError, CollectrulesError) as exc:  # a bad token file, ledger URL, ledger down
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


def _add_ledger_commands() -> None:
    from .ledger.commands import ledger  # psycopg is imported only when a PostgreSQL URL is used

    main.add_command(ledger)



def _progress_bar(total: int | None, what: str):
    """A tqdm progress bar on a terminal (stderr), nothing otherwise (CI, pipes)."""
    if not sys.stderr.isatty():
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm comes with the [batch] extra
        return None
    return tqdm(total=total, unit=what, file=sys.stderr, dynamic_ncols=True)


@main.command("batch")
@click.argument("attempts", type=click.Path(dir_okay=False))
@click.option("--accounts", required=True, type=click.Path(dir_okay=False), help="Accounts Parquet file.")
@click.option("--contacts", type=click.Path(dir_okay=False), help="Contacts (history) Parquet file, long form.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="Output Parquet file.")
@_rulesets_option
@click.option("--workers", type=click.IntRange(min=1), help="Worker processes (default: every core).")
@click.option("--chunk", "chunk", type=click.IntRange(min=1), default=20_000, show_default=True,
              help="Attempts (and so at most as many accounts) per unit of work.")
def batch_cmd(attempts, accounts, contacts, out, rulesets, workers, chunk) -> None:
    """Decide every attempt of ATTEMPTS (Parquet) and write one row per attempt, in order, to --out.

    Bad rows are reported on stderr (table, row index, field, reason) and written as not allowed
    with rule id invalid-input; the other rows keep their place. Exit 0 when every attempt is
    allowed, 1 when any is denied, 2 when any row (or a file as a whole) is invalid.
    """
    from . import _batch_cli

    sys.exit(_batch_cli.run_batch(attempts, accounts, contacts, out, list(rulesets) or None, workers, chunk,
                                  _progress_bar))


@main.command("plan")
@click.argument("accounts", type=click.Path(dir_okay=False))
@click.option("--contacts", type=click.Path(dir_okay=False), help="Contacts (history) Parquet file, long form.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="Output Parquet file.")
@click.option("--channel", required=True, type=click.Choice(CHANNELS), help="Channel of the planned contacts.")
@click.option("--start", required=True, help="Start of the horizon (ISO 8601 with an offset).")
@click.option("--end", required=True, help="End of the horizon (ISO 8601 with an offset, exclusive).")
@click.option("--max-contacts", type=click.IntRange(min=0), help="At most this many planned contacts per account.")
@click.option("--slot-minutes", type=click.IntRange(min=1), default=30, show_default=True, help="Slot length.")
@_rulesets_option
@click.option("--workers", type=click.IntRange(min=1), help="Worker processes (default: every core).")
def plan_cmd(accounts, contacts, out, channel, start, end, max_contacts, slot_minutes, rulesets, workers) -> None:
    """Plan compliant contacts for every account of ACCOUNTS (Parquet) between --start and --end.

    Writes one row per account, in order: account_id, planned_at (list of UTC instants), and the
    error columns for accounts that could not be planned (reported on stderr too). Exit 0 when
    every account was planned, 2 when any row (or a file as a whole) is invalid.
    """
    from . import _batch_cli

    sys.exit(_batch_cli.run_plan(accounts, contacts, out, channel, start, end, max_contacts, slot_minutes,
                                 list(rulesets) or None, workers, _progress_bar))


if __name__ == "__main__":  # pragma: no cover
    main()


@main.command("outdated")
@_rulesets_option
@click.option("--days", default=365, show_default=True, type=click.IntRange(min=0),
              help="List rules whose source was not verified within this many days.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def outdated_cmd(rulesets: tuple[str, ...], days: int, fmt: str) -> None:
    """List rules to re-read: never verified, not verified within --days, or a newer version of
    the source on record. Exit 0 when none, 1 when some are listed, 2 on invalid rulesets."""
    from .provenance import outdated

    try:
        items = outdated(list(rulesets) or None, days=days)
    except RulesetError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    if fmt == "json":
        click.echo(json.dumps([{"ruleset": i.ruleset, "rule_id": i.rule_id, "jurisdiction": i.jurisdiction,
                                "last_verified": i.last_verified.isoformat() if i.last_verified else None,
                                "source": i.source, "reasons": list(i.reasons)} for i in items], indent=2))
    else:
        for i in items:
            click.echo(f"{i.ruleset}/{i.rule_id}: {'; '.join(i.reasons)}"
                       + (f" (source: {i.source})" if i.source else ""))
        click.echo(f"{len(items)} rule{'s' if len(items) != 1 else ''} to re-read (verified within {days} days)")
    sys.exit(1 if items else 0)


@main.command("coverage")
@_rulesets_option
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True)
def coverage_cmd(rulesets: tuple[str, ...], fmt: str) -> None:
    """Print the jurisdiction x topic table: each cell's status (confirmed, partial, unconfirmed,
    'none fixed' when researched and found to fix nothing, '-' when absent)."""
    from .coverage import coverage_table, render_coverage

    try:
        rows = coverage_table(list(rulesets) or None)
    except RulesetError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    except (OSError, ValueError) as exc:  # the researched list is unreadable or malformed
        click.echo(f"researched list: {exc}", err=True)
        sys.exit(2)
    click.echo(render_coverage(rows, fmt), nl=False)


_add_ledger_commands()
