"""The hub's configuration: one typed object, loaded from TOML (docs/protocol.md).

Unknown keys and bad values are refused at start, with the file and the key
named, so a typo never silently leaves a default (or a hole in auth) in place.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from services.domain.permissions import DEFAULT_PERMISSIONS, PERMISSIONS, ROLES

AGENTOS_PACKS: tuple[str, ...] = (
    "marketing",
    "finance",
    "engineering",
    "devops",
    "legal",
    "research",
    "support",
)
PACK_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class HubConfigError(ValueError):
    """A hub config that cannot be used; the message names the file and the key."""


class TokenEntry(NamedTuple):
    """One ``[[tokens]]`` entry: a bearer token and whom it stands for."""

    token: str
    user: str
    role: str


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/warroom/hub`` (``~/.local/share/warroom/hub``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "warroom" / "hub"


@dataclass
class HubConfig:
    """Everything the hub needs to start."""

    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = field(default_factory=default_data_dir)
    heartbeat_interval_s: float = 2.0
    ring_size: int = 10000
    packs: list[str] = field(default_factory=lambda: list(AGENTOS_PACKS))
    tokens: list[TokenEntry] = field(default_factory=list)
    permissions: dict[str, list[str]] = field(
        default_factory=lambda: {name: list(roles) for name, roles in DEFAULT_PERMISSIONS.items()}
    )
    policy_path: Path | None = None
    # Frames queued for one stream client before it is closed as too slow (1013).
    stream_queue_size: int = 10000
    # An agent silent this long is marked `error`.
    agent_timeout_s: float = 15.0
    # How long a new stream connection has to say hello.
    hello_timeout_s: float = 10.0
    # How often the hub runs its periodic rules (liveness, escalations, stop checks).
    tick_interval_s: float = 1.0
    # [killswitch]: a global stop needs a second operator's confirmation.
    two_person_global: bool = False
    two_person_window_s: float = 300.0
    # Agents of a stopped pack must be seen stopped within this (AgentOS: 30 s).
    stop_deadline_s: float = 30.0
    # [escalation_webhooks]: contact role -> URL; [escalation_delivery]: retries.
    escalation_webhooks: dict[str, str] = field(default_factory=dict)
    delivery_attempts: int = 5
    delivery_backoff_s: float = 2.0
    delivery_timeout_s: float = 5.0


# [hub] key -> (HubConfig field, parser)
def _positive_number(value: Any) -> float | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and value > 0
    return float(value) if ok else None


def _positive_int(value: Any) -> int | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
    return int(value) if ok else None


def _port(value: Any) -> int | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 65535
    return int(value) if ok else None


def _nonempty_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _path(value: Any) -> Path | None:
    return Path(value).expanduser() if isinstance(value, str) and value.strip() else None


def _packs(value: Any) -> list[str] | None:
    if not isinstance(value, list) or not value:
        return None
    if not all(isinstance(p, str) and PACK_NAME.match(p) for p in value):
        return None
    return list(value) if len(set(value)) == len(value) else None


_HUB_KEYS: dict[str, tuple[str, Any, str]] = {
    "host": ("host", _nonempty_str, "a non-empty string"),
    "port": ("port", _port, "an integer from 0 to 65535"),
    "data_dir": ("data_dir", _path, "a non-empty path"),
    "heartbeat_interval_s": ("heartbeat_interval_s", _positive_number, "a positive number"),
    "ring_size": ("ring_size", _positive_int, "a positive integer"),
    "packs": ("packs", _packs, "a non-empty list of distinct pack names ([A-Za-z0-9_.-])"),
    "policy": ("policy_path", _path, "a non-empty path"),
    "stream_queue_size": ("stream_queue_size", _positive_int, "a positive integer"),
    "agent_timeout_s": ("agent_timeout_s", _positive_number, "a positive number"),
    "hello_timeout_s": ("hello_timeout_s", _positive_number, "a positive number"),
    "tick_interval_s": ("tick_interval_s", _positive_number, "a positive number"),
}


def _boolean(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


_KILLSWITCH_KEYS: dict[str, tuple[str, Any, str]] = {
    "two_person_global": ("two_person_global", _boolean, "true or false"),
    "two_person_window_s": ("two_person_window_s", _positive_number, "a positive number"),
    "stop_deadline_s": ("stop_deadline_s", _positive_number, "a positive number"),
}
_DELIVERY_KEYS: dict[str, tuple[str, Any, str]] = {
    "max_attempts": ("delivery_attempts", _positive_int, "a positive integer"),
    "backoff_s": ("delivery_backoff_s", _positive_number, "a positive number"),
    "timeout_s": ("delivery_timeout_s", _positive_number, "a positive number"),
}
_SECTIONS: dict[str, dict[str, tuple[str, Any, str]]] = {
    "hub": _HUB_KEYS,
    "killswitch": _KILLSWITCH_KEYS,
    "escalation_delivery": _DELIVERY_KEYS,
}


def load_hub_config(path: str | os.PathLike[str]) -> HubConfig:
    """Read the hub config at ``path``; raises :class:`HubConfigError` naming file and key."""
    source = str(path)
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise HubConfigError(f"{source}: cannot read: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise HubConfigError(f"{source}: not valid TOML: {error}") from None
    return hub_config_from_dict(raw, source)


def hub_config_from_dict(raw: dict[str, Any], source: str = "<config>") -> HubConfig:
    """Build a :class:`HubConfig` from parsed TOML, checking every key."""
    config = HubConfig()
    for key in raw:
        if key not in (*_SECTIONS, "tokens", "permissions", "escalation_webhooks"):
            raise HubConfigError(f"{source}: {key}: unknown key")
    for section, keys in _SECTIONS.items():
        table = raw.get(section, {})
        if not isinstance(table, dict):
            raise HubConfigError(f"{source}: {section}: must be a table")
        for key, value in table.items():
            if key not in keys:
                raise HubConfigError(f"{source}: {section}.{key}: unknown key")
            attr, parse, expected = keys[key]
            parsed = parse(value)
            if parsed is None:
                raise HubConfigError(f"{source}: {section}.{key}: must be {expected}")
            setattr(config, attr, parsed)
    config.tokens = _tokens(raw.get("tokens", []), source)
    config.permissions.update(_permissions(raw.get("permissions", {}), source))
    config.escalation_webhooks = _webhooks(raw.get("escalation_webhooks", {}), source)
    return config


def _webhooks(value: Any, source: str) -> dict[str, str]:
    """``[escalation_webhooks]``: contact role (as the policy names it) -> http(s) URL."""
    if not isinstance(value, dict):
        raise HubConfigError(f"{source}: escalation_webhooks: must be a table")
    hooks: dict[str, str] = {}
    for role, url in value.items():
        where = f"{source}: escalation_webhooks.{role}"
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise HubConfigError(f"{where}: must be an http:// or https:// URL")
        hooks[role] = url
    return hooks


def _tokens(value: Any, source: str) -> list[TokenEntry]:
    if not isinstance(value, list):
        raise HubConfigError(f"{source}: tokens: must be an array of tables ([[tokens]])")
    entries: list[TokenEntry] = []
    seen: set[str] = set()
    for index, item in enumerate(value):
        where = f"{source}: tokens[{index}]"
        if not isinstance(item, dict):
            raise HubConfigError(f"{where}: must be a table")
        for key in item:
            if key not in ("token", "user", "role"):
                raise HubConfigError(f"{where}.{key}: unknown key")
        for key in ("token", "user", "role"):
            if _nonempty_str(item.get(key)) is None:
                raise HubConfigError(f"{where}.{key}: must be a non-empty string")
        if item["role"] not in ROLES:
            raise HubConfigError(f"{where}.role: {item['role']!r} is not one of {ROLES}")
        if item["token"] in seen:
            raise HubConfigError(f"{where}.token: the same token is listed twice")
        seen.add(item["token"])
        entries.append(TokenEntry(item["token"], item["user"], item["role"]))
    return entries


def _permissions(value: Any, source: str) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise HubConfigError(f"{source}: permissions: must be a table")
    table: dict[str, list[str]] = {}
    for name, roles in value.items():
        where = f"{source}: permissions.{name}"
        if name not in PERMISSIONS:
            raise HubConfigError(f"{where}: unknown permission; known: {PERMISSIONS}")
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise HubConfigError(f"{where}: must be a list of role names")
        for role in roles:
            if role not in ROLES:
                raise HubConfigError(f"{where}: {role!r} is not one of {ROLES}")
        table[name] = list(roles)
    return table
