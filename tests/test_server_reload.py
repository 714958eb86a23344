"""Hot reload of the service: SIGHUP and file changes swap the policy atomically; a bad ruleset
is refused with its file:line:col and the old policy keeps serving; under a steady request
stream no request is lost and no response mixes two policies."""

from __future__ import annotations

import re
import threading

import pytest

import collectrules

from .server_util import Server, wait_for

HOUSE = """id: house-hours
title: "House policy: calls end at {end}"
jurisdiction: US
source: https://example.invalid/house-policy
version: "{version}"
rules:
  - id: house-evening
    kind: contact_hours
    title: House calling hours
    citation: House policy 1
    source: https://example.invalid/house-policy
    status: confirmed
    channels: [call]
    windows: [{{start: "08:00", end: "{end}"}}]
    boundary: half_open
"""

BAD = """id: house-hours
title: broken
jurisdiction: US
source: https://example.invalid/house-policy
version: "bad"
rules:
  - id: house-evening
    kind: contact_hours
    title: House calling hours
    citation: House policy 1
    source: https://example.invalid/house-policy
    status: confirmed
    channels: [call]
    windows: [{start: "08:00", end: "25:99"}]
    boundary: sideways
"""

# 20:30 Chicago: inside Reg F's 08:00-21:00, outside a house window ending at 20:00
AT_2030 = {"attempt": {"channel": "call", "at": "2025-06-02T20:30:00-05:00", "debt_id": "D1"},
           "account": {"jurisdictions": ["US-IL"], "timezones": ["America/Chicago"]}}


def write(path, end, version):
    path.write_text(HOUSE.format(end=end, version=version), encoding="utf-8")
    return collectrules.load_policy(["us-federal", str(path)]).fingerprint


def fingerprint(s):
    return s.get("/v1/rulesets")[2]["fingerprint"]


@pytest.fixture()
def house(tmp_path):
    d = tmp_path / "house"
    d.mkdir()
    return d / "house.yaml"


def test_sighup_reload_bad_ruleset_refused_and_file_watch(house, tmp_path):
    fa = write(house, "20:00", "A")
    s = Server(["-r", "us-federal", "-r", str(house)], log_path=tmp_path / "log")
    try:
        assert fingerprint(s) == fa
        st, _, d = s.post("/v1/check", AT_2030)
        assert d["allowed"] is False and [v["rule_id"] for v in d["violations"]] == ["house-evening"]

        fb = write(house, "21:00", "B")
        s.hup()
        wait_for(lambda: fingerprint(s) == fb, "SIGHUP reload to version B")
        st, _, d = s.post("/v1/check", AT_2030)
        assert d["allowed"] is True and d["policy_fingerprint"] == fb

        house.write_text(BAD, encoding="utf-8")
        s.hup()
        wait_for(lambda: s.get("/v1/rulesets")[2]["reload_failures"] >= 1, "bad ruleset refused")
        info = s.get("/v1/rulesets")[2]
        assert info["fingerprint"] == fb, "the old policy keeps serving"
        assert s.post("/v1/check", AT_2030)[2]["allowed"] is True
        log = s.log()
        assert re.search(r"house\.yaml:\d+:\d+: house-evening:", log), log
        assert "reload refused" in log
        assert re.search(r'collectrules_reloads_total\{result="failed"\} [1-9]', s.get("/metrics")[2])

        fc = write(house, "19:00", "C")  # no signal: the file watcher reloads
        wait_for(lambda: fingerprint(s) == fc, "file-change reload to version C")
        assert s.post("/v1/check", AT_2030)[2]["allowed"] is False
        assert re.search(r'collectrules_reloads_total\{result="ok"\} [2-9]', s.get("/metrics")[2])
    finally:
        s.stop()


def test_reload_under_a_steady_stream(house, tmp_path):
    fps = {write(house, "21:00", "B"): True}
    fps[write(house, "20:00", "A")] = False  # A in force at start: 20:30 denied
    s = Server(["-r", "us-federal", "-r", str(house), "--no-watch"], log_path=tmp_path / "log")
    results: list = []
    stop = threading.Event()

    def stream():
        while not stop.is_set():
            results.append(s.post("/v1/check", AT_2030))

    threads = [threading.Thread(target=stream) for _ in range(3)]
    try:
        for t in threads:
            t.start()
        for i in range(8):
            end, version = ("21:00", "B") if i % 2 == 0 else ("20:00", "A")
            want = [f for f, allowed in fps.items() if allowed == (version == "B")][0]
            write(house, end, version)
            before = len(results)
            s.hup()
            wait_for(lambda: fingerprint(s) == want, f"reload {i}")
            wait_for(lambda: len(results) > before + 5, "requests flowing")
    finally:
        stop.set()
        for t in threads:
            t.join()
        s.stop()
    assert len(results) > 40
    assert all(st == 200 for st, _h, _b in results), "no request lost or failed during reloads"
    seen = set()
    for _st, _h, d in results:
        fp = d["policy_fingerprint"]
        assert fp in fps, "a response from an unknown (mixed) policy"
        assert d["allowed"] is fps[fp], "the decision must be the one of the policy it names"
        assert d["rulesets"] == ["us-federal", "house-hours"]
        seen.add(fp)
    assert seen == set(fps)


def test_a_burst_of_sighups_is_coalesced(house, tmp_path):
    write(house, "20:00", "A")
    s = Server(["-r", "us-federal", "-r", str(house), "--no-watch"], log_path=tmp_path / "log")
    try:
        fb = write(house, "21:00", "B")
        for _ in range(15):
            s.hup()
        wait_for(lambda: fingerprint(s) == fb, "the burst reloads to version B")
        wait_for(lambda: "reloaded" in s.log(), "reload logged")
        import time

        time.sleep(1.0)  # let any coalesced follow-up reload finish before counting
        info = s.get("/v1/rulesets")[2]
        assert 1 <= info["reloads"] < 15, info
        assert info["reload_failures"] == 0
        assert s.post("/v1/check", AT_2030)[2]["allowed"] is True
    finally:
        s.stop()

