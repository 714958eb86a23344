"""Evaluate content rules on messages and call transcripts (behind :meth:`Policy.check_message`,
:meth:`Policy.check_transcript` and ``Decision.required_disclosures``).

Rule selection is the one :meth:`Policy.check` uses: a ruleset applies when its jurisdiction
covers one of the account's, its scope admits the collector (and purpose), and it is in effect
on the message date in the consumer's zone; a rule applies when it covers the channel, its
``applies_to``/``unless`` selectors (recipient, account flags…) and effective dates admit the
message, and its ``stages``/``languages`` admit the declared stage and language. Fail closed: an
account whose jurisdictions no loaded ruleset covers gets a ``no-ruleset`` finding (unless the
policy allows unknown jurisdictions); an unparseable template gets a ``template-syntax``
finding, since it could render anything.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Iterable

from ..errors import InputError
from ..rules._content import ContentRule
from ..rules.disclosure import Disclosure
from ..rules.limited_content import LimitedContent
from ..rules.prohibited_content import ProhibitedContent
from ..vocab import CHANNELS, DIALERS, PLACES, PURPOSES, RECIPIENTS, STAGES
from . import normalize
from .findings import Finding, MessageReport, RequiredDisclosure, Turn
from .shown import MAX_FINDINGS_PER_RULE, shown
from .template import Placeholder, Template, html_comments, parse_template


class Chunk:
    """Wording regions of a text (plus the placeholders among them), with lazily built views."""

    __slots__ = ("text", "ranges", "placeholders", "breaks", "strict", "_loose", "_pattern", "cache", "_spaced")

    def __init__(self, text: str, ranges, placeholders=(), breaks=None, strict: bool = False):
        self.text = text
        self.ranges = tuple(ranges)
        self.placeholders = tuple(placeholders)
        self.breaks = breaks
        self.strict = strict
        self._loose = None
        self._pattern = None
        self._spaced = False  # not built yet (None: built, nothing to space)
        self.cache: dict = {}

    @property
    def loose(self) -> normalize.View:
        if self._loose is None:
            self._loose = normalize.build_view(self.text, normalize.LOOSE, self.ranges, self.breaks, self.strict,
                                               skeleton_view=not self.strict)
        return self._loose

    @property
    def pattern_spaced(self) -> normalize.View | None:
        """Skeleton views only: punctuation between words read as a space (``will.be.arrested``),
        or None when the text has none (see :func:`normalize.spaced`)."""
        if self.strict:
            return None
        if self._spaced is False:
            v = normalize.build_view(self.text, normalize.PATTERN, self.ranges, self.breaks, False,
                                     skeleton_view=True, join_latin=False)
            self._spaced = normalize.spaced(v)
        return self._spaced

    @property
    def pattern(self) -> normalize.View:
        if self._pattern is None:
            self._pattern = normalize.build_view(self.text, normalize.PATTERN, self.ranges, self.breaks,
                                                 self.strict, skeleton_view=not self.strict)
        return self._pattern


class _MsgAttempt:
    """The attempt-like facts of a message, for the rules' ``applies_to``/``unless`` selectors."""

    __slots__ = ("channel", "recipient", "place", "purpose", "dialer", "consent_given_at", "debt_id",
                 "recipient_id", "address_id", "at")

    def __init__(self, channel, recipient, place, purpose, dialer, at):
        self.channel = channel
        self.recipient = recipient
        self.place = place
        self.purpose = purpose
        self.dialer = dialer
        self.consent_given_at = None
        self.debt_id = ""
        self.recipient_id = None
        self.address_id = None
        self.at = at


class _MsgContext:
    __slots__ = ("attempt", "account", "at", "ts", "dates", "zones", "cache")

    def __init__(self, attempt, account, at, zones):
        self.attempt = attempt
        self.account = account
        self.at = at
        self.ts = at.timestamp()
        self.zones = zones
        self.dates = tuple(at.astimezone(z).date() for z in zones) or (at.astimezone(_dt.timezone.utc).date(),)
        self.cache = {}


# ---------------------------------------------------------------------------------------------
# rule selection


def _index(policy) -> dict[str, tuple[ContentRule, ...]]:
    idx = policy.__dict__.get("_content_index")
    if idx is None:
        idx = {rs.id: tuple(r for r in rs.rules if isinstance(r, ContentRule)) for rs in policy.rulesets}
        policy.__dict__["_content_index"] = idx
    return idx


def _rule_applies(rule: ContentRule, ctx) -> bool:
    if not rule.in_effect(ctx):
        return False
    if rule.applies_to is not None and not rule.applies_to(ctx):
        return False
    return not any(pred(ctx) for pred, _ in rule.unless)


def _select(policy, account, ctx, channel: str, purpose: str):
    """(content rules that apply, ids of rulesets used, fail-closed findings)."""
    applicable, _skipped, covered = policy._select(account)
    findings: list[Finding] = []
    if not covered and policy.unknown_jurisdiction == "deny":
        findings.append(Finding(
            rule_id="no-ruleset", kind="input", span=(0, 0), matched="",
            message=f"no loaded ruleset covers {', '.join(account.jurisdictions)}; load one or build the "
                    "policy with unknown_jurisdiction='allow'",
            severity="deny", citation="fail closed: no loaded ruleset covers the account's jurisdictions",
            ruleset="collectrules"))
        return [], (), findings
    idx = _index(policy)
    rules: list[ContentRule] = []
    used: list[str] = []
    for rs in applicable:
        if not rs.in_effect(ctx.dates):
            continue
        if rs.purposes is not None and purpose not in rs.purposes:
            continue
        used.append(rs.id)
        for rule in idx.get(rs.id, ()):
            if rule.channels is not None and channel not in rule.channels:
                continue
            if _rule_applies(rule, ctx):
                rules.append(rule)
    return rules, tuple(used), findings


def _prepare(policy, account, channel, stage, recipient, place, purpose, dialer, at, language=None):
    from ..models import Account
    from ..policy import _coerce

    # the given value is never echoed (it may be personal data passed in the wrong field)
    if not isinstance(channel, str) or channel not in CHANNELS:
        raise InputError(f"unknown channel (value not shown); channels: {', '.join(CHANNELS)}")
    if language is not None and not isinstance(language, str):
        raise InputError("language must be a language tag such as 'en' or 'zh-CN'")
    if stage is not None and (not isinstance(stage, str) or stage not in STAGES):
        raise InputError(f"unknown stage (value not shown); stages: {', '.join(STAGES)}")
    for name, value, vocab in (("recipient", recipient, RECIPIENTS), ("place", place, PLACES),
                               ("purpose", purpose, PURPOSES), ("dialer", dialer, DIALERS)):
        if not isinstance(value, str) or value not in vocab:
            raise InputError(f"unknown {name} (value not shown); {name}s: {', '.join(vocab)}")
    account = _coerce(Account, account, "account")
    if at is None:
        at = _dt.datetime.now(_dt.timezone.utc)
    elif not isinstance(at, _dt.datetime) or at.tzinfo is None or at.utcoffset() is None:
        raise InputError("at must be a timezone-aware datetime")
    zones, _names = policy._zones(account)
    ctx = _MsgContext(_MsgAttempt(channel, recipient, place, purpose, dialer, at), account, at, zones)
    return account, ctx


# ---------------------------------------------------------------------------------------------
# evaluation of one text


def _finding(rule: ContentRule, span, text: str, message: str, **extra) -> Finding:
    """A finding of ``rule`` at ``span``; it shows the matched text only redacted and bounded
    (see :mod:`collectrules.content.shown`)."""
    return Finding(rule_id=rule.rule_id, kind=rule.kind, span=tuple(span), matched=shown(text[span[0]:span[1]]),
                   message=message, severity=rule.severity, citation=rule.citation, ruleset=rule.ruleset_id,
                   source=rule.source, status=rule.status, **extra)


def _more(rule: ContentRule, span, text: str) -> Finding:
    """The finding that stands for the occurrences of a rule beyond the per-message cap."""
    return _finding(rule, span, text, f"{_title(rule, rule.kind.replace('_', ' '))}: more occurrences not "
                    f"listed (at most {MAX_FINDINGS_PER_RULE} findings per rule and message)")


def _title(rule: ContentRule, default: str) -> str:
    return rule.title or default


class _Evaluation:
    """One text under evaluation: its template structure and cached chunks."""

    def __init__(self, text: str, template: Template | None):
        self.text = text
        self.tpl = template
        self._chunks: dict = {}
        if template is None:
            self.whole = Chunk(text, ((0, len(text)),), ())
            self.displayed = Chunk(text, _outside_comments(text), (), None, strict=True)
            if self.displayed.ranges == self.whole.ranges and not any(c in text for c in normalize.BIDI_CONTROLS):
                # no comment and no bidi control: the strict views equal the plain ones, so
                # build them once (halves the cost of a plain-text check)
                self.displayed = self.whole
        else:
            self.whole = Chunk(text, template.wording, template.placeholders)
            self.displayed = None
        self._breaks = tuple((p.start, p.end) for p in template.placeholders) if template else ()

    def chunk(self, ranges, phs) -> Chunk:
        """A strict chunk (for required disclosures): placeholders between its ranges and
        bidi controls break matches."""
        key = ranges
        c = self._chunks.get(key)
        if c is None:
            c = self._chunks[key] = Chunk(self.text, ranges, phs, self._breaks, strict=True)
        return c

    def guaranteed(self, matchers, account, language) -> tuple[int, int] | None:
        """Span of a wording that is always rendered, or None."""
        ms = [m for m in matchers if m.applies_to_language(language)]
        if self.tpl is None:
            for m in ms:
                hit = m.find(self.displayed, account, first=True)
                if hit:
                    return hit[0]
            return None
        return self._block(self.tpl.root, ms, account)

    def _block(self, block, ms, account):
        for ranges, phs in self.tpl.chunks(block):
            c = self.chunk(ranges, phs)
            for m in ms:
                hit = m.find(c, account, first=True)
                if hit:
                    return hit[0]
        for it in block.items:
            if it[0] == "if" and it[2]:
                spans = [self._block(b, ms, account) for b in it[1]]
                if all(s is not None for s in spans):
                    return spans[0]
        return None


def _evaluate_text(ev: _Evaluation, rules: Iterable[ContentRule], account, stage, language,
                   skip_disclosures: bool = False) -> list[Finding]:
    out: list[Finding] = []
    text = ev.text
    for rule in rules:
        if not rule.applies_to_message(stage, language):
            continue
        if isinstance(rule, Disclosure):
            if skip_disclosures:
                continue
            if ev.guaranteed(rule.matchers, account, language) is None:
                out.append(_finding(rule, (0, 0), text, f"{_title(rule, 'required disclosure')}: missing "
                                    f"{rule.element}" + _stage_note(stage)))
        elif isinstance(rule, ProhibitedContent):
            seen = set()
            n = 0
            for m in rule.matchers:
                if not m.applies_to_language(language):
                    continue
                # with except_in wordings, excepted occurrences do not use up the cap (bounded work)
                lim = 10_000 if rule.exceptions else MAX_FINDINGS_PER_RULE + 1
                for span in m.find(ev.whole, account, limit=lim):
                    if span in seen or any(a < span[1] and span[0] < b for a, b in seen) \
                            or rule.excepted(ev.whole, span, account, language):
                        continue  # one finding per stretch of text, however many wordings match it
                    seen.add(span)
                    n += 1
                    if n > MAX_FINDINGS_PER_RULE:
                        out.append(_more(rule, span, text))
                        break
                    out.append(_finding(rule, span, text, f"{_title(rule, 'prohibited wording')}: "
                                        f"{shown(text[span[0]:span[1]])!r}"))
                if n > MAX_FINDINGS_PER_RULE:
                    break
        elif isinstance(rule, LimitedContent):
            out.extend(_limited(ev, rule, account, language))
    return out


def _outside_comments(text: str) -> tuple[tuple[int, int], ...]:
    """The ranges of ``text`` outside HTML comments (``<!-- ... -->``; an unclosed comment
    runs to the end)."""
    out, pos = [], 0
    for s, e in html_comments(text):
        if s > pos:
            out.append((pos, s))
        pos = e
    if pos < len(text):
        out.append((pos, len(text)))
    return tuple(out)


def _bidi_finding(text: str) -> Finding | None:
    """A warning when ``text`` holds bidirectional override/embedding/isolate controls: the
    displayed order then differs from the checked order (``Reply \u202eSTOP`` shows
    ``Reply POTS``), so required wording is not counted across them."""
    first = next((i for i, ch in enumerate(text) if ch in normalize.BIDI_CONTROLS), None) \
        if any(ch in text for ch in normalize.BIDI_CONTROLS) else None
    if first is None:
        return None
    return Finding(rule_id="bidi-control", kind="lint", span=(first, first), matched="",
                   message="bidirectional control characters: the message may display differently "
                           "from the text checked (required wording is not counted across them)",
                   severity="warn", citation="the text checked must be the text displayed",
                   ruleset="collectrules")


def _stage_note(stage):
    return "" if stage is not None else " (stage not declared: checked as initial and subsequent)"


def _limited(ev: _Evaluation, rule: LimitedContent, account, language) -> list[Finding]:
    text = ev.text
    chunk = ev.whole
    out: list[Finding] = []
    covered = bytearray(len(text) + 1)
    for name, required, matchers in rule.elements:
        found = False
        for m in matchers:
            if not m.applies_to_language(language):
                continue
            for s, e in m.find(chunk, account):
                found = True
                covered[s:e] = b"\x01" * (e - s)
        if required and not found:
            out.append(_finding(rule, (0, 0), text, f"{_title(rule, 'limited-content message')}: lacks {name}"))
    capped: list[Finding] = []
    for m in rule.forbidden:
        if not m.applies_to_language(language):
            continue
        for span in m.find(chunk, account, limit=MAX_FINDINGS_PER_RULE + 1):
            capped.append(_finding(rule, span, text, f"{_title(rule, 'limited-content message')}: must not "
                                   f"contain {shown(text[span[0]:span[1]])!r}"))
    for ph in chunk.placeholders:
        if not rule.placeholder_allowed(ph.name):
            capped.append(_finding(rule, (ph.start, ph.end), text,
                                   f"{_title(rule, 'limited-content message')}: placeholder "
                                   f"{shown(text[ph.start:ph.end])!r} is not an allowed element"))
    # words covered by no element and no filler
    view = chunk.pattern
    vt = view.text
    run: list[tuple[int, int]] = []
    runs: list[list[tuple[int, int]]] = []
    i = 0
    n = len(vt)
    while i < n:
        if not vt[i].isalnum():
            if vt[i] not in " -'’" and run:
                runs.append(run)
                run = []
            i += 1
            continue
        j = i
        while j < n and vt[j].isalnum():
            j += 1
        word = vt[i:j]
        ok = word in rule.filler or all(covered[view.starts[k]] for k in range(i, j))
        if ok:
            pass  # a filler word or allowed element inside a run of other words does not end it
        else:
            run.append(view.span(i, j))
        i = j
    if run:
        runs.append(run)
    for r in runs:
        span = (r[0][0], r[-1][1])
        # the run itself is not quoted (it is the consumer-specific part of the message: names,
        # account or identity numbers); the span points at it
        from dataclasses import replace

        capped.append(replace(_finding(rule, span, text, f"{_title(rule, 'limited-content message')}: "
                                       f"{len(r)} word(s) at {span[0]}-{span[1]} not an allowed element"),
                              matched=""))
    if len(capped) > MAX_FINDINGS_PER_RULE:
        capped.sort(key=lambda f: f.span)
        capped = capped[:MAX_FINDINGS_PER_RULE] + [_more(rule, capped[MAX_FINDINGS_PER_RULE].span, text)]
    return out + capped


def _effective_stage(rules, stage, language):
    """The stage a message is checked at, and a warning when the caller's label is not kept.

    A message labelled ``limited_content`` is checked as one (the disclosures of initial and
    subsequent communications skipped) only where a ``limited_content`` rule of the applicable
    rulesets checks that channel: under Regulation F only a voicemail can be a limited-content
    message (12 CFR 1006.2(j)), so an SMS or e-mail so labelled keeps every duty of its channel
    (the 1006.6(e) opt-out notice included). Elsewhere the label is ignored and the message is
    checked as a communication of undeclared stage (initial and subsequent): the caller's label
    never removes a duty."""
    if stage != "limited_content":
        return stage, None
    if any(isinstance(r, LimitedContent) and r.applies_to_message(stage, language) for r in rules):
        return stage, None
    return None, Finding(
        rule_id="limited-content-stage", kind="lint", span=(0, 0), matched="",
        message="no limited-content rule of the applicable rulesets covers this channel: the message is "
                "checked as an ordinary communication (initial and subsequent)",
        severity="warn", citation="12 CFR 1006.2(j): a limited-content message is a voicemail; the stage "
                                  "label never removes a channel's duties", ruleset="collectrules")


def _syntax_finding(tpl: Template) -> Finding | None:
    if tpl.syntax_error is None:
        return None
    line, msg = tpl.syntax_error
    lines = tpl.text.split("\n")
    off = sum(len(x) + 1 for x in lines[: max(0, line - 1)])
    off = min(off, len(tpl.text))
    return Finding(rule_id="template-syntax", kind="template", span=(off, off), matched="",
                   message=msg + " (an unparseable template may render anything)", severity="deny",
                   citation="fail closed: the template cannot be analysed", ruleset="collectrules")


def _sorted(findings: list[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=lambda f: (f.turn if f.turn is not None else -1, f.span, f.rule_id)))


# ---------------------------------------------------------------------------------------------
# public entry points (called by Policy)


def check_message(policy, text: str, *, channel: str, account: Any, stage: str | None = None,
                  language: str | None = None, recipient: str = "borrower", place: str = "personal",
                  purpose: str = "collection", dialer: str = "manual",
                  at: _dt.datetime | None = None, template: bool = True) -> MessageReport:
    """See :meth:`collectrules.Policy.check_message`."""
    if not isinstance(text, str):
        raise InputError(f"text must be a str, not {type(text).__name__}")
    account, ctx = _prepare(policy, account, channel, stage, recipient, place, purpose, dialer, at, language)
    rules, used, findings = _select(policy, account, ctx, channel, purpose)
    stage, sf = _effective_stage(rules, stage, language)
    if sf:
        findings.append(sf)
    tpl = parse_template(text) if template else None
    ev = _Evaluation(text, tpl)
    if tpl is not None:
        sf = _syntax_finding(tpl)
        if sf:
            findings.append(sf)
    bf = _bidi_finding(text)
    if bf:
        findings.append(bf)
    findings.extend(_evaluate_text(ev, rules, account, stage, language))
    fs = _sorted(findings)
    return MessageReport(ok=not any(f.severity == "deny" for f in fs), findings=fs, rulesets=used)


def coerce_turns(turns: Iterable[Any]) -> list[Turn]:
    from pydantic import ValidationError

    out = []
    for i, t in enumerate(turns):
        if isinstance(t, Turn):
            out.append(t)
            continue
        try:
            if isinstance(t, dict):
                out.append(Turn.model_validate(t))
            elif isinstance(t, (tuple, list)) and len(t) == 3:
                out.append(Turn(speaker=t[0], start_seconds=t[1], text=t[2]))
            else:
                raise InputError(f"turn {i}: expected (speaker, start_seconds, text), a dict or a Turn")
        except ValidationError as exc:
            from ..redact import error_parts

            parts = []
            for e in exc.errors()[:4]:
                loc, msg = error_parts(e)
                if e.get("type") == "extra_forbidden":
                    msg = "unknown key (allowed: speaker, start_seconds, text)"
                parts.append(f"{'.'.join(loc)}: {msg}")
            raise InputError(f"turn {i}: {'; '.join(parts)}") from None
    return out


def check_transcript(policy, turns: Iterable[Any], *, channel: str = "call", account: Any,
                     stage: str | None = None, language: str | None = None, recipient: str = "borrower",
                     place: str = "personal", purpose: str = "collection", dialer: str = "manual",
                     at: _dt.datetime | None = None) -> MessageReport:
    """See :meth:`collectrules.Policy.check_transcript`."""
    turns = coerce_turns(turns)
    account, ctx = _prepare(policy, account, channel, stage, recipient, place, purpose, dialer, at, language)
    rules, used, findings = _select(policy, account, ctx, channel, purpose)
    stage, sf = _effective_stage(rules, stage, language)
    if sf:
        findings.append(sf)
    agent = [(i, t) for i, t in enumerate(turns) if t.speaker == "agent"]
    evs = {i: _Evaluation(t.text, None) for i, t in agent}
    for rule in rules:
        if not rule.applies_to_message(stage, language):
            continue
        if isinstance(rule, Disclosure):
            ms = [m for m in rule.matchers if m.applies_to_language(language)]
            hit = None
            for i, t in agent:
                for m in ms:
                    spans = m.find(evs[i].displayed, account, first=True)
                    if spans:
                        hit = (i, t, spans[0])
                        break
                if hit:
                    break
            if hit is None:
                findings.append(_finding(rule, (0, 0), "", f"{_title(rule, 'required disclosure')}: the agent "
                                         f"never says {rule.element}" + _stage_note(stage)))
            elif rule.within_seconds is not None and hit[1].start_seconds > rule.within_seconds:
                i, t, span = hit
                findings.append(_finding(rule, span, t.text, f"{_title(rule, 'required disclosure')}: "
                                         f"{rule.element} said at {t.start_seconds:g} s, after the first "
                                         f"{rule.within_seconds:g} s", turn=i))
        elif isinstance(rule, ProhibitedContent):
            for i, t in agent:
                for f in _evaluate_text(evs[i], [rule], account, stage, language):
                    findings.append(_with_turn(f, i))
        elif isinstance(rule, LimitedContent):
            joined, offsets = _join(agent)
            bases = [b for b, _ in offsets]
            for f in _limited(_Evaluation(joined, None), rule, account, language):
                findings.append(_map_joined(f, offsets, turns, bases))
    for i, t in agent:
        bf = _bidi_finding(t.text)
        if bf:
            findings.append(_with_turn(bf, i))
    fs = _sorted(findings)
    return MessageReport(ok=not any(f.severity == "deny" for f in fs), findings=fs, rulesets=used)


def _with_turn(f: Finding, i: int) -> Finding:
    from dataclasses import replace

    return replace(f, turn=i)


def _join(agent):
    parts, offsets, pos = [], [], 0
    for i, t in agent:
        offsets.append((pos, i))
        parts.append(t.text)
        pos += len(t.text) + 1
    return "\n".join(parts), offsets


def _map_joined(f: Finding, offsets, turns, bases=None) -> Finding:
    import bisect
    from dataclasses import replace

    s, e = f.span
    if s == e == 0 and not f.matched:
        return f
    if bases is None:
        bases = [b for b, _ in offsets]
    k = bisect.bisect_right(bases, s) - 1
    base, turn = (offsets[k][0], offsets[k][1]) if k >= 0 else (0, None)
    t = turns[turn].text if turn is not None else ""
    return replace(f, span=(s - base, min(e - base, len(t))), turn=turn)


# ---------------------------------------------------------------------------------------------
# Decision.required_disclosures


#: selectors whose values are all in the cache key of required_disclosures
_KEYED = frozenset({"channels", "recipients", "purposes", "places", "dialers", "collector_types", "institution_types"})


def _static(rule: ContentRule) -> bool:
    """True when the rule's applicability depends only on keyed attempt/account fields."""
    m = rule.model
    if m.effective_from or m.effective_until:
        return False
    for cond in ([m.applies_to] if m.applies_to else []) + list(m.unless or ()):
        if any(v is not None for k, v in cond.model_dump().items() if k not in _KEYED):
            return False
    return True


def _disclosure_index(policy):
    idx = policy.__dict__.get("_disclosure_index")
    if idx is None:
        idx = {}
        for rs in policy.rulesets:
            by_ch = {}
            for ch in CHANNELS:
                rs_rules = tuple(r for r in rs.rules if isinstance(r, Disclosure)
                                 and (r.channels is None or ch in r.channels))
                if rs_rules:
                    by_ch[ch] = (rs_rules, all(_static(r) for r in rs_rules))
            idx[rs.id] = by_ch
        policy.__dict__["_disclosure_index"] = idx
        policy.__dict__["_disclosure_cache"] = {}
    return idx


def _required(rule: Disclosure) -> RequiredDisclosure:
    return RequiredDisclosure(rule_id=rule.rule_id, ruleset=rule.ruleset_id, element=rule.element,
                              citation=rule.citation, stages=tuple(sorted(rule.stages)),
                              languages=rule.languages, accepted=rule.accepted_text,
                              severity=rule.severity, source=rule.source)


def required_disclosures(policy, attempt, account, at, used: tuple[str, ...]) -> tuple:
    """The disclosure rules of the rulesets ``used`` that apply to ``attempt`` (channel,
    recipient and the rules' other selectors). Cached for rules that depend only on channel
    and recipient, so the timing hot path stays fast."""
    if not used:
        return ()
    channel = attempt.channel
    key = (used, channel, attempt.recipient, attempt.purpose, attempt.place, attempt.dialer,
           account.collector_type, account.institution_type)
    cache = policy.__dict__.get("_disclosure_cache")
    if cache is not None:
        hit = cache.get(key)
        if hit is not None:
            return hit
    idx = _disclosure_index(policy)
    cache = policy.__dict__["_disclosure_cache"]
    found = [idx[r][channel] for r in used if channel in idx.get(r, {})]
    if not found:
        cache[key] = ()
        return ()
    static = all(s for _, s in found)
    zones, _ = policy._zones(account)
    ctx = _MsgContext(attempt, account, at, zones)
    out = tuple(_required(r) for rules, _ in found for r in rules if _rule_applies(r, ctx))
    if static:
        if len(cache) > 4096:
            cache.clear()
        cache[key] = out
    return out
