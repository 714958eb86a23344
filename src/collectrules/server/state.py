"""The policy in force and its atomic, coalesced reload.

A request reads :attr:`PolicyHolder.current` once and uses that snapshot throughout, so it sees
the old policy or the new one, never a mix. :meth:`PolicyHolder.reload` builds and validates
the new policy completely off to the side and only then swaps the one reference; a ruleset that
fails validation is refused (each problem logged as ``file:line:col``) and the old policy keeps
serving. Concurrent reload requests (SIGHUP bursts, an editor writing a file in several steps)
are coalesced: at most one load runs, and one more runs after it if asked for meanwhile.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .. import load_policy
from ..errors import RulesetError

log = logging.getLogger("collectrules.server")


def policy_fingerprint(policy: Any) -> str:
    """The policy's public ``fingerprint`` when it has one; otherwise a SHA-256 over each loaded
    ruleset's id, version and source file contents (public ``Policy.rulesets`` data)."""
    fp = getattr(policy, "fingerprint", None)
    if isinstance(fp, str) and fp:
        return fp
    h = hashlib.sha256()
    for rs in sorted(policy.rulesets, key=lambda r: r.id):
        h.update(rs.id.encode() + b"\0" + str(rs.version).encode() + b"\0")
        path = getattr(rs, "path", None)
        if path is not None:
            try:
                h.update(Path(path).read_bytes())
            except OSError:
                h.update(b"<unreadable>")
        h.update(b"\1")
    return "sha256:" + h.hexdigest()


@dataclass(frozen=True)
class Snapshot:
    """One loaded policy and what the service says about it."""

    policy: Any
    fingerprint: str
    loaded_at: _dt.datetime
    rulesets: tuple[dict, ...] = field(default=())


def _describe(policy: Any) -> tuple[dict, ...]:
    out = []
    for rs in policy.rulesets:
        out.append({
            "id": rs.id, "version": str(rs.version), "jurisdiction": rs.jurisdiction, "title": rs.title,
            "rules": len(rs.rules),
            "effective_from": rs.effective_from.isoformat() if rs.effective_from else None,
            "effective_until": rs.effective_until.isoformat() if rs.effective_until else None,
        })
    return tuple(out)


class PolicyHolder:
    """Holds the :class:`Snapshot` in force; see the module docstring."""

    def __init__(self, sources: list[str] | None, *, loader: Callable[[Any], Any] = load_policy,
                 on_reload: Callable[[str], None] | None = None):
        self.sources = list(sources) if sources else None
        self._loader = loader
        self._on_reload = on_reload
        self._lock = threading.Lock()
        self._again = False
        self._running = False
        self.reloads = 0
        self.failures = 0
        self.current: Snapshot = self._build()  # raises RulesetError: the server does not start

    def _build(self) -> Snapshot:
        policy = self._loader(self.sources)
        return Snapshot(policy=policy, fingerprint=policy_fingerprint(policy),
                        loaded_at=_dt.datetime.now(_dt.timezone.utc), rulesets=_describe(policy))

    def watched_paths(self) -> list[Path]:
        """The ruleset sources that are files or directories on disk (shipped ids are not)."""
        out = []
        for s in self.sources or ():
            p = Path(s)
            if p.exists():
                out.append(p.resolve())
        return out

    def watch_roots(self) -> tuple[list[Path], Callable[[str], bool]]:
        """Directories to watch (a file source's parent: editors replace files by renaming) and
        a filter accepting changes to the sources only (a directory source's whole tree,
        new sub-directories included)."""
        files, dirs = set(), set()
        for p in self.watched_paths():
            (dirs if p.is_dir() else files).add(p)
        roots = sorted(dirs | {f.parent for f in files})

        def relevant(path: str) -> bool:
            q = Path(path)
            if q in files:
                return True
            if not q.name.endswith((".yaml", ".yml", ".json")) and q.suffix:
                return False
            return any(d == q or d in q.parents for d in dirs)

        return roots, relevant

    def reload(self) -> bool | None:
        """Load the sources again and swap the policy in when valid. Returns True when swapped,
        False when refused, None when coalesced into a reload already running."""
        with self._lock:
            if self._running:
                self._again = True
                return None
            self._running = True
        result: bool | None = None
        try:
            while True:
                result = self._reload_once()
                with self._lock:
                    if not self._again:
                        self._running = False
                        break
                    self._again = False
        except BaseException:
            with self._lock:
                self._running = False
            raise
        return result

    def _reload_once(self) -> bool:
        try:
            snap = self._build()
        except RulesetError as exc:
            self.failures += 1
            log.error("reload refused: %d problem(s); the previous policy %s keeps serving",
                      len(exc.problems), self.current.fingerprint)
            for p in exc.problems:
                log.error("  %s", p)
            if self._on_reload:
                self._on_reload("failed")
            return False
        except Exception as exc:  # noqa: BLE001 - any failure keeps the old policy
            self.failures += 1
            log.error("reload refused: %s; the previous policy keeps serving", type(exc).__name__)
            if self._on_reload:
                self._on_reload("failed")
            return False
        old = self.current
        self.current = snap  # one reference: atomic for every reader
        self.reloads += 1
        log.info("reloaded: policy %s (was %s), rulesets %s", snap.fingerprint, old.fingerprint,
                 ", ".join(f"{r['id']}@{r['version']}" for r in snap.rulesets))
        if self._on_reload:
            self._on_reload("ok")
        return True
