"""Controlled vocabularies shared by the input models and the ruleset language.

Every value here is part of the public contract: rulesets, requests and tests use these exact
strings. Values may be added; none may be renamed.

The terms follow Regulation F (12 CFR 1006) where it has one (consumer, debt collector,
limited-content message) and the Chinese guidance where it does not (紧急联系人 =
``emergency_contact``; 通讯录联系人 = ``address_book_contact``).
"""

from __future__ import annotations

from typing import Literal, get_args

#: How a contact is made. ``voicemail`` is a message left without a live call (for example a
#: ringless voicemail); a call that reaches an answering machine is a ``call`` with outcome
#: ``voicemail``.
Channel = Literal[
    "call", "sms", "email", "letter", "visit", "voicemail", "social_public", "social_private", "im"
]

#: What came of a past contact.
Outcome = Literal[
    "no_answer", "voicemail", "conversation", "busy", "not_connected", "wrong_party",
    "delivered", "undeliverable",
]

#: Who is (or was) contacted, relative to the debt.
Recipient = Literal[
    "borrower", "co_borrower", "guarantor", "spouse", "family", "household_member",
    "parent_of_minor", "guardian", "estate_representative", "attorney", "emergency_contact",
    "reference", "employer", "third_party", "address_book_contact",
]

#: Where the recipient is reached: their own number/address, or one at their place of work.
Place = Literal["personal", "workplace"]

#: Why the contact is made.
Purpose = Literal[
    "collection", "location_inquiry", "collection_ending", "remedy_notice",
    "opt_out_confirmation", "response_to_consumer", "relay_contact_request", "marketing",
    "consent_request",
]

#: How a call is placed (TCPA distinguishes autodialed, prerecorded and artificial voices).
#: ``unknown`` (the default of ``ContactAttempt.dialer`` and ``Contact.dialer``: not stated)
#: fails closed: a rule scoped to some dialers applies to it, an exception scoped to some
#: dialers (e.g. manual calls) is not granted, and a counter of some dialers counts it.
Dialer = Literal["manual", "autodialer", "prerecorded", "ai_voice", "unknown"]

#: Who collects: a third-party debt collector, the creditor collecting its own debt in its own
#: name, or a debt buyer.
CollectorType = Literal["third_party", "first_party", "debt_buyer"]

#: The kind of institution the collector is or collects for (used by the Chinese rules).
InstitutionType = Literal["bank", "consumer_finance", "internet_lender", "collection_agency", "insurer"]

#: The kind of debt an account is (rules scoped to a product, e.g. China's credit-card rules).
DebtType = Literal[
    "credit_card", "consumer_loan", "online_consumer_loan", "mortgage", "auto_loan", "student_loan",
    "medical", "utility", "telecom", "other",
]

#: The outcome of a history entry: an :data:`Outcome`, or ``unknown`` for an attempt whose
#: outcome was never reported (a ledger reservation still pending, or expired without being
#: completed or cancelled). ``unknown`` is counted by every counter whatever outcomes it keeps or
#: drops (fail closed: it may have been a conversation). Rulesets filter on :data:`Outcome` only.
ContactOutcome = Literal[
    "no_answer", "voicemail", "conversation", "busy", "not_connected", "wrong_party",
    "delivered", "undeliverable", "unknown",
]

Direction = Literal["outbound", "inbound"]

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

#: Confidence in the rule's reading of its source (see the reference notes' status scheme).
Status = Literal["confirmed", "partial", "unconfirmed"]

#: ``deny`` makes a failing rule block the attempt; ``warn`` reports it without blocking.
Severity = Literal["deny", "warn"]

CHANNELS: tuple[str, ...] = get_args(Channel)
OUTCOMES: tuple[str, ...] = get_args(Outcome)
RECIPIENTS: tuple[str, ...] = get_args(Recipient)
PLACES: tuple[str, ...] = get_args(Place)
PURPOSES: tuple[str, ...] = get_args(Purpose)
DIALERS: tuple[str, ...] = get_args(Dialer)
COLLECTOR_TYPES: tuple[str, ...] = get_args(CollectorType)
INSTITUTION_TYPES: tuple[str, ...] = get_args(InstitutionType)
DIRECTIONS: tuple[str, ...] = get_args(Direction)
DEBT_TYPES: tuple[str, ...] = get_args(DebtType)
WEEKDAYS: tuple[str, ...] = get_args(Weekday)

#: What kind of telephone line a number is (TCPA distinguishes wireless from residential lines).
#: ``unknown`` fails closed: rules that need consent for mobiles treat it as a mobile.
LineType = Literal["mobile", "residential", "unknown"]

#: Kinds of records the retention rules speak about: ``collection_record`` (records that evidence
#: compliance with the collection rules, e.g. Reg F 1006.100(a)), ``call_recording`` (audio of a
#: collection call) and ``visit_recording`` (audio/video of a field visit).
RecordKind = Literal["collection_record", "call_recording", "visit_recording"]

LINE_TYPES: tuple[str, ...] = get_args(LineType)
RECORD_KINDS: tuple[str, ...] = get_args(RecordKind)
#: Which communication a message is (content rules): the ``initial`` communication, a
#: ``subsequent`` one, or a ``limited_content`` message (Reg F 1006.2(j)).
Stage = Literal["initial", "subsequent", "limited_content"]

#: Who speaks in a call-transcript turn.
Speaker = Literal["agent", "consumer"]

STAGES: tuple[str, ...] = get_args(Stage)
SPEAKERS: tuple[str, ...] = get_args(Speaker)

#: What kind of number a call or text is placed from (caller-number rules, kind ``caller_number``):
#: ``service_series`` — a number from a series a regulator reserves for service and transactional
#: calls (India's 1600xx series for regulated financial entities); ``promotional_series`` — a series
#: reserved for promotional calls (India's 140xx); ``registered`` — a number registered with the
#: regulator or carrier for this use (e.g. a filed collection number); ``ordinary`` — any other
#: number (an unregistered landline or mobile). An unstated type (``None``) is read strictly: a rule
#: that requires a type denies it.
CallerNumberType = Literal["service_series", "promotional_series", "registered", "ordinary"]
CALLER_NUMBER_TYPES: tuple[str, ...] = get_args(CallerNumberType)
