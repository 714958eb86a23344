"""``collectrules lint``: check outreach scripts, voice-bot dialogue flows and call transcripts
against the content rules, for CI and pre-commit.

Inputs (``PATHS`` may be files, directories, searched recursively, or globs):

* **Scripts** (``.txt``, ``.md``, ``.j2``, ``.jinja``, ``.jinja2``, ``.tmpl``, ``.tpl``,
  ``.sms``, ``.eml``, ``.html``…): text or Jinja2/``{placeholder}`` templates, optionally
  starting with YAML front matter::

      ---
      channel: sms
      stage: subsequent            # initial | subsequent | limited_content
      language: en
      jurisdictions: [US-IL]
      recipient: borrower          # optional; also collector_type, institution_type,
      ---                          # sol_expired, license_number, timezones
      Hi {{ first_name }}, ...

* **Dialogue flows** (``.yaml``/``.yml``/``.json`` with a ``nodes`` mapping or list): each
  node's ``say``/``text``/``prompt``/``message``/``utterance``/``response``/``reprompt``
  strings (or lists of variants) are checked for prohibited wording and, for nodes at stage
  ``limited_content``, as limited-content messages; required disclosures are checked over the
  flow as a whole (every node not at stage ``limited_content``). A node may override
  ``channel``, ``stage``, ``language`` and ``recipient``. Findings carry the node path
  (``nodes.greeting.say[1]``).
* **Call transcripts** (``.json`` list of turns or ``{"turns": [...], ...}``, or ``.jsonl`` one
  turn per line): turns ``{speaker: agent|consumer, start_seconds, text}``, checked with
  :meth:`Policy.check_transcript`; findings carry the turn index.

Front matter (or a flow's/transcript's top-level keys) wins; the command's options fill in what
a file does not declare. Without a declared jurisdiction, the country shared by every loaded
ruleset is used; otherwise the file gets a ``lint-config`` error. A file without a channel gets
a ``lint-config`` error (fail closed).
"""

from __future__ import annotations

import glob as _glob
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable

from pydantic import ValidationError

from ..errors import InputError
from ..vocab import CHANNELS, STAGES
from .findings import Finding
from .template import split_front_matter

SCRIPT_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown", ".j2", ".jinja", ".jinja2", ".tmpl", ".tpl",
                             ".sms", ".eml", ".html", ".htm"})
#: larger files are not read (a ``lint-read`` error: fail closed rather than stall a CI job)
MAX_FILE_BYTES = 8_000_000
#: bounds on a structured file as parsed, aliases expanded (a ``lint-read`` error beyond them):
#: nesting depth, number of values, and characters of text
MAX_DEPTH = 64
#: a dialogue flow reports at most this many findings (then a ``lint-read`` error: the rest of
#: the file is not checked, which fails closed)
MAX_FINDINGS_PER_FILE = 1_000
MAX_VALUES = 100_000
MAX_TEXT_CHARS = MAX_FILE_BYTES
STRUCT_SUFFIXES = frozenset({".yaml", ".yml", ".json", ".jsonl"})
TEXT_KEYS = ("say", "text", "prompt", "message", "utterance", "response", "reprompt")
META_KEYS = frozenset({"channel", "stage", "language", "jurisdictions", "jurisdiction", "recipient", "collector_type",
                       "institution_type", "sol_expired", "license_number", "institution_name", "timezones", "place", "purpose",
                       "dialer", "title", "name", "description", "id"})

#: pseudo-rules the linter itself reports (id → (title, citation))
TOOL_RULES = {
    "lint-config": ("script metadata missing or invalid", "fail closed: the linter must know channel and jurisdiction"),
    "lint-read": ("file cannot be read or parsed", "fail closed: an unreadable script is not checked"),
    "lint-skip": ("structured file is not a dialogue flow or transcript", "nothing checked"),
    "template-syntax": ("template syntax error", "fail closed: the template cannot be analysed"),
    "no-ruleset": ("no loaded ruleset covers the jurisdiction", "fail closed: no ruleset covers the account"),
    "bidi-control": ("bidirectional control characters", "the text checked must be the text displayed"),
    "limited-content-stage": ("stage limited_content on a channel no limited-content rule covers",
                              "12 CFR 1006.2(j): the stage label never removes a channel's duties"),
}


@dataclass(frozen=True)
class LintOptions:
    """Defaults for what a file does not declare."""

    channel: str | None = None
    stage: str | None = None
    language: str | None = None
    jurisdictions: tuple[str, ...] = ()
    recipient: str | None = None


@dataclass(frozen=True)
class LintFinding:
    """A finding placed in a file (1-based line and column, in code points; ``end_*``
    exclusive-end column of the span)."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    finding: Finding

    @property
    def rule_id(self) -> str:
        return self.finding.rule_id

    @property
    def severity(self) -> str:
        return self.finding.severity

    @property
    def message(self) -> str:
        f = self.finding
        where = ""
        if f.path:
            where += f"[{f.path}] "
        if f.turn is not None:
            where += f"[turn {f.turn}] "
        return f"{where}{f.message} [{f.citation}]"

    def __str__(self) -> str:
        return printable(f"{self.file}:{self.line}:{self.column}: {self.rule_id}: {self.message}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; the file name is made printable (undecodable bytes as ``\\xNN``)."""
        d = self.finding.to_dict()
        d["message"] = printable(d["message"])
        d.update(file=printable(self.file), line=self.line, column=self.column, end_line=self.end_line,
                 end_column=self.end_column)
        return d


@dataclass
class LintResult:
    """Every finding in every file, and the rules they refer to (for SARIF)."""

    findings: list[LintFinding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def errors(self) -> list[LintFinding]:
        return [f for f in self.findings if f.severity == "deny"]

    @property
    def exit_code(self) -> int:
        """0 clean (warnings allowed), 1 some finding at error (``deny``) severity."""
        return 1 if self.errors else 0


class UsageError(Exception):
    """A path that matches nothing, or an invalid option (exit 2)."""


# ---------------------------------------------------------------------------------------------
# paths


def _hidden(p: Path, root: Path) -> bool:
    try:
        rel = p.relative_to(root)
    except ValueError:
        rel = p
    return any(part.startswith(".") for part in rel.parts)


def expand_paths(paths: Iterable[str]) -> list[Path]:
    """Files named, found under directories (known suffixes, hidden parts skipped) or matched
    by globs, in order, without duplicates.

    Raises:
        UsageError: a path or glob that matches nothing.
    """
    out: list[Path] = []
    missing = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(q for q in p.rglob("*") if q.is_file() and not _hidden(q, p)
                           and (q.suffix.lower() in SCRIPT_SUFFIXES or q.suffix.lower() in STRUCT_SUFFIXES))
            out.extend(found)
        elif p.is_file():
            out.append(p)
        elif any(c in raw for c in "*?["):
            hits = sorted(Path(h) for h in _glob.glob(raw, recursive=True) if Path(h).is_file())
            if not hits:
                missing.append(raw)
            out.extend(hits)
        else:
            missing.append(raw)
    if missing:
        raise UsageError("no such file, directory or glob match: " + ", ".join(missing))
    from ..ruleset.loader import unique_paths

    return unique_paths(out)


# ---------------------------------------------------------------------------------------------
# configuration of one file


@dataclass
class _Config:
    channel: str | None
    stage: str | None
    language: str | None
    recipient: str
    account: Any
    extra: dict


def _default_jurisdictions(policy) -> tuple[str, ...]:
    countries = {rs.jurisdiction.split("-")[0] for rs in policy.rulesets}
    return tuple(countries) if len(countries) == 1 else ()


def _config(meta: dict, opts: LintOptions, policy) -> tuple[_Config | None, list[str], list[str]]:
    """(config, errors, warnings)."""
    from ..models import Account

    errors: list[str] = []
    warnings: list[str] = []
    unknown = [k for k in meta if k not in META_KEYS and k not in ("nodes", "turns", "start", "meta")]
    if unknown:
        # only field-name style keys are named; any other key (a name, a number) is not echoed
        shown = [k for k in unknown if isinstance(k, str) and _KEY_RE.match(k)]
        others = len(unknown) - len(shown)
        listed = ", ".join(shown + ([f"{others} other key(s) not shown"] if others else []))
        warnings.append(f"unknown metadata keys ignored: {listed}; known keys: {', '.join(sorted(META_KEYS))}")
    channel = meta.get("channel") or opts.channel
    stage = meta.get("stage") or opts.stage
    language = meta.get("language") or opts.language
    recipient = meta.get("recipient") or opts.recipient or "borrower"
    jur = meta.get("jurisdictions", meta.get("jurisdiction"))
    if isinstance(jur, str):
        jur = [jur]
    if jur is not None and not (isinstance(jur, list) and all(isinstance(j, str) for j in jur)):
        errors.append("jurisdictions must be an ISO 3166 code or a list of them")
        jur = None
    jur = tuple(jur or ()) or opts.jurisdictions or _default_jurisdictions(policy)
    for key, value in (("channel", channel), ("stage", stage), ("recipient", recipient)):
        if value is not None and not isinstance(value, str):
            errors.append(f"{key} must be a string")
    if errors:
        return None, errors, warnings
    if channel is None:
        errors.append("no channel declared (front matter 'channel:' or --channel)")
    elif channel not in CHANNELS:
        errors.append(f"unknown channel (value not shown); channels: {', '.join(CHANNELS)}")
    if stage is not None and stage not in STAGES:
        errors.append(f"unknown stage (value not shown); stages: {', '.join(STAGES)}")
    if language is not None and not isinstance(language, str):
        errors.append("language must be a tag such as 'en' or 'zh-CN'")
    if not jur:
        errors.append("no jurisdiction declared (front matter 'jurisdictions:' or --jurisdiction) and the "
                      "loaded rulesets span several countries")
    acct = None
    if not errors:
        data = {"jurisdictions": list(jur)}
        for k in ("collector_type", "institution_type", "sol_expired", "license_number", "institution_name",
                  "timezones"):
            if k in meta:
                data[k] = meta[k]
        try:
            acct = Account.model_validate(data)
        except ValidationError as exc:
            from ..redact import error_parts

            parts = []
            for e in exc.errors()[:4]:
                loc, msg = error_parts(e)
                parts.append(f"{'.'.join(loc)}: {msg}")
            errors.append("invalid metadata: " + "; ".join(parts))
        except (TypeError, ValueError) as exc:
            errors.append(f"invalid metadata ({type(exc).__name__}; values not shown)")
    if errors:
        return None, errors, warnings
    extra = {k: meta[k] for k in ("place", "purpose", "dialer") if k in meta and isinstance(meta[k], str)}
    return _Config(channel, stage, str(language) if language else None, recipient, acct, extra), errors, warnings


_KEY_RE = __import__("re").compile(r"^[a-z_][a-z0-9_]{0,63}$")
_CONTROL_RE = __import__("re").compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(s: str) -> str:
    """``s`` safe to print: control characters (ESC, bidi overrides…) become ``\\xNN`` /
    ``\\uNNNN`` escapes and undecodable file-name bytes (lone surrogates) ``\\xNN``."""
    if any(0xD800 <= ord(c) <= 0xDFFF for c in s):
        s = s.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace") \
            if all(0xDC80 <= ord(c) <= 0xDCFF for c in s if 0xD800 <= ord(c) <= 0xDFFF) \
            else s.encode("utf-8", "backslashreplace").decode("utf-8")
    return _CONTROL_RE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                           else f"\\u{ord(m.group()):04x}", s)


def _tool(rule_id: str, message: str, severity: str = "deny") -> Finding:
    title, citation = TOOL_RULES[rule_id]
    return Finding(rule_id=rule_id, kind="lint", span=(0, 0), matched="", message=message, severity=severity,
                   citation=citation, ruleset="collectrules")


# ---------------------------------------------------------------------------------------------
# positions


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    return starts


def _pos(starts: list[int], offset: int) -> tuple[int, int]:
    import bisect

    i = bisect.bisect_right(starts, offset) - 1
    return i + 1, offset - starts[i] + 1


def _in_scalar(lines: list[str], vline: int, vcol: int, value: str, offset: int) -> tuple[int, int]:
    """Best-effort file position of ``value[offset]`` for a YAML/JSON scalar whose value starts
    at ``vline:vcol``."""
    if not (1 <= vline <= len(lines)):
        return vline, vcol
    raw = lines[vline - 1][vcol - 1:]
    head = value[:offset]
    if raw[:1] in ("|", ">"):
        line = vline + 1 + head.count("\n")
        if line > len(lines):
            return vline, vcol
        lt = lines[line - 1]
        indent = len(lt) - len(lt.lstrip(" "))
        return line, indent + 1 + (offset - (head.rfind("\n") + 1))
    if raw[:1] in ("'", '"'):
        if "\n" not in head and raw[1:].startswith(head):
            return vline, vcol + 1 + offset
        return vline, vcol
    if "\n" not in head and raw.startswith(head):
        return vline, vcol + offset
    return vline, vcol


# ---------------------------------------------------------------------------------------------
# one file


def lint_file(path: Path, policy, opts: LintOptions) -> list[LintFinding]:
    """Every finding in one file (never raises for file content)."""
    name = str(path)
    try:
        if Path(path).stat().st_size > MAX_FILE_BYTES:
            return [LintFinding(name, 1, 1, 1, 1, _tool(
                "lint-read", f"file larger than {MAX_FILE_BYTES} bytes: not checked (split it)"))]
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [LintFinding(name, 1, 1, 1, 1, _tool("lint-read", f"cannot read: {exc}"))]
    if path.suffix.lower() in STRUCT_SUFFIXES:
        return _lint_structured(name, path.suffix.lower(), text, policy, opts)
    return lint_script_text(name, text, policy, opts)


def lint_script_text(name: str, text: str, policy, opts: LintOptions) -> list[LintFinding]:
    """Lint a script given as text (front matter + template body)."""
    sc = split_front_matter(text)
    starts = _line_starts(text)
    out: list[LintFinding] = []
    if sc.meta_error:
        out.append(LintFinding(name, 1, 1, 1, 1, _tool("lint-config", sc.meta_error)))
    why = _measure(sc.meta)
    if why:
        return out + [LintFinding(name, 1, 1, 1, 1, _tool("lint-read", "front matter " + why))]
    cfg, errors, warnings = _config(sc.meta, opts, policy)
    for w in warnings:
        out.append(LintFinding(name, 1, 1, 1, 1, _tool("lint-config", w, "warn")))
    if cfg is None:
        for e in errors:
            out.append(LintFinding(name, 1, 1, 1, 1, _tool("lint-config", e)))
        return out
    try:
        report = policy.check_message(sc.body, channel=cfg.channel, account=cfg.account, stage=cfg.stage,
                                      language=cfg.language, recipient=cfg.recipient, **cfg.extra)
    except InputError as exc:
        out.append(LintFinding(name, 1, 1, 1, 1, _tool("lint-config", str(exc))))
        return out
    for f in report.findings:
        s, e = f.span
        l1, c1 = _pos(starts, sc.body_offset + s)
        l2, c2 = _pos(starts, sc.body_offset + e)
        out.append(LintFinding(name, l1, c1, l2, c2, f))
    return out


def _lint_structured(name: str, suffix: str, text: str, policy, opts: LintOptions) -> list[LintFinding]:
    from ..errors import RulesetError
    from ..ruleset.loader import parse_yaml

    lines = text.split("\n")
    if suffix == ".jsonl":
        turns, marks = [], []
        for i, ln in enumerate(lines):
            if not ln.strip():
                continue
            try:
                turns.append(json.loads(ln))
            except json.JSONDecodeError as exc:
                return [LintFinding(name, i + 1, exc.colno, i + 1, exc.colno,
                                    _tool("lint-read", f"line {i + 1}, column {exc.colno}: not JSON"))]
            except RecursionError:
                return [LintFinding(name, i + 1, 1, i + 1, 1, _tool(
                    "lint-read", f"line {i + 1}: nested too deeply: not checked"))]
            marks.append((i + 1, 1))
        why = _measure(turns)
        if why:
            return [LintFinding(name, 1, 1, 1, 1, _tool("lint-read", why))]
        _join_surrogates(turns)
        meta = {}
        if turns and isinstance(turns[0], dict) and "speaker" not in turns[0] and "meta" in turns[0]:
            meta = turns.pop(0).get("meta") or {}
            marks.pop(0)
        return _lint_transcript(name, lines, meta, turns, [None] * len(turns), marks, policy, opts)
    try:
        data = parse_yaml(text, name)
    except RulesetError as exc:
        p = exc.problems[0]  # position only: the parser's message may quote the file's content
        if "aliases counted" in p.message:  # the reader's own bounds (collectrules.limits) quote nothing
            why = "too many values once aliases are expanded: not checked"
        elif "levels deep" in p.message:
            why = "nested too deeply to parse: not checked"
        else:
            why = "not valid YAML/JSON (see the line and column)"
        return [LintFinding(name, max(p.line, 1), max(p.column, 1), max(p.line, 1), max(p.column, 1),
                            _tool("lint-read", why))]
    except (RecursionError, MemoryError):
        return [LintFinding(name, 1, 1, 1, 1, _tool("lint-read", "nested too deeply to parse: not checked"))]
    why = _measure(data)
    if why:
        return [LintFinding(name, 1, 1, 1, 1, _tool("lint-read", why))]
    _join_surrogates(data)
    if isinstance(data, list) and data and all(isinstance(t, dict) and "speaker" in t for t in data):
        marks = list(getattr(data, "item_marks", [(1, 1)] * len(data)))
        return _lint_transcript(name, lines, {}, list(data), list(data), marks, policy, opts)
    if isinstance(data, dict) and isinstance(data.get("turns"), list):
        turns = data["turns"]
        marks = list(getattr(turns, "item_marks", [(1, 1)] * len(turns)))
        meta = {k: v for k, v in data.items() if k != "turns"}
        return _lint_transcript(name, lines, meta, list(turns), list(turns), marks, policy, opts)
    if isinstance(data, dict) and isinstance(data.get("nodes"), (dict, list)):
        return _lint_flow(name, lines, data, policy, opts)
    return [LintFinding(name, 1, 1, 1, 1, _tool(
        "lint-skip", "not a script, dialogue flow (a 'nodes' key) or transcript (turns with 'speaker'); "
                     "nothing checked", "warn"))]


def _measure(root) -> str | None:
    """Why ``root`` (a parsed YAML/JSON tree, aliases shared) is too big to lint, or None.

    Counts values and text as if every alias were expanded, and the nesting depth, without
    expanding anything: each distinct object is measured once (iteratively, no recursion), so an
    alias bomb of a few hundred bytes is refused in time proportional to its size."""
    memo: dict[int, tuple[int, int, int]] = {}  # id → (values, chars, depth)
    stack = [(root, False)]
    keep = []  # keep measured objects alive so ids stay unique
    while stack:
        node, done = stack.pop()
        if not isinstance(node, (dict, list)):
            continue
        nid = id(node)
        if nid in memo and not done:
            continue
        children = list(node.values()) if isinstance(node, dict) else node
        if not done:
            memo[nid] = (0, 0, -1)  # in progress (a cycle cannot come out of YAML, but be safe)
            keep.append(node)
            stack.append((node, True))
            stack.extend((c, False) for c in children if isinstance(c, (dict, list)) and id(c) not in memo)
            continue
        values, chars, depth = 1, 0, 0
        for c in (list(node.keys()) + children) if isinstance(node, dict) else children:
            if isinstance(c, (dict, list)):
                cv, cc, cd = memo.get(id(c), (1, 0, 0))
                values += cv
                chars += cc
                depth = max(depth, cd + 1)
            else:
                values += 1
                chars += len(c) if isinstance(c, str) else 0
            if values > MAX_VALUES or chars > MAX_TEXT_CHARS:
                break
        memo[nid] = (min(values, MAX_VALUES + 1), min(chars, MAX_TEXT_CHARS + 1), depth)
        if depth > MAX_DEPTH:
            return f"nested more than {MAX_DEPTH} levels deep: not checked"
        if values > MAX_VALUES:
            return f"more than {MAX_VALUES} values once aliases are expanded: not checked"
        if chars > MAX_TEXT_CHARS:
            return f"more than {MAX_TEXT_CHARS} characters of text once aliases are expanded: not checked"
    return None


def _fix(s: str) -> str:
    if any(0xD800 <= ord(c) <= 0xDFFF for c in s):
        return s.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return s


def _join_surrogates(root) -> None:
    """JSON escapes non-BMP characters as surrogate pairs (``\\ud83d\\ude00``), which the YAML
    parser keeps as two code points: join them (in place, keeping position marks). Each shared
    (aliased) object is visited once, without recursion."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if not isinstance(node, (dict, list)) or id(node) in seen:
            continue
        seen.add(id(node))
        items = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        for k, v in items:
            if isinstance(v, str):
                if not v.isascii():
                    node[k] = _fix(v)
            elif isinstance(v, (dict, list)):
                stack.append(v)


def _lint_transcript(name, lines, meta, turns, nodes, marks, policy, opts) -> list[LintFinding]:
    meta = dict(meta or {})
    meta.setdefault("channel", opts.channel or "call")
    cfg, errors, warnings = _config(meta, opts, policy)
    out = [LintFinding(name, 1, 1, 1, 1, _tool("lint-config", w, "warn")) for w in warnings]
    if cfg is None:
        return out + [LintFinding(name, 1, 1, 1, 1, _tool("lint-config", e)) for e in errors]
    plain = [dict(t) if isinstance(t, dict) else t for t in turns]
    try:
        report = policy.check_transcript(plain, channel=cfg.channel, account=cfg.account, stage=cfg.stage,
                                         language=cfg.language, recipient=cfg.recipient, **cfg.extra)
    except InputError as exc:
        return out + [LintFinding(name, 1, 1, 1, 1, _tool("lint-read", str(exc)))]
    for f in report.findings:
        line, col = 1, 1
        if f.turn is not None and f.turn < len(marks):
            line, col = marks[f.turn]
            node = nodes[f.turn] if f.turn < len(nodes) else None
            km = getattr(node, "key_marks", None)
            if km and "text" in km:
                vl, vc = km["text"][2], km["text"][3]
                line, col = _in_scalar(lines, vl, vc, node["text"], f.span[0])
        out.append(LintFinding(name, line, col, line, col + max(0, f.span[1] - f.span[0]), f))
    return out


def _node_items(nodes) -> list[tuple[str, Any]]:
    if isinstance(nodes, dict):
        return [(f"nodes.{k}", v) for k, v in nodes.items()]
    out = []
    for i, v in enumerate(nodes):
        nid = v.get("id") if isinstance(v, dict) else None
        out.append((f"nodes.{nid}" if isinstance(nid, str) else f"nodes[{i}]", v))
    return out


def _lint_flow(name, lines, data, policy, opts) -> list[LintFinding]:
    meta = {k: v for k, v in data.items() if k not in ("nodes", "start")}
    cfg, errors, warnings = _config(meta, opts, policy)
    out = [LintFinding(name, 1, 1, 1, 1, _tool("lint-config", w, "warn")) for w in warnings]
    if cfg is None:
        return out + [LintFinding(name, 1, 1, 1, 1, _tool("lint-config", e)) for e in errors]
    nodes = data["nodes"]
    nodes_mark = data.key_marks.get("nodes", (1, 1, 1, 1)) if hasattr(data, "key_marks") else (1, 1, 1, 1)
    whole: dict[str, None] = {}  # distinct texts, in order (aliases repeat the same text)
    cache: dict[tuple, Any] = {}  # one check per distinct (text, channel, stage, language, recipient)
    for path, node in _node_items(nodes):
        if not isinstance(node, dict):
            continue
        channel = node.get("channel") or cfg.channel
        stage = node.get("stage") or cfg.stage
        language = node.get("language") or cfg.language
        recipient = node.get("recipient") or cfg.recipient
        for key in TEXT_KEYS:
            if key not in node:
                continue
            val = node[key]
            km = node.key_marks.get(key) if hasattr(node, "key_marks") else None
            items = []
            if isinstance(val, str):
                items.append((f"{path}.{key}", val, (km[2], km[3]) if km else (1, 1)))
            elif isinstance(val, list):
                marks = getattr(val, "item_marks", [(km[2], km[3]) if km else (1, 1)] * len(val))
                for i, v in enumerate(val):
                    if isinstance(v, str):
                        items.append((f"{path}.{key}[{i}]", v, marks[i]))
            for npath, s, (vl, vc) in items:
                if len(out) >= MAX_FINDINGS_PER_FILE:
                    break
                if stage != "limited_content" and recipient == cfg.recipient:
                    whole[s] = None
                key = (s, channel, stage, language, recipient)
                if not all(x is None or isinstance(x, str) for x in key):
                    key = None
                rep = cache.get(key) if key is not None else None
                if rep is None:
                    try:
                        rep = policy.check_message(s, channel=channel, account=cfg.account, stage=stage,
                                                   language=language, recipient=recipient, **cfg.extra)
                    except InputError as exc:
                        out.append(LintFinding(name, vl, vc, vl, vc,
                                               replace(_tool("lint-config", str(exc)), path=npath)))
                        continue
                    if key is not None:
                        cache[key] = rep
                for f in rep.findings:
                    if f.kind == "disclosure" and stage != "limited_content":
                        continue  # checked over the whole flow below (a limited-content node stands alone)
                    l1, c1 = _in_scalar(lines, vl, vc, s, f.span[0])
                    l2, c2 = _in_scalar(lines, vl, vc, s, f.span[1])
                    out.append(LintFinding(name, l1, c1, l2, c2, replace(f, path=npath)))
    if len(out) >= MAX_FINDINGS_PER_FILE:
        out = out[:MAX_FINDINGS_PER_FILE]
        out.append(LintFinding(name, 1, 1, 1, 1, _tool(
            "lint-read", f"more than {MAX_FINDINGS_PER_FILE} findings: the rest of the file was not checked")))
        return out
    if whole:
        try:
            rep = policy.check_message("\n".join(whole), channel=cfg.channel, account=cfg.account, stage=cfg.stage,
                                       language=cfg.language, recipient=cfg.recipient, **cfg.extra)
        except InputError as exc:
            rep = None
            out.append(LintFinding(name, 1, 1, 1, 1, _tool("lint-config", str(exc))))
        if rep is not None:
            for f in rep.findings:
                if f.kind == "disclosure":
                    out.append(LintFinding(name, nodes_mark[0], nodes_mark[1], nodes_mark[0], nodes_mark[1],
                                           replace(f, path="nodes", message=f.message + " (in no node of the flow)")))
    return out


# ---------------------------------------------------------------------------------------------
# whole run


def rule_catalog(policy) -> dict[str, dict[str, Any]]:
    """Rule id → description of every content rule loaded and the linter's own pseudo-rules."""
    from ..rules._content import ContentRule

    cat: dict[str, dict[str, Any]] = {}
    for rs in policy.rulesets:
        for r in rs.rules:
            if isinstance(r, ContentRule):
                cat[r.rule_id] = {"ruleset": r.ruleset_id, "kind": r.kind, "title": r.title or r.rule_id,
                                  "citation": r.citation, "source": r.source, "status": r.status,
                                  "severity": r.severity, "note": r.model.note}
    for rid, (title, citation) in TOOL_RULES.items():
        cat.setdefault(rid, {"ruleset": "collectrules", "kind": "lint", "title": title, "citation": citation,
                             "source": None, "status": None, "severity": "deny", "note": None})
    return cat


def run_lint(paths: Iterable[str], policy, opts: LintOptions | None = None) -> LintResult:
    """Lint every file the paths name.

    Raises:
        UsageError: a path matches nothing.
    """
    opts = opts or LintOptions()
    files = expand_paths(paths)
    result = LintResult(files=[str(f) for f in files], rules=rule_catalog(policy))
    for f in files:
        result.findings.extend(lint_file(f, policy, opts))
    return result
