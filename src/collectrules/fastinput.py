"""Cheap validation of raw dict records on the common shapes (issue #10).

A dialer passes attempts and history rows straight from its database or JSON. Validating each
row with pydantic costs more than the whole evaluation, so :func:`fast_build` checks the common
shape with plain Python — exact ``str`` values in the field's vocabulary, ``list`` of ``str``
ids, instants as aware datetimes or ISO 8601 strings ``YYYY-MM-DDTHH:MM:SS[.fff[fff]]±HH:MM``
(or ``Z``) — and builds the model without a second pass. Anything else (another type, another
spelling of an instant, an unknown key, a missing field, a value out of range) returns ``None``
and the caller validates with the pydantic model: the models stay the reference and the error
path, so every malformed record raises the same :class:`~collectrules.errors.InputError`.

Only models without validators of their own take the fast path (:class:`Contact`,
:class:`ContactAttempt`); ``tests/test_hotpath_fastinput.py`` checks, by a hypothesis property,
that the fast path accepts only what the model accepts and builds an equal model.
"""

from __future__ import annotations

import datetime as _dt
import re
import types
import typing
from typing import Any, Callable

from .models import MAX_YEAR, MIN_YEAR, Contact, ContactAttempt

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3}|\.\d{6})?(?:[+-]\d{2}:\d{2}|Z)")
_fromiso = _dt.datetime.fromisoformat
_datetime = _dt.datetime


def _instant(v: Any) -> _dt.datetime | None:
    """An aware datetime in the supported years, or None (let the model decide)."""
    t = type(v)
    if t is str:
        if not _ISO.fullmatch(v):
            return None
        try:
            d = _fromiso(v)
        except ValueError:
            return None
    elif t is _datetime:
        d = v
    else:
        return None
    try:
        off = d.utcoffset()
    except Exception:  # noqa: BLE001 - a tzinfo that cannot answer: the model decides
        return None
    if off is None or not MIN_YEAR <= d.year <= MAX_YEAR:
        return None
    return d


_MISSING: Any = object()


def _kind(annotation: Any) -> tuple[str, Any] | None:
    """How a field is checked: ("lit", allowed) / ("str",) / ("bool",), wrapped as
    ("opt", inner) for ``X | None``; None when there is no fast check for it."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Literal and all(type(a) is str for a in args):
        return ("lit", frozenset(args))
    if origin in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
        inner = _kind(next(a for a in args if a is not type(None)))
        return None if inner is None else ("opt", inner)
    if annotation is str:
        return ("str", None)
    if annotation is bool:
        return ("bool", None)
    return None


def _check_src(var: str, kind: tuple, ns: dict, n: int) -> list[str]:
    """Source lines that ``return None`` unless ``x`` (the value) passes ``kind``."""
    tag, arg = kind
    if tag == "lit":
        ns[f"S{n}"] = arg
        return [f"if type(x) is not str or x not in S{n}: return None"]
    if tag == "str":
        return ["if type(x) is not str: return None"]
    if tag == "bool":
        return ["if type(x) is not bool: return None"]
    inner = _check_src(var, arg, ns, n)
    return ["if x is not None:"] + ["    " + line for line in inner]


_INSTANT_SRC = [
    "if type(x) is str:",
    "    if ISO(x) is None: return None",
    "    x = FROMISO(x)",
    "elif type(x) is not DATETIME: return None",
    "if x.utcoffset() is None or not MIN_YEAR <= x.year <= MAX_YEAR: return None",
]


def _generate(model: type) -> Callable[[Any], Any] | None:
    """A plain function checking the common shape of a dict for ``model`` and building it, or
    None when some field has no fast check."""
    ns: dict[str, Any] = {"ISO": _ISO.fullmatch, "FROMISO": _fromiso, "DATETIME": _datetime,
                          "MIN_YEAR": MIN_YEAR, "MAX_YEAR": MAX_YEAR, "NEW": model.__new__, "MODEL": model,
                          "SET": object.__setattr__, "M": _MISSING}
    defaults: dict[str, Any] = {}
    body = ["if type(d) is not dict or not KEYS.issuperset(d): return None",
            "v = DEFAULTS.copy()", "v.update(d)"]
    for n, (name, f) in enumerate(model.model_fields.items()):
        defaults[name] = _MISSING if f.is_required() else f.default
        if type(defaults[name]) not in (str, bool, type(None)) and defaults[name] is not _MISSING:
            return None  # a mutable or computed default: model only
        body.append(f"x = v[{name!r}]")
        if name == "at":
            body += _INSTANT_SRC + ["v['at'] = x"]
        elif name == "consent_given_at":
            body += ["if x is not None:"] + ["    " + line for line in _INSTANT_SRC] + ["    v['consent_given_at'] = x"]
        elif name == "debt_ids":
            body += ["if type(x) is not list or not x: return None",
                     "for y in x:", "    if type(y) is not str: return None",
                     "v['debt_ids'] = x.copy()"]
        elif name == "debt_id":
            body += ["if type(x) is not str or not x: return None"]
        else:
            kind = _kind(f.annotation)
            if kind is None or f.metadata:
                return None  # a type or constraint this module does not know: model only
            body += _check_src("x", kind, ns, n)
    body += ["m = NEW(MODEL)", "SET(m, '__dict__', v)", "SET(m, '__pydantic_fields_set__', set(d))",
             "SET(m, '__pydantic_extra__', None)", "SET(m, '__pydantic_private__', None)", "return m"]
    ns["KEYS"] = frozenset(defaults)
    ns["DEFAULTS"] = defaults
    src = "def build(d):\n    try:\n" + "".join(f"        {line}\n" for line in body)
    src += "    except Exception:\n        return None\n"
    exec(compile(src, f"<collectrules fast {model.__name__}>", "exec"), ns)  # noqa: S102 - fixed templates
    return ns["build"]


_BUILDERS: dict[type, Callable[[Any], Any]] = {}


def fast_build(model: type, data: Any) -> Any:
    """``model`` built from ``data`` when ``data`` has a common shape that the fast checks
    accept, else None (validate with the model)."""
    b = _BUILDERS.get(model)
    return None if b is None else b(data)


def _install() -> None:
    """Enable the fast path for a model only when a probe built both ways is equal (a pydantic
    whose model internals differ keeps the model path)."""
    probes = {
        Contact: {"channel": "call", "at": "2025-06-02T10:00:00-05:00", "debt_ids": ["D1"], "outcome": "no_answer"},
        ContactAttempt: {"channel": "call", "at": "2025-06-02T10:00:00-05:00", "debt_id": "D1"},
    }
    for model, probe in probes.items():
        build = _generate(model)
        if build is None:
            continue
        try:
            ok = build(probe) == model.model_validate(probe)
        except Exception:  # noqa: BLE001
            ok = False
        if ok:
            _BUILDERS[model] = build


_install()


def enabled(model: type) -> bool:
    return model in _BUILDERS
