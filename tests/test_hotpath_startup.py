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
