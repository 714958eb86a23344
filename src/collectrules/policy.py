"""The public face of the evaluator: :func:`load_policy` and :class:`Policy`.

Selection and stacking: a ruleset applies to an account when one of the account's
jurisdictions lies inside the ruleset's (an account in ``US-MA`` gets ``US`` and ``US-MA``
rulesets), when its ``scope`` admits the account's collector and institution type, and when it
is in effect on the attempt's local date. Every applicable rule of every applicable ruleset is
evaluated; the attempt is denied if any ``deny`` rule fails.

Fail closed: an account whose jurisdictions no loaded ruleset covers is denied (unless the
policy was built with ``unknown_jurisdiction="allow"``); an account with no resolvable time zone
is denied; malformed inputs raise :class:`~collectrules.errors.InputError` before evaluation.
"""

from __future__ import annotations

import datetime as _dt
import os
import threading
from typing import Any, Iterable

from pydantic import ValidationError

from . import clock, jurisdictions
from .compiler import CompiledRuleset, compile_rulesets
from .content.engine import required_disclosures as _required_disclosures
from .errors import InputError
from .fastinput import fast_build as _fast
from .history import History
from .models import MAX_YEAR, Account, ContactAttempt, Decision, Violation
from .rules.base import FAIL, PASS, SKIP, Context, Result
from .ruleset.loader import load_rulesets

#: How far ahead :meth:`Policy.next_allowed` searches, in days.
DEFAULT_HORIZON_DAYS = 400
#: The largest ``horizon_days`` accepted.
MAX_HORIZON_DAYS = 3660
#: Work bound of the next-allowed search: evaluations × candidate zones (at least
#: :data:`SEARCH_MIN_EVALUATIONS` evaluations).
SEARCH_WORK = 6000
SEARCH_MIN_EVALUATIONS = 64
#: Rule kinds whose refusals repeat every week while UTC offsets stay the same.
_PERIODIC_KINDS = frozenset({"contact_hours"})
#: Three weeks: every weekday seen three times, so a holiday (or a week of them) cannot hide an
#: opening.
_PERIODIC_SPAN = _dt.timedelta(days=22)

_NO_ZONE = Violation(
    rule_id="no-timezone", ruleset="collectrules", kind="input",
    citation="fail closed: contact windows are borrower-local (e.g. 12 CFR 1006.6(b)(1)(i))",
    message="no time zone is known for the consumer: give Account.timezones or a jurisdiction with zone data",
    jurisdiction="*", severity="deny",
)


class _ChannelSkip:
    __slots__ = ()


def _coerce(model: type, value: Any, what: str) -> Any:
    if isinstance(value, model):
        return value
    if isinstance(value, dict):
        fast = _fast(model, value)  # common shapes by plain checks (None: the model decides)
        if fast is not None:
            return fast
        try:
            return model.model_validate(value)
        except ValidationError as exc:
            raise InputError(_input_error(what, exc)) from None
    raise InputError(f"{what} must be a {model.__name__} or a dict, not {type(value).__name__}")


def _input_error(what: str, exc: ValidationError) -> str:
    from .redact import error_parts

    parts = []
    for e in exc.errors()[:8]:
        loc_parts, msg = error_parts(e)  # only the message and safe key names: never the input
        loc = ".".join(loc_parts)
        parts.append(f"{what}.{loc}: {msg}" if loc else f"{what}: {msg}")
    return "invalid input: " + "; ".join(parts)


class Policy:
    """A set of compiled rulesets. Immutable, thread-safe, no I/O after construction.

    Build it with :func:`load_policy`.
    """

    def __init__(self, rulesets: list[CompiledRuleset], *, unknown_jurisdiction: str = "deny",
                 unknown_period: str = "deny"):
        if unknown_jurisdiction not in ("deny", "allow"):
            raise ValueError("unknown_jurisdiction must be 'deny' or 'allow'")
        if unknown_period not in ("deny", "allow"):
            raise ValueError("unknown_period must be 'deny' or 'allow'")
        self._rulesets = tuple(rulesets)
        self.unknown_jurisdiction = unknown_jurisdiction
        #: ``"deny"`` (default): an attempt at an instant when no loaded ruleset covering one of
        #: the account's jurisdictions is in effect is denied (``no-ruleset-in-effect``).
        #: ``"allow"`` lets the rules in effect (possibly none) decide: what ``collectrules test``
        #: uses to test one ruleset alone outside its effective dates.
        self.unknown_period = unknown_period
        self._select_cache: dict = {}
        self._zone_cache: dict = {}
        self._lock = threading.Lock()

    # -- introspection -------------------------------------------------------------------------

    @property
    def rulesets(self) -> tuple[CompiledRuleset, ...]:
        return self._rulesets

    @property
    def fingerprint(self) -> str:
        """SHA-256 (hex) of the compiled policy: every ruleset's id, version and validated
        content, in id order, and the policy's settings (``unknown_jurisdiction``). Two policies with the same fingerprint decide alike; decision logs
        record it so a decision can be tied to the exact rules that made it."""
        fp = self.__dict__.get("_fingerprint")
        if fp is None:
            import hashlib
            import json

            h = hashlib.sha256()
            for rs in sorted(self._rulesets, key=lambda r: (r.id, r.version)):
                content = rs.model.model_dump_json() if hasattr(rs.model, "model_dump_json") else ""
                h.update(json.dumps([rs.id, rs.version, content], ensure_ascii=False).encode("utf-8"))
                h.update(b"\n")
            # the policy's own settings change decisions too (e.g. unknown_jurisdiction="allow")
            settings = {k: getattr(self, k) for k in ("unknown_jurisdiction", "unknown_period")
                        if isinstance(getattr(self, k, None), str)}
            h.update(json.dumps(settings, sort_keys=True).encode("utf-8"))
            fp = self.__dict__["_fingerprint"] = h.hexdigest()
        return fp

    def ruleset(self, ruleset_id: str) -> CompiledRuleset:
        for r in self._rulesets:
            if r.id == ruleset_id:
                return r
        raise KeyError(ruleset_id)

    def __repr__(self) -> str:
        return f"<Policy {', '.join(r.id for r in self._rulesets)}>"

    # -- selection -----------------------------------------------------------------------------

    def _select(self, account: Account) -> tuple[tuple[CompiledRuleset, ...], tuple, bool]:
        """(applicable rulesets, skipped-ruleset trace, covered). ``covered`` is true only when
        *every* jurisdiction the account lists is covered by some loaded ruleset (its own or a
        parent's): the consumer may be in any of them, so every one's rules must be known.

        Raises:
            InputError: a third-level code (a city such as ``US-NY-NYC``) that neither a loaded
                ruleset nor the zone table knows.
        """
        key = (tuple(account.jurisdictions), account.collector_type, account.institution_type)
        hit = self._select_cache.get(key)
        if hit is not None:
            return hit
        self._check_city_codes(account.jurisdictions)
        applicable = []
        skipped = []
        for rs in self._rulesets:
            if not any(jurisdictions.contains(rs.jurisdiction, j) for j in account.jurisdictions):
                skipped.append((rs, SKIP, ("jurisdiction {} does not cover {}", rs.jurisdiction,
                                           ", ".join(account.jurisdictions))))
                continue
            if rs.collector_types is not None and account.collector_type not in rs.collector_types:
                skipped.append((rs, SKIP, ("scope: collector type {} not in {}", account.collector_type,
                                           ", ".join(sorted(rs.collector_types)))))
                continue
            if (rs.institution_types is not None and account.institution_type is not None
                    and account.institution_type not in rs.institution_types):
                skipped.append((rs, SKIP, ("scope: institution type {} not in {}", account.institution_type,
                                           ", ".join(sorted(rs.institution_types)))))
                continue
            applicable.append(rs)
        covered = not self._uncovered(account.jurisdictions)
        result = (tuple(applicable), tuple(skipped), covered)
        with self._lock:
            if len(self._select_cache) > 4096:
                self._select_cache.clear()
            self._select_cache[key] = result
        return result

    def _covering(self, code: str) -> tuple[CompiledRuleset, ...]:
        """The loaded rulesets whose jurisdiction contains ``code`` (whatever their scope)."""
        key = ("covering", code)
        hit = self._select_cache.get(key)
        if hit is None:
            hit = tuple(rs for rs in self._rulesets if jurisdictions.contains(rs.jurisdiction, code))
            with self._lock:
                if len(self._select_cache) > 4096:
                    self._select_cache.clear()
                self._select_cache[key] = hit
        return hit

    def _uncovered(self, codes) -> tuple[str, ...]:
        """The listed jurisdictions no loaded ruleset covers (neither its own nor a parent's)."""
        return tuple(j for j in codes if not self._covering(j))

    def _known_codes(self) -> frozenset:
        known = self.__dict__.get("_known")
        if known is None:
            known = frozenset(rs.jurisdiction for rs in self._rulesets) | frozenset(jurisdictions.ZONES)
            self.__dict__["_known"] = known
        return known

    def _check_city_codes(self, codes) -> None:
        """A code below an ISO 3166-2 subdivision (``US-NY-NYC``) must be one the loaded rulesets
        or the zone table know: a typo (``US-NY-NY``) would silently drop the city's rules."""
        known = self._known_codes()
        for j in codes:
            if j.count("-") >= 2 and j not in known:
                raise InputError("account.jurisdictions: a city-level code (third part) that no loaded ruleset "
                                 "knows; known city codes: "
                                 + (", ".join(sorted(k for k in known if k.count("-") >= 2)) or "none"))

    def _period_rulesets(self, code: str) -> tuple[CompiledRuleset, ...]:
        """The covering rulesets that delimit the period whose rules are known for ``code``: the
        dated ones (``effective_from`` or ``effective_until`` given) when any is dated — an
        undated ruleset (e.g. a consent rule) says nothing about which years' timing rules are
        loaded — else every covering ruleset."""
        key = ("period", code)
        hit = self._select_cache.get(key)
        if hit is None:
            covering = self._covering(code)
            hit = tuple(rs for rs in covering if rs.effective_from is not None or rs.effective_until is not None)
            hit = hit or covering
            with self._lock:
                self._select_cache[key] = hit
        return hit

    def _not_in_effect(self, account: Account, dates) -> tuple[str, ...]:
        """The listed jurisdictions none of whose period-delimiting rulesets is in effect on
        ``dates`` (an instant before the loaded rules came into force, or after they lapsed)."""
        key = ("periods", tuple(account.jurisdictions))
        periods = self._select_cache.get(key)
        if periods is None:
            periods = tuple((j, tuple((rs.effective_from or _dt.date.min, rs.effective_until or _dt.date.max)
                                      for rs in self._period_rulesets(j))) for j in account.jurisdictions)
            with self._lock:
                self._select_cache[key] = periods
        stale = ()
        for j, spans in periods:
            for f, u in spans:
                for d in dates:
                    if f <= d <= u:
                        break
                else:
                    continue
                break
            else:
                stale += (j,)
        return stale

    def _effective_start(self, codes, zones: tuple, after: _dt.datetime) -> _dt.datetime | None:
        """A lower bound on when, for every jurisdiction in ``codes`` (those with no ruleset in
        effect at ``after``), a period-delimiting ruleset comes into force: the first instant
        after ``after`` at which the local date in some zone reaches its ``effective_from``;
        ``None`` when none comes into force later (the loaded rules have lapsed)."""
        best = None
        for j in codes:
            starts = [min(clock.start_of_day(z, rs.effective_from) for z in zones)
                      for rs in self._period_rulesets(j) if rs.effective_from is not None]
            starts = [t for t in starts if t > after]
            if not starts:
                return None
            t = min(starts)
            best = t if best is None or t > best else best
        return best

    def _zone_warnings(self, account: Account, names: tuple[str, ...]) -> tuple[Violation, ...]:
        """A warning when a zone the caller gave lies in none of the listed jurisdictions (e.g.
        ``US-IL`` with ``Asia/Shanghai``): the zones decide the windows, so a wrong one matters."""
        if not account.timezones:
            return ()
        key = ("warn", tuple(names), tuple(account.jurisdictions))
        hit = self._zone_cache.get(key)
        if hit is not None:
            return hit
        outside = tuple(n for n in names if not any(jurisdictions.zone_in(n, j) for j in account.jurisdictions))
        out: tuple[Violation, ...] = ()
        if outside:
            out = (Violation(
                rule_id="zone-outside-jurisdiction", ruleset="collectrules", kind="input",
                citation="consistency check: account.timezones against account.jurisdictions",
                message=f"time zone(s) {', '.join(outside)} lie in none of {', '.join(account.jurisdictions)}: "
                        "check the account's location (every given zone is still applied)",
                jurisdiction=",".join(account.jurisdictions), severity="warn"),)
        with self._lock:
            self._zone_cache[key] = out
        return out

    def _zones(self, account: Account) -> tuple[tuple, tuple[str, ...]]:
        key = (tuple(account.timezones), tuple(account.jurisdictions))
        hit = self._zone_cache.get(key)
        if hit is not None:
            return hit
        names = tuple(dict.fromkeys(account.timezones)) or jurisdictions.default_zones(tuple(account.jurisdictions))
        names = tuple(sorted(names))  # order-independent: permuting zones changes nothing
        result = (tuple(clock.get_zone(n) for n in names), names)
        with self._lock:
            if len(self._zone_cache) > 4096:
                self._zone_cache.clear()
            self._zone_cache[key] = result
        return result

    # -- evaluation ----------------------------------------------------------------------------

    def _evaluate(self, attempt: ContactAttempt, account: Account, history: History, at: _dt.datetime):
        """One evaluation at instant ``at``: (allowed, violations, warnings, raw trace, ruleset ids)."""
        zones, names = self._zones(account)
        if not zones:
            return False, [_NO_ZONE], [], [], ()
        applicable, skipped, covered = self._select(account)
        raw: list = list(skipped)
        violations: list[Violation] = []
        warnings: list[Violation] = list(self._zone_warnings(account, names))
        if not covered and self.unknown_jurisdiction == "deny":
            missing = self._uncovered(account.jurisdictions)
            violations.append(Violation(
                rule_id="no-ruleset", ruleset="collectrules", kind="input",
                citation="fail closed: the consumer may be in any listed jurisdiction, so each must be covered "
                         "by a loaded ruleset",
                message=f"no loaded ruleset covers {', '.join(missing)} (of {', '.join(account.jurisdictions)}); "
                        "load one or build the policy with unknown_jurisdiction='allow'",
                jurisdiction=",".join(missing), severity="deny"))
            return False, violations, warnings, raw, ()
        ctx = Context(attempt, account, history, zones, names, at)
        stale = self._not_in_effect(account, ctx.dates) if covered and self.unknown_period == "deny" else ()
        if stale:
            # fail closed: an instant before every covering ruleset came into force (or after
            # they all lapsed) is not "no rules", it is rules we do not have
            violations.append(Violation(
                rule_id="no-ruleset-in-effect", ruleset="collectrules", kind="input",
                citation="fail closed: no loaded ruleset covering the jurisdiction is in effect at this instant",
                message=f"no loaded ruleset for {', '.join(stale)} is in effect on {ctx.dates[0].isoformat()}: "
                        "the rules at that date are unknown",
                jurisdiction=",".join(stale), severity="deny",
                until=self._effective_start(stale, zones, at)))
            return False, violations, warnings, raw, ()
        used = []
        channel = attempt.channel
        for rs in applicable:
            if not rs.in_effect(ctx.dates):
                raw.append((rs, SKIP, ("ruleset not in effect on {}", ctx.dates[0])))
                continue
            if rs.purposes is not None and attempt.purpose not in rs.purposes:
                raw.append((rs, SKIP, ("scope: purpose {} not covered", attempt.purpose)))
                continue
            used.append(rs.id)
            for rule, covers in rs.by_channel[channel]:
                if not covers:
                    raw.append((rule, SKIP, ("channel {} not covered", channel)))
                    continue
                fp = rule.fast_pass
                if fp is not None and fp(ctx):
                    raw.append((rule, rule.fast_outcome, rule.pass_detail))
                    continue
                res: Result = rule.evaluate(ctx)
                if res.outcome == FAIL:
                    v = Violation(
                        rule_id=rule.rule_id, ruleset=rule.ruleset_id, kind=rule.kind, citation=rule.citation,
                        message=rule.message(ctx, res), jurisdiction=rule.jurisdiction,
                        severity=rule.severity, until=res.until.astimezone(zones[0]) if res.until else None,
                        source=rule.source, status=rule.status,
                    )
                    if rule.severity == "deny":
                        violations.append(v)
                        raw.append((rule, FAIL, res.detail))
                    else:
                        warnings.append(v)
                        raw.append((rule, "warn", res.detail))
                else:
                    raw.append((rule, res.outcome, res.detail))
        return not violations, violations, warnings, raw, tuple(used)

    def check(self, attempt: ContactAttempt | dict, *, account: Account | dict,
              history: History | Iterable[Any] | None = None, next_allowed: bool = True) -> Decision:
        """Decide whether ``attempt`` may be made now.

        Args:
            attempt: the proposed contact (:class:`ContactAttempt` or dict).
            account: the account (:class:`Account` or dict).
            history: past contacts other than this one (list of :class:`Contact`/dicts, or a
                prepared :class:`History` — the fast path for many checks on one account).
            next_allowed: compute ``Decision.next_allowed_at`` for a denied attempt.

        Returns:
            The :class:`Decision` for the attempt.

        The check is pure and deterministic (the same inputs give the same decision), does no I/O
        and is safe to call from several threads.

        Raises:
            InputError: malformed attempt, account or history (naive datetime, unknown channel or
                zone, missing field). Nothing is evaluated.
        """
        attempt = _coerce(ContactAttempt, attempt, "attempt")
        account = _coerce(Account, account, "account")
        hist = History.coerce(history)
        at = attempt.at
        allowed, violations, warnings, raw, used = self._evaluate(attempt, account, hist, at)
        fields = dict(
            allowed=allowed, at=at, violations=tuple(violations), warnings=tuple(warnings),
            required_disclosures=_required_disclosures(self, attempt, account, at, used),
            rulesets=used, account_id=account.account_id, raw_trace=tuple(raw),
        )
        if allowed:
            return Decision(next_allowed_at=at, next_allowed_reason=None, **fields)
        if not next_allowed:
            return Decision(next_allowed_at=None, next_allowed_reason="not computed (next_allowed=False)", **fields)
        # denied: the next-allowed search runs only when the caller reads next_allowed_at (or
        # next_allowed_reason, to_dict(), explain()); the inputs are frozen models and an
        # immutable History, so a later search sees exactly what this check saw
        frozen_violations = list(violations)

        def search() -> tuple[_dt.datetime | None, str | None]:
            found, reason = self._search(attempt, account, hist, frozen_violations)
            return self._display(found, account), reason

        decision = Decision._lazy(search, **fields)
        hist._hold(decision)  # a later hist.append() settles the search first
        return decision

    def next_allowed(self, attempt: ContactAttempt | dict, *, account: Account | dict,
                     history: History | Iterable[Any] | None = None,
                     horizon_days: int = DEFAULT_HORIZON_DAYS) -> _dt.datetime | None:
        """The earliest instant at or after ``attempt.at`` at which the attempt would be allowed.

        Returns ``attempt.at`` if it is allowed now, ``None`` when waiting cannot help (a cease
        request, a cap of zero) or nothing opens within ``horizon_days``. The result is an aware
        datetime in the consumer's first time zone, and :meth:`check` allows it.

        Raises:
            InputError: as :meth:`check`.
        """
        if isinstance(horizon_days, bool) or not isinstance(horizon_days, int) or not 1 <= horizon_days <= MAX_HORIZON_DAYS:
            raise InputError(f"horizon_days must be a whole number of days from 1 to {MAX_HORIZON_DAYS}")
        attempt = _coerce(ContactAttempt, attempt, "attempt")
        account = _coerce(Account, account, "account")
        hist = History.coerce(history)
        allowed, violations, *_ = self._evaluate(attempt, account, hist, attempt.at)
        if allowed:
            return attempt.at
        return self._display(self._search(attempt, account, hist, violations, horizon_days)[0], account)

    def retention_until(self, account: Account | dict, last_activity_at: _dt.datetime | _dt.date | str,
                        record_kind: str = "collection_record") -> _dt.datetime | _dt.date | None:
        """How long a record must be kept: the latest date any applicable ``retention`` rule gives.

        Args:
            account: the account (its jurisdictions, collector and institution type select the
                rulesets, as for :meth:`check`).
            last_activity_at: the last collection activity on the debt (Reg F 1006.100(a)), or
                the date of the call for ``call_recording`` (1006.100(b)): an aware datetime or
                a date (ISO strings accepted).
            record_kind: ``collection_record``, ``call_recording`` or ``visit_recording``.

        Returns:
            ``last_activity_at`` plus the longest applicable period (same type as given), or
            ``None`` when no loaded rule covers that record kind for the account.

        Raises:
            InputError: malformed account, naive datetime, a date string that is not ISO 8601,
                unknown record kind, or no loaded ruleset covering the account's jurisdictions.
        """
        from .retention import retention_until

        return retention_until(self, account, last_activity_at, record_kind)

    def _search(self, attempt: ContactAttempt, account: Account, hist: History, violations: list[Violation],
                horizon_days: int = DEFAULT_HORIZON_DAYS) -> tuple[_dt.datetime | None, str | None]:
        """Jump from each denial to the latest ``until`` of its violations (each a lower bound on
        when that rule could allow), re-checking until every rule allows.

        Returns ``(instant, None)``, or ``(None, reason)``. The search is bounded by work, not
        only by days: at most :data:`SEARCH_WORK` zone-evaluations. When only weekly-periodic
        rules (contact hours) have refused for three weeks while no zone changed its UTC offset,
        no instant can suit every zone until an offset changes, so the search jumps to the next
        change (or stops: the windows of the zones do not intersect).
        """
        zones, _ = self._zones(account)
        limit = attempt.at + _dt.timedelta(days=horizon_days)
        budget = max(SEARCH_MIN_EVALUATIONS, SEARCH_WORK // max(1, len(zones)))
        t = attempt.at
        run_start: _dt.datetime | None = None  # start of a run of periodic-only refusals
        for _ in range(budget):
            untils = [v.until for v in violations]
            if not untils or any(u is None for u in untils):
                return None, "waiting cannot help: a rule that refuses names no later instant"
            if all(v.kind in _PERIODIC_KINDS for v in violations):
                if run_start is None:
                    run_start = t
                elif t - run_start >= _PERIODIC_SPAN:
                    changes = [c for c in (clock.next_offset_change(z, run_start) for z in zones) if c is not None]
                    nxt_change = min(changes) if changes else None
                    if nxt_change is not None and nxt_change <= t:
                        # an offset changed during the run: the run restarts after the last
                        # change so far (changes of several zones come in clusters)
                        while nxt_change is not None and nxt_change <= t:
                            run_start = nxt_change
                            changes = [c for c in (clock.next_offset_change(z, run_start) for z in zones)
                                       if c is not None]
                            nxt_change = min(changes) if changes else None
                    else:
                        # three weeks of refusals at constant offsets: the weekly windows of the
                        # zones do not intersect until some zone's offset changes
                        later = [c for c in (clock.next_offset_change(z, t) for z in zones) if c is not None]
                        if not later or min(later) > limit:
                            return None, ("no instant suits every time zone: the contact windows of the "
                                          f"account's zones ({len(zones)}) do not intersect")
                        untils = [min(later)]
                        run_start = None
            else:
                run_start = None
            nt = max(untils)
            if nt <= t:
                nt = t + _dt.timedelta(microseconds=1)
            if nt.year > MAX_YEAR:
                return None, f"the next allowed instant would be after the supported years (to {MAX_YEAR})"
            if nt > limit:
                return None, f"nothing is allowed within the search horizon ({horizon_days} days)"
            t = nt
            moved = attempt.model_copy(update={"at": t})
            allowed, violations, *_ = self._evaluate(moved, account, hist, t)
            if allowed:
                return t, None
        return None, f"search stopped after {budget} evaluations without an allowed instant"

    # -- message content (rule kinds disclosure, prohibited_content, limited_content) ------------

    def check_message(self, text: str, *, channel: str, account: Account | dict, stage: str | None = None,
                      language: str | None = None, recipient: str = "borrower", place: str = "personal",
                      purpose: str = "collection", dialer: str = "manual", at: _dt.datetime | None = None,
                      template: bool = True):
        """Check a message (or a message template) against the content rules.

        Args:
            text: the message, or a template with Jinja2 ``{{ name }}``/``{% if %}`` or
                ``{name}`` placeholders (placeholders are not wording; a disclosure may be met by
                a placeholder its rule accepts). ``template=False`` treats it as plain text.
            channel: channel vocabulary (``sms``, ``email``, ``voicemail``…).
            account: :class:`Account` or dict; selects rulesets by jurisdiction and scope, as
                :meth:`check` does, and feeds account-dependent rules (``sol_expired``,
                ``license_number``).
            stage: ``initial``, ``subsequent`` or ``limited_content``; ``None`` checks the
                disclosures of both initial and subsequent communications (stricter).
            language: BCP 47 tag of the message (``en``, ``zh-CN``); ``None`` applies every rule.
            recipient: who receives it (recipient vocabulary); third-party rules use it.
            place, purpose, dialer: as on :class:`ContactAttempt`, for rule selectors.
            at: when it is sent (aware datetime; rules' effective dates); default now.

        Returns:
            :class:`~collectrules.content.findings.MessageReport`: ``ok`` and ``findings``
            (rule id, kind, span into ``text``, matched text, message, severity, citation).

        Raises:
            InputError: unknown channel/stage/recipient, malformed account, naive ``at``.
        """
        from .content.engine import check_message

        return check_message(self, text, channel=channel, account=account, stage=stage, language=language,
                             recipient=recipient, place=place, purpose=purpose, dialer=dialer, at=at,
                             template=template)

    def check_transcript(self, turns, *, channel: str = "call", account: Account | dict, stage: str | None = None,
                         language: str | None = None, recipient: str = "borrower", place: str = "personal",
                         purpose: str = "collection", dialer: str = "manual", at: _dt.datetime | None = None):
        """Check a call transcript after the fact (speech-analytics QA, 合规质检).

        ``turns`` is a sequence of :class:`~collectrules.content.findings.Turn`, dicts or
        ``(speaker, start_seconds, text)`` tuples, ``speaker`` being ``agent`` or ``consumer``
        and ``start_seconds`` seconds from the start of the call. Required disclosures must be
        said by the agent, within ``within_seconds`` of the start where the rule says so;
        prohibited wording is flagged in agent turns with the turn index and the span in that
        turn's text. Other arguments and the result as :meth:`check_message`.

        Raises:
            InputError: malformed turns or arguments.
        """
        from .content.engine import check_transcript

        return check_transcript(self, turns, channel=channel, account=account, stage=stage, language=language,
                                recipient=recipient, place=place, purpose=purpose, dialer=dialer, at=at)

    def conversation(self, *, account: Account | dict, started_at: _dt.datetime | str, channel: str = "call",
                     dialer: str = "ai_voice", language: str | None = None, stage: str | None = None,
                     recipient: str = "borrower", place: str = "personal", purpose: str = "collection"):
        """A voice-bot guard for one call (:class:`~collectrules.voice.Conversation`):
        ``before_say(text, at=)`` checks an utterance before it is spoken, ``said`` records it,
        ``heard(text, at=)`` returns the consumer's requests, ``end(at=)`` the
        :meth:`check_transcript` report for the call. ``dialer`` defaults to ``ai_voice`` (the
        strict reading for a bot); ``stage`` ``None`` owes the disclosures of both initial and
        subsequent communications. See ``docs/voice-guard.md``.

        Raises:
            InputError: unknown channel/stage/recipient/dialer, malformed account, naive
                ``started_at``.
        """
        from .voice.conversation import Conversation

        return Conversation(self, account=account, started_at=started_at, channel=channel, dialer=dialer,
                            language=language, stage=stage, recipient=recipient, place=place, purpose=purpose)

    def _display(self, t: _dt.datetime | None, account: Account) -> _dt.datetime | None:
        if t is None:
            return None
        zones, _ = self._zones(account)
        return t.astimezone(zones[0]) if zones else t


def load_policy(sources: Iterable[str | os.PathLike] | str | os.PathLike | None = None, *,
                unknown_jurisdiction: str = "deny") -> Policy:
    """Load, validate and compile rulesets into a :class:`Policy`.

    Args:
        sources: shipped ruleset ids (``"us-federal"``), files or directories; ``None`` loads
            every shipped ruleset (each applies only to accounts in its jurisdiction and scope).
            Sources replace the default: to add your own rulesets to the shipped ones, include
            ``"shipped"`` — ``load_policy(["shipped", "./house-policy.yaml"])``.
        unknown_jurisdiction: ``"deny"`` (default, fail closed) or ``"allow"`` for accounts whose
            jurisdictions no loaded ruleset covers.

    Raises:
        RulesetError: every problem in every file, as ``file:line:col: rule-id: message``.
    """
    return Policy(compile_rulesets(load_rulesets(sources)), unknown_jurisdiction=unknown_jurisdiction)
