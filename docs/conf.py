"""Sphinx configuration for collectrules."""

import os
import sys

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "src")))

project = "collectrules"
author = "collectrules developers"
copyright = "2026, collectrules developers"
extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.viewcode", "myst_parser"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
autodoc_member_order = "bysource"
autodoc_typehints = "description"
exclude_patterns = ["_build"]
html_theme = "alabaster"


def _generate_catalogue(app):
    """Write catalogue.rst from the shipped ruleset YAML (generated on every build, never by hand)."""
    from collectrules.catalogue import build_catalogue, render  # noqa: PLC0415

    out = os.path.join(os.path.dirname(__file__), "catalogue.rst")
    with open(out, "w", encoding="utf-8") as fh:
        fh.write(render(build_catalogue(), fmt="rst"))


def _generate_cli(app):
    """Write cli.rst from the click commands' own help (generated, never by hand)."""
    import click  # noqa: PLC0415

    from collectrules.cli import main  # noqa: PLC0415

    lines = ["Command line", "============", "",
             "Generated from ``collectrules --help``; every command takes ``-h/--help``.", ""]
    with click.Context(main, info_name="collectrules") as ctx:
        for name in sorted(main.list_commands(ctx)):
            cmd = main.get_command(ctx, name)
            with click.Context(cmd, info_name=name, parent=ctx) as sub:
                lines += [f"``collectrules {name}``", "-" * (len(name) + 17), "", "::", ""]
                lines += ["   " + ln for ln in cmd.get_help(sub).splitlines()]
                lines.append("")
    out = os.path.join(os.path.dirname(__file__), "cli.rst")
    with open(out, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


def setup(app):
    app.connect("builder-inited", _generate_catalogue)
    app.connect("builder-inited", _generate_cli)
