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


def setup(app):
    app.connect("builder-inited", _generate_catalogue)
