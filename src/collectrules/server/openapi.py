"""The OpenAPI 3.1 document, generated from the service's pydantic models (:mod:`.schemas`).

FastAPI lays out the paths; the request and response schemas come from
:func:`pydantic.json_schema.models_json_schema` over the same models the handlers validate with
(strict JSON mode), and every error response is an RFC 9457 problem. The document does not
depend on the rulesets loaded or on the configuration, so ``docs/openapi.json`` is the document
every server serves (a test fails when they drift).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic.json_schema import models_json_schema

from . import schemas as S

_REQUESTS = (S.CheckRequest, S.BatchRequest, S.MessageCheckRequest, S.TranscriptCheckRequest,
             S.ReservationRequest, S.CompleteRequest)
_RESPONSES = (S.DecisionOut, S.BatchOut, S.NextAllowedOut, S.MessageReportOut, S.RulesetsOut, S.ReservationOut,
              S.ReservationStateOut, S.HistoryOut, S.HealthOut, S.ProblemOut)

_PROBLEM_REF = {"$ref": "#/components/schemas/ProblemOut"}
_TITLES = {
    400: "Malformed request (the body is not JSON)",
    401: "Missing or wrong bearer token (only when the service runs with --token-file)",
    404: "No ledger configured, or no such reservation",
    409: "Conflict: an idempotency key reused for another attempt, or the reservation is no longer pending",
    413: "Request body over the size limit",
    422: "Invalid input: each invalid field by path; values are never echoed",
    503: "Not ready, or the ledger is unavailable (nothing was reserved)",
}


def _problem(code: int) -> dict:
    return {"description": _TITLES[code], "content": {"application/problem+json": {"schema": _PROBLEM_REF}}}


def responses_for(model: str | None, *, body: bool = True, auth: bool = True, ledger: bool = False,
                  not_found: bool = False, unready: bool = False) -> dict[int | str, Any]:
    """The ``responses`` of one operation: 200 with ``model`` and the problems it can give."""
    out: dict[int | str, Any] = {}
    if model is not None:
        out[200] = {"description": "OK", "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}}}}
    codes = []
    if body:
        codes += [400, 413, 422]
    if auth:
        codes.append(401)
    if ledger or not_found:
        codes.append(404)
    if ledger:
        codes += [409, 503]
    if unready:
        codes.append(503)
    for c in sorted(set(codes)):
        out[c] = _problem(c)
    return out


def component_schemas() -> dict[str, Any]:
    pairs = [(m, "validation") for m in _REQUESTS] + [(m, "serialization") for m in _RESPONSES]
    _, top = models_json_schema(pairs, ref_template="#/components/schemas/{model}")
    return top.get("$defs", {})


def build_openapi(app) -> dict[str, Any]:
    from fastapi.openapi.utils import get_openapi

    if getattr(app, "openapi_schema", None):
        return app.openapi_schema
    doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes,
                      openapi_version="3.1.0")
    doc["components"] = {
        "schemas": component_schemas(),
        "securitySchemes": {"bearerAuth": {
            "type": "http", "scheme": "bearer",
            "description": "Required on every endpoint but /healthz and /readyz when the service runs "
                           "with --token-file."}},
    }
    for path, ops in doc.get("paths", {}).items():
        for method, op in ops.items():
            responses = op.setdefault("responses", {})
            for code, r in list(responses.items()):
                schema = (r.get("content", {}).get("application/json", {}) or {}).get("schema", {})
                if code == "422" and "HTTPValidationError" in json.dumps(schema):
                    responses[code] = _problem(422)
            if op.get("parameters") and "422" not in responses:
                responses["422"] = _problem(422)
            if path not in ("/healthz", "/readyz"):
                op["security"] = [{"bearerAuth": []}, {}]
            if path == "/v1/reservations" and method == "post":
                op.setdefault("parameters", []).append({
                    "name": "Idempotency-Key", "in": "header", "required": False,
                    "description": "A retried request with the same key returns the same reservation "
                                   "and decision, never a second attempt.",
                    "schema": {"type": "string", "minLength": 1, "maxLength": 200}})
    app.openapi_schema = doc
    return doc


def openapi_document() -> dict[str, Any]:
    """The document as served, built without loading any ruleset (for ``docs/openapi.json``)."""
    from .app import ServerConfig, create_app

    app = create_app(ServerConfig(), service=_DocService())
    return app.openapi()


class _DocService:
    """Stands in for :class:`~.app.Service` when only the document is wanted."""

    def __init__(self):
        from .metrics import Metrics

        self.metrics = Metrics()
        self.holder = None
        self.ledger = None
        self.config = None

    def close(self):
        pass


def main() -> None:  # python -m collectrules.server.openapi > docs/openapi.json
    print(json.dumps(openapi_document(), indent=2, sort_keys=True, ensure_ascii=False))


if __name__ == "__main__":
    main()
