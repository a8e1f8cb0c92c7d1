"""The incident policy: the runbook's rules as data (``services/policy.toml``).

A deployment overrides tables or keys with its own TOML file; what it does not
name keeps the defaults. The functions here are pure: they take the policy and,
where time matters, ``now``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from services.models import ALL_CATEGORIES, SEVERITIES

DEFAULT_CATEGORY = "incorrect_output"


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file and key."""


@dataclass(frozen=True)
class Policy:
    """The parsed policy. Build it with :func:`load_policy`."""

    raw: dict[str, Any]
    response_minutes: dict[str, int] = field(default_factory=dict)
    category_severity: dict[str, str] = field(default_factory=dict)
    alertname_category: dict[str, str] = field(default_factory=dict)

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


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def default_policy_text() -> str:
    return resources.files("services").joinpath("policy.toml").read_text(encoding="utf-8")


def load_policy(path: str | Path | None = None) -> Policy:
    """The default policy, overridden by the TOML file at ``path`` when given."""
    raw = tomllib.loads(default_policy_text())
    source = "services/policy.toml"
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
    return Policy(
        raw=raw,
        response_minutes=dict(response),
        category_severity=dict(cat_sev),
        alertname_category=dict(names),
    )
