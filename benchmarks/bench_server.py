"""Load benchmark of ``collectrules serve`` on loopback (issue #11).

Run:  python benchmarks/bench_server.py [--duration 8] [--workers 1 2]

Needs the ``[server]`` extra. Uses ``wrk`` for the throughput runs when it is installed
(``apt-get install -y --no-install-recommends wrk``; the tests never need it) and a bounded
Python load generator otherwise. For each worker count it starts the real server as a
subprocess on a free 127.0.0.1 port and measures:

* ``/v1/check`` closed loop (wrk ``-c16``, or 8 Python threads): requests/s, p50, p99;
* ``/v1/check`` paced at 500 requests/s for ``--duration`` seconds (Python, 4 connections,
  latency from each request's scheduled send time, so a stall is not hidden): p50, p99;
* ``/v1/check:batch`` of 50 requests, closed loop: batches/s, decisions/s, p50, p99;
* one connection, sequential: the p50 round trip, against the in-process ``Policy.check``
  median for the same request (raw dicts in, ``to_dict()`` out): the service's added latency.

The request: Regulation F (``us-federal``) + Massachusetts (``us-ma``), a Boston account, a
30-contact history (calls, SMS and e-mails over the 60 days before, one call in the last 7 days),
an allowed call at 14:00 local on a Tuesday.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import zoneinfo
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NY = zoneinfo.ZoneInfo("America/New_York")
AT = dt.datetime(2025, 6, 17, 14, 0, tzinfo=NY)


def make_request() -> dict:
    hist = []
    chans = ("call", "sms", "email")
    for i in range(29):
        t = AT - dt.timedelta(days=8 + i * 52 / 29, hours=(i % 5))
        hist.append({"channel": chans[i % 3], "at": t.replace(hour=10 + i % 8).isoformat(), "debt_ids": ["D1"],
                     "outcome": "no_answer" if chans[i % 3] == "call" else "delivered"})
    hist.append({"channel": "call", "at": (AT - dt.timedelta(days=3)).replace(hour=11).isoformat(),
                 "debt_ids": ["D1"], "outcome": "no_answer"})
    hist.sort(key=lambda c: c["at"])
    return {"attempt": {"channel": "call", "at": AT.isoformat(), "debt_id": "D1"},
            "account": {"jurisdictions": ["US-MA"], "timezones": ["America/New_York"], "account_id": "bench-1"},
            "history": hist}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, workers: int):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "collectrules.cli", "serve", "-r", "us-federal", "-r", "us-ma", "--port",
             str(self.port), "--workers", str(workers), "--no-watch"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        body = json.dumps(make_request()).encode()
        for _ in range(900):
            try:
                # every worker must have loaded its policy: a few checks answered in a row
                ok = all(_post1(self.port, "/v1/check", body)[0] == 200 for _ in range(4 * workers))
                if ok:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not start")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)


def _post1(port, path, body):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request("POST", path, body, {"Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        return r.status, None
    finally:
        c.close()


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


# -- wrk ---------------------------------------------------------------------------------------

def wrk(port: int, path: str, body: bytes, duration: int, conns: int = 16) -> dict:
    with tempfile.TemporaryDirectory() as d:
        bf = Path(d) / "body.json"
        bf.write_bytes(body)
        lua = Path(d) / "post.lua"
        lua.write_text('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                       f'local f = io.open("{bf}", "rb")\nwrk.body = f:read("*a")\nf:close()\n')
        out = subprocess.run(["wrk", "-t1", f"-c{conns}", f"-d{duration}s", "--latency", "-s", str(lua),
                              f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)

    def lat(label):
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\b", out, re.M)
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v

    return {"rps": rps, "p50": lat("50"), "p99": lat("99"), "errors": int(non2xx.group(1)) if non2xx else 0,
            "tool": f"wrk -t1 -c{conns}"}


# -- Python generator --------------------------------------------------------------------------

def closed_loop(port: int, path: str, body: bytes, duration: float, conns: int = 8) -> dict:
    lats: list[float] = []
    errors = [0]
    stop = time.perf_counter() + duration

    def worker():
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine = []
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            c.request("POST", path, body, {"Content-Type": "application/json"})
            r = c.getresponse()
            r.read()
            mine.append(time.perf_counter() - t0)
            if r.status != 200:
                errors[0] += 1
        c.close()
        lats.extend(mine)

    ts = [threading.Thread(target=worker) for _ in range(conns)]
    t0 = time.perf_counter()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    el = time.perf_counter() - t0
    return {"rps": len(lats) / el, "p50": pct(lats, 50) * 1000, "p99": pct(lats, 99) * 1000, "errors": errors[0],
            "tool": f"python, {conns} connections"}


def paced(port: int, path: str, body: bytes, rate: float, duration: float, conns: int = 4) -> dict:
    """Open-loop: each connection sends on a fixed schedule; latency counts from the scheduled
    send time (a late send is measured as latency, not skipped)."""
    lats: list[float] = []
    errors = [0]
    per = rate / conns
    n = int(per * duration)
    start = time.perf_counter() + 0.2

    def worker(k):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine = []
        for i in range(n):
            due = start + (i + k / conns) / per
            now = time.perf_counter()
            if due > now:
                time.sleep(due - now)
            c.request("POST", path, body, {"Content-Type": "application/json"})
            r = c.getresponse()
            r.read()
            mine.append(time.perf_counter() - due)
            if r.status != 200:
                errors[0] += 1
        c.close()
        lats.extend(mine)

    ts = [threading.Thread(target=worker, args=(k,)) for k in range(conns)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    el = time.perf_counter() - start
    return {"rps": len(lats) / el, "p50": pct(lats, 50) * 1000, "p99": pct(lats, 99) * 1000, "errors": errors[0],
            "tool": f"python paced {rate:.0f}/s, {conns} connections"}


def sequential(port: int, path: str, body: bytes, n: int = 2000) -> float:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    lats = []
    for _ in range(n):
        t0 = time.perf_counter()
        c.request("POST", path, body, {"Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        lats.append(time.perf_counter() - t0)
    c.close()
    return statistics.median(lats) * 1e6


def in_process(n: int = 3000) -> float:
    import collectrules

    policy = collectrules.load_policy(["us-federal", "us-ma"])
    req = make_request()
    raw = json.dumps(req)
    lats = []
    for _ in range(n):
        t0 = time.perf_counter()
        r = json.loads(raw)
        d = policy.check(r["attempt"], account=r["account"], history=r["history"])
        json.dumps(d.to_dict())
        lats.append(time.perf_counter() - t0)
    return statistics.median(lats) * 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=int, default=8)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--no-wrk", action="store_true")
    args = ap.parse_args()
    use_wrk = shutil.which("wrk") is not None and not args.no_wrk
    body = json.dumps(make_request()).encode()
    batch = json.dumps({"requests": [make_request()] * 50}).encode()
    import collectrules

    d = collectrules.load_policy(["us-federal", "us-ma"]).check(**{"attempt": make_request()["attempt"],
                                                                  "account": make_request()["account"],
                                                                  "history": make_request()["history"]})
    print(f"# machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"CPython {platform.python_version()}; load generator on the same cores; "
          f"{'wrk' if use_wrk else 'python'} for closed-loop runs")
    print(f"# request: us-federal + us-ma, 30-contact history, decision allowed={d.allowed}, "
          f"{len(body)} bytes")
    ip = in_process()
    print(f"in-process check (json in, policy.check, to_dict, json out): median {ip:.0f} µs")
    rows = []
    for w in args.workers:
        srv = Server(w)
        try:
            loop = (wrk if use_wrk else closed_loop)(srv.port, "/v1/check", body, args.duration)
            pace = paced(srv.port, "/v1/check", body, 500, args.duration)
            b = (wrk if use_wrk else closed_loop)(srv.port, "/v1/check:batch", batch, args.duration,
                                                  **({"conns": 4} if use_wrk else {"conns": 4}))
            seq = sequential(srv.port, "/v1/check", body)
        finally:
            srv.stop()
        rows.append((w, loop, pace, b, seq))
        print(f"workers={w}: /v1/check closed loop ({loop['tool']}): {loop['rps']:.0f} req/s, "
              f"p50 {loop['p50']:.2f} ms, p99 {loop['p99']:.2f} ms, errors {loop['errors']}")
        print(f"workers={w}: /v1/check paced 500/s: achieved {pace['rps']:.0f}/s, p50 {pace['p50']:.2f} ms, "
              f"p99 {pace['p99']:.2f} ms, errors {pace['errors']}")
        print(f"workers={w}: /v1/check:batch x50 ({b['tool']}): {b['rps']:.0f} batches/s = {b['rps'] * 50:.0f} "
              f"decisions/s, p50 {b['p50']:.2f} ms, p99 {b['p99']:.2f} ms, errors {b['errors']}")
        print(f"workers={w}: sequential round trip median {seq:.0f} µs; added over in-process {seq - ip:.0f} µs")


if __name__ == "__main__":
    main()
