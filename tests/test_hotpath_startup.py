"""Issue #10 (5): `import collectrules` loads nothing heavy (checked in a fresh interpreter by
the modules it loaded, never by time)."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("phonenumbers.geocoder", "phonenumbers.geodata", "collectrules.ledger", "collectrules.voice",
         "collectrules.server", "collectrules.batch", "collectrules.dask", "collectrules.spark", "psycopg",
         "psycopg_pool", "sqlite3", "fastapi", "uvicorn", "dask", "pyspark", "pyarrow", "holidays")


def _loaded(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"],
                         capture_output=True, text=True, check=True, timeout=120)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_import_loads_nothing_heavy():
    mods = _loaded("import collectrules")
    assert not {m for m in mods if m.startswith(HEAVY)}


def test_lazy_names_load_on_first_use():
    mods = _loaded("import collectrules\ncollectrules.open_ledger\ncollectrules.Conversation\n"
                   "collectrules.locate(phone='+1 617 555 0100')")
    assert "collectrules.ledger" in mods and "collectrules.voice" in mods and "phonenumbers.geocoder" in mods
    import collectrules

    for name in collectrules.__all__:
        assert getattr(collectrules, name) is not None, name
    assert {"open_ledger", "Conversation", "Reservation"} <= set(dir(collectrules))


def test_fixed_offset_names_still_a_module_attribute():
    from collectrules import clock

    assert "Etc/GMT+5" in clock.FIXED_OFFSET_NAMES and "America/Chicago" not in clock.FIXED_OFFSET_NAMES


# ---- libyaml events, our composer: the same trees, positions and errors ---------------------

import glob  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
import yaml  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from collectrules.errors import RulesetError  # noqa: E402
from collectrules.ruleset import loader as L  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _same_tree(a, b, path="$"):
    assert type(a) is type(b), path
    if isinstance(a, dict):
        assert list(a) == list(b) and a.mark == b.mark and a.key_marks == b.key_marks, path
        for k in a:
            _same_tree(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b) and a.mark == b.mark and a.item_marks == b.item_marks, path
        for i, (x, y) in enumerate(zip(a, b)):
            _same_tree(x, y, f"{path}[{i}]")
    else:
        assert a == b, path


@pytest.mark.skipif(L._CParser is None, reason="PyYAML without libyaml: only the pure-Python loader")
def test_c_events_give_the_same_trees_and_positions_for_every_shipped_file():
    files = sorted(glob.glob(str(ROOT / "rulesets" / "**" / "*.yaml"), recursive=True))
    assert len(files) > 40
    for f in files:
        text = Path(f).read_text(encoding="utf-8")
        _same_tree(yaml.load(text, Loader=L._Loader), yaml.load(text, Loader=L._CLoader), f)  # noqa: S506


_pieces = st.sampled_from(["a: 1\n", "b: [1, 2]\n", "- x\n", "  c: d\n", "k: 13:00\n", "t: 2025-02-30\n",
                           "&a x: *a\n", "? [1]\n: 2\n", "d: {e: f}\n", "d: {e: f\n", "'q\n", "x: !!int 0x\n",
                           "\t- y\n", "z: \"\\u00e9\"\n", "a: 1\na: 2\n", "w: .inf\n", "- [[[[[[]]]]]]\n"])


@settings(max_examples=150, deadline=None)
@given(st.lists(_pieces, max_size=6))
def test_parse_yaml_answers_as_the_python_loader(parts):
    text = "".join(parts)
    try:
        want = ("ok", yaml.load(text, Loader=L._Loader))  # noqa: S506
    except Exception as exc:  # noqa: BLE001
        want = ("err", type(exc))
    try:
        got = ("ok", L.parse_yaml(text, "f.yaml"))
    except RulesetError:
        got = ("err", None)
    assert got[0] == want[0]
    if got[0] == "ok":
        if isinstance(want[1], (dict, list)):
            _same_tree(want[1], got[1])
        else:
            assert want[1] == got[1]
