"""JUnit XML output (for CI systems that show test reports): one ``<testsuite>`` per checked
file and one ``<testcase>`` per file, failing with one ``<failure>`` per error finding;
warnings go to ``<system-out>``."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ..content.lint import LintResult


_BAD_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(s: str) -> str:
    """Replace characters XML 1.0 cannot carry (controls, lone surrogates) with U+FFFD."""
    return _BAD_XML.sub("\ufffd", s)


def junit_text(result: LintResult) -> str:
    by_file: dict[str, list] = {f: [] for f in result.files}
    for f in result.findings:
        by_file.setdefault(f.file, []).append(f)
    root = ET.Element("testsuites", name="collectrules lint", tests=str(len(by_file)),
                      failures=str(sum(1 for fs in by_file.values() if any(x.severity == "deny" for x in fs))),
                      errors="0")
    for file, fs in by_file.items():
        errs = [x for x in fs if x.severity == "deny"]
        warns = [x for x in fs if x.severity != "deny"]
        suite = ET.SubElement(root, "testsuite", name=_x(file), tests="1", failures="1" if errs else "0",
                              errors="0", skipped="0")
        case = ET.SubElement(suite, "testcase", classname="collectrules.lint", name=_x(file), file=_x(file))
        for x in errs:
            fail = ET.SubElement(case, "failure", type=x.rule_id, message=_x(f"{x.rule_id}: {x.finding.message}"))
            fail.text = _x(str(x))
        if warns:
            out = ET.SubElement(case, "system-out")
            out.text = _x("\n".join(str(x) for x in warns))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
