"""Templates: front matter, placeholders and conditional blocks.

Outreach scripts are templates. Two syntaxes are understood:

* Jinja2: ``{{ expression }}`` (a placeholder; its name is the leading dotted name, e.g.
  ``{{ collector_name | upper }}`` → ``collector_name``), ``{% if %}``/``{% elif %}``/
  ``{% else %}``/``{% endif %}``, ``{% for %}``/``{% endfor %}`` and ``{# comments #}``.
  Syntax errors are found with Jinja2's own parser.
* Single braces: ``{placeholder}`` (a Python ``str.format`` / ICU style name).

Placeholders and tags are not wording: the matching views skip them (see
:mod:`collectrules.content.normalize`). For required disclosures only wording that is always
rendered counts: text inside an ``{% if %}`` counts when every branch (with an ``{% else %}``)
carries the element; text inside a ``{% for %}`` never counts (it may render zero times).

Front matter: a script may start with a YAML block between ``---`` lines declaring
``channel``, ``stage``, ``language``, ``jurisdictions`` and the like.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

_TAG_RE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|(?<!\{)\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}(?!\})", re.S)
_NAME_RE = re.compile(r"^\s*-?\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)")
_STMT_RE = re.compile(r"^\{%-?\s*(\w+)")


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
    ``("ph", Placeholder)``, ``("if", [Block, ...], has_else)`` and ``("loop", Block)``."""

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


def parse_template(text: str) -> Template:
    """Split ``text`` into wording, placeholders and control tags (never raises)."""
    placeholders: list[Placeholder] = []
    tags: list[tuple[int, int]] = []
    wording: list[tuple[int, int]] = []
    root = Block()
    stack: list[tuple[str, Block, list]] = []  # (kind, current block, branches) for if/for
    cur = root
    pos = 0
    malformed = False
    for m in _TAG_RE.finditer(text):
        s, e = m.span()
        if s > pos:
            wording.append((pos, s))
            cur.items.append(("text", pos, s))
        pos = e
        tags.append((s, e))
        tok = m.group(0)
        if tok.startswith("{{"):
            nm = _NAME_RE.match(tok[2:-2])
            ph = Placeholder(nm.group(1) if nm else None, s, e)
            placeholders.append(ph)
            cur.items.append(("ph", ph))
        elif tok.startswith("{%"):
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
                    kind, parent, branches = stack.pop()
                    parent.items.append(("if", branches, kind == "if-else"))
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
            # other statements (set, macro, ...) render nothing themselves
        elif tok.startswith("{#"):
            pass
        else:  # single-brace placeholder
            ph = Placeholder(m.group(1), s, e)
            placeholders.append(ph)
            cur.items.append(("ph", ph))
    if pos < len(text):
        wording.append((pos, len(text)))
        cur.items.append(("text", pos, len(text)))
    if stack:
        malformed = True
    is_template = any(t in text for t in ("{{", "{%", "{#"))
    err = _jinja_syntax(text) if is_template else None
    if malformed and err is None:
        err = (1, "unbalanced {% if %}/{% for %} blocks")
    if malformed:
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
        return Script({}, text[close.end():], close.end(), f"front matter is not valid YAML: {exc}")
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        return Script({}, text[close.end():], close.end(), "front matter must be a YAML mapping")
    return Script(meta, text[close.end():], close.end())
