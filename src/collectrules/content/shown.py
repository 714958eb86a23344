"""What a finding may show of the checked text.

A finding points at the text with its ``span``; the text it *shows* (``Finding.matched`` and the
quote in ``Finding.message``) is redacted with :func:`collectrules.redact` (phone numbers,
e-mail addresses, identity-document, social-security and card numbers), every other run of
four or more digits is masked, whitespace is collapsed, and it is cut to
:data:`MAX_SHOWN_CHARS` characters. A finding never carries more than that of the message,
so a report, a lint log or a SARIF file cannot leak a whole run of a consumer's data.
"""

from __future__ import annotations

import re

#: at most this many characters of the checked text are shown per finding
MAX_SHOWN_CHARS = 40
#: at most this many findings per rule and message (then one "more occurrences" finding)
MAX_FINDINGS_PER_RULE = 20

_WS = re.compile(r"\s+")
_DIGIT_RUN = re.compile(r"\d(?:[\s\-.]?\d){3,}")


def shown(s: str) -> str:
    """``s`` as a finding may show it: redacted, digit runs masked, bounded."""
    from ..redact import redact

    if not s:
        return ""
    if len(s) > 4 * MAX_SHOWN_CHARS:
        s = s[: 4 * MAX_SHOWN_CHARS]
    out = _DIGIT_RUN.sub("[number]", redact(_WS.sub(" ", s)))
    if len(out) > MAX_SHOWN_CHARS:
        out = out[: MAX_SHOWN_CHARS - 1].rstrip() + "…"
    return out
