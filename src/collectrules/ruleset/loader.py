"""Load ruleset YAML files with line/column marks and validate them, reporting every problem.

``load_rulesets(["us-federal", "./ours.yaml", "./dir/"])`` resolves shipped ids, files and
directories, parses each file with PyYAML (keeping the position of every key), validates it
against :class:`~collectrules.ruleset.schema.RulesetFile` and raises one
:class:`~collectrules.errors.RulesetError` listing every problem in every file as
``file:line:col: rule-id: message``.

YAML notes: times may be written unquoted (``08:00``); the YAML 1.1 base-60 integer reading
(``13:00`` → 780) is switched off. Duplicate keys are errors.
"""

from __future__ import annotations

import datetime
import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml
from pydantic import ValidationError

from ..errors import Problem, RulesetError
from ..limits import MAX_RULESET_BYTES, BoundedComposer
from .schema import RulesetFile

# --------------------------------------------------------------------------------------------
# YAML with positions


class _ValueErrors:
    def construct_object(self, node, deep=False):
        """Report a value PyYAML cannot build (``2025-02-30``, ``!!int 0x``, a list used as a key)
        as a positioned YAML error instead of a crash."""
        try:
            return super().construct_object(node, deep=deep)
        except yaml.MarkedYAMLError:
            raise
        except (ValueError, TypeError, OverflowError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"invalid value: {exc}", node.start_mark) from None


class _Loader(_ValueErrors, BoundedComposer, yaml.SafeLoader):
    """SafeLoader keeping positions, with bounded nesting depth and alias expansion
    (:mod:`collectrules.limits`)."""


# Drop YAML 1.1's sexagesimal ints/floats (13:00 → 780) and keep the rest of the int/float
# resolvers: copy the resolver table, then re-add int/float without base 60.
_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"""^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$""", re.X),
    list("-+0123456789"),
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?
                |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$""", re.X),
    list("-+0123456789."),
)


class PosDict(dict):
    """A dict that remembers where it and each of its keys stand in the file (1-based)."""

    __slots__ = ("mark", "key_marks")


class PosList(list):
    __slots__ = ("mark", "item_marks")


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> PosDict:
    loader.flatten_mapping(node)
    out = PosDict()
    out.mark = (node.start_mark.line + 1, node.start_mark.column + 1)
    out.key_marks = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool, datetime.date)) and key is not None:
            raise yaml.constructor.ConstructorError("while constructing a mapping", node.start_mark,
                                                    "a key must be a plain value, not a list or mapping",
                                                    key_node.start_mark)
        if key in out:
            raise yaml.MarkedYAMLError("while constructing a mapping", node.start_mark,
                                       f"duplicate key {key!r}", key_node.start_mark)
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_marks[key] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1,
                              value_node.start_mark.line + 1, value_node.start_mark.column + 1)
    return out


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> PosList:
    out = PosList(loader.construct_object(child, deep=True) for child in node.value)
    out.mark = (node.start_mark.line + 1, node.start_mark.column + 1)
    out.item_marks = [(c.start_mark.line + 1, c.start_mark.column + 1) for c in node.value]
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


try:  # libyaml's C scanner and parser for the events; composing (bounds), positions and values stay ours
    from yaml._yaml import CParser as _CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _CParser = None

if _CParser is not None:
    class _CLoader(_ValueErrors, BoundedComposer, yaml.composer.Composer, _CParser,
                   yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
        """:class:`_Loader` with libyaml producing the events (same nodes, marks and values)."""

        def __init__(self, stream):
            _CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    _CLoader.yaml_constructors = _Loader.yaml_constructors
    _CLoader.yaml_multi_constructors = _Loader.yaml_multi_constructors
    _CLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
    _CLoader.yaml_path_resolvers = _Loader.yaml_path_resolvers


def parse_yaml(text: str, filename: str = "<string>") -> Any:
    """Parse YAML into PosDict/PosList trees.

    Raises:
        RulesetError: a YAML syntax error, with its position.
    """
    if _CParser is not None:
        try:
            return yaml.load(text, Loader=_CLoader)  # noqa: S506 - SafeConstructor-based
        except (yaml.YAMLError, RecursionError, ValueError, TypeError):
            pass  # every error is reported as the pure-Python loader reports it (same text, same position)
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - SafeLoader subclass
    except RecursionError:
        raise RulesetError([Problem(filename, 1, 1, "-", "YAML error: nested too deeply")]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise RulesetError([Problem(filename, line, col, "-", f"YAML error: {exc.problem or exc}")]) from None
    except yaml.YAMLError as exc:
        raise RulesetError([Problem(filename, 1, 1, "-", f"YAML error: {exc}")]) from None


def position(tree: Any, loc: Iterable[Any]) -> tuple[int, int]:
    """The line and column of the item at pydantic error location ``loc`` (best effort: the
    deepest part of the path that exists in the file)."""
    node = tree
    best = getattr(tree, "mark", (1, 1))
    for part in loc:
        if isinstance(node, PosDict) and part in node:
            km = node.key_marks.get(part)
            if km:
                best = (km[2], km[3])
            node = node[part]
        elif isinstance(node, PosList) and isinstance(part, int) and 0 <= part < len(node):
            best = node.item_marks[part]
            node = node[part]
        elif isinstance(node, PosDict) and isinstance(part, str):
            # a discriminator tag (e.g. 'contact_hours') or a missing key: stay on this mapping
            continue
        else:
            break
    return best


def key_position(tree: Any, loc: tuple) -> tuple[int, int]:
    """Position of the *key* named by the last element of ``loc`` (for unknown keys)."""
    parent = tree
    for part in loc[:-1]:
        if isinstance(parent, PosDict) and part in parent:
            parent = parent[part]
        elif isinstance(parent, PosList) and isinstance(part, int) and 0 <= part < len(parent):
            parent = parent[part]
    if isinstance(parent, PosDict) and loc and loc[-1] in parent.key_marks:
        km = parent.key_marks[loc[-1]]
        return km[0], km[1]
    return position(tree, loc)


# --------------------------------------------------------------------------------------------
# locating files


def shipped_dir() -> Path:
    """The directory of the rulesets shipped with collectrules (inside the wheel, or the
    repository's ``rulesets/`` when running from a source checkout)."""
    here = Path(__file__).resolve().parent.parent
    packaged = here / "_rulesets"
    if packaged.is_dir():
        return packaged
    return here.parent.parent / "rulesets"


def _yaml_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()
                  and not p.name.startswith(".") and not p.name.endswith(".tests.yaml"))


def shipped_index() -> dict[str, Path]:
    """Shipped ruleset id → file path."""
    global _INDEX
    if _INDEX is None:
        index: dict[str, Path] = {}
        for p in _yaml_files(shipped_dir()):
            try:
                with open(p, encoding="utf-8") as fh:
                    for line in fh:
                        m = re.match(r"^id:\s*['\"]?([a-z0-9][a-z0-9._-]*)", line)
                        if m:
                            index[m.group(1)] = p
                            break
            except OSError:
                continue
        _INDEX = index
    return _INDEX


_INDEX: dict[str, Path] | None = None


#: The source name that stands for every shipped ruleset: ``load_policy(["shipped", "./ours.yaml"])``.
SHIPPED = "shipped"


def looks_like_path(source: str) -> bool:
    """Is ``source`` written as a path (``./x``, ``dir/x``, ``/abs``, ``~/x``, ``x.yaml``) rather than
    a bare name that could be a shipped ruleset id?"""
    s = str(source)
    return ("/" in s or os.sep in s or (os.altsep is not None and os.altsep in s) or s.startswith((".", "~"))
            or s.endswith((".yaml", ".yml")) or Path(s).is_absolute())


def resolve(sources: Iterable[str | os.PathLike] | None) -> list[Path]:
    """Turn ids, files and directories into a list of ruleset files (shipped ones if None; the
    name ``"shipped"`` among the sources adds every shipped ruleset to the others).

    Ids and paths are never confused: a source written as a path (``./us-federal``,
    ``rules/us.yaml``, an absolute path, a ``.yaml`` name, or a :class:`os.PathLike`) is a path;
    a bare name that is a shipped id (or ``shipped``) is that shipped ruleset — and when a file or
    directory of the same name also exists in the working directory, the source is ambiguous and
    refused (write ``./name`` for the local one). A bare name that is not shipped is a path.

    Raises:
        RulesetError: an id that is not shipped and not a path, a path that does not exist, or
            an ambiguous name.
    """
    if sources is None:
        return list(shipped_index().values())
    if isinstance(sources, (str, os.PathLike)):
        sources = [sources]
    out: list[Path] = []
    problems = []
    index = shipped_index()
    for s in sources:
        text = os.fspath(s) if isinstance(s, os.PathLike) else s
        if not isinstance(text, str) or not text:
            problems.append(Problem("<sources>", 1, 1, "-", "a ruleset source must be a non-empty id or path"))
            continue
        as_path = isinstance(s, os.PathLike) or looks_like_path(text)
        p = Path(text).expanduser()
        if not as_path and (text == SHIPPED or text in index):
            if p.exists():
                problems.append(Problem(text, 1, 1, "-", f"ambiguous: {text!r} is a shipped ruleset id and also a "
                                                         f"path in the working directory; write './{text}' for the "
                                                         "path, or rename it"))
            elif text == SHIPPED:
                out.extend(index.values())
            else:
                out.append(index[text])
        elif p.is_dir():
            out.extend(_yaml_files(p))
        elif p.is_file():
            out.append(p)
        elif as_path:
            problems.append(Problem(text, 1, 1, "-", "no such file or directory"))
        else:
            close = difflib.get_close_matches(text, list(index), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(Problem(text, 1, 1, "-", f"no shipped ruleset with this id and no such file{hint}"))
    if problems:
        raise RulesetError(problems)
    return unique_paths(out)


def unique_paths(paths: Iterable[Path]) -> list[Path]:
    """``paths`` in order, without repeats of the same resolved file."""
    seen: set[Path] = set()
    unique = []
    for p in paths:
        rp = p.resolve()
        if rp not in seen:
            seen.add(rp)
            unique.append(p)
    return unique


# --------------------------------------------------------------------------------------------
# validation


@dataclass
class LoadedRuleset:
    """A validated ruleset and where it came from."""

    model: RulesetFile
    path: Path
    tree: Any


def _all_field_names() -> set[str]:
    from pydantic import BaseModel

    names: set[str] = set()
    seen: set[type] = set()

    def walk(t: Any) -> None:
        if isinstance(t, type) and issubclass(t, BaseModel):
            if t in seen:
                return
            seen.add(t)
            names.update(t.model_fields)
            for f in t.model_fields.values():
                walk(f.annotation)
        for arg in getattr(t, "__args__", ()) or ():
            walk(arg)
        meta = getattr(t, "__metadata__", None)
        if meta:
            walk(getattr(t, "__origin__", None))

    walk(RulesetFile)
    return names


_FIELD_NAMES: set[str] | None = None


def _rule_id_for(tree: Any, loc: tuple, default: str) -> str:
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(tree, PosDict):
        rules = tree.get("rules")
        if isinstance(rules, list) and isinstance(loc[1], int) and loc[1] < len(rules):
            r = rules[loc[1]]
            if isinstance(r, dict) and isinstance(r.get("id"), str):
                return r["id"]
            return f"rules[{loc[1]}]"
    if len(loc) >= 2 and loc[0] == "tests" and isinstance(tree, PosDict):
        tests = tree.get("tests")
        if isinstance(tests, list) and isinstance(loc[1], int) and loc[1] < len(tests):
            t = tests[loc[1]]
            name = t.get("name") if isinstance(t, dict) else None
            return f"test {name!r}" if name else f"tests[{loc[1]}]"
    return default


def _relative_loc(loc: tuple) -> tuple:
    """The error path inside its rule or test case (the rule id is shown separately), without
    the discriminator tag pydantic inserts (``rules.0.contact_hours.windows`` → ``windows``)."""
    from ..rules import KINDS

    if len(loc) >= 2 and loc[0] in ("rules", "tests") and isinstance(loc[1], int):
        loc = loc[2:]
        if loc and loc[0] in KINDS:
            loc = loc[1:]
    return tuple(loc)


def _message(err: dict, tree: Any) -> str:
    global _FIELD_NAMES
    typ = err.get("type", "")
    loc = err.get("loc", ())
    path = ".".join(str(p) for p in _relative_loc(loc))
    if typ == "extra_forbidden":
        if _FIELD_NAMES is None:
            _FIELD_NAMES = _all_field_names()
        key = str(loc[-1]) if loc else ""
        close = difflib.get_close_matches(key, sorted(_FIELD_NAMES), n=1, cutoff=0.6)
        return f"unknown key {key!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
    if typ == "union_tag_invalid":
        ctx = err.get("ctx", {})
        tag = ctx.get("tag")
        from ..rules import KINDS

        close = difflib.get_close_matches(str(tag), list(KINDS), n=1)
        return (f"unknown rule kind {tag!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
                + f"; kinds: {', '.join(KINDS)}")
    if typ == "union_tag_not_found":
        return "rule has no 'kind'"
    if typ == "missing":
        return f"missing required key {str(loc[-1])!r}" if loc else "missing value"
    msg = err.get("msg", "invalid")
    msg = re.sub(r"^Value error, ", "", msg)
    if loc and loc[-1] == "window" and typ in ("model_type", "dict_type"):
        msg += ("; write one of {rolling_days: N}, {rolling_hours: N}, {rolling_months: N}, {per_day: true}, "
                "{calendar_week: true}, {calendar_month: true}")
    return f"{path}: {msg}" if path else msg


def _duplicate_rule_ids(tree: Any, name: str) -> list[Problem]:
    rules = tree.get("rules") if isinstance(tree, dict) else None
    if not isinstance(rules, PosList):
        return []
    seen: dict[str, int] = {}
    out = []
    for i, r in enumerate(rules):
        rid = r.get("id") if isinstance(r, dict) else None
        if not isinstance(rid, str):
            continue
        if rid in seen:
            line, col = position(tree, ("rules", i, "id"))
            first = position(tree, ("rules", seen[rid], "id"))[0]
            out.append(Problem(name, line, col, rid, f"duplicate rule id {rid!r} (first used on line {first})"))
        else:
            seen[rid] = i
    return out


_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def read_text(path: Path | str, max_bytes: int = MAX_RULESET_BYTES) -> str:
    """Read a ruleset (or tests) file as text: UTF-8, or UTF-8/UTF-16 with a byte-order mark.

    Raises:
        RulesetError: unreadable, larger than ``max_bytes``, or not text; positions are 1-based
            (the line and column of the first byte that cannot be decoded).
    """
    name = str(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise RulesetError([Problem(name, 1, 1, "-", f"cannot read: {exc.strerror or exc}")]) from None
    if len(data) > max_bytes:
        raise RulesetError([Problem(name, 1, 1, "-", f"file is larger than {max_bytes} bytes")])
    encoding = "utf-8"
    for bom, enc in _BOMS:
        if data.startswith(bom):
            encoding = enc
            break
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        before = data[:exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise RulesetError([Problem(name, line, col, "-", f"cannot read: not {encoding.upper()} text "
                                                          f"(byte {exc.start + 1} cannot be decoded)")]) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise RulesetError([Problem(name, line, 1, "-", "cannot read: a NUL character (binary file?)")])
    return text.lstrip("\ufeff")


def validate_file(path: Path, text: str | None = None) -> LoadedRuleset:
    """Parse and validate one ruleset file.

    Raises:
        RulesetError: every problem in the file.
    """
    name = str(path)
    if text is None:
        text = read_text(path)
    tree = parse_yaml(text, name)
    if not isinstance(tree, dict):
        raise RulesetError([Problem(name, 1, 1, "-", "a ruleset file must be a mapping with id, title, rules …")])
    default_id = tree.get("id") if isinstance(tree.get("id"), str) else "-"
    dup_problems = _duplicate_rule_ids(tree, name)
    try:
        model = RulesetFile.model_validate(tree)
    except ValidationError as exc:
        problems = list(dup_problems)
        for err in exc.errors():
            loc = tuple(err.get("loc", ()))
            if dup_problems and not loc and "duplicate rule id" in str(err.get("msg")):
                continue  # already reported at the duplicate rule itself
            if not loc and "effective_until is before" in str(err.get("msg")) and isinstance(tree, PosDict) \
                    and "effective_until" in tree:
                loc = ("effective_until",)  # point at the date, not the top of the file
            if err.get("type") == "extra_forbidden":
                line, col = key_position(tree, loc)
            else:
                line, col = position(tree, loc)
            problems.append(Problem(name, line, col, _rule_id_for(tree, loc, default_id), _message(err, tree)))
        problems.sort(key=lambda p: (p.line, p.column))
        raise RulesetError(problems) from None
    return LoadedRuleset(model, Path(path), tree)


def load_rulesets(sources: Iterable[str | os.PathLike] | None = None) -> list[LoadedRuleset]:
    """Resolve, parse and validate rulesets, collecting the problems of every file.

    Raises:
        RulesetError: all problems in all files (and duplicate ruleset ids across files).
    """
    paths = resolve(sources)
    loaded: list[LoadedRuleset] = []
    problems: list[Problem] = []
    for p in paths:
        try:
            loaded.append(validate_file(p))
        except RulesetError as exc:
            problems.extend(exc.problems)
    ids: dict[str, Path] = {}
    for lr in loaded:
        if lr.model.id in ids:
            line, col = position(lr.tree, ("id",))
            problems.append(Problem(str(lr.path), line, col, lr.model.id,
                                    f"ruleset id {lr.model.id!r} is also used by {ids[lr.model.id]}"))
        ids[lr.model.id] = lr.path
    if problems:
        raise RulesetError(problems)
    return loaded
