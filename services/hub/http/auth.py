"""Bearer tokens → (user, role), and who may do what.

The permission table is data (:mod:`services.domain.permissions`, AgentOS's), and
a hub config's ``[permissions]`` replaces the roles of any row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from services.domain.permissions import DEFAULT_PERMISSIONS, PERMISSIONS, ROLES
from services.hub.errors import Forbidden, Unauthenticated

__all__ = ["DEFAULT_PERMISSIONS", "PERMISSIONS", "ROLES", "Authority", "Principal"]


@dataclass(frozen=True)
class Principal:
    """Who a request comes from."""

    user: str
    role: str
    # What an agent token may report (empty: not bound; then only the number of agent
    # ids it reports is bounded, MAX_AGENTS_PER_TOKEN).
    agents: frozenset[str] = frozenset()
    packs: frozenset[str] = frozenset()


# Agent ids one unbound token may report: a holder cannot register without end.
MAX_AGENTS_PER_TOKEN = 500


class Authority:
    """Answers "who is this token?" and "may this role do that?"."""

    def __init__(
        self,
        tokens: Iterable[tuple[Any, ...]],
        permissions: Mapping[str, list[str]] | None = None,
    ) -> None:
        self._tokens = {entry[0]: _principal(entry) for entry in tokens}
        # Agent ids each unbound agent token has reported (for the bound on them).
        self.agents_seen: dict[str, set[str]] = {}
        table = {name: list(roles) for name, roles in DEFAULT_PERMISSIONS.items()}
        table.update({name: list(roles) for name, roles in (permissions or {}).items()})
        self._permissions = table

    def principal_for(self, authorization: str | None) -> Principal:
        """The principal behind an ``Authorization`` header; raises ``Unauthenticated``."""
        if not authorization:
            raise Unauthenticated("missing Authorization header")
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("malformed Authorization header: expected 'Bearer TOKEN'")
        principal = self._tokens.get(token)
        if principal is None:
            raise Unauthenticated("unknown token")
        return principal

    def permissions_of(self, role: str) -> list[str]:
        """The permissions ``role`` holds, sorted."""
        return sorted(name for name, roles in self._permissions.items() if role in roles)

    def allows(self, role: str, permission: str) -> bool:
        """Whether ``role`` holds ``permission``."""
        return role in self._permissions.get(permission, [])

    def require(self, authorization: str | None, permission: str) -> Principal:
        """Authenticate, then check ``permission``: raises 401 or 403 as the protocol says."""
        principal = self.principal_for(authorization)
        if not self.allows(principal.role, permission):
            raise Forbidden(f"role {principal.role!r} lacks the {permission!r} permission")
        return principal

    def may_report(self, principal: Principal, agent_id: str, pack: str) -> None:
        """Raise 403 unless ``principal`` may report ``agent_id`` in ``pack``: a bound
        token only its own agents and packs, an unbound one a bounded number of ids."""
        if principal.agents and agent_id not in principal.agents:
            raise Forbidden(f"this token reports agents {sorted(principal.agents)} only")
        if principal.packs and pack not in principal.packs:
            raise Forbidden(f"this token reports packs {sorted(principal.packs)} only")
        if principal.agents:
            return
        seen = self.agents_seen.setdefault(principal.user, set())
        if agent_id not in seen and len(seen) >= MAX_AGENTS_PER_TOKEN:
            raise Forbidden(f"this token already reports {MAX_AGENTS_PER_TOKEN} agents")
        seen.add(agent_id)


def _principal(entry: tuple[Any, ...]) -> Principal:
    user, role = entry[1], entry[2]
    agents = frozenset(entry[3]) if len(entry) > 3 else frozenset()
    packs = frozenset(entry[4]) if len(entry) > 4 else frozenset()
    return Principal(user, role, agents, packs)
