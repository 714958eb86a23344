"""The ruleset source language: schema (pydantic models), loader (YAML with positions)."""
