"""Roles and who may do what: AgentOS's table, as data (docs/protocol.md).

The hub enforces it (a config's ``[permissions]`` replaces the roles of any row);
consoles read what their token holds from ``GET /api/whoami`` and offer only
the keys it allows.
"""

from __future__ import annotations

from typing import Literal, get_args

Role = Literal[
    "viewer",
    "on-call",
    "team-lead",
    "incident-commander",
    "security-lead",
    "cto",
    "agent",
    "ingest",
]
ROLES: tuple[str, ...] = get_args(Role)
Permission = Literal[
    "read",
    "incident.write",
    "killswitch.pack",
    "killswitch.global",
    "agent.heartbeat",
    "ingest",
    "silence.write",
    "pii.view",
]

# `agent` and `ingest` are service roles: they may only heartbeat and ingest, and
# cannot read the state.
DEFAULT_PERMISSIONS: dict[str, list[str]] = {
    "read": ["viewer", "on-call", "team-lead", "incident-commander", "security-lead", "cto"],
    "incident.write": ["on-call", "team-lead", "incident-commander", "security-lead", "cto"],
    "killswitch.pack": ["team-lead", "on-call", "incident-commander"],
    "killswitch.global": ["incident-commander", "security-lead", "cto"],
    "agent.heartbeat": ["agent"],
    "ingest": ["ingest"],
    # Silencing alerts in Alertmanager (through the hub): who may contain an incident.
    "silence.write": ["on-call", "team-lead", "incident-commander", "security-lead", "cto"],
    # Category B PII (e-mail, phone, …) is redacted on every console by default; these
    # roles may ask to see it, and the hub logs each time they do (POST /api/pii/reveal).
    "pii.view": ["incident-commander", "security-lead", "cto"],
}
PERMISSIONS: tuple[str, ...] = get_args(Permission)
assert tuple(DEFAULT_PERMISSIONS) == PERMISSIONS  # one list, two spellings
