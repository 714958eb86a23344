"""Start the real ``collectrules serve`` as a subprocess on a free loopback port."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the [server] extra (in the test extra) is not installed")
pytest.importorskip("uvicorn", reason="the [server] extra (in the test extra) is not installed")

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, args: list[str], *, env: dict | None = None, log_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "collectrules.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             *args],
            stdout=self._log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}, cwd=ROOT)
        for _ in range(600):  # up to ~60 s on a loaded machine; a start-up guard, not a speed check
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("server did not come up:\n" + self.log())

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def request(self, method: str, path: str, body=None, *, headers: dict | None = None, raw: bytes | None = None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, dict(r.headers), _decode(r.read(), r.headers)
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), _decode(e.read(), e.headers)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def hup(self) -> None:
        self.proc.send_signal(signal.SIGHUP)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def _decode(data: bytes, headers):
    ct = headers.get("Content-Type", "")
    if "json" in ct:
        return json.loads(data)
    return data.decode("utf-8", errors="replace")


def wait_for(pred, what: str, tries: int = 300, step: float = 0.1):
    for _ in range(tries):
        v = pred()
        if v:
            return v
        time.sleep(step)
    raise AssertionError(f"never happened: {what}")


#: Location zones around the globe, one per hour offset or so (for tests that must run "now").
_ZONES = ("Pacific/Kiritimati", "Pacific/Auckland", "Australia/Sydney", "Asia/Tokyo", "Asia/Shanghai",
          "Asia/Bangkok", "Asia/Dhaka", "Asia/Karachi", "Asia/Dubai", "Europe/Moscow", "Europe/Athens",
          "Europe/Berlin", "Europe/London", "Atlantic/Azores", "America/Noronha", "America/Sao_Paulo",
          "America/Halifax", "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
          "America/Anchorage", "Pacific/Honolulu", "Pacific/Pago_Pago")


def midday_zone():
    """A real IANA zone where it is now about 13:00, so an attempt made now falls inside every
    shipped daytime window (the ledger refuses attempts away from its clock)."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    now = dt.datetime.now(dt.timezone.utc)

    def dist(z):
        t = now.astimezone(ZoneInfo(z))
        return abs((t.hour * 60 + t.minute) - 13 * 60)

    return min(_ZONES, key=dist)
