"""Issue 12: collectrules ships py.typed and a program using the public API passes
`mypy --strict` -- and mypy really sees the library's types (a wrong annotation fails)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import collectrules

EXAMPLE = Path(__file__).resolve().parent / "data" / "typed_example.py"


def _mypy(path: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    pytest.importorskip("mypy", reason="mypy is in the test extra: pip install -e '.[test]'")
    return subprocess.run([sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent",
                           "--cache-dir", str(tmp_path / "mypy-cache"), str(path)],
                          capture_output=True, text=True, timeout=600)


def test_py_typed_is_shipped():
    assert (Path(collectrules.__file__).parent / "py.typed").is_file()


def test_public_api_example_passes_mypy_strict(tmp_path):
    r = _mypy(EXAMPLE, tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr


def test_mypy_sees_the_library_types(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(EXAMPLE.read_text(encoding="utf-8").replace("allowed: bool = d.allowed",
                                                                "allowed: str = d.allowed"), encoding="utf-8")
    shutil.copy(EXAMPLE, tmp_path / "unused.py")
    r = _mypy(bad, tmp_path)
    assert r.returncode == 1 and "Incompatible types in assignment" in r.stdout, r.stdout + r.stderr
