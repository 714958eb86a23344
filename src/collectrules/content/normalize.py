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

Both views also drop combining marks (category Mn: accents, variation selectors, U+034F) left
after NFKC, and read blank-looking letters (U+3164, U+2800, U+115F, U+1160, U+FFA0) as spaces.
In the ``pattern`` view, whitespace and punctuation other than clause and sentence ends between
two Han characters are dropped (``拘 留``/``拘.留`` read ``拘留``); brackets and quotes are kept
(``【…】`` signatures keep both brackets). A *strict* view (for required
disclosures) turns placeholders between wording and bidirectional controls into a break
character that no wording matches across.

Views for prohibited wording (not the strict ones: a disclosure must be readable as written)
are also *skeletons*: accents are removed (NFD, combining marks dropped: ``arrésted`` reads
``arrested``) and letters that look like Latin letters (Cyrillic ``а``, Greek ``ο``…, from the
Unicode confusables data shipped by ``confusable-homoglyphs``) read as those letters; emoji and
other symbols between two Han characters are ignored (``拘🔒留``). HTML is read as displayed in
every view: tags (``<b>``, ``<span …>``) are skipped and character references (``&#97;``,
``&amp;``) read as the character they stand for.

Each view character carries the ``[start, end)`` offsets of the original characters it came
from, so a match in a view maps back to exact offsets in the original text (Python string
indices, i.e. Unicode code points), including matches that run across placeholders.
"""

from __future__ import annotations

import bisect
import functools
import html
import re
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


#: letters that render as blank space (Hangul fillers, the Braille blank): treated as spaces
BLANK_LETTERS = frozenset("\u3164\u2800\u115f\u1160\uffa0")
#: bidirectional embedding, override and isolate controls: they reorder what is displayed
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_BIDI_CLOSERS = frozenset("\u202c\u2069")
_PARAGRAPH_ENDS = frozenset("\n\r\u2029\x1c\x1d\x1e\x85")
#: stands for a placeholder or a bidi control in a strict view: no wording matches across it
BREAK = "\x00"
#: punctuation that still separates two Han characters in the pattern view (clause and
#: sentence ends, after NFKC): every other punctuation mark and all whitespace between two Han
#: characters is ignored there, so 拘 留, 拘.留 and 拘·留 read as 拘留
_HAN_SEPARATORS = frozenset(",!?;:\u3001\u3002\uff61\uff64")
#: punctuation that may be dropped between two Han characters: dashes, connectors and "other"
#: marks (``.``, ``·``, ``*``…). Opening and closing brackets and quotes are kept, so an SMS
#: signature keeps both its brackets in the pattern view (``【某某法院】您的…``)
_HAN_GAP_CATEGORIES = frozenset({"Pd", "Pc", "Po"})
#: in skeleton views, symbols (emoji, dingbats, math and currency signs) between two Han
#: characters are ignored as well
_HAN_GAP_SKELETON = _HAN_GAP_CATEGORIES | {"So", "Sk", "Sm", "Sc"}
#: in skeleton pattern views, these (and dashes and connectors) between two Latin letters are
#: ignored: ``ar-rested``, ``a*r*r*e*s*t*e*d`` read ``arrested`` (not ``.`` or ``'``, which end
#: sentences and make contractions)
_LATIN_JOINERS = frozenset("*·•_~^")
#: an HTML tag (element open/close, doctype, processing instruction): not displayed
_TAG_RE = re.compile(r"<(?:/?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?|![A-Za-z][^<>]*|\?[^<>]*)>")
#: an HTML character reference: displayed as one character
_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});?")


@functools.lru_cache(maxsize=1)
def _confusables() -> dict[str, str]:
    """Non-ASCII letters that are confusable with one ASCII letter → that letter (lower case).
    Han, kana and Hangul are never mapped."""
    import json
    import os

    try:
        import confusable_homoglyphs
    except ImportError:  # pragma: no cover - a core dependency
        return {}
    path = os.path.join(os.path.dirname(confusable_homoglyphs.__file__), "confusables.json")
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    out = {}
    for ch, glyphs in data.items():
        if len(ch) != 1 or ch.isascii() or ord(ch) >= 0x2E80 or not unicodedata.category(ch).startswith("L"):
            continue
        for g in glyphs:
            c = g.get("c", "")
            if len(c) == 1 and c.isascii() and c.isalpha():
                out[ch] = c.lower()
                break
    # a small letter whose capital is confusable (Cyrillic т: Т looks like T) reads as that letter
    for ch in list(data):
        if len(ch) == 1 and not ch.isascii() and ord(ch) < 0x2E80:
            low = ch.lower()
            if low != ch and len(low) == 1 and low not in out and ch in out:
                out[low] = out[ch]
    # vertical strokes read as a lower-case l in running text (the data maps them to i/I)
    out.update({"\u04cf": "l", "\u04c0": "l", "\u01c0": "l", "\u0406": "l", "\u05c0": "l"})
    return out


@functools.lru_cache(maxsize=65536)
def skeleton(s: str) -> str:
    """``s`` (already folded) with accents removed and Latin lookalikes read as Latin letters."""
    if s.isascii():
        return s
    table = _confusables()
    d = "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")
    d = "".join(table.get(c, c) for c in d)
    return unicodedata.normalize("NFC", d).casefold()


def skeleton_pattern(pattern: str) -> str:
    """A user pattern for skeleton views: its non-ASCII letters mapped as :func:`skeleton` maps
    text (pattern syntax is ASCII, so this leaves the syntax alone)."""
    if pattern.isascii():
        return pattern
    return "".join(skeleton(fold(c)) if not c.isascii() and unicodedata.category(c)[0] == "L" else c
                   for c in pattern)


@functools.lru_cache(maxsize=16)
def html_parts(text: str) -> tuple[tuple[tuple[int, int], ...], dict[int, tuple[int, str]]]:
    """HTML tags (``[start, end)`` spans, not displayed) and character references (start →
    (end, the character)) in ``text``, in linear time; cached for the last texts (a template's
    chunks all share the text)."""
    tags = tuple(m.span() for m in _TAG_RE.finditer(text)) if "<" in text else ()
    ents: dict[int, tuple[int, str]] = {}
    if "&" in text:
        for m in _ENTITY_RE.finditer(text):
            u = html.unescape(m.group())
            if u != m.group() and u:
                ents[m.start()] = (m.end(), u)
    return tags, ents


def _minus(ranges: Sequence[tuple[int, int]], holes: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """``ranges`` without ``holes`` (both sorted and disjoint)."""
    out: list[tuple[int, int]] = []
    k = bisect.bisect_right(holes, ranges[0][0], key=_end) if ranges and holes else 0
    for lo, hi in ranges:
        while k < len(holes) and holes[k][1] <= lo:
            k += 1
        j = k
        while lo < hi:
            if j >= len(holes) or holes[j][0] >= hi:
                out.append((lo, hi))
                break
            hs, he = holes[j]
            if hs > lo:
                out.append((lo, hs))
            lo = max(lo, he)
            j += 1
    return out


@functools.lru_cache(maxsize=65536)
def _is_han(ch: str) -> bool:
    o = ord(ch)
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF
            or 0x20000 <= o <= 0x3134F or o == 0x3007)


def fold(s: str) -> str:
    """NFKC case fold of a short string (the per-character step of both views), with variation
    selectors, the combining grapheme joiner and other non-spacing marks (category Mn) removed
    and blank-looking letters turned into spaces."""
    out = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", s).casefold())
    if out.isascii():
        return out
    return "".join(" " if c in BLANK_LETTERS else c for c in out
                   if c not in BIDI_CONTROLS and unicodedata.category(c) != "Mn")


@functools.lru_cache(maxsize=65536)
def _unit(cluster: str, skeleton_view: bool) -> str:
    """The folded form of one character cluster (cached: texts repeat their characters)."""
    folded = fold(cluster)
    if skeleton_view and not folded.isascii():
        folded = skeleton(folded)
    if any(0xD800 <= ord(c) <= 0xDFFF for c in folded):  # lone surrogates: not text
        folded = "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in folded)
    return folded


@functools.lru_cache(maxsize=65536)
def _is_space(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) == "Zs" or ch in BLANK_LETTERS


def _dropped_loose(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat[0] in "PZC" or ch.isspace()


def _clusters(text: str, ranges: Iterable[tuple[int, int]], ents=None):
    """Yield ``(start, end)`` of each base character plus its combining marks (or of a whole
    HTML character reference, when ``ents`` are given), inside ``ranges``."""
    for lo, hi in ranges:
        i = lo
        while i < hi:
            if ents and i in ents and ents[i][0] <= hi:
                yield i, ents[i][0]
                i = ents[i][0]
                continue
            j = i + 1
            while j < hi and unicodedata.combining(text[j]):
                j += 1
            yield i, j
            i = j


def _end(b: tuple[int, int]) -> int:
    return b[1]


def _units(text: str, ranges: Sequence[tuple[int, int]], breaks: Sequence[tuple[int, int]] | None,
           strict: bool, ents=None):
    """Yield ``(cluster, start, end)``; in strict mode a ``BREAK`` unit stands for each
    placeholder between two wording ranges and for each bidi control."""
    # first break ending after the first range starts (breaks are sorted and disjoint)
    bi = bisect.bisect_right(breaks, ranges[0][0], key=_end) if breaks and ranges else 0
    prev_end = None
    depth = 0
    for lo, hi in ranges:
        if breaks:
            while bi < len(breaks) and breaks[bi][1] <= lo:
                b = breaks[bi]
                if prev_end is not None and b[0] >= prev_end:
                    yield BREAK, b[0], b[1]
                bi += 1
        for s, e in _clusters(text, ((lo, hi),), ents):
            if ents and s in ents:
                yield ents[s][1], s, e
                continue
            if strict:
                ch = text[s]
                if ch in BIDI_CONTROLS:
                    depth = max(0, depth - 1) if ch in _BIDI_CLOSERS else depth + 1
                    yield BREAK, s, e
                    continue
                if ch in _PARAGRAPH_ENDS:
                    depth = 0
                elif depth:
                    # inside an embedding, override or isolate: the displayed order is not the
                    # text's order, so nothing here counts as required wording
                    yield BREAK, s, e
                    continue
            yield text[s:e], s, e
        prev_end = hi


def build_view(text: str, mode: str, ranges: Sequence[tuple[int, int]] | None = None,
               breaks: Sequence[tuple[int, int]] | None = None, strict: bool = False,
               skeleton_view: bool = False, join_latin: bool = True) -> View:
    """Build the ``loose`` or ``pattern`` view of ``text`` restricted to ``ranges`` (the wording
    regions, in order; default: the whole text).

    ``strict`` (used for required disclosures): a bidi control character, every character it
    governs (up to its closing U+202C/U+2069 or the end of the paragraph), and each of the
    ``breaks`` (placeholder spans, sorted) lying between two wording ranges, becomes a
    :data:`BREAK` character in the view, so no wording matches across it (``Reply {{ x }}STOP``
    renders ``Reply xSTOP``; ``Reply \u202eSTOP`` displays reversed). Otherwise placeholders and
    bidi controls are skipped, so wording split by them is still found (prohibited wording).
    """
    if ranges is None:
        ranges = ((0, len(text)),)
    if not breaks and text.isascii() and "<" not in text and "&" not in text:
        return _ascii_view(text, mode, ranges, skeleton_view and join_latin)
    ents = None
    if "<" in text or "&" in text:
        tags, ents = html_parts(text)
        if tags:
            ranges = _minus(ranges, tags)
    gap_cats = _HAN_GAP_SKELETON if skeleton_view else _HAN_GAP_CATEGORIES
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pending_space: tuple[int, int] | None = None
    gap: list[tuple[str, int, int]] = []  # pattern mode: spaces/punctuation after a Han character
    last_han = False
    last_latin = False

    def emit(ch, s, e):
        out.append(ch)
        starts.append(s)
        ends.append(e)

    def flush_gap():
        nonlocal pending_space
        for ch, s, e in gap:
            if ch == " ":
                pending_space = (pending_space[0], e) if pending_space else (s, e)
                continue
            if pending_space:
                emit(" ", *pending_space)
                pending_space = None
            emit(ch, s, e)
        gap.clear()

    for cluster, s, e in _units(text, ranges, breaks, strict, ents):
        if cluster == BREAK:
            if mode == PATTERN:
                flush_gap()
                if pending_space:
                    emit(" ", *pending_space)
                    pending_space = None
            emit(BREAK, s, e)
            last_han = last_latin = False
            continue
        if mode == PATTERN and len(cluster) == 1 and _is_space(cluster):
            if last_han:
                gap.append((" ", s, e))
            else:
                if gap:
                    flush_gap()
                pending_space = (pending_space[0], e) if pending_space else (s, e)
                last_latin = False
            continue
        folded = _unit(cluster, skeleton_view)
        for ch in folded:
            if mode == LOOSE:
                if _dropped_loose(ch):
                    continue
                emit(ch, s, e)
                continue
            if _is_space(ch):
                if last_han:
                    gap.append((" ", s, e))
                else:
                    if gap:
                        flush_gap()
                    pending_space = (pending_space[0], e) if pending_space else (s, e)
                    last_latin = False
                continue
            if unicodedata.category(ch) in ("Cf", "Cc"):
                continue
            if last_han and unicodedata.category(ch) in gap_cats and ch not in _HAN_SEPARATORS:
                gap.append((ch, s, e))
                continue
            if last_latin and skeleton_view and join_latin and (ch in _LATIN_JOINERS or unicodedata.category(ch) in ("Pd", "Pc")):
                gap.append((ch, s, e))  # ar-rested, a_r_r_e_s_t, b*e: joined if a letter follows
                continue
            han = _is_han(ch)
            latin = ch.isascii() and ch.isalpha()
            if gap and ((han and last_han) or (latin and last_latin)):
                gap.clear()  # between two Han characters, or two Latin letters: ignored
                pending_space = None
            else:
                flush_gap()
            if pending_space:
                emit(" ", *pending_space)
                pending_space = None
            emit(ch, s, e)
            last_han = han
            last_latin = latin
    if mode == PATTERN:
        flush_gap()
        if pending_space:
            emit(" ", *pending_space)
    return View("".join(out), tuple(starts), tuple(ends), len(text))


_LOOSE_KEEP = frozenset("abcdefghijklmnopqrstuvwxyz0123456789$+<=>^`|~")
_ASCII_SPACE = frozenset(" \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f")
_ASCII_JOIN = frozenset("-_*~^")


def _ascii_view(text: str, mode: str, ranges, skeleton_view: bool) -> View:
    """:func:`build_view` for ASCII text without breaks or HTML: the same result, faster (the
    slow path's per-character Unicode work is not needed). Tested equal to the general path."""
    low = text.lower()
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    if mode == LOOSE:
        for lo, hi in ranges:
            for i in range(lo, hi):
                c = low[i]
                if c in _LOOSE_KEEP or c == BREAK:  # a NUL reads as a break, as in the general path
                    out.append(c)
                    starts.append(i)
        return View("".join(out), tuple(starts), tuple(i + 1 for i in starts), len(text))
    pend = None  # pending whitespace run (start, end)
    gap: list[int] = []  # joiners after a letter, in skeleton views (indices)
    last_latin = False
    for lo, hi in ranges:
        for i in range(lo, hi):
            c = low[i]
            if c in _ASCII_SPACE:
                for k in gap:
                    out.append(low[k]); starts.append(k); ends.append(k + 1)
                gap = []
                pend = (pend[0], i + 1) if pend else (i, i + 1)
                last_latin = False
                continue
            if c == BREAK:
                for k in gap:
                    out.append(low[k]); starts.append(k); ends.append(k + 1)
                gap = []
                if pend:
                    out.append(" "); starts.append(pend[0]); ends.append(pend[1])
                    pend = None
                out.append(c); starts.append(i); ends.append(i + 1)
                last_latin = False
                continue
            o = ord(c)
            if o < 32 or o == 127:
                continue
            if skeleton_view and last_latin and c in _ASCII_JOIN:
                gap.append(i)
                continue
            latin = "a" <= c <= "z"
            if gap:
                if not latin:
                    for k in gap:
                        out.append(low[k]); starts.append(k); ends.append(k + 1)
                gap = []
            if pend:
                out.append(" "); starts.append(pend[0]); ends.append(pend[1])
                pend = None
            out.append(c); starts.append(i); ends.append(i + 1)
            last_latin = latin
    for k in gap:
        out.append(low[k]); starts.append(k); ends.append(k + 1)
    if pend:
        out.append(" "); starts.append(pend[0]); ends.append(pend[1])
    return View("".join(out), tuple(starts), tuple(ends), len(text))


_WORD_PUNCT = re.compile(r"(?<=[a-z0-9])(?:\s*[^\w\s'’\x00]+)+\s*(?=[a-z0-9])")


def spaced(view: View) -> View | None:
    """``view`` with each run of punctuation or symbols between two Latin letters or digits (the
    skeleton views map lookalikes to Latin; Han text has its own gap rule) read as one
    space (``you.will.be.arrested`` → ``you will be arrested``), or None when there is none.
    Apostrophes are kept (``you'll``)."""
    t = view.text
    if not _WORD_PUNCT.search(t):
        return None
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for m in _WORD_PUNCT.finditer(t):
        a, b = m.span()
        out.append(t[pos:a])
        starts.extend(view.starts[pos:a])
        ends.extend(view.ends[pos:a])
        out.append(" ")
        starts.append(view.starts[a])
        ends.append(view.ends[b - 1])
        pos = b
    out.append(t[pos:])
    starts.extend(view.starts[pos:])
    ends.extend(view.ends[pos:])
    return View("".join(out), tuple(starts), tuple(ends), view.origin_len)


def loose(s: str, skeleton_view: bool = False) -> str:
    """The loose normal form of a phrase (what :func:`build_view` produces in ``loose`` mode)."""
    return build_view(s, LOOSE, skeleton_view=skeleton_view).text
