"""The voice-bot guard (``Policy.conversation``): check each utterance before an AI collector
speaks it, and hear what the consumer asks for. See ``docs/voice-guard.md``."""

from __future__ import annotations

from .conversation import Conversation, PendingDisclosure, Utterance
from .requests import REQUEST_KINDS, ConsumerRequest, apply_requests, recognise

__all__ = ["Conversation", "ConsumerRequest", "PendingDisclosure", "REQUEST_KINDS", "Utterance", "apply_requests", "recognise"]
