"""Sphinx configuration for collectrules (furo + myst-parser; builds offline with -n -W)."""

import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.abspath(os.path.join(HERE, "..", "src")))
sys.path.insert(0, os.path.join(HERE, "_ext"))

import collectrules  # noqa: E402

project = "collectrules"
author = "collectrules developers"
copyright = "2026, collectrules developers"
release = version = collectrules.__version__
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.doctest",
    "sphinx.ext.intersphinx",
    "myst_parser",
    "generated",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "README.md"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
nitpicky = True
suppress_warnings = ["myst.header"]

# -- API reference ---------------------------------------------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "signature"           # types once, in the signature; Args: prose in the body
autodoc_typehints_format = "short"
autodoc_preserve_defaults = True
napoleon_google_docstring = True
napoleon_use_rtype = False
napoleon_use_ivar = True
napoleon_attr_annotations = False

# Optional layers document themselves when their extra is installed; otherwise their third-party
# imports are mocked so that `pip install '.[docs]'` alone still builds.
import importlib.util as _ilu  # noqa: E402

autodoc_mock_imports = [m for m in ("pyarrow", "pandas", "dask", "distributed", "pyspark", "fastapi",
                                    "starlette", "uvicorn", "prometheus_client", "psycopg", "psycopg_pool",
                                    "tqdm") if _ilu.find_spec(m) is None]

# Intersphinx only from local inventories (the network is closed; CI installs python3.11-doc).
_PY_INV = [p for p in ("/usr/share/doc/python3.11/html/objects.inv", "/usr/share/doc/python3/html/objects.inv")
           if os.path.exists(p)]
intersphinx_mapping = {"python": ("https://docs.python.org/3", _PY_INV[0])} if _PY_INV else {}
# Names from outside the project that no offline inventory resolves (pydantic, and the standard
# library when its inventory is not installed). Everything inside collectrules must resolve.
nitpick_ignore = [
    # internal types that appear in signatures; not part of the public API
    ("py:class", "collectrules.compiler.CompiledRuleset"),
    ("py:class", "collectrules.ledger.core.Backend"),
    ("py:func", "collectrules.content.shown.shown"),
    ("py:func", "collectrules.ruleset.loader.load_rulesets"),
    ("py:class", "collectrules.coverage.CoverageRow"),
    ("py:class", "collectrules.server.app.Service"),
]
nitpick_ignore_regex = [
    (r"py:.*", r"(pydantic|pyarrow|pyspark|fastapi|starlette|dask|distributed|pandas|psycopg)\..*"),
    (r"py:.*", r"(Literal|Annotated|Any|Iterable|Sequence|Mapping|Callable|Iterator)"),
]
if not _PY_INV:
    nitpick_ignore_regex += [(r"py:.*", r"(datetime|typing|collections|os|pathlib|zoneinfo)\..*"),
                             (r"py:.*", r"(str|int|float|bool|bytes|dict|list|tuple|set|None|object|tzinfo)")]

# -- doctests --------------------------------------------------------------------------------
doctest_global_setup = f"""
import datetime as dt
import pathlib
import collectrules
from collectrules import load_policy
DOCS = pathlib.Path({HERE!r})
"""
doctest_test_doctest_blocks = ""           # only explicit doctest / testcode blocks

# -- HTML ------------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"collectrules {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_theme_options = {"navigation_with_keys": True}
html_show_sourcelink = False


def _plain_model_signature(app, what, name, obj, options, signature, return_annotation):
    """Pydantic models: no constructor signature (it leaks validator reprs such as
    ``AfterValidator(func=...)``); the fields are documented under Attributes."""
    try:
        from pydantic import BaseModel  # noqa: PLC0415
    except ImportError:  # pragma: no cover
        return None
    if what == "class" and isinstance(obj, type) and issubclass(obj, BaseModel):
        return "", None
    return None


def _property_first_line(app, what, name, obj, options, lines):
    """Napoleon reads a property's first line ``Every rule considered: ...`` as ``type: text``.
    This project never writes a type there, so the first ``": "`` of that line becomes a dash
    (runs before napoleon)."""
    if what in ("property", "attribute", "data") and lines:
        head = re.split(r"(``.*?``)", lines[0])
        for i in range(0, len(head), 2):      # outside inline literals only
            if ": " in head[i]:
                head[i] = head[i].replace(": ", " — ", 1)
                lines[0] = "".join(head)
                break


def _multi_name_attributes(app, what, name, obj, options, lines):
    """``debt_id, sender_id: text`` in an Attributes section: napoleon reads the first name as a
    type; keep one name and mention the other in the text (runs before napoleon)."""
    section = False
    for i, ln in enumerate(lines):
        if re.match(r"^(Attributes|Args|Arguments|Parameters):\s*$", ln.strip()):
            section = True
            continue
        m = re.match(r"^(\s+)([A-Za-z_]\w*)((?:, [A-Za-z_]\w*)+): (.*)$", ln) if section else None
        if m:
            others = ", ".join(f"``{n}``" for n in m.group(3).split(", ")[1:])
            lines[i] = f"{m.group(1)}{m.group(2)}: (and {others}) {m.group(4)}"


def _resolve_public(app, env, node, contnode):
    """Resolve references to the package's own objects by their public name: type hints and
    docstrings name ``collectrules.models.ContactAttempt`` or ``Policy.check``; the reference
    documents them as ``collectrules.ContactAttempt`` / ``collectrules.Policy.check``."""
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    from sphinx.util.nodes import make_refnode  # noqa: PLC0415

    objects = env.get_domain("py").objects
    parts = target.split(".")
    cands = [target, "collectrules." + target]
    for k in (1, 2):
        if len(parts) >= k:
            tail = ".".join(parts[-k:])
            cands += ["collectrules." + tail]
            cands += [n for n in objects if n.endswith("." + tail) and n.startswith("collectrules.")]
    for c in cands:
        if c in objects:
            entry = objects[c]
            return make_refnode(app.builder, node.get("refdoc", ""), entry.docname, entry.node_id, contnode, c)
    return None


def setup(app):
    app.connect("autodoc-process-signature", _plain_model_signature)
    app.connect("autodoc-process-docstring", _property_first_line, priority=400)
    app.connect("autodoc-process-docstring", _multi_name_attributes, priority=400)
    app.connect("missing-reference", _resolve_public)
