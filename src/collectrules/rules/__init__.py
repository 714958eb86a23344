"""Rule kinds: one module per kind, each with its schema model, compile step and check.

To add a kind: write ``rules/<kind>.py`` with a ``RuleBase`` subclass (``kind: Literal[...]``)
and a ``CompiledRule`` subclass, then add one line to :data:`KINDS`.
"""

from __future__ import annotations

from .account_state import AccountState, AccountStateRule
from .blackout import Blackout, BlackoutRule
from .contact_hours import ContactHours, ContactHoursRule
from .cooldown import Cooldown, CooldownRule
from .disclosure import Disclosure, DisclosureRule
from .frequency_cap import FrequencyCap, FrequencyCapRule
from .prohibition import Prohibition, ProhibitionRule
from .notice_wait import NoticeWait, NoticeWaitRule
from .channel import Channel_, ChannelRule
from .recipient import Recipient_, RecipientRule
from .retention import Retention, RetentionRule
from .limited_content import LimitedContent, LimitedContentRule
from .prohibited_content import ProhibitedContent, ProhibitedContentRule
from .caller_number import CallerNumber, CallerNumberRule
from .holiday_hours import HolidayHours, HolidayHoursRule
from .channel_lock import ChannelLock, ChannelLockRule

#: kind name → (schema model, compiled class)
KINDS: dict[str, tuple[type, type]] = {
    "contact_hours": (ContactHoursRule, ContactHours),
    "blackout": (BlackoutRule, Blackout),
    "frequency_cap": (FrequencyCapRule, FrequencyCap),
    "cooldown": (CooldownRule, Cooldown),
    "account_state": (AccountStateRule, AccountState),
    "prohibition": (ProhibitionRule, Prohibition),
    "notice_wait": (NoticeWaitRule, NoticeWait),
    "recipient": (RecipientRule, Recipient_),
    "channel": (ChannelRule, Channel_),
    "retention": (RetentionRule, Retention),
    "disclosure": (DisclosureRule, Disclosure),
    "prohibited_content": (ProhibitedContentRule, ProhibitedContent),
    "limited_content": (LimitedContentRule, LimitedContent),
    "caller_number": (CallerNumberRule, CallerNumber),
    "holiday_hours": (HolidayHoursRule, HolidayHours),
    "channel_lock": (ChannelLockRule, ChannelLock),
}


def compile_rule(model, ruleset):
    """Compile one validated rule model into its evaluator object."""
    return KINDS[model.kind][1](model, ruleset)
