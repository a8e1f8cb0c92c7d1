"""Scenarios: timed scripts of alerts and misbehaviour, and the Alertmanager payloads
they send (webhook version 4, as a real Alertmanager would)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from services.domain.timeutil import ZERO_TIME, to_rfc3339, utcnow

SCENARIOS: tuple[str, ...] = ("calm", "runaway", "pii-leak", "storm", "demo")


class ScenarioError(ValueError):
    """An unknown scenario name."""


@dataclass
class SimAlert:
    """An alert the simulated monitor fires, as Alertmanager would send it."""

    alertname: str
    pack: str
    agent: str
    severity: str
    summary: str
    description: str
    starts_at: str = ""
    firing: bool = True

    @property
    def labels(self) -> dict[str, str]:
        return {
            "agent": self.agent,
            "alertname": self.alertname,
            "pack": self.pack,
            "severity": self.severity,
        }

    @property
    def fingerprint(self) -> str:
        """Stable for the labels, as Alertmanager's is."""
        text = ",".join(f"{k}={v}" for k, v in sorted(self.labels.items()))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def alertmanager_payload(alerts: list[SimAlert], ends_at: str | None = None) -> dict[str, Any]:
    """A webhook body in Alertmanager's payload version 4, grouped by pack."""
    pack = alerts[0].pack
    items = []
    for alert in alerts:
        items.append(
            {
                "status": "firing" if alert.firing else "resolved",
                "labels": alert.labels,
                "annotations": {"description": alert.description, "summary": alert.summary},
                "startsAt": alert.starts_at,
                "endsAt": ZERO_TIME if alert.firing else (ends_at or to_rfc3339(utcnow())),
                "generatorURL": f"http://127.0.0.1/agent-monitor/{alert.pack}/{alert.agent}",
                "fingerprint": alert.fingerprint,
            }
        )
    firing = any(alert.firing for alert in alerts)
    return {
        "receiver": "warroom",
        "status": "firing" if firing else "resolved",
        "alerts": items,
        "groupLabels": {"pack": pack},
        "commonLabels": {"pack": pack},
        "commonAnnotations": {},
        "externalURL": "http://127.0.0.1:9093",
        "version": "4",
        "groupKey": f'{{}}:{{pack="{pack}"}}',
        "truncatedAlerts": 0,
    }


Step = tuple[float, str, dict[str, Any]]


def scenario_steps(name: str) -> list[Step]:
    """The timed steps of scenario ``name``: (seconds from start, action, arguments)."""
    pii = {
        "alertname": "PIIExposure",
        "pack": "support",
        "agent": "ticket-summarizer",
        "severity": "critical",
        "summary": "Possible PII in ticket-summarizer output",
        "description": (
            "ticket-summarizer emitted text matching the e-mail and card-number detectors "
            "in a customer-visible reply (ticket #48213): "
            "jane.doe@example.com, 4111 1111 1111 1111."
        ),
    }
    rate_limit = {
        "alertname": "RateLimitBreach",
        "pack": "finance",
        "agent": "payments-sync",
        "severity": "warning",
        "summary": "payments-sync exceeded its API rate limit",
        "description": "payments-sync hit 429 Too Many Requests 37 times in the last minute.",
    }
    tool_errors = {
        "alertname": "ToolErrorRateHigh",
        "pack": "research",
        "agent": "web-researcher",
        "severity": "warning",
        "summary": "web-researcher tool error rate above 30%",
        "description": "34% of web-researcher's fetch tool calls failed in the last 5 minutes.",
    }
    if name == "calm":
        return []
    if name == "runaway":
        return [(5.0, "runaway", {"agent": "campaign-writer"})]
    if name == "pii-leak":
        return [(3.0, "fire", pii)]
    if name == "storm":
        return [(1.0, "storm", {})]
    if name == "demo":
        return [
            (4.0, "fire", pii),
            (15.0, "runaway", {"agent": "campaign-writer"}),
            (30.0, "fire", rate_limit),
            (45.0, "degrade", {"agent": "web-researcher"}),
            (50.0, "fire", tool_errors),
            (110.0, "resolve", tool_errors),
            (115.0, "recover", {"agent": "web-researcher"}),
            (140.0, "fire", {**rate_limit, "summary": "payments-sync exceeded its API rate limit"}),
        ]
    raise ScenarioError(f"unknown scenario {name!r}; choose one of: {', '.join(SCENARIOS)}")
