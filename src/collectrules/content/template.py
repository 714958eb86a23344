"""Templates: front matter, placeholders and conditional blocks.

Outreach scripts are templates. Two syntaxes are understood:

* Jinja2: ``{{ expression }}`` (a placeholder; its name is the leading dotted name, e.g.
  ``{{ collector_name | upper }}`` → ``collector_name``), ``{% if %}``/``{% elif %}``/
  ``{% else %}``/``{% endif %}``, ``{% for %}``/``{% endfor %}`` and ``{# comments #}``.
  Syntax errors are found with Jinja2's own parser.
* Single braces: ``{placeholder}`` (a Python ``str.format`` / ICU style name).

Placeholders and tags are not wording, except the string literals inside ``{{ }}`` and
``{% %}`` tags, which are scanned for prohibited wording (``{{ "you will be arrested" }}``
renders that text); the matching views skip the rest (see
:mod:`collectrules.content.normalize`). For required disclosures only wording that is always
rendered counts: text inside an ``{% if %}`` counts when every branch (with an ``{% else %}``)
carries the element; text inside a ``{% for %}`` never counts (it may render zero times).

Front matter: a script may start with a YAML block between ``---`` lines declaring
``channel``, ``stage``, ``language``, ``jurisdictions`` and the like.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

_SINGLE_RE = re.compile(r"\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}(?!\})")
_CLOSERS = {"{{": "}}", "{%": "%}", "{#": "#}"}
#: block statements whose body is not rendered where it stands (set-blocks, macros, call
#: bodies, filter sections): wording inside never counts toward a required disclosure
_HIDDEN_BLOCKS = {"set": "endset", "macro": "endmacro", "call": "endcall", "filter": "endfilter"}
#: deeper nesting of if/for/set/macro blocks is a syntax error (fail closed)
MAX_NESTING = 100
#: templates larger than this are not parsed (fail closed with a template-syntax finding)
MAX_TEMPLATE_CHARS = 1_000_000
_NAME_RE = re.compile(r"^\s*(?:-\s*)?([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)")
_STMT_RE = re.compile(r"^\{%-?\s*(\w+)")
#: a Jinja string literal inside a tag (its text may be rendered: ``{{ "..." }}``,
#: ``{{ x or '...' }}``, ``{% set y = "..." %}``)
_LITERAL_RE = re.compile(r'"((?:[^"\\]|\\.)*)"|\'((?:[^\'\\]|\\.)*)\'')


@dataclass(frozen=True, slots=True)
class Placeholder:
    """A placeholder in a template: its name (``None`` for a complex expression) and its
    original ``[start, end)`` offsets, tag delimiters included."""

    name: str | None
    start: int
    end: int


@dataclass
class Block:
    """A sequence of template items. ``items`` holds ``("text", start, end)``,
    ``("ph", Placeholder)``, ``("if", [Block, ...], has_else)``, ``("loop", Block)`` and
    ``("hidden", Block)`` (a set/macro/call/filter body or an HTML comment: never rendered in place)."""

    items: list = field(default_factory=list)


@dataclass
class Template:
    """A parsed template: the text, its placeholders, the wording regions and the block tree."""

    text: str
    placeholders: tuple[Placeholder, ...]
    tags: tuple[tuple[int, int], ...]
    wording: tuple[tuple[int, int], ...]
    root: Block
    syntax_error: tuple[int, str] | None = None  # (line, message)
    is_template: bool = False

    def chunks(self, block: Block) -> list[tuple[tuple[tuple[int, int], ...], tuple[Placeholder, ...]]]:
        """The always-rendered runs of ``block``'s direct items: (wording ranges, placeholders)."""
        out = []
        ranges: list[tuple[int, int]] = []
        phs: list[Placeholder] = []
        for it in block.items:
            if it[0] == "text":
                ranges.append((it[1], it[2]))
            elif it[0] == "ph":
                phs.append(it[1])
            else:
                if ranges or phs:
                    out.append((tuple(ranges), tuple(phs)))
                ranges, phs = [], []
        if ranges or phs or not out:
            out.append((tuple(ranges), tuple(phs)))
        return out


def _scan(text: str):
    """Yield ``(start, end, kind, name_or_None)`` for every tag and single-brace placeholder, in
    order, in linear time. ``kind`` is ``"{{"``, ``"{%"``, ``"{#"``, ``"{"`` (single brace) or
    ``"unclosed"`` (a tag that never closes; it runs to the end of the text and ends the scan)."""
    n = len(text)
    i = text.find("{", 0)
    while i >= 0:
        two = text[i:i + 2]
        closer = _CLOSERS.get(two)
        if closer is not None:
            end = text.find(closer, i + 2)
            if end < 0:
                yield i, n, "unclosed", None
                return
            yield i, end + 2, two, None
            i = text.find("{", end + 2)
            continue
        m = _SINGLE_RE.match(text, i) if (i == 0 or text[i - 1] != "{") else None
        if m:
            yield i, m.end(), "{", m.group(1)
            i = text.find("{", m.end())
        else:
            i = text.find("{", i + 1)


def html_comments(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of every HTML comment (``<!-- ... -->``; an unclosed one runs to the end
    of the text), found in linear time on the raw text."""
    out = []
    i = text.find("<!--")
    while i >= 0:
        j = text.find("-->", i + 4)
        if j < 0:
            out.append((i, len(text)))
            break
        out.append((i, j + 3))
        i = text.find("<!--", j + 3)
    return out


def parse_template(text: str) -> Template:
    """Split ``text`` into wording, placeholders and control tags (never raises).

    Linear time: each tag's closing delimiter is found with :meth:`str.find`; a tag that never
    closes is a syntax error (and the rest of the text is then treated as wording that is not
    guaranteed to render). Texts over :data:`MAX_TEMPLATE_CHARS` are not parsed at all (a
    syntax error; the whole text is still scanned for prohibited wording)."""
    placeholders: list[Placeholder] = []
    tags: list[tuple[int, int]] = []
    wording: list[tuple[int, int]] = []
    root = Block()
    stack: list[tuple[str, Block, list]] = []  # (kind, current block, branches) for if/for/hidden
    cur = root
    pos = 0
    malformed = False
    err: tuple[int, str] | None = None
    if len(text) > MAX_TEMPLATE_CHARS:
        flat = Block([("text", 0, len(text))])
        return Template(text, (), (), ((0, len(text)),), Block([("loop", flat)]),
                        (1, f"template too large to analyse (over {MAX_TEMPLATE_CHARS} characters)"), True)
    comments = html_comments(text)
    cstarts = [c[0] for c in comments]

    def add_text(block: Block, lo: int, hi: int) -> None:
        # wording inside an HTML comment is not displayed: it never counts toward a disclosure,
        # but it is still wording for the prohibited-wording checks (stricter)
        wording.append((lo, hi))
        k = bisect.bisect_right(cstarts, lo) - 1
        if k < 0:
            k = 0
        while lo < hi:
            while k < len(comments) and comments[k][1] <= lo:
                k += 1
            if k >= len(comments) or comments[k][0] >= hi:
                block.items.append(("text", lo, hi))
                return
            cs, ce = comments[k]
            if cs > lo:
                block.items.append(("text", lo, cs))
                lo = cs
            top = min(ce, hi)
            block.items.append(("hidden", Block([("text", lo, top)])))
            lo = top

    def in_comment(pos_: int) -> bool:
        k = bisect.bisect_right(cstarts, pos_) - 1
        return k >= 0 and comments[k][0] <= pos_ < comments[k][1]

    for s, e, kind, single in _scan(text):
        if kind == "unclosed":
            malformed = True
            err = (text.count("\n", 0, s) + 1, "template syntax error: a tag opened with "
                   f"{text[s:s + 2]} is never closed")
            break
        if s > pos:
            add_text(cur, pos, s)
        pos = e
        tags.append((s, e))
        if kind in ("{{", "{%"):
            # string literals inside the tag are wording for the prohibited-wording checks (they
            # may be rendered), never for required disclosures (not guaranteed to render)
            for lm in _LITERAL_RE.finditer(text, s + 2, e - 2):
                if lm.end() - lm.start() > 2:
                    wording.append((lm.start() + 1, lm.end() - 1))
        tok = text[s:e]
        if len(stack) > MAX_NESTING:
            malformed = True
            err = err or (text.count("\n", 0, s) + 1, "template syntax error: blocks nested too deeply "
                          f"(over {MAX_NESTING} levels)")
            pos = s
            break
        if kind == "{{":
            nm = _NAME_RE.match(tok[2:-2])
            ph = Placeholder(nm.group(1) if nm else None, s, e)
            placeholders.append(ph)
            cur.items.append(("hidden", Block([("ph", ph)])) if in_comment(s) else ("ph", ph))
        elif kind == "{%":
            sm = _STMT_RE.match(tok)
            word = sm.group(1) if sm else ""
            if word == "if":
                first = Block()
                stack.append(("if", cur, [first]))
                cur = first
            elif word in ("elif", "else"):
                if stack and stack[-1][0] == "if":
                    nb = Block()
                    stack[-1][2].append(nb)
                    if word == "else":
                        stack[-1] = ("if-else", stack[-1][1], stack[-1][2])
                    cur = nb
                elif stack and stack[-1][0] == "for" and word == "else":
                    nb = Block()
                    stack[-1][2].append(nb)
                    cur = nb
                else:
                    malformed = True
            elif word == "endif":
                if stack and stack[-1][0] in ("if", "if-else"):
                    kind_, parent, branches = stack.pop()
                    parent.items.append(("if", branches, kind_ == "if-else"))
                    cur = parent
                else:
                    malformed = True
            elif word == "for":
                body = Block()
                stack.append(("for", cur, [body]))
                cur = body
            elif word == "endfor":
                if stack and stack[-1][0] == "for":
                    _, parent, branches = stack.pop()
                    for b in branches:
                        parent.items.append(("loop", b))
                    cur = parent
                else:
                    malformed = True
            elif word in _HIDDEN_BLOCKS and not (word == "set" and "=" in tok):
                body = Block()
                stack.append((_HIDDEN_BLOCKS[word], cur, [body]))
                cur = body
            elif word in _HIDDEN_BLOCKS.values():
                if stack and stack[-1][0] == word:
                    _, parent, branches = stack.pop()
                    parent.items.append(("hidden", branches[0]))
                    cur = parent
                else:
                    malformed = True
            # other statements (one-line set, import, ...) render nothing themselves
        elif kind == "{#":
            pass
        else:  # single-brace placeholder
            ph = Placeholder(single, s, e)
            placeholders.append(ph)
            cur.items.append(("hidden", Block([("ph", ph)])) if in_comment(s) else ("ph", ph))
    if pos < len(text):
        add_text(cur, pos, len(text))
    if stack:
        malformed = True
    is_template = any(t in text for t in ("{{", "{%", "{#"))
    if err is None and is_template:
        err = _jinja_syntax(text)
    if malformed and err is None:
        err = (1, "unbalanced {% if %}/{% for %}/{% set %}/{% macro %} blocks")
    if malformed or err is not None:
        # fall back to a flat view: nothing conditional is trusted to be rendered
        flat = Block([("text", s, e) for s, e in wording])
        root = Block([("loop", flat)])
    return Template(text, tuple(placeholders), tuple(tags), tuple(wording), root, err,
                    is_template or bool(placeholders))


def _jinja_syntax(text: str) -> tuple[int, str] | None:
    try:
        import jinja2
    except ImportError:  # pragma: no cover - Jinja2 is a dependency
        return None
    try:
        jinja2.Environment().parse(text)
    except jinja2.TemplateSyntaxError as exc:
        return (exc.lineno or 1, f"template syntax error: {exc.message}")
    except RecursionError:
        return (1, "template syntax error: expressions nested too deeply to parse")
    except Exception as exc:  # noqa: BLE001 - any parser failure: fail closed, never crash
        return (1, f"template syntax error: the template cannot be parsed ({type(exc).__name__})")
    return None


# ---------------------------------------------------------------------------------------------
# front matter

_FM_OPEN = re.compile(r"\A\ufeff?---[ \t]*\r?\n")
_FM_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.M)


@dataclass(frozen=True)
class Script:
    """A script file split into its front matter and body. ``body_offset`` is where the body
    starts in the file; ``meta_error`` describes unreadable front matter."""

    meta: dict[str, Any]
    body: str
    body_offset: int
    meta_error: str | None = None


def split_front_matter(text: str) -> Script:
    """Split a ``---`` YAML front-matter block from a script (never raises)."""
    m = _FM_OPEN.match(text)
    if not m:
        return Script({}, text, 0)
    close = _FM_CLOSE.search(text, m.end())
    if not close:
        return Script({}, text, 0, "front matter opened with --- but never closed")
    raw = text[m.end():close.start()]
    try:
        meta = yaml.safe_load(raw) if raw.strip() else {}
    except yaml.YAMLError as exc:
        # position only: PyYAML's message quotes the offending text, which may be personal data
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = ""
        if mark is not None:
            where = f" (line {text.count(chr(10), 0, m.end()) + mark.line + 1}, column {mark.column + 1})"
        return Script({}, text[close.end():], close.end(), f"front matter is not valid YAML{where}")
    except (RecursionError, MemoryError):
        return Script({}, text[close.end():], close.end(), "front matter nested too deeply to parse")
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        return Script({}, text[close.end():], close.end(), "front matter must be a YAML mapping")
    return Script(meta, text[close.end():], close.end())
