"""Who this console's token belongs to, as the hub says (``GET /api/whoami``).

The console offers only what the token may do (the hub refuses the rest
anyway, 403); until the hub has answered, nothing that needs a permission is
offered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Identity", "allowed"]


@dataclass(frozen=True)
class Identity:
    """The user and role behind the token, and the permissions the hub grants it."""

    user: str
    role: str
    permissions: tuple[str, ...] = ()
    two_person_global: bool = False

    @classmethod
    def from_whoami(cls, data: Mapping[str, Any]) -> Identity:
        """The identity in a ``GET /api/whoami`` answer (missing fields read as ``?``)."""
        permissions = data.get("permissions")
        return cls(
            user=str(data.get("user", "?")),
            role=str(data.get("role", "?")),
            permissions=tuple(str(p) for p in permissions) if isinstance(permissions, list) else (),
            two_person_global=data.get("two_person_global") is True,
        )

    def allows(self, permission: str) -> bool:
        """True when the hub said this token holds ``permission``."""
        return permission in self.permissions


def allowed(identity: Identity | None, permission: str) -> bool:
    """True when ``identity`` is known and holds ``permission`` (unknown counts as no)."""
    return identity is not None and identity.allows(permission)
