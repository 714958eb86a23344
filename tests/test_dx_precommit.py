"""Issue 12, CI users: the pre-commit hook lints only files that declare themselves outreach
scripts (front matter, or a *.flow.* / *.transcript.* name), never README/CHANGELOG/LICENSE/docs."""

import re
import subprocess

import pytest
import yaml
from click.testing import CliRunner

from collectrules.cli import declares_script, main
from tests.test_precommit import BAD, BIN, HOOKS, _pre_commit, _repo

PLAIN_BAD = "This is from a debt collector. Pay now.\n"


@pytest.mark.parametrize("text,declared", [(BAD, True), ("\ufeff" + BAD, True), ("\n\n" + BAD, True),
                                           (PLAIN_BAD, False), ("# Title\n---\n", False), ("", False)])
def test_declares_script(tmp_path, text, declared):
    p = tmp_path / "x.txt"
    p.write_text(text, encoding="utf-8")
    assert declares_script(str(p)) is declared


def test_flow_and_transcript_names_declare_themselves(tmp_path):
    for name in ("a.flow.json", "b.transcript.jsonl"):
        (tmp_path / name).write_text("{}", encoding="utf-8")
        assert declares_script(str(tmp_path / name))


def test_declared_only_skips_undeclared_files(tmp_path):
    (tmp_path / "notes.txt").write_text(PLAIN_BAD, encoding="utf-8")
    (tmp_path / "s.txt").write_text(BAD, encoding="utf-8")
    r = CliRunner().invoke(main, ["lint", "--declared-only", str(tmp_path / "notes.txt")])
    assert r.exit_code == 0 and "nothing to lint" in r.output
    r = CliRunner().invoke(main, ["lint", "--declared-only", "-r", "us-federal", str(tmp_path / "notes.txt"),
                                  str(tmp_path / "s.txt")])
    assert r.exit_code == 1 and "s.txt" in r.output and "notes.txt" not in r.output
    # without the flag an undeclared file is linted (and fails for want of a channel)
    r = CliRunner().invoke(main, ["lint", "-r", "us-federal", str(tmp_path / "notes.txt")])
    assert r.exit_code != 0


def test_hook_excludes_docs_of_a_scripts_repository():
    (hook,) = HOOKS
    assert "--declared-only" in hook["entry"].split()
    files, exclude = re.compile(hook["files"]), re.compile(hook["exclude"])
    for name in ("README.md", "CHANGELOG.md", "LICENSE.txt", "docs/guide.md", "sub/README.txt", "doc/a.md",
                 "CONTRIBUTING.md"):
        assert not (files.search(name) and not exclude.search(name)), name
    for name in ("scripts/reminder.txt", "flows/intro.flow.json", "readme-not/x.txt"):
        assert files.search(name) and not exclude.search(name), name


def test_hook_in_a_scripts_repository_lints_only_declared_scripts(tmp_path):
    exe = _pre_commit()
    (hook,) = HOOKS
    local = dict(hook, language="system",
                 entry=str(BIN / "collectrules") + " " + " ".join(hook["entry"].split()[1:]))
    local["args"] = ["-r", "us-federal"]
    repo, env = _repo(tmp_path, {"scripts/reminder.txt": BAD, "README.md": PLAIN_BAD, "CHANGELOG.md": PLAIN_BAD,
                                 "LICENSE.txt": PLAIN_BAD, "docs/guide.md": BAD, "notes/todo.txt": PLAIN_BAD})
    (repo / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": "local", "hooks": [local]}]}), encoding="utf-8")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)
    r = subprocess.run([exe, "run", "--all-files"], cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert "scripts/reminder.txt:6:1: regf-electronic-opt-out" in out
    for name in ("README.md", "CHANGELOG.md", "LICENSE.txt", "docs/guide.md", "notes/todo.txt"):
        assert name not in out, (name, out)
