"""Bearer tokens → (user, role), and who may do what.

The permission table is data (:mod:`services.domain.permissions`, AgentOS's), and
a hub config's ``[permissions]`` replaces the roles of any row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from services.domain.permissions import DEFAULT_PERMISSIONS, PERMISSIONS, ROLES
from services.hub.errors import Forbidden, Unauthenticated

__all__ = ["DEFAULT_PERMISSIONS", "PERMISSIONS", "ROLES", "Authority", "Principal"]


@dataclass(frozen=True)
class Principal:
    """Who a request comes from."""

    user: str
    role: str


class Authority:
    """Answers "who is this token?" and "may this role do that?"."""

    def __init__(
        self,
        tokens: Iterable[tuple[str, str, str]],
        permissions: Mapping[str, list[str]] | None = None,
    ) -> None:
        self._tokens = {token: Principal(user, role) for token, user, role in tokens}
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
