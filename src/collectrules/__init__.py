"""collectrules: declarative, cited compliance rules for debt-collection contact.

    import collectrules
    policy = collectrules.load_policy()                 # every shipped ruleset
    decision = policy.check(attempt, account=account, history=history)
    decision.allowed, decision.violations, decision.next_allowed_at, decision.explain()
    decision.required_disclosures                       # what a message for this attempt must carry
    report = policy.check_message(text, channel="sms", account=account, stage="subsequent")
    report.ok, report.findings                          # rule_id, span, matched, message, citation

See the README and ``docs/`` for the ruleset language and the rules shipped.
"""

from __future__ import annotations

from .content.findings import Finding, MessageReport, RequiredDisclosure, Turn
from .errors import CollectrulesError, InputError, LedgerError, Problem, RulesetError
from .history import History
from .models import Account, Contact, ContactAttempt, Decision, LocalWindow, RuleTrace, Violation
from .policy import Policy, load_policy
from .locate import Location, locate  # cheap: phonenumbers loads on the first locate by phone
from .models import ConsentRecord
from .redact import redact

# Loaded on first use, so `import collectrules` stays light (the voice guard, the ledger and its
# database drivers): name -> submodule (PEP 562).
_LAZY = {
    "ConsumerRequest": "voice", "Conversation": "voice", "PendingDisclosure": "voice", "Utterance": "voice",
    "Reservation": "ledger", "open_ledger": "ledger",
}


def __getattr__(name: str):
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'collectrules' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{mod}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))

__version__ = "0.1.0"

__all__ = [
    "Account",
    "CollectrulesError",
    "Contact",
    "ContactAttempt",
    "ConsumerRequest",
    "Conversation",
    "Decision",
    "Finding",
    "History",
    "InputError",
    "LocalWindow",
    "MessageReport",
    "PendingDisclosure",
    "Policy",
    "Problem",
    "RequiredDisclosure",
    "RuleTrace",
    "RulesetError",
    "Turn",
    "Utterance",
    "Violation",
    "__version__",
    "load_policy",
    "locate",
    "Location",
    "redact",
    "ConsentRecord",
    "LedgerError",
    "Reservation",
    "open_ledger",
]
