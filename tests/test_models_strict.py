"""Instants under pydantic's strict JSON validation (the HTTP service validates bodies strictly)."""
import pytest
from pydantic import ValidationError

from collectrules import ContactAttempt


def test_strict_json_reads_iso_instants_with_an_offset():
    a = ContactAttempt.model_validate_json('{"channel": "call", "debt_id": "D1", "at": "2025-06-02T20:59:59-05:00"}', strict=True)
    assert a.at.isoformat() == "2025-06-02T20:59:59-05:00"


@pytest.mark.parametrize("at", ['"2025-06-02T20:59:59"', "0", '"32400"', "true", '"not a time"'])
def test_strict_json_still_refuses_naive_numeric_and_garbage_instants(at):
    with pytest.raises(ValidationError):
        ContactAttempt.model_validate_json('{"channel": "call", "debt_id": "D1", "at": %s}' % at, strict=True)
