"""The rules catalogue: one table per jurisdiction, generated from the ruleset YAML, never by hand.

Each row is one rule: its ruleset and id, what it does in plain words (the rule's ``title``
followed by a sentence built from its kind-specific parameters, its scope, exceptions and
effective dates), its numbers (limits, windows, periods), its citation and its status. Rule
kinds this module does not know (added by other modules later) still get a row: their own
parameters are listed generically, so no rule is ever left out of the catalogue.

Used by ``collectrules catalogue [--format markdown|rst] [--output FILE]``; the docs publish
the result. Example::

    from collectrules.catalogue import build_catalogue, render
    print(render(build_catalogue(), "markdown"))
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Iterable

from .ruleset.common import RuleBase

__all__ = ["Row", "Section", "build_catalogue", "describe_rule", "rule_numbers", "render",
           "render_markdown", "render_rst"]

_DAYS = {"mon": "Mon", "tue": "Tue", "wed": "Wed", "thu": "Thu", "fri": "Fri", "sat": "Sat", "sun": "Sun"}

_STATES = {
    "cease_communication": "the consumer asked to cease communication",
    "attorney_represented": "the consumer is represented by an attorney",
    "disputed_unverified": "a dispute awaits verification",
    "bankruptcy": "the consumer is in bankruptcy",
    "deceased": "the consumer has died",
    "debtor_unreachable": "the debtor cannot be reached",
    "sol_expired": "the debt is time-barred",
    "opted_out_channel": "the consumer opted out of the medium used",
    "inconvenient_times": "the time is one the consumer said is inconvenient",
    "workplace_contact_prohibited": "workplace contact is prohibited and the contact is at work",
    "written_consent_missing": "the consumer has not consented in writing to the medium used",
}

_PER = {"recipient": "person contacted", "debt": "debt", "contact_method": "number or address",
        "place": "place", "account": "account", "borrower": "borrower"}


@dataclass
class Row:
    """One rule in the catalogue."""

    ruleset: str
    rule_id: str
    kind: str
    what: str
    numbers: str
    citation: str
    status: str
    severity: str
    source: str | None
    last_verified: Any = None  # the rule's own last_verified, else its ruleset's (None: never)


@dataclass
class Section:
    """One jurisdiction: its rulesets (id, title, scope, version, source) and their rules."""

    jurisdiction: str
    rulesets: list[dict] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# plain words


def _list(items: Iterable[Any]) -> str:
    items = [str(i).replace("_", " ") for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _window_text(w: Any) -> str:
    days = getattr(w, "days", None)
    when = "every day" if not days or len(days) == 7 else "/".join(_DAYS[d] for d in days)
    return f"{when} {w.start}-{w.end}"


def _count_window(w: Any) -> str:
    return "local day" if w.rolling_days == 1 else w.describe()


def _filter_text(f: Any) -> str:
    if f is None:
        return ""
    parts = []
    if getattr(f, "channels", None):
        parts.append("by " + _list(f.channels))
    if getattr(f, "directions", None) and list(f.directions) != ["outbound"]:
        parts.append(_list(f.directions))
    if getattr(f, "outcomes", None):
        parts.append("only " + _list(f.outcomes))
    if getattr(f, "outcomes_exclude", None):
        parts.append("not counting " + _list(f.outcomes_exclude))
    if getattr(f, "recipients", None):
        parts.append("to " + _list(f.recipients))
    if getattr(f, "recipients_exclude", None):
        parts.append("not to " + _list(f.recipients_exclude))
    if getattr(f, "places", None):
        parts.append("at " + _list(f.places))
    if getattr(f, "purposes", None):
        parts.append("for " + _list(f.purposes))
    if getattr(f, "purposes_exclude", None):
        parts.append("not for " + _list(f.purposes_exclude))
    return "; ".join(parts)


def _conditions_text(c: Any) -> str:
    d = c.model_dump(exclude_none=True)
    parts = []
    for k, v in d.items():
        if k == "consent":
            parts.append("with direct prior consent" if v else "without consent")
        elif k == "days_past_due_over":
            parts.append(f"more than {v} days past due")
        elif k == "days_past_due_at_most":
            parts.append(f"at most {v} days past due")
        elif isinstance(v, list):
            parts.append(f"{k.replace('_', ' ')} {_list(v)}")
        else:
            parts.append(f"{k.replace('_', ' ')} {v}")
    return " and ".join(parts)


_BASE_FIELDS = set(RuleBase.model_fields)


def _generic_params(rule: RuleBase) -> str:
    d = rule.model_dump(exclude_none=True, exclude_defaults=True, mode="json")
    parts = []
    for k, v in d.items():
        if k in _BASE_FIELDS:
            continue
        parts.append(f"{k.replace('_', ' ')}: {_short(v)}")
    return "; ".join(parts)


def _short(v: Any) -> str:
    """A parameter in words: no Python reprs in a catalogue compliance officers read."""
    if isinstance(v, dict):
        return ", ".join(f"{k.replace('_', ' ')} {_short(x)}" for k, x in v.items())
    if isinstance(v, list):
        if all(not isinstance(x, (dict, list)) for x in v):
            return _list(v)
        return f"{len(v)} entr{'y' if len(v) == 1 else 'ies'}"
    return str(v)


def describe_rule(rule: RuleBase) -> str:
    """What a rule does, in plain words: title, then its kind-specific parameters, the media it
    covers, who it applies to, its exceptions and its effective dates."""
    kind = rule.kind
    body = ""
    if kind == "contact_hours":
        body = "Contact allowed only " + "; ".join(_window_text(w) for w in rule.windows) + " local time"
        if getattr(rule, "consent_hours", False):
            body += ", or in hours the consumer agreed to"
        body += "."
    elif kind == "blackout":
        parts = []
        if rule.weekdays:
            parts.append("on " + _list(_DAYS[d] for d in rule.weekdays))
        if rule.public_holidays:
            parts.append("on public holidays" + ("" if rule.calendar in ("subdivision", "national")
                                                else f" of {rule.calendar}"))
        if rule.dates:
            parts.append("on " + _list(d.isoformat() for d in rule.dates))
        body = "No contact " + " or ".join(parts) + "."
        if rule.make_up_workdays_exempt:
            body += " Make-up workdays are not blacked out."
    elif kind == "frequency_cap":
        unit = rule.unit or "contacts"
        body = (f"At most {rule.max} {unit} per {_count_window(rule.window)}" if rule.max
                else f"No {unit} at all")
        per = [_PER.get(p, p) for p in rule.per if p not in ("account",)] or ["account"]
        body += f", counted per {_list(per)}"
        ft = _filter_text(rule.count)
        if ft:
            body += f" ({ft})"
        if rule.exclude_consented_days:
            n = rule.exclude_consented_days
            body += f"; contacts with direct prior consent within {n} day{'s' if n != 1 else ''} not counted"
        body += "."
    elif kind == "cooldown":
        body = f"No contact for {rule.days} days after a {rule.event} (event date is day 1)"
        per = [_PER.get(p, p) for p in rule.per if p not in ("account",)]
        if per:
            body += f", per {_list(per)}"
        body += "."
    elif kind == "account_state":
        body = f"Denied while {_STATES.get(rule.state, rule.state.replace('_', ' '))}."
    else:
        params = _generic_params(rule)
        body = f"Rule kind {kind}" + (f" ({params})" if params else "") + "."
    parts = [rule.title.rstrip(".") + "." if rule.title else "", body]
    if rule.channels:
        parts.append(f"Media: {_list(rule.channels)}.")
    if rule.applies_to is not None:
        parts.append(f"Applies to: {_conditions_text(rule.applies_to)}.")
    if rule.unless:
        parts.append("Except: " + "; ".join(_conditions_text(u) for u in rule.unless) + ".")
    if rule.effective_from or rule.effective_until:
        if rule.effective_from and rule.effective_until:
            parts.append(f"In force {rule.effective_from}..{rule.effective_until}.")
        elif rule.effective_from:
            parts.append(f"In force from {rule.effective_from}.")
        else:
            parts.append(f"In force until {rule.effective_until}.")
    if rule.severity == "warn":
        parts.append("Warning only (does not block).")
    return " ".join(p for p in parts if p)


def rule_numbers(rule: RuleBase) -> str:
    """The rule's numbers in compact form (``3 / 7 days``, ``08:00-21:00``, ``7 days``)."""
    kind = rule.kind
    if kind == "contact_hours":
        ends = {"open": " (start and end excluded)", "closed": " (start and end included)"}.get(rule.boundary, "")
        return "; ".join(_window_text(w).replace("every day ", "") for w in rule.windows) + ends
    if kind == "frequency_cap":
        w = rule.window
        span = (f"{w.rolling_days} day{'s' if w.rolling_days != 1 else ''}" if w.rolling_days
                else f"{w.rolling_hours} h" if w.rolling_hours
                else f"{w.rolling_months} month{'s' if w.rolling_months != 1 else ''}" if w.rolling_months
                else "calendar week" if w.calendar_week else "calendar month" if w.calendar_month else "day")
        return f"{rule.max} / {span}"
    if kind == "cooldown":
        return f"{rule.days} days"
    if kind == "blackout":
        return _list([_DAYS[d] for d in rule.weekdays] + (["holidays"] if rule.public_holidays else [])
                     + [d.isoformat() for d in rule.dates])
    if kind == "account_state":
        return ""
    d = rule.model_dump(exclude_none=True, mode="json")
    nums = [f"{k}={v}" for k, v in d.items() if k not in _BASE_FIELDS and isinstance(v, (int, float))
            and not isinstance(v, bool)]
    return ", ".join(nums)


# ---------------------------------------------------------------------------------------------
# building


def _scope_text(scope: Any) -> str:
    parts = []
    if scope.collector_types:
        parts.append("collectors: " + _list(scope.collector_types))
    if scope.institution_types:
        parts.append("institutions: " + _list(scope.institution_types))
    if getattr(scope, "purposes", None):
        parts.append("purposes: " + _list(scope.purposes))
    return "; ".join(parts) or "all collectors"


def build_catalogue(sources: Iterable[str | os.PathLike] | None = None) -> list[Section]:
    """Load rulesets (shipped ones when ``sources`` is ``None``) and group their rules by
    jurisdiction (sections sorted by code, rulesets by id, rules in file order).

    Raises:
        RulesetError: a ruleset is invalid.
    """
    from .ruleset.loader import load_rulesets

    loaded = load_rulesets(sources)
    sections: dict[str, Section] = {}
    for lr in sorted(loaded, key=lambda x: (x.model.jurisdiction, x.model.id)):
        m = lr.model
        sec = sections.setdefault(m.jurisdiction, Section(m.jurisdiction))
        eff = ""
        if m.effective_from or m.effective_until:
            eff = f"{m.effective_from or ''}..{m.effective_until or ''}"
        sec.rulesets.append({"id": m.id, "title": m.title, "scope": _scope_text(m.scope),
                             "version": m.version, "source": m.source, "effective": eff,
                             "last_verified": getattr(m, "last_verified", None)})
        for r in m.rules:
            lv = getattr(r, "last_verified", None) or getattr(m, "last_verified", None)
            sec.rows.append(Row(m.id, r.id, r.kind, describe_rule(r), rule_numbers(r), r.citation,
                                r.status, r.severity, r.source or m.source, lv))
    return [sections[k] for k in sorted(sections)]


# ---------------------------------------------------------------------------------------------
# rendering

_HEAD = ("Ruleset", "Rule", "What it does", "Numbers", "Citation", "Status", "Verified")


def _cells(r: Row) -> tuple[str, ...]:
    return (r.ruleset, r.rule_id, r.what, r.numbers, r.citation, r.status,
            r.last_verified.isoformat() if r.last_verified else "never")


def _verified(rs: dict) -> str:
    lv = rs.get("last_verified")
    return f"; sources last verified {lv.isoformat()}" if lv else "; never verified"


def _md(s: str) -> str:
    return " ".join(s.split()).replace("|", "\\|")


def render_markdown(sections: list[Section], title: str = "Rules catalogue") -> str:
    """Markdown (GitHub tables), one ``##`` section and table per jurisdiction."""
    out = [f"# {title}", "",
           "Generated from the ruleset YAML by `collectrules catalogue`; do not edit by hand.", ""]
    for sec in sections:
        out += [f"## {sec.jurisdiction}", ""]
        for rs in sec.rulesets:
            eff = f"; in force {rs['effective']}" if rs["effective"] else ""
            out.append(f"- `{rs['id']}` — {_md(rs['title'])} (version {rs['version']}; {rs['scope']}{eff}"
                       f"{_verified(rs)}; source: <{rs['source']}>)")
        out += ["", "| " + " | ".join(_HEAD) + " |", "|" + "---|" * len(_HEAD)]
        for r in sec.rows:
            c = list(_cells(r))
            c[0], c[1] = f"`{c[0]}`", f"`{c[1]}`"
            out.append("| " + " | ".join(_md(x) for x in c) + " |")
        out.append("")
    return "\n".join(out)


def _rst_text(s: str) -> str:
    s = " ".join(s.split())
    # a leading character RST would read as markup inside a list-table cell
    return ("\\" + s) if s[:1] in "-*+#|" else s


def render_rst(sections: list[Section], title: str = "Rules catalogue") -> str:
    """reStructuredText, one section and ``list-table`` per jurisdiction."""
    out = [title, "=" * len(title), "",
           "Generated from the ruleset YAML by ``collectrules catalogue``; do not edit by hand.", ""]
    for sec in sections:
        out += [sec.jurisdiction, "-" * max(len(sec.jurisdiction), 3), ""]
        for rs in sec.rulesets:
            eff = f"; in force {rs['effective']}" if rs["effective"] else ""
            out.append(f"* ``{rs['id']}`` — {_rst_text(rs['title'])} (version {rs['version']}; "
                       f"{rs['scope']}{eff}{_verified(rs)}; source: {rs['source']})")
        out += ["", f".. list-table:: {sec.jurisdiction}", "   :header-rows: 1",
                "   :widths: 10 14 38 10 16 6 6", ""]
        out.append("   * - " + "\n     - ".join(_HEAD))
        for r in sec.rows:
            c = list(_cells(r))
            c[0], c[1] = f"``{c[0]}``", f"``{c[1]}``"
            out.append("   * - " + "\n     - ".join(_rst_text(x) or "\\-" for x in c))
        out.append("")
    return "\n".join(out)


def render(sections: list[Section], fmt: str = "markdown") -> str:
    """Render in ``markdown`` or ``rst``.

    Raises:
        ValueError: unknown format.
    """
    if fmt == "markdown":
        return render_markdown(sections)
    if fmt == "rst":
        return render_rst(sections)
    raise ValueError(f"unknown catalogue format {fmt!r} (markdown or rst)")

