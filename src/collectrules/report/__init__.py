"""Reporters: they only format what the evaluator returned (text, JSON)."""
