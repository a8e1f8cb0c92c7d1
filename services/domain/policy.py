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
from typing import Annotated, Any, Literal

import msgspec

from services.domain.models import ALL_CATEGORIES, INCIDENT_STATUSES, Category, Severity
from services.domain.schema import SchemaError, TomlFileError, convert, read_toml

DEFAULT_CATEGORY = "incorrect_output"
POST_INCIDENT = "post-incident"
# Every incident status but ``resolved`` is a runbook step; resolved is post-incident.
REQUIRED_STEPS: tuple[str, ...] = (
    *(s for s in INCIDENT_STATUSES if s != "resolved"),
    POST_INCIDENT,
)

PositiveInt = Annotated[int, msgspec.Meta(gt=0)]
Minutes = Annotated[int, msgspec.Meta(ge=0)]
Name = Annotated[str, msgspec.Meta(min_length=1)]


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file and key."""


class _Table(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A policy table: a misspelt key would silently keep a default, so it is an error."""


class EscalationPolicy(_Table, frozen=True):
    """The runbook's Escalation Contacts (``[escalation]`` in ``policy.toml``)."""

    no_progress_minutes: PositiveInt
    no_progress_severities: tuple[Severity, ...]
    no_progress_role: Name
    security_categories: tuple[Category, ...]
    security_role: Name
    breach_role: Name
    page_severities: tuple[Severity, ...]
    page_roles: tuple[Name, ...]
    ticket_role: Name

    @property
    def no_progress_seconds(self) -> int:
        return self.no_progress_minutes * 60


class _PerSeverity(_Table, frozen=True):
    SEV1: PositiveInt
    SEV2: PositiveInt
    SEV3: PositiveInt
    SEV4: PositiveInt


class _StepTable(_Table, frozen=True):
    status: Name
    start: Minutes | None = None
    end: Minutes | None = None

    def __post_init__(self) -> None:
        # msgspec reports this with the step's path (``steps[2]``).
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError("end must be after start")


class _Retrospective(_Table, frozen=True):
    hours: PositiveInt
    severities: tuple[Severity, ...]


class _PolicyFile(_Table, frozen=True):
    """The whole merged policy, as ``policy.toml`` spells it."""

    response_minutes: _PerSeverity
    category_severity: dict[Category, Severity]
    alertname_category: dict[str, Category]
    steps: list[_StepTable]
    escalation: EscalationPolicy
    status_update_minutes: _PerSeverity
    retrospective: _Retrospective
    alert_severity: dict[str, Severity | Literal["none", "category"]] = {}


class Step(msgspec.Struct, frozen=True):
    """One runbook response step; its window is in seconds from the incident's opening."""

    name: str
    start_s: int | None = None
    end_s: int | None = None


@dataclass(frozen=True)
class Policy:
    """The parsed policy. Build it with :func:`load_policy` or :func:`policy_from_dict`."""

    raw: dict[str, Any]
    response_minutes: dict[str, int]
    category_severity: dict[str, Severity]
    alertname_category: dict[str, str]
    escalation: EscalationPolicy
    steps: tuple[Step, ...]
    status_update_minutes: dict[str, int]
    retrospective_hours: int
    retrospective_severities: tuple[str, ...]
    alert_severity: dict[str, str] = field(default_factory=dict)

    def severity_for(self, category: str) -> Severity:
        """The severity an incident of ``category`` opens at (SEV3 when unlisted)."""
        return self.category_severity.get(category, "SEV3")

    def alert_severity_for(self, labels: dict[str, str], category: str) -> Severity | None:
        """The severity of an alert from its ``severity`` label; ``None`` when it must
        never open an incident (``severity: none``).

        An unlisted label (or none) leaves the category's severity; a security
        category is never lowered by the label.
        """
        base = self.severity_for(category)
        mapped = self.alert_severity.get(labels.get("severity", "").strip().lower())
        if mapped is None or mapped == "category":
            return base
        if mapped == "none":
            return None
        if category in self.escalation.security_categories and mapped > base:
            return base  # "SEV1" < "SEV4": a larger name is a lower severity
        return mapped  # type: ignore[return-value]

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
    """The shipped ``policy.toml``: the runbook's defaults."""
    return resources.files("services.domain").joinpath("policy.toml").read_text(encoding="utf-8")


def load_policy(path: str | Path | None = None) -> Policy:
    """The default policy, overridden by the TOML file at ``path`` when given."""
    raw = tomllib.loads(default_policy_text())
    source = "services/domain/policy.toml"
    if path is not None:
        source = str(path)
        try:
            override = read_toml(path)
        except TomlFileError as error:
            raise PolicyError(str(error)) from None
        raw = _merge(raw, override)
    return policy_from_dict(raw, source)


def policy_from_dict(raw: dict[str, Any], source: str) -> Policy:
    """The policy a merged TOML dict describes (a file's, or a hub's snapshot ``policy``).

    Raises :class:`PolicyError` naming ``source`` and the key path.
    """
    try:
        parsed = convert(raw, _PolicyFile)
    except SchemaError as error:
        raise PolicyError(f"{source}: {error}") from None
    steps = _steps(parsed.steps, source)
    return Policy(
        raw=raw,
        response_minutes=msgspec.structs.asdict(parsed.response_minutes),
        category_severity={cat: sev for cat, sev in parsed.category_severity.items()},
        alertname_category={name: cat for name, cat in parsed.alertname_category.items()},
        escalation=parsed.escalation,
        steps=steps,
        status_update_minutes=msgspec.structs.asdict(parsed.status_update_minutes),
        retrospective_hours=parsed.retrospective.hours,
        retrospective_severities=parsed.retrospective.severities,
        alert_severity=dict(parsed.alert_severity),
    )


def _steps(tables: list[_StepTable], source: str) -> tuple[Step, ...]:
    """The steps in order; the rules that span steps (each once, all present, last) here."""
    steps: list[Step] = []
    for index, item in enumerate(tables):
        if any(step.name == item.status for step in steps):
            raise PolicyError(f"{source}: steps[{index}].status: {item.status!r} is listed twice")
        start = None if item.start is None else item.start * 60
        end = None if item.end is None else item.end * 60
        steps.append(Step(item.status, start, end))
    names = [step.name for step in steps]
    missing = [name for name in REQUIRED_STEPS if name not in names]
    if missing:
        raise PolicyError(f"{source}: steps: missing {', '.join(missing)}")
    if names[-1] != POST_INCIDENT:
        raise PolicyError(f"{source}: steps: {POST_INCIDENT} must be the last step")
    return tuple(steps)
