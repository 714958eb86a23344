"""Pages generated on every build (never by hand): the rules catalogue (one page per
jurisdiction, from ``rulesets/``), the CLI reference (from the click commands) and the calendar
pictures (SVG drawn by :mod:`collectrules.calendar` through ``Policy.check``)."""

from __future__ import annotations

import os
import re
import shutil

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _write(path: str, text: str) -> None:
    """Write only when changed (keeps incremental builds incremental)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        with open(path, encoding="utf-8") as fh:
            if fh.read() == text:
                return
    except FileNotFoundError:
        pass
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def _cell(s: object) -> str:
    s = " ".join(str(s or "").split())
    s = s.replace("\\", "\\\\").replace("*", "\\*").replace("`", "\\`").replace("|", "\\|")
    s = re.sub(r"(^|\s)_", r"\1\\_", s)
    return ("\\" + s) if s[:1] in "-+#=:>" else s


def _slug(code: str) -> str:
    return code.lower()


def catalogue_pages(app=None) -> None:
    from collectrules.catalogue import describe_rule, rule_numbers  # noqa: PLC0415
    from collectrules.ruleset.loader import load_rulesets  # noqa: PLC0415

    loaded = sorted(load_rulesets(None), key=lambda x: (x.model.jurisdiction, x.model.id))
    by_j: dict[str, list] = {}
    for lr in loaded:
        by_j.setdefault(lr.model.jurisdiction, []).append(lr.model)
    outdir = os.path.join(HERE, "catalogue")
    if os.path.isdir(outdir):
        shutil.rmtree(outdir)
    index = ["Rules catalogue", "===============", "",
             "Generated at build time from the shipped ``rulesets/`` (never by hand): one page per",
             "jurisdiction, one table per ruleset, every rule in plain words with its numbers, citation,",
             "source link, effective dates and confidence status (``confirmed`` / ``partial`` /",
             "``unconfirmed``; where a source is unclear the rule takes the stricter reading and says so",
             "in its note). Dates are inclusive and consumer-local; an empty date means open-ended.", "",
             ".. list-table::", "   :header-rows: 1", "   :widths: 14 56 10", "   :class: catalogue", "",
             "   * - Jurisdiction", "     - Rulesets", "     - Rules"]
    for j, models in by_j.items():
        index += [f"   * - :doc:`{j} <{_slug(j)}>`",
                  "     - " + ", ".join(f"``{m.id}``" for m in models),
                  f"     - {sum(len(m.rules) for m in models)}"]
    index += ["", ".. toctree::", "   :hidden:", ""] + [f"   {_slug(j)}" for j in by_j] + [""]
    _write(os.path.join(outdir, "index.rst"), "\n".join(index))
    for j, models in by_j.items():
        title = f"{j}"
        out = [f".. _catalogue-{_slug(j)}:", "", title, "=" * max(len(title), 3), ""]
        for m in models:
            head = f"``{m.id}`` — {_cell(m.title)}"
            out += [head, "-" * (2 * len(head)), ""]
            eff = f"{m.effective_from or '…'} to {m.effective_until or '…'}" \
                if (m.effective_from or m.effective_until) else "no dates stated (in force)"
            verified = getattr(m, "last_verified", None)
            out += [f":Version: {_cell(m.version)}", f":In force: {eff}",
                    f":Source: `{_cell(m.source)} <{m.source}>`__"]
            if verified:
                out.append(f":Last verified: {verified}")
            newer = getattr(m, "newer_version", None)
            if newer:
                nt = getattr(newer, "title", None) or (newer.get("title") if isinstance(newer, dict) else newer)
                out.append(f":Newer version on record: {_cell(nt)} (not encoded yet)")
            if m.description:
                out += ["", _cell(m.description)]
            out += ["", f".. list-table:: Rules of ``{m.id}``", "   :header-rows: 1",
                    "   :widths: 22 50 28", "   :class: catalogue", "",
                    "   * - Rule", "     - What it does", "     - Citation, dates, status"]
            for r in m.rules:
                numbers = rule_numbers(r)
                what = _cell(describe_rule(r)) + (f" *Numbers:* {_cell(numbers)}." if numbers else "")
                if getattr(r, "note", None):
                    what += f" *Note:* {_cell(r.note)}"
                src = r.source or m.source
                ef, eu = getattr(r, "effective_from", None), getattr(r, "effective_until", None)
                dates = f"{ef or '…'} to {eu or '…'}" if (ef or eu) else "as the ruleset"
                rv = getattr(r, "last_verified", None) or verified
                out += [f"   * - ``{r.id}``", "",
                        f"       {r.kind}, {r.severity}",
                        f"     - {what}",
                        f"     - `{_cell(r.citation)} <{src}>`__", "",
                        f"       In force: {dates}", "",
                        f"       Status: **{r.status}**" + (f"; verified {rv}" if rv else "; never verified")]
            out.append("")
        _write(os.path.join(outdir, f"{_slug(j)}.rst"), "\n".join(out))


def cli_page(app=None) -> None:
    import click  # noqa: PLC0415

    from collectrules.cli import main  # noqa: PLC0415

    lines = ["Command-line reference", "======================", "",
             "Generated at build time from the click commands' own help (``collectrules COMMAND --help``);",
             "every command takes ``-h/--help``. Exit codes are listed in each command's help and in",
             ":doc:`guides/ci`.", "",
             ".. code-block:: text", ""]
    with click.Context(main, info_name="collectrules") as ctx:
        lines += ["   " + ln for ln in main.get_help(ctx).splitlines()]
        lines.append("")
        for name in sorted(main.list_commands(ctx)):
            cmd = main.get_command(ctx, name)
            _command(lines, cmd, name, ctx, ["collectrules", name])
    _write(os.path.join(HERE, "cli.rst"), "\n".join(lines) + "\n")


def _command(lines, cmd, name, parent_ctx, path) -> None:
    import click  # noqa: PLC0415

    full = " ".join(path)
    with click.Context(cmd, info_name=name, parent=parent_ctx) as sub:
        lines += [f".. _cli-{'-'.join(path[1:])}:", "", f"``{full}``",
                  ("-" if len(path) == 2 else "~") * (len(full) + 4), "", ".. code-block:: text", ""]
        lines += ["   " + ln for ln in cmd.get_help(sub).splitlines()]
        lines.append("")
        if isinstance(cmd, click.Group):
            for child in sorted(cmd.list_commands(sub)):
                _command(lines, cmd.get_command(sub, child), child, sub, path + [child])


#: the pictures the docs embed: (file name, rulesets, request, title)
PICTURES = [
    ("boston-week.svg", ["us-federal", "us-ma"], {
        "attempt": {"channel": "call", "at": "2025-06-02T08:00:00-04:00", "debt_id": "debt-7"},
        "account": {"account_id": "acct-7", "jurisdictions": ["US-MA"], "timezones": ["America/New_York"]},
        "history": [
            {"channel": "call", "at": "2025-05-29T14:00:00-04:00", "debt_ids": ["debt-7"], "outcome": "no_answer"},
            {"channel": "call", "at": "2025-05-31T11:00:00-04:00", "debt_ids": ["debt-7"], "outcome": "no_answer"},
        ]}, "Boston consumer, Reg F + Massachusetts, after two unanswered calls"),
]


def pictures(app=None) -> None:
    from collectrules import load_policy  # noqa: PLC0415
    from collectrules.calendar import week_svg  # noqa: PLC0415

    outdir = os.path.join(HERE, "_generated")
    os.makedirs(outdir, exist_ok=True)
    for fname, rulesets, req, title in PICTURES:
        policy = load_policy(rulesets)
        svg = week_svg(policy, req["attempt"], account=req["account"], history=req["history"], days=7,
                       title=title)
        _write(os.path.join(outdir, fname), svg)


def vocabulary_page(app=None) -> None:
    """Every closed vocabulary (the ``Literal`` aliases of :mod:`collectrules.vocab`)."""
    import typing  # noqa: PLC0415

    from collectrules import vocab  # noqa: PLC0415

    out = ["Vocabularies", "============", "",
           "The closed vocabularies of the models and rulesets (generated from ``collectrules.vocab``).",
           "A value outside its vocabulary is an :class:`~collectrules.InputError` (a request) or a",
           "ruleset problem (a ruleset), never ignored.", ""]
    for name in sorted(vars(vocab)):
        val = getattr(vocab, name)
        if name.startswith("_") or typing.get_origin(val) is not typing.Literal:
            continue
        values = ", ".join(f"``{v}``" for v in typing.get_args(val))
        out += [f".. py:data:: collectrules.vocab.{name}", "", f"   One of: {values}.", ""]
    _write(os.path.join(HERE, "vocabularies.rst"), "\n".join(out))


def setup(app):
    app.connect("builder-inited", vocabulary_page)
    app.connect("builder-inited", catalogue_pages)
    app.connect("builder-inited", cli_page)
    app.connect("builder-inited", pictures)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


__all__ = ["catalogue_pages", "cli_page", "pictures", "vocabulary_page", "PICTURES"]
