"""Prometheus metrics of the service (``GET /metrics``, text exposition format).

* ``collectrules_decisions_total{endpoint,result}`` — decisions made (``allowed``/``denied``/
  ``invalid``) by ``/v1/check``, ``/v1/check:batch`` (per item), ``/v1/next-allowed`` and
  ``/v1/reservations``;
* ``collectrules_decision_violations_total{rule_id}`` — denials by the rule id that denied;
* ``collectrules_request_duration_seconds{route}`` — latency histogram, buckets from 10 µs;
* ``collectrules_decision_seconds`` — time inside the evaluator per decision;
* ``collectrules_reloads_total{result}`` — policy reloads (``ok``/``failed``);
* ``collectrules_policy_info{fingerprint}`` — 1 for the policy in force.

With ``--workers N`` the workers share ``PROMETHEUS_MULTIPROC_DIR`` (set by ``collectrules
serve``) and a scrape aggregates every worker.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import CONTENT_TYPE_LATEST

#: Latency buckets in seconds: 10 µs up to 2.5 s.
BUCKETS = (1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 0.5,
           1.0, 2.5)

CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    def __init__(self) -> None:
        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        self.registry = CollectorRegistry()
        reg = self.registry
        self.decisions = Counter("collectrules_decisions_total", "Decisions made, by endpoint and result.",
                                 ["endpoint", "result"], registry=reg)
        self.violations = Counter("collectrules_decision_violations_total",
                                  "Denials by the id of a rule that denied.", ["rule_id"], registry=reg)
        self.latency = Histogram("collectrules_request_duration_seconds", "Request latency by route.",
                                 ["route"], buckets=BUCKETS, registry=reg)
        self.decision_seconds = Histogram("collectrules_decision_seconds", "Time in the evaluator per decision.",
                                          buckets=BUCKETS, registry=reg)
        self.reloads = Counter("collectrules_reloads_total", "Policy reloads, by result.", ["result"], registry=reg)
        kw = {"multiprocess_mode": "liveall"} if self.multiprocess else {}
        self.policy_info = Gauge("collectrules_policy_info", "The policy in force (value 1).", ["fingerprint"],
                                 registry=reg, **kw)
        for r in ("ok", "failed"):
            self.reloads.labels(result=r)
        self._fingerprint: str | None = None

    def set_policy(self, fingerprint: str) -> None:
        if self._fingerprint is not None and self._fingerprint != fingerprint:
            try:
                self.policy_info.remove(self._fingerprint)
            except KeyError:
                pass
        self.policy_info.labels(fingerprint=fingerprint).set(1)
        self._fingerprint = fingerprint

    def decision(self, endpoint: str, decision, seconds: float | None = None) -> None:
        self.decisions.labels(endpoint=endpoint, result="allowed" if decision.allowed else "denied").inc()
        for v in decision.violations:
            self.violations.labels(rule_id=v.rule_id).inc()
        if seconds is not None:
            self.decision_seconds.observe(seconds)

    def invalid(self, endpoint: str) -> None:
        self.decisions.labels(endpoint=endpoint, result="invalid").inc()

    def render(self) -> bytes:
        if self.multiprocess:
            from prometheus_client import multiprocess

            reg = CollectorRegistry()
            multiprocess.MultiProcessCollector(reg)
            return generate_latest(reg)
        return generate_latest(self.registry)
