"""Accepted and forbidden wordings, and the compiled matchers that find them.

A wording in a ruleset is exactly one of::

    - phrase: "Reply STOP"        # normalised match: ignores case, spacing, punctuation and
                                  # full-width/half-width forms (NFKC), and skips placeholders
    - exact: "STOP"               # these exact characters
    - pattern: "reply\\s+stop"    # a user pattern, run on google-re2 (linear time) over the
                                  # NFKC case-folded text with whitespace runs collapsed to one
                                  # space; case-insensitive; Perl look-around and
                                  # back-references are not supported (a ruleset error)
    - placeholder: "opt_out_*"    # a template placeholder whose name matches this glob
    - account_value: license_number   # the account's value (normalised match) or a
                                      # placeholder of that name

Each may carry ``language`` (``en``, ``zh``…): it is then tried only on messages in that
language (or with no declared language).
"""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING, Literal

from pydantic import field_validator, model_validator

from ..ruleset.common import StrictModel
from . import normalize

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Chunk

AccountValue = Literal["license_number", "institution_name"]


def compile_re2(pattern: str):
    """Compile a user pattern with google-re2 (case-insensitive).

    Raises:
        ValueError: the pattern is not valid RE2 syntax (e.g. look-around or back-references).
    """
    import re2

    opts = re2.Options()
    opts.case_sensitive = False
    opts.log_errors = False
    try:
        return re2.compile(pattern, opts)
    except Exception as exc:  # re2.error
        msg = exc.args[0] if exc.args else str(exc)
        if isinstance(msg, bytes):
            msg = msg.decode("utf-8", "replace")
        raise ValueError(f"pattern {pattern!r} is not supported by RE2: {msg}") from None


class Wording(StrictModel):
    """One accepted (or forbidden) wording; exactly one of the matching keys."""

    phrase: str | None = None
    exact: str | None = None
    pattern: str | None = None
    placeholder: str | None = None
    account_value: AccountValue | None = None
    language: str | None = None

    @field_validator("pattern")
    @classmethod
    def _re2(cls, v: str | None) -> str | None:
        if v is not None:
            compile_re2(v)
        return v

    @field_validator("phrase")
    @classmethod
    def _phrase(cls, v: str | None) -> str | None:
        if v is not None and not normalize.loose(v):
            raise ValueError(f"phrase {v!r} has no letters or digits left after normalisation")
        return v

    @model_validator(mode="after")
    def _one(self):
        keys = [k for k in ("phrase", "exact", "pattern", "placeholder", "account_value")
                if getattr(self, k) is not None]
        if len(keys) != 1:
            raise ValueError("a wording needs exactly one of phrase, exact, pattern, placeholder, "
                             f"account_value (got {', '.join(keys) or 'none'})")
        return self

    def describe(self) -> str:
        for k in ("phrase", "exact", "pattern", "placeholder", "account_value"):
            v = getattr(self, k)
            if v is not None:
                return f"{k} {v!r}" if k != "placeholder" else f"placeholder {{{{ {v} }}}}"
        return "?"


def same_language(a: str | None, b: str | None) -> bool:
    """True when either is unknown or their primary subtags agree (``zh-CN`` ~ ``zh``)."""
    if not a or not b:
        return True
    return a.replace("_", "-").split("-")[0].lower() == b.replace("_", "-").split("-")[0].lower()


class Matcher:
    """A compiled wording: ``find(chunk, account)`` → list of original ``(start, end)`` spans."""

    __slots__ = ("wording", "language", "kind", "_needle", "_regex", "_glob", "_needle_sk", "_regex_sk")

    def __init__(self, w: Wording):
        self.wording = w
        self.language = w.language
        self._needle = self._needle_sk = None
        self._regex = self._regex_sk = None
        self._glob = None
        if w.phrase is not None:
            self.kind = "phrase"
            self._needle = normalize.loose(w.phrase)
            # skeleton views (prohibited wording) compare skeletons (accents, lookalikes)
            self._needle_sk = normalize.loose(w.phrase, skeleton_view=True) or self._needle
        elif w.exact is not None:
            self.kind = "exact"
            self._needle = w.exact
        elif w.pattern is not None:
            self.kind = "pattern"
            self._regex = compile_re2(w.pattern)
            sk = normalize.skeleton_pattern(w.pattern)
            try:
                self._regex_sk = compile_re2(sk) if sk != w.pattern else self._regex
            except ValueError:
                self._regex_sk = self._regex
        elif w.placeholder is not None:
            self.kind = "placeholder"
            self._glob = w.placeholder.lower()
        else:
            self.kind = "account_value"
            self._glob = w.account_value

    def applies_to_language(self, language: str | None) -> bool:
        return same_language(self.language, language)

    def find(self, chunk: "Chunk", account=None, first: bool = False,
             limit: int | None = None) -> list[tuple[int, int]]:
        """Original spans of the wording in ``chunk`` (the first only with ``first``; at most
        ``limit``)."""
        if first:
            limit = 1
        k = self.kind
        strict = getattr(chunk, "strict", True)
        if k == "phrase":
            return _find_all(chunk.loose, self._needle if strict else self._needle_sk, limit)
        if k == "pattern":
            regex = self._regex if strict else self._regex_sk
            out = _regex_spans(regex, chunk.pattern, limit)
            if not strict and (limit is None or len(out) < limit):
                sv = getattr(chunk, "pattern_spaced", None)
                if sv is not None:
                    # punctuation between words read as spaces: wording split by it is found too
                    cover = Cover(out)
                    extra = []
                    for sp in _regex_spans(regex, sv, limit):
                        if not cover.covers(*sp):
                            extra.append(sp)
                            if limit is not None and len(out) + len(extra) >= limit:
                                break
                    if extra:
                        out = sorted(out + extra)
            return out
        if k == "placeholder":
            return [(p.start, p.end) for p in chunk.placeholders
                    if p.name is not None and fnmatch.fnmatchcase(p.name.lower(), self._glob)][:limit]
        if k == "exact":
            out = []
            strict = getattr(chunk, "strict", False)
            for s, e in chunk.ranges:
                i = chunk.text.find(self._needle, s, e)
                while i >= 0:
                    if strict and _bidi_before(chunk.text, i + len(self._needle)):
                        i = chunk.text.find(self._needle, i + 1, e)
                        continue  # may be displayed reordered: not counted as required wording
                    out.append((i, i + len(self._needle)))
                    if limit is not None and len(out) >= limit:
                        return out
                    i = chunk.text.find(self._needle, i + 1, e)
            return out
        # account value: the value itself, or a placeholder of that name
        out = [(p.start, p.end) for p in chunk.placeholders if p.name and p.name.split(".")[-1] == self._glob]
        value = getattr(account, self._glob, None) if account is not None else None
        if value:
            needle = normalize.loose(str(value))
            if needle:
                out += _find_all(chunk.loose, needle, limit)
        return out[:limit]


class Cover:
    """The union of some spans, for "is [s, e) inside one of them" in O(log n)."""

    __slots__ = ("_starts", "_ends")

    def __init__(self, spans):
        merged: list[list[int]] = []
        for a, b in sorted(spans):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        self._starts = [m[0] for m in merged]
        self._ends = [m[1] for m in merged]

    def covers(self, s: int, e: int) -> bool:
        import bisect

        i = bisect.bisect_right(self._starts, s) - 1
        return i >= 0 and e <= self._ends[i]


def _regex_spans(regex, view: normalize.View, limit: int | None) -> list[tuple[int, int]]:
    out = []
    for m in regex.finditer(view.text):
        s, e = m.span()
        if e == s:
            continue
        out.append(view.span(s, e))
        if limit is not None and len(out) >= limit:
            break
    return out


def _find_all(view: normalize.View, needle: str, limit: int | None) -> list[tuple[int, int]]:
    out = []
    hay = view.text
    i = hay.find(needle)
    while i >= 0:
        out.append(view.span(i, i + len(needle)))
        if limit is not None and len(out) >= limit:
            break
        i = hay.find(needle, i + 1)
    return out


def _bidi_before(text: str, end: int) -> bool:
    """True when a bidi control occurs on the line (paragraph) of ``text`` that ends at ``end``."""
    start = max(text.rfind("\n", 0, end), text.rfind("\r", 0, end), text.rfind("\u2029", 0, end)) + 1
    return any(c in normalize.BIDI_CONTROLS for c in text[start:end]) if not text.isascii() else False
