"""Sphinx configuration for collectrules (furo + myst-parser; builds offline with -n -W)."""

import os
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

# Intersphinx only from local inventories (the network is closed; CI installs python3.11-doc).
_PY_INV = [p for p in ("/usr/share/doc/python3.11/html/objects.inv", "/usr/share/doc/python3/html/objects.inv")
           if os.path.exists(p)]
intersphinx_mapping = {"python": ("https://docs.python.org/3", _PY_INV[0])} if _PY_INV else {}
intersphinx_disabled_reftypes = ["*"]
# Names from outside the project that no offline inventory resolves (pydantic, and the standard
# library when its inventory is not installed). Everything inside collectrules must resolve.
nitpick_ignore_regex = [
    (r"py:.*", r"pydantic\..*"),
    (r"py:.*", r"(Literal|Annotated|Any|Iterable|Sequence|Mapping|Callable|Iterator)"),
]
if not _PY_INV:
    nitpick_ignore_regex += [(r"py:.*", r"(datetime|typing|collections|os|pathlib|zoneinfo)\..*"),
                             (r"py:.*", r"(str|int|float|bool|bytes|dict|list|tuple|set|None|object|tzinfo)")]

# -- doctests --------------------------------------------------------------------------------
doctest_global_setup = """
import datetime as dt
import collectrules
from collectrules import load_policy
"""
doctest_test_doctest_blocks = ""           # only explicit doctest / testcode blocks

# -- HTML ------------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"collectrules {release}"
html_static_path = ["_static", "_generated"]
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


def setup(app):
    app.connect("autodoc-process-signature", _plain_model_signature)
