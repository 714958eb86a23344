"""Rule kind ``recipient``: rules about the person contacted — who may be contacted, for what
purpose, when, and how often.

A rule names the recipients it is about (``recipients``, the recipient vocabulary); an attempt to
anyone else is skipped. The constraints, each optional, are checked in this order and the first
that fails decides:

* ``forbidden: true`` — never contact these recipients (CN: people taken from a scraped address
  book, 通讯录联系人).
* ``deny_when_any`` — account facts that stop contact with them (Reg F 1006.10(b)(5): once an
  attorney is known, only the attorney).
* ``only_when_any`` — account facts of which one must hold (CN GB/T 45251-2025: contacts only
  when the debtor is unreachable 失联, has died or lacks capacity).
* ``stop_after_refusal: true`` — a person whose opaque id (``recipient_id``) or role is in
  ``Account.third_party_refusals`` is never contacted again; an attempt without a
  ``recipient_id`` is denied while any id is listed (it could be that person: fail closed).
* ``purposes`` — the only purposes allowed (Reg F 1006.10: location information only).
* ``max_contacts`` with an optional ``window`` (omitted: ever) — at most N counted contacts with
  the person (``per: recipient``, by ``recipient_id``; without ids every person of the role
  counts, which fails closed) or with everyone of the listed roles (``per: role``), the
  proposed attempt included; ``exempt_if`` names attempt facts that lift the cap (Reg F
  1006.10(c): the person asked to be contacted again, or the earlier answer is believed
  wrong).

``content`` is a short statement of what the communication may say (e.g. "must not state that
the consumer owes a debt"); it is shown in the rule's trace when the rule passes, so a caller
can hand it to the script.

Messages never echo recipient ids, refusal entries or other caller data.
"""

from __future__ import annotations

import bisect
from typing import Literal

from pydantic import Field, model_validator

from ..ruleset.common import CountFilter, RuleBase
from ..vocab import RECIPIENTS, Purpose, Recipient
from .base import FAIL, PASS, SKIP, CompiledRule, Context, Result, count_filter_key, dynamic_key
from .frequency_cap import CountWindow, embedded_cap

#: Account facts a recipient rule can test.
AccountFact = Literal[
    "debtor_unreachable", "deceased", "debtor_lacks_capacity", "attorney_represented",
    "cease_communication", "bankruptcy",
]

#: Attempt facts that can lift a recipient contact cap.
AttemptFact = Literal["callback_requested", "earlier_answer_believed_incorrect"]


class RecipientRule(RuleBase):
    kind: Literal["recipient"]
    recipients: list[Recipient] = Field(min_length=1, description="the people the rule is about")
    forbidden: bool = Field(default=False, description="never contact these recipients")
    deny_when_any: list[AccountFact] | None = None
    only_when_any: list[AccountFact] | None = None
    stop_after_refusal: bool = False
    purposes: list[Purpose] | None = Field(default=None, description="the only purposes allowed")
    max_contacts: int | None = Field(default=None, ge=0)
    window: CountWindow | None = Field(default=None, description="omitted: ever")
    per: Literal["recipient", "role"] = "recipient"
    count: CountFilter | None = None
    exempt_if: list[AttemptFact] | None = None
    unit: str = "contacts"
    content: str | None = Field(default=None, description="what the communication may say")

    @model_validator(mode="after")
    def _something(self):
        if not (self.forbidden or self.deny_when_any or self.only_when_any or self.stop_after_refusal
                or self.purposes is not None or self.max_contacts is not None):
            raise ValueError("a recipient rule needs one of forbidden, deny_when_any, only_when_any, "
                             "stop_after_refusal, purposes, max_contacts")
        if self.window is not None and self.max_contacts is None:
            raise ValueError("window needs max_contacts")
        return self


class Recipient_(CompiledRule):
    kind = "recipient"

    def __init__(self, model: RecipientRule, ruleset):
        super().__init__(model, ruleset)
        self.recipients = frozenset(model.recipients)
        self.forbidden = model.forbidden
        self.deny_when_any = tuple(model.deny_when_any or ())
        self.only_when_any = tuple(model.only_when_any or ())
        self.stop_after_refusal = model.stop_after_refusal
        self.purposes = frozenset(model.purposes) if model.purposes is not None else None
        self.max = model.max_contacts
        self.exempt_if = tuple(model.exempt_if or ())
        self.content = " ".join(model.content.split()) if model.content else None
        self.unit = model.unit
        count = model.count or CountFilter()
        if model.per == "role" and count.recipients is None:
            count = count.model_copy(update={"recipients": list(model.recipients)})
        if count.channels is None and model.channels is None:
            # count every channel, not only the attempt's
            from ..vocab import CHANNELS

            count = count.model_copy(update={"channels": list(CHANNELS)})
        self._per = ("recipient",) if model.per == "recipient" else ()
        self._static_key = count_filter_key(count, self.channels)
        self._cap = None
        if self.max is not None and model.window is not None:
            self._cap = embedded_cap(model, ruleset, max=self.max, window=model.window,
                                     per=list(self._per) or ["borrower"], count=count, unit=model.unit)
        self._purpose_text = ", ".join(sorted(self.purposes)) if self.purposes is not None else ""
        recipients = self.recipients
        self.fast_pass = lambda ctx: ctx.attempt.recipient not in recipients
        self.fast_outcome = SKIP
        self.pass_detail = ("not about this recipient (rule covers {})", ", ".join(sorted(recipients)))

    def check(self, ctx: Context) -> Result:
        a = ctx.attempt
        if a.recipient not in self.recipients:
            return Result(SKIP, ("not about {}", a.recipient))
        acct = ctx.account
        if self.forbidden:
            return Result(FAIL, ("{} may never be contacted", a.recipient))
        for f in self.deny_when_any:
            if getattr(acct, f):
                return Result(FAIL, ("no contact with {} while the account is marked {}", a.recipient, f))
        if self.only_when_any and not any(getattr(acct, f) for f in self.only_when_any):
            return Result(FAIL, ("{} may be contacted only when the account is marked {}", a.recipient,
                                 " or ".join(self.only_when_any)))
        if self.stop_after_refusal and acct.third_party_refusals:
            refused = acct.third_party_refusals
            if a.recipient in refused or (a.recipient_id is not None and a.recipient_id in refused):
                return Result(FAIL, ("this {} refused further contact: never contact again", a.recipient))
            if a.recipient_id is None and any(r not in RECIPIENTS for r in refused):
                return Result(FAIL, ("no recipient_id: cannot rule out that this {} is one who refused "
                                     "further contact (fail closed)", a.recipient))
        if self.purposes is not None and a.purpose not in self.purposes:
            return Result(FAIL, ("purpose {} is not allowed with {} (only {})", a.purpose, a.recipient,
                                 self._purpose_text))
        if self.max is not None:
            res = self._check_count(ctx)
            if res.outcome == FAIL:
                return res
        if self.content:
            return Result(PASS, ("{} may be contacted; content: {}", a.recipient, self.content))
        return Result(PASS, ("{} may be contacted", a.recipient))

    def _check_count(self, ctx: Context) -> Result:
        a = ctx.attempt
        for f in self.exempt_if:
            if getattr(a, f):
                return Result(PASS, ("contact cap lifted: {}", f))
        if self._cap is not None:
            return self._cap.check(ctx)
        stamps = ctx.history.select(self._static_key, dynamic_key(self._per, ctx), ctx, None)
        n = bisect.bisect_right(stamps, ctx.ts)
        if n + 1 <= self.max:
            return Result(PASS, ("{} of max {} {} ever with this one", n + 1, self.max, self.unit))
        return Result(FAIL, ("{} of max {} {} ever with this one", n + 1, self.max, self.unit))
