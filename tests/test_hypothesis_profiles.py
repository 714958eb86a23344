"""The hypothesis profiles registered in conftest.py: ``default`` for every run, ``thorough``
(``--hypothesis-profile=thorough``) scaling each test's own example count for nightly runs."""

import subprocess
import sys
import textwrap
from pathlib import Path

from hypothesis import settings

PROBE = textwrap.dedent("""
    from hypothesis import given, settings, strategies as st

    SEEN = {"own": 0, "plain": 0}

    @settings(max_examples=7)
    @given(st.integers())
    def test_own(x):
        SEEN["own"] += 1

    @given(st.integers())
    def test_plain(x):
        SEEN["plain"] += 1

    def test_report():
        print("SEEN", SEEN["own"], SEEN["plain"])
""")


def _run(tmp_path, *extra):
    tests = tmp_path / "tests"
    tests.mkdir(exist_ok=True)
    root = Path(__file__).resolve().parent
    (tests / "conftest.py").write_text((root / "conftest.py").read_text(encoding="utf-8")
                                       .replace('pytest_plugins = ["tests.pg"]', ""), encoding="utf-8")
    (tests / "test_probe.py").write_text(PROBE, encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider",
                        str(tests / "test_probe.py"), *extra], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    line = next(l for l in r.stdout.splitlines() if "SEEN" in l)
    return tuple(int(x) for x in line.split("SEEN")[1].split())


def test_default_profile_is_loaded_and_deterministic():
    assert settings.default.deadline is None and settings.default.derandomize
    assert settings.default.max_examples == 50


def test_profiles_set_example_counts(tmp_path):
    own, plain = _run(tmp_path)
    assert own == 7 and 1 <= plain <= 50
    own, plain = _run(tmp_path, "--hypothesis-profile=thorough")
    assert own == 500 and plain > 50  # 7 x 10 lifted to the thorough floor; no own count: the profile's
