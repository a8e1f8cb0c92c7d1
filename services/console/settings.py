"""The console's settings: built once from the config file, then the environment
(``WARROOM_…``), then command-line flags, and passed in.

The config file is TOML at ``$XDG_CONFIG_HOME/warroom/config.toml`` (default
``~/.config/warroom/config.toml``) unless ``WARROOM_CONFIG`` names another::

    hub = "http://127.0.0.1:8080"
    token = "…"
    redact = true
    stale_after_heartbeats = 3
    restore_watch_minutes = 5   # guided restore: watch each pack this long

    [keys]            # action id -> key(s), applied with App.set_keymap
    "dashboard.quit" = "ctrl+q"

Errors name the file and the key.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

DEFAULT_HUB = "http://127.0.0.1:8080"


class SettingsError(ValueError):
    """A config file or environment value that cannot be used."""


@dataclass(frozen=True)
class ConsoleSettings:
    """Everything the console needs to start."""

    hub_url: str = DEFAULT_HUB
    token: str = ""
    # Redact PII (categories A and B) in alert and note text shown on screen.
    redact: bool = False
    # Wall mode: read-only, big timers, STALE overlay.
    wall: bool = False
    # The console's own durable files (journal, outbox, audit).
    data_dir: Path = field(default_factory=lambda: default_data_dir())
    # Missed heartbeat intervals before the data is declared STALE.
    stale_after_heartbeats: int = 3
    # Guided restore: how long each re-enabled pack is watched before the next.
    restore_watch_s: float = 300.0
    keymap: dict[str, str] = field(default_factory=dict)
    config_path: Path | None = None

    @property
    def ws_url(self) -> str:
        """The stream's websocket URL derived from the hub URL."""
        base = self.hub_url.rstrip("/")
        if base.startswith("https://"):
            base = "wss://" + base[len("https://") :]
        elif base.startswith("http://"):
            base = "ws://" + base[len("http://") :]
        return base + "/api/stream"


def default_config_path() -> Path:
    if os.environ.get("WARROOM_CONFIG"):
        return Path(os.environ["WARROOM_CONFIG"])
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "warroom" / "config.toml"


def default_data_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "warroom"


def _bool(source: str, key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on"):
        return True
    if isinstance(value, str) and value.lower() in ("0", "false", "no", "off", ""):
        return False
    raise SettingsError(f"{source}: {key} must be true or false, not {value!r}")


def _url(source: str, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise SettingsError(f"{source}: {key} must be an http:// or https:// URL, not {value!r}")
    return value.rstrip("/")


def load_settings(
    path: Path | None = None,
    env: dict[str, str] | None = None,
    **flags: Any,
) -> ConsoleSettings:
    """File, then environment, then flags (``None`` flags are ignored)."""
    env = dict(os.environ) if env is None else env
    settings = ConsoleSettings()
    config_path = path or default_config_path()
    if config_path.exists():
        source = str(config_path)
        try:
            raw = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise SettingsError(f"{source}: not valid TOML: {error}") from None
        known = {
            "hub",
            "token",
            "redact",
            "data_dir",
            "stale_after_heartbeats",
            "restore_watch_minutes",
            "keys",
        }
        for key in raw:
            if key not in known:
                raise SettingsError(f"{source}: unknown key {key!r} (known: {sorted(known)})")
        updates: dict[str, Any] = {"config_path": config_path}
        if "hub" in raw:
            updates["hub_url"] = _url(source, "hub", raw["hub"])
        if "token" in raw:
            if not isinstance(raw["token"], str):
                raise SettingsError(f"{source}: token must be a string")
            updates["token"] = raw["token"]
        if "redact" in raw:
            updates["redact"] = _bool(source, "redact", raw["redact"])
        if "data_dir" in raw:
            updates["data_dir"] = Path(str(raw["data_dir"])).expanduser()
        if "stale_after_heartbeats" in raw:
            value = raw["stale_after_heartbeats"]
            if not isinstance(value, int) or value < 1:
                raise SettingsError(f"{source}: stale_after_heartbeats must be a positive integer")
            updates["stale_after_heartbeats"] = value
        if "restore_watch_minutes" in raw:
            value = raw["restore_watch_minutes"]
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise SettingsError(f"{source}: restore_watch_minutes must be a positive number")
            updates["restore_watch_s"] = float(value) * 60.0
        if "keys" in raw:
            keys = raw["keys"]
            if not isinstance(keys, dict) or not all(isinstance(v, str) for v in keys.values()):
                raise SettingsError(f"{source}: [keys] maps action ids to key strings")
            updates["keymap"] = dict(keys)
        settings = replace(settings, **updates)
    if env.get("WARROOM_HUB"):
        settings = replace(settings, hub_url=_url("WARROOM_HUB", "value", env["WARROOM_HUB"]))
    if env.get("WARROOM_TOKEN"):
        settings = replace(settings, token=env["WARROOM_TOKEN"])
    if "WARROOM_REDACT" in env:
        settings = replace(settings, redact=_bool("WARROOM_REDACT", "value", env["WARROOM_REDACT"]))
    if env.get("WARROOM_DATA"):
        settings = replace(settings, data_dir=Path(env["WARROOM_DATA"]).expanduser())
    overrides = {key: value for key, value in flags.items() if value is not None}
    if "hub_url" in overrides:
        overrides["hub_url"] = _url("--hub", "value", overrides["hub_url"])
    return replace(settings, **overrides)
