"""The hub's configuration: one typed object, loaded from TOML (docs/protocol.md).

The file is decoded with a schema (msgspec): unknown keys and bad values are
refused at start, with the file and the key path named, so a typo never silently
leaves a default (or a hole in auth) in place. What a file does not name keeps
:class:`HubConfig`'s default.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, NamedTuple

import msgspec
from msgspec import UNSET, UnsetType

from services.domain.permissions import DEFAULT_PERMISSIONS, Permission, Role
from services.domain.runbook import Runbook, RunbookError, load_runbook, runbook_from_dict
from services.domain.schema import SchemaError, Text, TomlFileError, convert, described, read_toml

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
    # An agent token bound to agents (their ids) or packs: it reports only those.
    agents: tuple[str, ...] = ()
    packs: tuple[str, ...] = ()


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
    # A runbook TOML with its Markdown beside it (same name, ``.md``); None: the shipped one.
    runbook_path: Path | None = None
    # `warroom hub --recover`: start from the last good generation of a corrupt store.
    recover: bool = False
    # Frames queued for one stream client before it is closed as too slow (1013).
    stream_queue_size: int = 10000
    # Bytes (of JSON text) queued for one stream client before it is closed as too slow.
    stream_queue_bytes: int = 4 * 1024 * 1024
    # permessage-deflate on the stream (negotiated with each console that offers it).
    # It costs the hub CPU per frame and per client; the fan-out benchmark found the
    # difference small at 50 clients (docs/performance.md), so it stays on: off saves
    # that CPU where consoles sit beside the hub and bytes do not matter.
    stream_compression: bool = True
    # HTTP connections: a request head must arrive within header_timeout_s; an idle
    # keep-alive connection is closed after idle_timeout_s; at max_connections the
    # oldest connection that never sent a request head is closed to make room.
    header_timeout_s: float = 10.0
    idle_timeout_s: float = 5.0
    max_connections: int = 1000
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
    # [alertmanager]: the largest webhook body accepted (a group of thousands of alerts),
    # the instances pulled (an HA pair is deduplicated by fingerprint) and how often.
    ingest_max_body: int = 64 * 1024 * 1024
    alertmanagers: list[str] = field(default_factory=list)
    alertmanager_pull_interval_s: float = 30.0
    # Expire the silences made from warroom for an incident when it is resolved.
    expire_silences_on_resolve: bool = True
    # uvicorn's compiled HTTP parser (httptools) and uvloop; False: the pure-Python h11
    # and asyncio's own loop (kept to measure the difference, benchmarks/fleet.py).
    fast_io: bool = True
    # `--store nats://h1:4222,nats://h2:4222,…`: this hub is one replica of a cluster on
    # NATS JetStream (docs/operations.md); empty: the embedded store in data_dir.
    store_url: str = ""
    # This replica's name in the cluster (its log and the leader's lease); default HOST:PORT.
    replica_name: str = ""


PositiveInt = Annotated[int, msgspec.Meta(gt=0)]
PositiveFloat = Annotated[float, msgspec.Meta(gt=0)]
PackName = Annotated[
    str,
    msgspec.Meta(
        pattern=described(PACK_NAME.pattern, "must be a pack name ([A-Za-z0-9_.-], up to 64)")
    ),
]
HttpUrl = Annotated[
    str, msgspec.Meta(pattern=described(r"^https?://", "must be an http:// or https:// URL"))
]

StoreUrl = Annotated[
    str,
    msgspec.Meta(pattern=described(r"^(nats|tls)://", "must be nats://HOST:PORT[,nats://…]")),
]


class _Table(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A config table: each field is named as the HubConfig attribute it sets (its key
    in the file may differ), and left UNSET when the file does not name it."""


class _HubTable(_Table):
    host: Text | UnsetType = UNSET
    port: Annotated[int, msgspec.Meta(ge=0, le=65535)] | UnsetType = UNSET
    data_dir: Text | UnsetType = UNSET
    heartbeat_interval_s: PositiveFloat | UnsetType = UNSET
    ring_size: PositiveInt | UnsetType = UNSET
    packs: Annotated[list[PackName], msgspec.Meta(min_length=1)] | UnsetType = UNSET
    policy_path: Text | UnsetType = msgspec.field(default=UNSET, name="policy")
    runbook_path: Text | UnsetType = msgspec.field(default=UNSET, name="runbook")
    stream_queue_size: PositiveInt | UnsetType = UNSET
    stream_queue_bytes: PositiveInt | UnsetType = UNSET
    stream_compression: bool | UnsetType = UNSET
    header_timeout_s: PositiveFloat | UnsetType = UNSET
    idle_timeout_s: PositiveFloat | UnsetType = UNSET
    max_connections: PositiveInt | UnsetType = UNSET
    agent_timeout_s: PositiveFloat | UnsetType = UNSET
    hello_timeout_s: PositiveFloat | UnsetType = UNSET
    tick_interval_s: PositiveFloat | UnsetType = UNSET
    store_url: StoreUrl | UnsetType = msgspec.field(default=UNSET, name="store")
    replica_name: Text | UnsetType = msgspec.field(default=UNSET, name="replica")


class _KillswitchTable(_Table):
    two_person_global: bool | UnsetType = UNSET
    two_person_window_s: PositiveFloat | UnsetType = UNSET
    stop_deadline_s: PositiveFloat | UnsetType = UNSET


class _DeliveryTable(_Table):
    delivery_attempts: PositiveInt | UnsetType = msgspec.field(default=UNSET, name="max_attempts")
    delivery_backoff_s: PositiveFloat | UnsetType = msgspec.field(default=UNSET, name="backoff_s")
    delivery_timeout_s: PositiveFloat | UnsetType = msgspec.field(default=UNSET, name="timeout_s")


class _AlertmanagerTable(_Table):
    alertmanagers: list[HttpUrl] | UnsetType = msgspec.field(default=UNSET, name="urls")
    alertmanager_pull_interval_s: PositiveFloat | UnsetType = msgspec.field(
        default=UNSET, name="pull_interval_s"
    )
    ingest_max_body: PositiveInt | UnsetType = msgspec.field(default=UNSET, name="max_body_mb")
    expire_silences_on_resolve: bool | UnsetType = UNSET


class _TokenTable(_Table):
    token: Text
    user: Text
    role: Role
    agents: list[Text] = []
    packs: list[Text] = []


class _HubFile(_Table):
    """The whole file, as docs/protocol.md's "Hub configuration" spells it."""

    hub: _HubTable = msgspec.field(default_factory=_HubTable)
    tokens: list[_TokenTable] = []
    permissions: dict[Permission, list[Role]] = {}
    killswitch: _KillswitchTable = msgspec.field(default_factory=_KillswitchTable)
    escalation_webhooks: dict[str, HttpUrl] = {}
    escalation_delivery: _DeliveryTable = msgspec.field(default_factory=_DeliveryTable)
    alertmanager: _AlertmanagerTable = msgspec.field(default_factory=_AlertmanagerTable)


def load_hub_config(path: str | os.PathLike[str]) -> HubConfig:
    """Read the hub config at ``path``; raises :class:`HubConfigError` naming file and key."""
    try:
        raw = read_toml(path)
    except TomlFileError as error:
        raise HubConfigError(str(error)) from None
    return hub_config_from_dict(raw, str(path))


def hub_config_from_dict(raw: dict[str, Any], source: str = "<config>") -> HubConfig:
    """Build a :class:`HubConfig` from parsed TOML, checking every key."""
    try:
        parsed = convert(raw, _HubFile)
    except SchemaError as error:
        raise HubConfigError(f"{source}: {error}") from None
    config = HubConfig()
    for table in (parsed.hub, parsed.killswitch, parsed.escalation_delivery, parsed.alertmanager):
        for name in table.__struct_fields__:
            value = getattr(table, name)
            if value is not UNSET:
                setattr(config, name, value)
    if parsed.hub.data_dir is not UNSET:
        config.data_dir = Path(parsed.hub.data_dir).expanduser()
    if parsed.hub.policy_path is not UNSET:
        config.policy_path = Path(parsed.hub.policy_path).expanduser()
    if parsed.hub.runbook_path is not UNSET:
        config.runbook_path = Path(parsed.hub.runbook_path).expanduser()
    _no_twice(config.packs, f"{source}: hub.packs")
    _no_twice([t.token for t in parsed.tokens], f"{source}: tokens", ".token", secret=True)
    config.tokens = [
        TokenEntry(t.token, t.user, t.role, tuple(t.agents), tuple(t.packs)) for t in parsed.tokens
    ]
    config.permissions.update({name: list(roles) for name, roles in parsed.permissions.items()})
    config.escalation_webhooks = dict(parsed.escalation_webhooks)
    if parsed.alertmanager.ingest_max_body is not UNSET:
        config.ingest_max_body = parsed.alertmanager.ingest_max_body * 1024 * 1024
    return config


def load_runbook_file(path: Path | None) -> Runbook:
    """The runbook at ``path`` (its checklists) and the Markdown beside it (same name,
    ``.md``), or the shipped one for ``None``; :class:`RunbookError` names the file."""
    if path is None:
        return load_runbook()
    markdown_path = path.with_suffix(".md")
    try:
        raw = read_toml(path)
    except TomlFileError as error:
        raise RunbookError(str(error)) from None
    try:
        markdown = markdown_path.read_text(encoding="utf-8")
    except OSError as error:
        why = error.strerror
        raise RunbookError(f"{markdown_path}: cannot read the runbook's text: {why}") from None
    except UnicodeDecodeError as error:
        raise RunbookError(f"{markdown_path}: not UTF-8: {error.reason}") from None
    return runbook_from_dict(raw, markdown, str(path))


def _no_twice(items: list[str], where: str, suffix: str = "", *, secret: bool = False) -> None:
    """Refuse a pack or a token listed twice, naming the second one (a token by place only)."""
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item in seen:
            what = "the same token" if secret else repr(item)
            raise HubConfigError(f"{where}[{index}]{suffix}: {what} is listed twice")
        seen.add(item)
