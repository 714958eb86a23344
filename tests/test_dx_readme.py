"""Issue 12: every Python block of README.md runs as written (in order, one namespace, in a
scratch directory), and the values its comments state for bare literals are the real ones."""

import ast
import os
import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"^```python\n(.*?)^```", README.read_text(encoding="utf-8"), re.S | re.M)


def _literal_claims(src: str):
    """(line, expression, value) for lines ``EXPR  # LITERAL`` (True/False/None/a number/a string
    without an ellipsis)."""
    for n, line in enumerate(src.splitlines(), 1):
        m = re.match(r"^([A-Za-z_][\w.\[\]0-9]*)\s+#\s*(True|False|None|-?\d+|'[^'.]*(?:\.[^'.]+)*')\s*$", line)
        if m:
            yield n, m.group(1), ast.literal_eval(m.group(2))


def test_readme_has_python_blocks():
    assert len(BLOCKS) >= 4


def test_readme_python_blocks_run_as_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    claims = 0
    for i, block in enumerate(BLOCKS):
        code = compile(block, f"README.md python block {i + 1}", "exec")
        exec(code, ns)  # noqa: S102 - our own README
        for n, expr, value in _literal_claims(block):
            assert eval(expr, ns) == value, (i + 1, n, expr)  # noqa: S307
            claims += 1
    assert claims >= 2  # decision.allowed is False, the rule id
    assert ns["decision"].allowed is False
    assert ns["policy"].check_transcript(ns["turns"], account=ns["account"], stage="initial") is not None
    if "ledger" in ns:
        ns["ledger"].close()
    assert os.path.exists(tmp_path / "ledger.db")
