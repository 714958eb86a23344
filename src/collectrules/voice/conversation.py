"""The voice-bot guard: a :class:`Conversation` checks each utterance before an AI collector
speaks it and listens to each consumer turn for the requests the law makes binding.

Built on the content engine's public surface only (:meth:`Policy.check_message` per utterance,
:meth:`Policy.check_transcript` at the end): the rules that apply, and how wording is matched,
are exactly those of the after-the-fact transcript check, so ``end()`` returns the report
``check_transcript`` gives for the same turns.

Time: ``started_at`` is the moment the call connects (the consumer answers); each turn's
``at`` gives its start in seconds from then, as ``Turn.start_seconds`` does. Turns must come in
time order. Rules are selected once, at ``started_at`` (effective dates, as the transcript check
does with ``at=started_at``).

Disclosures: every ``disclosure`` rule that applies to the call is owed until the bot says it
(``said``). A rule with ``within_seconds`` has a deadline ``started_at + within_seconds``; a
disclosure said in a turn that starts later is late, as in the transcript check. Once a
deadline has passed without the disclosure, :meth:`Conversation.overdue` reports it and every
``before_say`` verdict carries a finding with the rule's severity (so a ``deny`` rule makes the
verdict not ``ok``) until an utterance that makes the disclosure, which passes with a ``warn``
finding saying it is late: the bot is steered to say it now.

Privacy: consumer turns are never stored — only their time (so turn indices match the
transcript) and the requests heard, which carry spans, not words. The bot's own turns are held
until ``end()`` (the transcript check needs them) and dropped then. No I/O; each conversation
is guarded by its own lock, so it may be shared between threads.
"""

from __future__ import annotations

import datetime as _dt
import re
import threading
from dataclasses import dataclass
from typing import Any

from ..content.findings import Finding, MessageReport
from ..errors import InputError
from ..jurisdictions import contains
from ..models import Account
from . import requests as _requests
from .requests import ConsumerRequest

_DEFAULTS = {"channel": "call", "dialer": "ai_voice", "recipient": "borrower", "place": "personal",
             "purpose": "collection"}


@dataclass(frozen=True)
class PendingDisclosure:
    """A disclosure the bot still owes in this call.

    ``deadline`` is ``started_at + within_seconds`` for a rule that fixes one, else ``None``
    (it must be said before the call ends). ``overdue`` is true once the deadline has passed.
    """

    rule_id: str
    ruleset: str
    element: str
    citation: str
    severity: str
    within_seconds: float | None = None
    deadline: _dt.datetime | None = None
    overdue: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "ruleset": self.ruleset, "element": self.element,
                "citation": self.citation, "severity": self.severity, "within_seconds": self.within_seconds,
                "deadline": self.deadline.isoformat() if self.deadline else None, "overdue": self.overdue}


@dataclass(frozen=True)
class Utterance:
    """The verdict on one bot utterance (``before_say`` / ``said``).

    ``ok`` is false when any finding has ``deny`` severity: the bot must not say it. Findings
    are the content findings on the utterance (``span`` into its text) and overdue disclosures
    (empty span). ``pending_disclosures`` are what must still be said, and by when, once this
    utterance has been said.
    """

    ok: bool
    findings: tuple[Finding, ...] = ()
    pending_disclosures: tuple[PendingDisclosure, ...] = ()
    elapsed_seconds: float = 0.0
    rulesets: tuple[str, ...] = ()

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "deny")

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "findings": [f.to_dict() for f in self.findings],
                "pending_disclosures": [p.to_dict() for p in self.pending_disclosures],
                "elapsed_seconds": self.elapsed_seconds, "rulesets": list(self.rulesets)}


class _Owed:
    __slots__ = ("rule_id", "ruleset", "element", "citation", "severity", "within", "title")

    def __init__(self, f: Finding, rule: Any):
        self.rule_id = f.rule_id
        self.ruleset = f.ruleset
        self.citation = f.citation
        self.severity = f.severity
        self.element = getattr(rule, "element", None) or f.message
        w = getattr(rule, "within_seconds", None)
        self.within = float(w) if w is not None else None
        self.title = getattr(rule, "title", None) or "required disclosure"

    @property
    def key(self) -> tuple[str, str]:
        return (self.ruleset, self.rule_id)


def _instant(value: Any, what: str) -> _dt.datetime:
    if isinstance(value, str):
        try:
            value = _dt.datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
        except ValueError:
            raise InputError(f"{what} must be an ISO 8601 instant with an offset") from None
    if not isinstance(value, _dt.datetime):
        raise InputError(f"{what} must be a timezone-aware datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InputError(f"{what} must be timezone-aware (naive datetimes are ambiguous)")
    return value


def _missing(f: Finding) -> bool:
    """A finding that says a required element is absent (no span): owed, not wrong."""
    return f.span == (0, 0) and not f.matched and f.kind in ("disclosure", "limited_content")


class Conversation:
    """One call between a voice bot and a consumer. Build it with :meth:`Policy.conversation`."""

    def __init__(self, policy, *, account: Account | dict, started_at: _dt.datetime | str,
                 channel: str = "call", dialer: str = "ai_voice", language: str | None = None,
                 stage: str | None = None, recipient: str = "borrower", place: str = "personal",
                 purpose: str = "collection"):
        self._policy = policy
        self._started = _instant(started_at, "started_at")
        self._opts = dict(channel=channel, stage=stage, language=language, recipient=recipient, place=place,
                          purpose=purpose, dialer=dialer)
        # validates every argument (InputError) and lists the disclosures owed: an empty text
        # misses every disclosure rule that applies to this call
        base = policy.check_message("", account=account, at=self._started, template=False, **self._opts)
        self._account = account if isinstance(account, Account) else Account.model_validate(account)
        self._rulesets = base.rulesets
        self._owed: list[_Owed] = []
        self._fixed: list[Finding] = []  # fail-closed findings every verdict carries (no-ruleset)
        for f in base.findings:
            if f.kind == "disclosure" and _missing(f):
                self._owed.append(_Owed(f, self._rule(f.ruleset, f.rule_id)))
            elif not _missing(f):
                self._fixed.append(f)
        self._said_at: dict[tuple[str, str], float] = {}
        self._turns: list[tuple[str, float, str]] = []  # consumer turns keep no text
        self._requests: list[ConsumerRequest] = []
        self._stop: ConsumerRequest | None = None  # first cease/attorney request heard
        self._wrong: ConsumerRequest | None = None  # first wrong-party request heard
        self._cache3: tuple[str, MessageReport] | None = None
        self._last = 0.0
        self._ended: MessageReport | None = None
        self._cache: tuple[str, MessageReport] | None = None
        self._lock = threading.Lock()

    # -- introspection ---------------------------------------------------------------------------

    @property
    def started_at(self) -> _dt.datetime:
        return self._started

    @property
    def rulesets(self) -> tuple[str, ...]:
        """The ids of the rulesets applied (as ``MessageReport.rulesets``)."""
        return self._rulesets

    @property
    def requests(self) -> tuple[ConsumerRequest, ...]:
        """Every request heard so far, in order."""
        with self._lock:
            return tuple(self._requests)

    @property
    def next_deadline(self) -> _dt.datetime | None:
        """The earliest deadline of a disclosure still owed (for a timer calling
        :meth:`overdue`), or ``None``."""
        with self._lock:
            ws = [o.within for o in self._owed if o.key not in self._said_at and o.within is not None]
            return self._started + _dt.timedelta(seconds=min(ws)) if ws else None

    @property
    def ended(self) -> bool:
        return self._ended is not None

    def __repr__(self) -> str:
        return f"<Conversation {self._opts['channel']} {len(self._turns)} turns{' ended' if self._ended else ''}>"

    # -- the speaking loop ---------------------------------------------------------------------

    def before_say(self, text: str, *, at: _dt.datetime | str) -> Utterance:
        """Check an utterance the bot is about to say at ``at``. Records nothing.

        Raises:
            InputError: ``text`` not a str, ``at`` naive or before the last turn or the start,
                or the conversation has ended.
        """
        _text(text)
        at = _instant(at, "at")
        with self._lock:
            elapsed = self._elapsed(at)
            report = self._report(text)
            return self._verdict(text, report, elapsed, record=False)

    def said(self, text: str, *, at: _dt.datetime | str) -> Utterance:
        """Record that the bot said ``text`` at ``at`` (normally after a passing ``before_say``):
        the disclosures it makes are no longer owed. Returns the verdict on it.

        Raises:
            InputError: as :meth:`before_say`.
        """
        _text(text)
        at = _instant(at, "at")
        with self._lock:
            elapsed = self._elapsed(at)
            report = self._report(text)
            verdict = self._verdict(text, report, elapsed, record=True)
            self._turns.append(("agent", elapsed, text))
            self._last = elapsed
            return verdict

    def heard(self, text: str, *, at: _dt.datetime | str) -> tuple[ConsumerRequest, ...]:
        """The requests in a consumer turn heard at ``at`` (see :mod:`collectrules.voice.requests`).

        The words are not kept: each request carries the ``evidence`` span into ``text``.

        Raises:
            InputError: as :meth:`before_say`.
        """
        _text(text)
        at = _instant(at, "at")
        with self._lock:
            elapsed = self._elapsed(at)
            turn = len(self._turns)
            self._turns.append(("consumer", elapsed, ""))
            self._last = elapsed
            # both phrase sets on every turn, whatever the call's language: a consumer may switch
            # language, and the recogniser errs toward reporting
            out = tuple(self._request(kind, span, extra, turn, text, at)
                        for kind, span, extra in _requests.recognise(text, None))
            self._requests.extend(out)
            for r in out:
                if r.kind in ("cease_communication", "attorney_represented") and self._stop is None:
                    self._stop = r
                if r.kind == "wrong_party" and self._wrong is None:
                    self._wrong = r
            return out

    def pending(self, *, at: _dt.datetime | str | None = None) -> tuple[PendingDisclosure, ...]:
        """The disclosures still owed; ``overdue`` judged at ``at`` (default: the last turn)."""
        with self._lock:
            elapsed = self._last if at is None else self._since(_instant(at, "at"))
            return tuple(self._pending(elapsed, met=()))

    def overdue(self, *, at: _dt.datetime | str) -> tuple[Finding, ...]:
        """Findings for the disclosures whose deadline has passed at ``at`` without being said
        (call it from a timer to flag a deadline while the consumer is speaking)."""
        at = _instant(at, "at")
        with self._lock:
            elapsed = self._since(at)
            return tuple(self._overdue_finding(o, elapsed) for o in self._owed
                         if o.key not in self._said_at and o.within is not None and elapsed > o.within)

    def end(self, *, at: _dt.datetime | str) -> MessageReport:
        """End the call: the report :meth:`Policy.check_transcript` gives for its turns (the bot's
        words as said, the consumer's turns at their times). Calling it again returns the same
        report; afterwards the conversation accepts no more turns.
        """
        at = _instant(at, "at")
        with self._lock:
            if self._ended is not None:
                return self._ended
            self._elapsed(at)
            from ..content.findings import Turn

            turns = [Turn(speaker=s, start_seconds=t, text=x) for s, t, x in self._turns]
            self._ended = self._policy.check_transcript(turns, account=self._account, at=self._started,
                                                        **self._opts)
            self._turns = [(s, t, "") for s, t, _ in self._turns]  # drop the words
            self._cache = self._cache3 = None
            return self._ended

    # -- internals -----------------------------------------------------------------------------

    def _rule(self, ruleset_id: str, rule_id: str):
        try:
            rs = self._policy.ruleset(ruleset_id)
        except KeyError:
            return None
        return next((r for r in rs.rules if r.rule_id == rule_id), None)

    def _since(self, at: _dt.datetime) -> float:
        elapsed = (at - self._started).total_seconds()
        if elapsed < 0:
            raise InputError("at is before the conversation started")
        return elapsed

    def _elapsed(self, at: _dt.datetime) -> float:
        if self._ended is not None:
            raise InputError("the conversation has ended")
        elapsed = self._since(at)
        if elapsed < self._last:
            raise InputError("turns must come in time order: at is before the previous turn")
        return elapsed

    def _report(self, text: str) -> MessageReport:
        c = self._cache
        if c is not None and c[0] == text:
            return c[1]
        r = self._policy.check_message(text, account=self._account, at=self._started, template=False, **self._opts)
        self._cache = (text, r)
        return r

    def _verdict(self, text: str, report: MessageReport, elapsed: float, *, record: bool) -> Utterance:
        missing = {(f.ruleset, f.rule_id) for f in report.findings if f.kind == "disclosure" and _missing(f)}
        met = tuple(o for o in self._owed if o.key not in missing and o.key not in self._said_at)
        findings = [f for f in report.findings if not _missing(f)]
        for f in self._fixed:
            if f not in findings:
                findings.append(f)
        findings.extend(self._after_requests(text, findings))
        for o in self._owed:
            if o.key in self._said_at or o.within is None or elapsed <= o.within:
                continue
            if o in met:
                findings.append(Finding(
                    rule_id=o.rule_id, kind="disclosure", span=(0, 0), matched="",
                    message=f"{o.title}: {o.element} said at {elapsed:g} s, after the first {o.within:g} s",
                    severity="warn", citation=o.citation, ruleset=o.ruleset))
            else:
                findings.append(self._overdue_finding(o, elapsed))
        if record:
            for o in met:
                self._said_at[o.key] = elapsed
        pend = self._pending(elapsed, met)
        fs = tuple(sorted(findings, key=lambda f: (f.span, f.rule_id)))
        return Utterance(ok=not any(f.severity == "deny" for f in fs), findings=fs,
                         pending_disclosures=tuple(pend), elapsed_seconds=elapsed, rulesets=self._rulesets)

    def _after_requests(self, text: str, findings: list[Finding]) -> list[Finding]:
        """Stricter checks once the consumer has asked for something: after "wrong number" the
        utterance is also checked as said to a third party (no word about the debt); after a
        cease or attorney request every verdict says to close the call (a warning: the bot must
        still be able to say goodbye)."""
        out: list[Finding] = []
        w = self._wrong
        if w is not None and self._opts["recipient"] != "third_party":
            c = self._cache3
            if c is not None and c[0] == text:
                r3 = c[1]
            else:
                opts = {**self._opts, "recipient": "third_party"}
                r3 = self._policy.check_message(text, account=self._account, at=self._started, template=False,
                                                **opts)
                self._cache3 = (text, r3)
            out.extend(f for f in r3.findings if not _missing(f) and f not in findings)
            out.append(Finding(
                rule_id="wrong-party-heard", kind="request", span=(0, 0), matched="",
                message=f"the person reached said they are not the consumer (turn {w.turn}): do not discuss "
                        "the debt; utterances are also checked as said to a third party",
                severity="warn", citation=w.citation, ruleset="collectrules"))
        st = self._stop
        if st is not None:
            out.append(Finding(
                rule_id="consumer-asked-to-stop", kind="request", span=(0, 0), matched="",
                message=f"the consumer made a {st.kind.replace('_', ' ')} request (turn {st.turn}): close the "
                        "call without further collection",
                severity="warn", citation=st.citation, ruleset="collectrules"))
        return out

    def _overdue_finding(self, o: _Owed, elapsed: float) -> Finding:
        return Finding(rule_id=o.rule_id, kind="disclosure", span=(0, 0), matched="",
                       message=f"{o.title}: {o.element} not said within the first {o.within:g} s "
                               f"(now {elapsed:g} s): say it now",
                       severity=o.severity, citation=o.citation, ruleset=o.ruleset)

    def _pending(self, elapsed: float, met) -> list[PendingDisclosure]:
        out = []
        for o in self._owed:
            if o.key in self._said_at or o in met:
                continue
            deadline = self._started + _dt.timedelta(seconds=o.within) if o.within is not None else None
            out.append(PendingDisclosure(
                rule_id=o.rule_id, ruleset=o.ruleset, element=o.element, citation=o.citation,
                severity=o.severity, within_seconds=o.within, deadline=deadline,
                overdue=o.within is not None and elapsed > o.within))
        out.sort(key=lambda p: (p.within_seconds is None, p.within_seconds or 0.0, p.ruleset, p.rule_id))
        return out

    def _request(self, kind: str, span, extra: dict, turn: int, text: str, at: _dt.datetime) -> ConsumerRequest:
        account_update: dict = {}
        contact_update: dict = {}
        attempt_update: dict = {}
        note = _NOTES[kind]
        if kind in _FLAGS:
            account_update[_FLAGS[kind]] = True
        elif kind == "opt_out_channel":
            account_update["opted_out_channels"] = list(extra.get("channels", ("call", "voicemail")))
        if kind in _REVOKES:
            # also a revocation of any robocall/robotext consent, by a reasonable means (47 CFR
            # 64.1200(a)(10)): for every number of the person (address_id None, the wide reading)
            chans = _REVOKES[kind] or [c for c in account_update["opted_out_channels"] if c in ("call", "voicemail", "sms")]
            if chans:
                account_update["consent_ledger"] = [{"channels": list(chans), "revoked_at": at}]
        elif kind == "inconvenient_time":
            window = _window(text, span, self._opts["language"])
            if window is not None:
                account_update["inconvenient_times"] = [window]
                note = ("record the window (hours without am/pm are read the wider way); " + note)
        elif kind == "wrong_party":
            contact_update["outcome"] = "wrong_party"
        elif kind == "callback_request":
            attempt_update["callback_requested"] = True
        return ConsumerRequest(kind=kind, evidence=tuple(span), account_update=account_update,
                               citation=self._citation(kind), note=note, contact_update=contact_update,
                               attempt_update=attempt_update, turn=turn)

    def _citation(self, kind: str) -> str:
        state = _STATES.get(kind)
        if state is None:
            return _STATIC[kind]
        cites = []
        revokes = kind in _REVOKES
        for rs in self._policy.rulesets:
            if not any(contains(rs.jurisdiction, j) for j in self._account.jurisdictions):
                continue
            for r in rs.rules:
                if (r.kind == "account_state" and getattr(r.model, "state", None) == state) or \
                        (revokes and r.kind == "channel" and getattr(r.model, "test", None) == "revocation"):
                    cites.append(f"{r.rule_id} ({r.citation})")
        if not cites:
            return ("no loaded rule for the account's jurisdictions acts on this request; recorded "
                    "anyway (strict reading)")
        return "; ".join(dict.fromkeys(cites))


def _text(text: Any) -> None:
    if not isinstance(text, str):
        raise InputError(f"text must be a str, not {type(text).__name__}")


_FLAGS = {"cease_communication": "cease_communication", "attorney_represented": "attorney_represented",
          "workplace_contact_prohibited": "workplace_contact_prohibited", "dispute": "disputed_unverified"}
_STATES = {"cease_communication": "cease_communication", "attorney_represented": "attorney_represented",
           "workplace_contact_prohibited": "workplace_contact_prohibited", "dispute": "disputed_unverified",
           "opt_out_channel": "opted_out_channel", "inconvenient_time": "inconvenient_times"}
#: requests that also revoke robocall/robotext consent, and the channels revoked (None: the
#: opted-out channels)
_REVOKES = {"cease_communication": ["call", "voicemail", "sms"], "opt_out_channel": None}
_STATIC = {
    "wrong_party": ("the person reached says they are not the consumer: discussing the debt with a third "
                    "party is restricted (e.g. 15 U.S.C. 1692c(b), 12 CFR 1006.6(d)(1); the third-party "
                    "rules of the loaded rulesets)"),
    "complaint": "the consumer complains: record it and route it to the complaint process",
    "callback_request": ("the person asked to be contacted again (ContactAttempt.callback_requested, "
                         "e.g. 12 CFR 1006.10(c) for location calls)"),
}
_NOTES = {
    "cease_communication": ("stop communicating; recorded as a cease request although some laws ask for "
                            "it in writing (strict reading)"),
    "attorney_represented": "ask for the attorney's name and contact details and communicate with them",
    "workplace_contact_prohibited": "do not contact the consumer at work",
    "inconvenient_time": "do not contact the consumer at the time they named; ask which hours suit them",
    "opt_out_channel": "do not use the named medium again",
    "wrong_party": "end the call without discussing the debt; record the number as not the consumer's",
    "dispute": "treat the debt as disputed until verified",
    "complaint": "record the complaint",
    "callback_request": "schedule the callback the consumer asked for (it is still checked by Policy.check)",
}

_EN_HOURS = re.compile(r"\b(before|after|until|till|past)\s+(\d{1,2})(?::(\d\d))?\s*(a\.?m\.?|p\.?m\.?)?")
_ZH_HOURS = re.compile(r"(早上|上午|下午|晚上)?(\d{1,2}|[一二三四五六七八九十]{1,3})点(以前|之前|前|以后|之后|后)")
_ZH_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def _zh_num(s: str) -> int:
    if s.isdigit():
        return int(s)
    if s == "十":
        return 10
    if s.startswith("十"):
        return 10 + _ZH_NUM.get(s[1:], 0)
    if len(s) == 2 and s[1] == "十":
        return _ZH_NUM.get(s[0], 0) * 10
    if len(s) == 3 and s[1] == "十":
        return _ZH_NUM.get(s[0], 0) * 10 + _ZH_NUM.get(s[2], 0)
    return _ZH_NUM.get(s, -1)


def _window(text: str, span, language) -> dict | None:
    """An inconvenient-time window from explicit hours in the evidence ("before 9 am",
    "晚上8点以后"), or None. Hours without am/pm take the wider reading."""
    piece = _requests.normalise(text[span[0]:span[1]])
    m = _EN_HOURS.search(piece)
    if m:
        word, h, mi, ampm = m.group(1), int(m.group(2)), int(m.group(3) or 0), (m.group(4) or "").replace(".", "")
        if h > 23 or mi > 59:
            return None
        if ampm == "pm" and h < 12:
            h += 12
        elif ampm == "am" and h == 12:
            h = 0
        before = word in ("before", "until", "till")
        if not ampm and 1 <= h <= 11 and before:
            h += 12  # "before 9": 21:00 is the wider reading
        hm = f"{h:02d}:{mi:02d}"
        return {"start": "00:00", "end": hm} if before else {"start": hm, "end": "00:00"}
    m = _ZH_HOURS.search(piece)
    if m:
        part, h, rel = m.group(1), _zh_num(m.group(2)), m.group(3)
        if not 0 <= h <= 23:
            return None
        if part in ("下午", "晚上") and h < 12:
            h += 12
        before = rel in ("以前", "之前", "前")
        if part is None and 1 <= h <= 11 and before:
            h += 12
        hm = f"{h:02d}:00"
        return {"start": "00:00", "end": hm} if before else {"start": hm, "end": "00:00"}
    return None


__all__ = ["Conversation", "ConsumerRequest", "PendingDisclosure", "Utterance"]
