"""Normalised views of message text that remember where every character came from.

Two views are built over the *original* text, skipping the regions that are not wording
(template tags and placeholders):

``loose``
    NFKC + case folding (so full-width ``ＳＴＯＰ`` and half-width katakana compare equal to
    their ordinary forms, ``Stop`` equals ``STOP``), with every whitespace, punctuation and
    invisible format character removed. Phrases are matched here, so ``Reply  "STOP"`` matches
    ``reply stop``.
``pattern``
    NFKC + case folding, punctuation kept, every run of whitespace (including the ideographic
    space and runs interrupted by placeholders) collapsed to one ASCII space, invisible format
    characters removed. User patterns (RE2) run here.

Each view character carries the ``[start, end)`` offsets of the original characters it came
from, so a match in a view maps back to exact offsets in the original text (Python string
indices, i.e. Unicode code points), including matches that run across placeholders.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Iterable, Sequence

LOOSE = "loose"
PATTERN = "pattern"


@dataclass(frozen=True, slots=True)
class View:
    """A normalised text and, per character, the original ``[start, end)`` it came from."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    origin_len: int

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets of view characters ``[start, end)``."""
        if end <= start:
            pos = self.starts[start] if start < len(self.starts) else self.origin_len
            return pos, pos
        return self.starts[start], self.ends[end - 1]


def fold(s: str) -> str:
    """NFKC case fold of a short string (the per-character step of both views)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", s).casefold())


def _is_space(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) == "Zs"


def _dropped_loose(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat[0] in "PZC" or ch.isspace()


def _clusters(text: str, ranges: Iterable[tuple[int, int]]):
    """Yield ``(start, end)`` of each base character plus its combining marks, inside ``ranges``."""
    for lo, hi in ranges:
        i = lo
        while i < hi:
            j = i + 1
            while j < hi and unicodedata.combining(text[j]):
                j += 1
            yield i, j
            i = j


def build_view(text: str, mode: str, ranges: Sequence[tuple[int, int]] | None = None) -> View:
    """Build the ``loose`` or ``pattern`` view of ``text`` restricted to ``ranges`` (the wording
    regions, in order; default: the whole text)."""
    if ranges is None:
        ranges = ((0, len(text)),)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pending_space: tuple[int, int] | None = None
    for s, e in _clusters(text, ranges):
        cluster = text[s:e]
        if mode == PATTERN and len(cluster) == 1 and _is_space(cluster):
            pending_space = (pending_space[0], e) if pending_space else (s, e)
            continue
        folded = fold(cluster)
        if any(0xD800 <= ord(c) <= 0xDFFF for c in folded):  # lone surrogates: not text
            folded = "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in folded)
        for ch in folded:
            if mode == LOOSE:
                if _dropped_loose(ch):
                    continue
            else:
                if _is_space(ch):
                    pending_space = (pending_space[0], e) if pending_space else (s, e)
                    continue
                if unicodedata.category(ch) in ("Cf", "Cc"):
                    continue
                if pending_space:
                    out.append(" ")
                    starts.append(pending_space[0])
                    ends.append(pending_space[1])
                    pending_space = None
            out.append(ch)
            starts.append(s)
            ends.append(e)
    if mode == PATTERN and pending_space:
        out.append(" ")
        starts.append(pending_space[0])
        ends.append(pending_space[1])
    return View("".join(out), tuple(starts), tuple(ends), len(text))


def loose(s: str) -> str:
    """The loose normal form of a phrase (what :func:`build_view` produces in ``loose`` mode)."""
    return build_view(s, LOOSE).text
