"""The console's settings: built once from the config file, then the environment
(``WARROOM_…``), then command-line flags, and passed in.

The config file is TOML at ``$XDG_CONFIG_HOME/warroom/config.toml`` (default
``~/.config/warroom/config.toml``) unless ``WARROOM_CONFIG`` names another::

    hub = "http://127.0.0.1:8080"   # or the replicas of one hub: ["http://a:8080", "http://b:8080"]
    token = "…"
    redact = true        # category B PII (e-mail, phone, …); false asks to show it
    redact_c = false     # category C (IP addresses, user ids, locations)
    stale_after_heartbeats = 3
    restore_watch_minutes = 5   # guided restore: watch each pack this long
    wall_page_seconds = 10      # warroom wall: turn the pages this often
    wall_bell = true            # warroom wall: ring the bell once per new SEV1
    ascii = false               # ASCII glyphs; unset: when LANG=C or TERM=linux

    [keys]            # action id -> key(s), applied with App.set_keymap
    "dashboard.quit" = "ctrl+q"

The file is decoded with a schema (msgspec): an unknown key or a bad value is
refused, naming the file and the key. ``[keys]`` ids are the app's binding ids,
which only the app knows: it checks them with :func:`unknown_key_ids`.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import msgspec
from msgspec import UNSET, UnsetType

from services.console.replicas import hub_urls
from services.domain.schema import SchemaError, Text, TomlFileError, convert, described, read_toml

DEFAULT_HUB = "http://127.0.0.1:8080"
HttpUrl = Annotated[
    str, msgspec.Meta(pattern=described(r"^https?://", "must be an http:// or https:// URL"))
]


class SettingsError(ValueError):
    """A config file or environment value that cannot be used."""


@dataclass(frozen=True)
class ConsoleSettings:
    """Everything the console needs to start."""

    hub_url: str = DEFAULT_HUB
    # The other replicas of the same hub (``--hub URL1,URL2,…``): the console moves to
    # the next one when its replica stops answering (:attr:`hub_urls` lists them all).
    more_hubs: tuple[str, ...] = ()
    token: str = ""
    # Category A PII (keys, card numbers, SSNs…) is always redacted. Category B (e-mail,
    # phone, address, name, birth date) is too unless this is False, and then only once
    # the hub has recorded that a role holding ``pii.view`` asked (POST /api/pii/reveal).
    redact: bool = True
    # Category C (IP addresses, user ids, locations): redacted only when asked.
    redact_c: bool = False
    # Wall mode: read-only, big timers, STALE overlay.
    wall: bool = False
    # The wall turns its pages this often when the incidents do not fit on one.
    wall_page_seconds: float = 10.0
    # The wall rings the terminal bell once per new SEV1.
    wall_bell: bool = True
    # The console's own durable files (journal, outbox, audit).
    data_dir: Path = field(default_factory=lambda: default_data_dir())
    # Missed heartbeat intervals before the data is declared STALE.
    stale_after_heartbeats: int = 3
    # Guided restore: how long each re-enabled pack is watched before the next.
    restore_watch_s: float = 300.0
    # ASCII glyphs (``--ascii``, ``ascii = true``); None: as the terminal wants
    # (:func:`terminal_wants_ascii`), which load_settings decides.
    ascii: bool | None = None
    keymap: dict[str, str] = field(default_factory=dict)
    config_path: Path | None = None

    def redacted_categories(self, *, pii_view_recorded: bool = False) -> frozenset[str]:
        """The PII categories to redact: A always; B unless turned off *and* recorded;
        C if asked. A wall always redacts B."""
        categories = {"A"}
        if self.redact or self.wall or not pii_view_recorded:
            categories.add("B")
        if self.redact_c:
            categories.add("C")
        return frozenset(categories)

    @property
    def hub_urls(self) -> tuple[str, ...]:
        """Every URL of the hub, the first one first: one, or its replicas."""
        return (self.hub_url, *self.more_hubs)

    @property
    def ws_url(self) -> str:
        """The stream's websocket URL derived from the (first) hub URL."""
        return stream_url(self.hub_url)

    @property
    def ws_urls(self) -> tuple[str, ...]:
        """The stream's websocket URL on every replica, in :attr:`hub_urls`' order."""
        return tuple(stream_url(url) for url in self.hub_urls)


def stream_url(hub_url: str) -> str:
    """``http://host:port`` → ``ws://host:port/api/stream`` (``https`` → ``wss``)."""
    base = hub_url.rstrip("/")
    if base.startswith("https://"):
        base = "wss://" + base[len("https://") :]
    elif base.startswith("http://"):
        base = "ws://" + base[len("http://") :]
    return base + "/api/stream"


class _SettingsFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The config file's keys; those it does not name stay UNSET (the defaults hold)."""

    hub: HttpUrl | Annotated[list[HttpUrl], msgspec.Meta(min_length=1)] | UnsetType = UNSET
    token: str | UnsetType = UNSET
    redact: bool | UnsetType = UNSET
    redact_c: bool | UnsetType = UNSET
    data_dir: Text | UnsetType = UNSET
    stale_after_heartbeats: Annotated[int, msgspec.Meta(ge=1)] | UnsetType = UNSET
    restore_watch_minutes: Annotated[float, msgspec.Meta(gt=0)] | UnsetType = UNSET
    keys: dict[str, Text] | UnsetType = UNSET
    wall_page_seconds: Annotated[float, msgspec.Meta(ge=1)] | UnsetType = UNSET
    wall_bell: bool | UnsetType = UNSET
    ascii: bool | UnsetType = UNSET


def terminal_wants_ascii(env: dict[str, str]) -> bool:
    """True where the terminal cannot draw ``●`` or ``✓``: the kernel console
    (``TERM=linux``) or a locale without UTF-8 (``LANG=C``, ``POSIX``…)."""
    if env.get("TERM") == "linux":
        return True
    # No locale set at all decides nothing (a bare CI shell); one set without UTF-8 does.
    locale = (env.get("LC_ALL") or env.get("LC_CTYPE") or env.get("LANG") or "").lower()
    return bool(locale) and "utf-8" not in locale and "utf8" not in locale


def default_config_path() -> Path:
    if os.environ.get("WARROOM_CONFIG"):
        return Path(os.environ["WARROOM_CONFIG"])
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "warroom" / "config.toml"


def default_data_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "warroom"


def journal_folder(settings: ConsoleSettings) -> Path:
    """The folder of this console's journal: one per hub and token (so per user).

    A journal has one owner at a time (a lock); a read-only viewer on the wall and
    the commander's console on the same machine each get their own, under
    ``WARROOM_DATA/journals/HOST_PORT-HASH``. The hash is of the hub's URLs and the
    token, so the token itself is never written in a path. The replicas of one hub
    share one journal, whichever of them is current and in whatever order they are
    listed (the URLs are sorted): pending actions survive a failover and go to the
    replica that answers. One URL is keyed as it always was.
    """
    urls = sorted(set(settings.hub_urls))
    where = urlsplit(urls[0] if urls else "")
    host = re.sub(r"[^A-Za-z0-9.-]+", "_", where.netloc or "no-hub")[:60]
    key = "\n".join(urls) + "\0" + settings.token
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return settings.data_dir / "journals" / f"{host}-{digest}"


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


def _hubs(source: str, value: Any) -> dict[str, Any]:
    """``hub_url`` and ``more_hubs`` from one URL or a comma-separated list of them
    (``--hub``, ``WARROOM_HUB``); a bad one is named with its place in the list."""
    parts = [part.strip() for part in str(value).split(",")]
    if len(parts) == 1:
        return {"hub_url": _url(source, "value", value), "more_hubs": ()}
    urls: list[str] = []
    for number, part in enumerate(parts, 1):
        url = _url(source, f"URL {number} of {len(parts)}", part)
        if url not in urls:
            urls.append(url)
    return {"hub_url": urls[0], "more_hubs": tuple(urls[1:])}


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
        settings = _from_file(settings, config_path)
    if env.get("WARROOM_HUB"):
        settings = replace(settings, **_hubs("WARROOM_HUB", env["WARROOM_HUB"]))
    if env.get("WARROOM_TOKEN"):
        settings = replace(settings, token=env["WARROOM_TOKEN"])
    if "WARROOM_REDACT" in env:
        settings = replace(settings, redact=_bool("WARROOM_REDACT", "value", env["WARROOM_REDACT"]))
    if "WARROOM_REDACT_C" in env:
        value = _bool("WARROOM_REDACT_C", "value", env["WARROOM_REDACT_C"])
        settings = replace(settings, redact_c=value)
    if env.get("WARROOM_DATA"):
        settings = replace(settings, data_dir=Path(env["WARROOM_DATA"]).expanduser())
    if settings.ascii is None:
        settings = replace(settings, ascii=terminal_wants_ascii(env))
    overrides = {key: value for key, value in flags.items() if value is not None}
    if "hub_url" in overrides:
        overrides |= _hubs("--hub", overrides["hub_url"])
    return replace(settings, **overrides)


def _from_file(settings: ConsoleSettings, path: Path) -> ConsoleSettings:
    """``settings`` with what the TOML file at ``path`` sets."""
    source = str(path)
    try:
        raw = read_toml(path)
    except TomlFileError as error:
        raise SettingsError(str(error)) from None
    try:
        parsed = convert(raw, _SettingsFile)
    except SchemaError as error:
        raise SettingsError(f"{source}: {error}") from None
    updates: dict[str, Any] = {"config_path": path}
    if isinstance(parsed.hub, str):
        updates |= {"hub_url": parsed.hub.rstrip("/"), "more_hubs": ()}
    elif isinstance(parsed.hub, list):
        urls = hub_urls(parsed.hub)
        updates |= {"hub_url": urls[0], "more_hubs": tuple(urls[1:])}
    if parsed.token is not UNSET:
        updates["token"] = parsed.token
    if parsed.ascii is not UNSET:
        updates["ascii"] = parsed.ascii
    if parsed.redact is not UNSET:
        updates["redact"] = parsed.redact
    if parsed.redact_c is not UNSET:
        updates["redact_c"] = parsed.redact_c
    if parsed.data_dir is not UNSET:
        updates["data_dir"] = Path(parsed.data_dir).expanduser()
    if parsed.stale_after_heartbeats is not UNSET:
        updates["stale_after_heartbeats"] = parsed.stale_after_heartbeats
    if parsed.restore_watch_minutes is not UNSET:
        updates["restore_watch_s"] = parsed.restore_watch_minutes * 60.0
    if parsed.wall_page_seconds is not UNSET:
        updates["wall_page_seconds"] = parsed.wall_page_seconds
    if parsed.wall_bell is not UNSET:
        updates["wall_bell"] = parsed.wall_bell
    if parsed.keys is not UNSET:
        updates["keymap"] = dict(parsed.keys)
    return replace(settings, **updates)


def unknown_key_ids(settings: ConsoleSettings, known: Iterable[str]) -> list[str]:
    """One message per ``[keys]`` id that is not a binding id of the app (``known``).

    Each names the file and the key, e.g. ``config.toml: keys.dashbord.quit: unknown
    binding id``; the app says them rather than silently ignoring the mapping.
    """
    known_ids = set(known)
    where = str(settings.config_path) if settings.config_path else "config"
    return [
        f"{where}: keys.{action}: unknown binding id (known: {', '.join(sorted(known_ids))})"
        for action in settings.keymap
        if action not in known_ids
    ]
