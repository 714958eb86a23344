"""What is covered where: the jurisdiction × topic table.

Topics: ``hours``, ``frequency``, ``cooldown``, ``holidays``, ``states``, ``third_parties``,
``consent``, ``content``, ``retention``, ``caller_number``. Each cell says what the loaded
rulesets (shipped ones by default) hold for that jurisdiction and topic:

* ``confirmed`` / ``partial`` / ``unconfirmed`` — the strongest confidence status among the
  rules on the topic (``+warn`` when every such rule only warns);
* ``none fixed`` / ``adds nothing`` / ``not encoded`` / ``not researched`` — from the
  researched list (``rulesets/researched.toml``, :func:`researched`): the law fixes no number on
  the topic; it restates a shipped parent layer (e.g. Regulation F); a rule exists that is not
  encoded (see the entry's summary); sources were searched and none found (no claim either
  way); or no source was checked;
* ``-`` — nothing shipped and nothing on record (absent).

Which rule kinds count toward which topic is :func:`rule_topics`; a kind this module does not know
counts toward no topic. Used by ``collectrules coverage``.
"""

from __future__ import annotations

import datetime as _dt
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

__all__ = ["FINDING_CELLS", "TOPICS", "Researched", "coverage_table", "render_coverage", "researched", "rule_topics"]

TOPICS: tuple[str, ...] = ("hours", "frequency", "cooldown", "holidays", "states", "third_parties", "consent",
                           "content", "retention", "caller_number")

#: researched-list finding → cell text
FINDING_CELLS = {"no_number": "none fixed", "adds_nothing": "adds nothing", "not_encoded": "not encoded",
                 "not_found": "not found", "not_researched": "not researched"}

_CONSENT_TESTS = {"prior_express_consent", "written_consent", "revocation", "employer_provided_address"}
_CONSENT_STATES = {"written_consent_missing", "opted_out_channel"}
_RANK = {"confirmed": 0, "partial": 1, "unconfirmed": 2}


def rule_topics(rule: Any) -> tuple[str, ...]:
    """The topics one rule model counts toward."""
    kind = rule.kind
    out: list[str] = []
    if kind == "contact_hours":
        out.append("hours")
        if getattr(rule, "consent_hours", False):
            out.append("consent")
    elif kind == "holiday_hours":
        out += ["hours", "holidays"]
    elif kind == "blackout":
        out.append("holidays" if (rule.public_holidays or rule.dates) else "hours")
    elif kind in ("frequency_cap", "channel_lock"):
        out.append("frequency")
    elif kind in ("cooldown", "notice_wait"):
        out.append("cooldown")
    elif kind == "account_state":
        out.append("consent" if rule.state in _CONSENT_STATES else "states")
    elif kind == "recipient":
        out.append("third_parties")
    elif kind == "channel":
        test = getattr(rule, "test", "")
        out.append("frequency" if test == "line_cap" else "consent" if test in _CONSENT_TESTS else "states")
    elif kind in ("disclosure", "prohibited_content", "limited_content"):
        out.append("content")
    elif kind == "retention":
        out.append("retention")
    elif kind == "caller_number":
        out.append("caller_number")
    elif kind == "prohibition":
        out.append("states")
    return tuple(out)


@dataclass(frozen=True)
class Researched:
    """One researched jurisdiction from ``researched.toml``: what was checked and found."""

    code: str
    name: str
    finding: str
    topics: tuple[str, ...]
    summary: str
    sources: tuple[str, ...]
    checked: _dt.date | None
    status: str


def researched_path() -> Path:
    """The shipped researched list (``rulesets/researched.toml``)."""
    from .ruleset.loader import shipped_dir

    return shipped_dir() / "researched.toml"


def researched(path: str | os.PathLike | None = None) -> list[Researched]:
    """The researched-and-found list: jurisdictions (and topics) checked that add nothing, fix
    no number, or have rules not (yet) encodable, each with its sources and checking date.

    Raises:
        OSError: ``path`` given and unreadable.
        ValueError: the file is not valid TOML (``tomllib.TOMLDecodeError``) or an entry lacks
            ``code`` or ``finding`` (``KeyError`` is re-raised as ``ValueError``).
    """
    p = Path(path) if path is not None else researched_path()
    if path is None and not p.is_file():
        return []  # an installation without the list: its cells read as absent ("-")
    with open(p, "rb") as fh:
        data = tomllib.load(fh)
    out = []
    for i, e in enumerate(data.get("jurisdiction", [])):
        if "code" not in e or "finding" not in e:
            raise ValueError(f"{p}: entry {i + 1} needs code and finding")
        out.append(Researched(
            code=e["code"], name=e.get("name", e["code"]), finding=e["finding"],
            topics=tuple(e.get("topics", ())), summary=e.get("summary", ""),
            sources=tuple(e.get("sources", ())), checked=e.get("checked"), status=e.get("status", "unconfirmed"),
        ))
    return out


@dataclass
class CoverageRow:
    jurisdiction: str
    cells: dict[str, str] = field(default_factory=dict)
    rulesets: list[str] = field(default_factory=list)


def coverage_table(sources: Iterable[str | os.PathLike] | None = None,
                   researched_file: str | os.PathLike | None = None, *,
                   loaded: list | None = None) -> list[CoverageRow]:
    """One row per jurisdiction (of a loaded ruleset, or on the researched list), one cell per
    topic in :data:`TOPICS`. ``researched_file=None`` uses the shipped list when ``sources`` is
    ``None`` (shipped rulesets) and no list otherwise, unless given. ``loaded`` (a list from
    :func:`~collectrules.ruleset.loader.load_rulesets`) is used instead of loading ``sources``."""
    from .ruleset.loader import load_rulesets

    found: dict[str, dict[str, list[tuple[int, bool]]]] = {}
    rows: dict[str, CoverageRow] = {}
    for lr in (loaded if loaded is not None else load_rulesets(sources)):
        m = lr.model
        row = rows.setdefault(m.jurisdiction, CoverageRow(m.jurisdiction))
        row.rulesets.append(m.id)
        cell = found.setdefault(m.jurisdiction, {})
        for r in m.rules:
            for t in rule_topics(r):
                cell.setdefault(t, []).append((_RANK.get(r.status, 2), r.severity == "deny"))
    names = {v: k for k, v in _RANK.items()}
    for code, cell in found.items():
        for t, items in cell.items():
            deny = [rank for rank, d in items if d]
            if deny:
                rows[code].cells[t] = names[min(deny)]
            else:
                rows[code].cells[t] = names[min(rank for rank, _ in items)] + " +warn"
    entries = []
    if researched_file is not None:
        entries = researched(researched_file)
    elif sources is None:
        entries = researched()
    for e in entries:
        row = rows.setdefault(e.code, CoverageRow(e.code))
        for t in e.topics:
            row.cells.setdefault(t, FINDING_CELLS.get(e.finding, e.finding))
    for row in rows.values():
        for t in TOPICS:
            row.cells.setdefault(t, "-")
        row.rulesets.sort()
    return [rows[k] for k in sorted(rows)]


def render_coverage(rows: list[CoverageRow], fmt: str = "text") -> str:
    """``text`` (aligned columns), ``markdown`` or ``json``."""
    import json

    if fmt == "json":
        return json.dumps([{"jurisdiction": r.jurisdiction, "rulesets": r.rulesets, **r.cells} for r in rows],
                          indent=2)
    head = ("jurisdiction",) + TOPICS
    body = [(r.jurisdiction,) + tuple(r.cells[t] for t in TOPICS) for r in rows]
    if fmt == "markdown":
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(b) + " |" for b in body]
        return "\n".join(out) + "\n"
    if fmt != "text":
        raise ValueError(f"unknown coverage format {fmt!r} (text, markdown or json)")
    widths = [max(len(x[i]) for x in [head] + body) for i in range(len(head))]
    lines = ["  ".join(f"{c:{w}}" for c, w in zip(line, widths)).rstrip() for line in [head] + body]
    return "\n".join(lines) + "\n"
