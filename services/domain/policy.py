"""The incident policy: the runbook's rules as data (``services/domain/policy.toml``).

A deployment overrides tables or keys with its own TOML file; what it does not
name keeps the defaults. The functions here are pure: they take the policy and,
where time matters, ``now``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from services.domain.models import ALL_CATEGORIES, INCIDENT_STATUSES, SEVERITIES

DEFAULT_CATEGORY = "incorrect_output"
POST_INCIDENT = "post-incident"
# Every incident status but ``resolved`` is a runbook step; resolved is post-incident.
REQUIRED_STEPS: tuple[str, ...] = (
    *(s for s in INCIDENT_STATUSES if s != "resolved"),
    POST_INCIDENT,
)


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file and key."""


@dataclass(frozen=True)
class EscalationPolicy:
    """The runbook's Escalation Contacts (``[escalation]``); defaults are the runbook's."""

    no_progress_minutes: int = 30
    no_progress_severities: tuple[str, ...] = ("SEV1", "SEV2")
    no_progress_role: str = "engineering-manager"
    security_categories: tuple[str, ...] = (
        "pii_exposure",
        "unauthorized_access",
        "credential_compromise",
        "authorization_failure",
    )
    security_role: str = "security-lead"
    breach_role: str = "legal"
    page_severities: tuple[str, ...] = ("SEV1", "SEV2")
    page_roles: tuple[str, ...] = ("on-call", "engineering-manager")
    ticket_role: str = "on-call"

    @property
    def no_progress_seconds(self) -> int:
        return self.no_progress_minutes * 60


@dataclass(frozen=True)
class Step:
    """One runbook response step; its window is in seconds from the incident's opening."""

    name: str
    start_s: int | None = None
    end_s: int | None = None


DEFAULT_STEPS: tuple[Step, ...] = (
    Step("triage", 0, 300),
    Step("contain", 300, 900),
    Step("investigate", 900, 3600),
    Step("remediate", 3600),
    Step("recover"),
    Step(POST_INCIDENT),
)


@dataclass(frozen=True)
class Policy:
    """The parsed policy. Build it with :func:`load_policy`."""

    raw: dict[str, Any]
    response_minutes: dict[str, int] = field(default_factory=dict)
    category_severity: dict[str, str] = field(default_factory=dict)
    alertname_category: dict[str, str] = field(default_factory=dict)
    escalation: EscalationPolicy = field(default_factory=EscalationPolicy)
    steps: tuple[Step, ...] = DEFAULT_STEPS
    status_update_minutes: dict[str, int] = field(default_factory=dict)
    retrospective_hours: int = 72
    retrospective_severities: tuple[str, ...] = ("SEV1", "SEV2")

    def severity_for(self, category: str) -> str:
        """The severity an incident of ``category`` opens at (SEV3 when unlisted)."""
        return self.category_severity.get(category, "SEV3")

    def category_for(self, labels: dict[str, str]) -> str:
        """The runbook category of an alert, from its labels."""
        explicit = labels.get("category", "")
        if explicit in ALL_CATEGORIES:
            return explicit
        return self.alertname_category.get(labels.get("alertname", ""), DEFAULT_CATEGORY)

    def response_seconds(self, severity: str) -> int:
        """Seconds allowed to respond to an incident of ``severity``."""
        return int(self.response_minutes.get(severity, 24 * 60)) * 60

    def status_update_seconds(self, severity: str) -> int:
        """Seconds between status updates for an incident of ``severity``."""
        return int(self.status_update_minutes.get(severity, 24 * 60)) * 60

    def step(self, name: str) -> Step | None:
        """The runbook step called ``name`` (an incident status or ``post-incident``)."""
        return next((step for step in self.steps if step.name == name), None)

    def retrospective_required(self, severity: str) -> bool:
        """Whether the runbook asks for a retrospective (SEV1/2 by default)."""
        return severity in self.retrospective_severities

    def retrospective_due(self, severity: str, resolved_at: datetime | None) -> datetime | None:
        """When the retrospective is due, or ``None`` (not required, or not resolved yet)."""
        if resolved_at is None or not self.retrospective_required(severity):
            return None
        return resolved_at + timedelta(hours=self.retrospective_hours)


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def default_policy_text() -> str:
    return resources.files("services.domain").joinpath("policy.toml").read_text(encoding="utf-8")


def load_policy(path: str | Path | None = None) -> Policy:
    """The default policy, overridden by the TOML file at ``path`` when given."""
    raw = tomllib.loads(default_policy_text())
    source = "services/domain/policy.toml"
    if path is not None:
        source = str(path)
        try:
            override = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as error:
            raise PolicyError(f"{source}: cannot read: {error.strerror}") from None
        except tomllib.TOMLDecodeError as error:
            raise PolicyError(f"{source}: not valid TOML: {error}") from None
        raw = _merge(raw, override)
    return _validate(raw, source)


def _validate(raw: dict[str, Any], source: str) -> Policy:
    response = raw.get("response_minutes", {})
    for sev in SEVERITIES:
        value = response.get(sev)
        if not isinstance(value, int) or value <= 0:
            raise PolicyError(f"{source}: response_minutes.{sev} must be a positive integer")
    cat_sev = raw.get("category_severity", {})
    for cat, sev in cat_sev.items():
        if sev not in SEVERITIES:
            raise PolicyError(f"{source}: category_severity.{cat} must be one of {SEVERITIES}")
    names = raw.get("alertname_category", {})
    for name, cat in names.items():
        if cat not in ALL_CATEGORIES:
            raise PolicyError(f"{source}: alertname_category.{name}: unknown category {cat!r}")
    updates = raw.get("status_update_minutes", {})
    for sev in SEVERITIES:
        value = updates.get(sev)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise PolicyError(f"{source}: status_update_minutes.{sev} must be a positive integer")
    retro = raw.get("retrospective", {})
    hours = retro.get("hours")
    if not isinstance(hours, int) or isinstance(hours, bool) or hours <= 0:
        raise PolicyError(f"{source}: retrospective.hours must be a positive integer")
    retro_sevs = _str_list(retro, "severities", f"{source}: retrospective", SEVERITIES)
    return Policy(
        raw=raw,
        response_minutes=dict(response),
        category_severity=dict(cat_sev),
        alertname_category=dict(names),
        escalation=_escalation(raw.get("escalation", {}), source),
        steps=_steps(raw.get("steps", []), source),
        status_update_minutes=dict(updates),
        retrospective_hours=hours,
        retrospective_severities=retro_sevs,
    )


def _str_list(
    table: dict[str, Any], key: str, where: str, allowed: tuple[str, ...] | None = None
) -> tuple[str, ...]:
    value = table.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise PolicyError(f"{where}.{key} must be a list of strings")
    for item in value:
        if allowed is not None and item not in allowed:
            raise PolicyError(f"{where}.{key}: {item!r} is not one of {allowed}")
    return tuple(value)


def _escalation(table: Any, source: str) -> EscalationPolicy:
    where = f"{source}: escalation"
    if not isinstance(table, dict):
        raise PolicyError(f"{where} must be a table")
    # A misspelt key would silently keep a default and page the wrong people.
    known = set(EscalationPolicy.__dataclass_fields__)
    for key in table:
        if key not in known:
            raise PolicyError(f"{where}.{key}: unknown key")
    minutes = table.get("no_progress_minutes")
    if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
        raise PolicyError(f"{where}.no_progress_minutes must be a positive integer")
    roles: dict[str, str] = {}
    for key in ("no_progress_role", "security_role", "breach_role", "ticket_role"):
        value = table.get(key)
        if not isinstance(value, str) or not value:
            raise PolicyError(f"{where}.{key} must be a non-empty string")
        roles[key] = value
    return EscalationPolicy(
        no_progress_minutes=minutes,
        no_progress_severities=_str_list(table, "no_progress_severities", where, SEVERITIES),
        security_categories=_str_list(table, "security_categories", where, ALL_CATEGORIES),
        page_severities=_str_list(table, "page_severities", where, SEVERITIES),
        page_roles=_str_list(table, "page_roles", where),
        **roles,
    )


def _minutes(item: dict[str, Any], key: str, where: str) -> int | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise PolicyError(f"{where}.{key} must be a non-negative integer (minutes)")
    return value * 60


def _steps(items: Any, source: str) -> tuple[Step, ...]:
    if not isinstance(items, list):
        raise PolicyError(f"{source}: steps must be an array of tables ([[steps]])")
    steps: list[Step] = []
    for index, item in enumerate(items):
        where = f"{source}: steps[{index}]"
        if not isinstance(item, dict):
            raise PolicyError(f"{where} must be a table")
        name = item.get("status")
        if not isinstance(name, str) or not name:
            raise PolicyError(f"{where}.status must be a non-empty string")
        start, end = _minutes(item, "start", where), _minutes(item, "end", where)
        if start is not None and end is not None and end <= start:
            raise PolicyError(f"{where}.end must be after start")
        if any(step.name == name for step in steps):
            raise PolicyError(f"{where}.status: {name!r} is listed twice")
        steps.append(Step(name, start, end))
    names = [step.name for step in steps]
    missing = [name for name in REQUIRED_STEPS if name not in names]
    if missing:
        raise PolicyError(f"{source}: steps: missing {', '.join(missing)}")
    if names[-1] != POST_INCIDENT:
        raise PolicyError(f"{source}: steps: {POST_INCIDENT} must be the last step")
    return tuple(steps)
