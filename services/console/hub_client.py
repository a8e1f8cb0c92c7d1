"""The console's client for the hub's control API (docs/protocol.md).

A thin ``httpx.AsyncClient`` wrapper: one method per endpoint, JSON in and out.
Every POST carries an ``Idempotency-Key`` (the caller's, or a fresh one) so a
retry after a timeout never applies twice. Failures are typed:
:class:`HubUnreachable` when no answer came back, :class:`HubRefused` when the
hub answered with an error.
"""

from __future__ import annotations

import uuid
from types import TracebackType
from typing import Any
from urllib.parse import quote, urlencode

import httpx

DEFAULT_TIMEOUT_S = 5.0


class HubError(Exception):
    """Base of the errors raised by :class:`HubClient`."""


class HubUnreachable(HubError):
    """No answer from the hub (connection refused, timeout, broken response)."""


class HubRefused(HubError):
    """The hub answered with an error status."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"hub refused ({status} {code}): {message}")
        self.status = status
        self.code = code
        self.message = message


def new_idempotency_key() -> str:
    """A fresh key for a mutating request."""
    return uuid.uuid4().hex


def _segment(value: str) -> str:
    # Names come from the hub or the user; never let one change the path.
    return quote(value, safe="")


def _switch_body(enabled: bool, reason: str, incident_id: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"enabled": enabled, "reason": reason}
    if incident_id is not None:
        body["incident_id"] = incident_id
    return body


class HubClient:
    """Async client for the hub's HTTP API; use as an async context manager."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
            transport=transport,
        )

    async def __aenter__(self) -> HubClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the underlying connection pool."""
        await self._http.aclose()

    async def _request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        headers = {}
        if method == "POST":
            headers["Idempotency-Key"] = idempotency_key or new_idempotency_key()
        try:
            response = await self._http.request(method, path, json=body, headers=headers)
        except httpx.HTTPError as error:
            raise HubUnreachable(f"{method} {path}: {error or type(error).__name__}") from error
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.is_error:
            error_obj = data.get("error") if isinstance(data, dict) else None
            if isinstance(error_obj, dict):
                code = str(error_obj.get("code", "error"))
                message = str(error_obj.get("message", response.reason_phrase))
            else:
                code, message = "error", response.reason_phrase or "no error body"
            raise HubRefused(response.status_code, code, message)
        if not isinstance(data, dict):
            raise HubUnreachable(f"{method} {path}: the answer is not a JSON object")
        return data

    async def send(
        self, method: str, path: str, body: dict[str, Any] | None, idempotency_key: str
    ) -> dict[str, Any]:
        """Any request, under a key the caller chose and keeps (the console's outbox)."""
        return await self._request(method, path, body, idempotency_key)

    # -- reading --------------------------------------------------------------

    async def health(self) -> dict[str, Any]:
        """``GET /health``: status, version, hub_time, seq, uptime_s."""
        return await self._request("GET", "/health")

    async def whoami(self) -> dict[str, Any]:
        """``GET /api/whoami``: user, role and permissions of this token."""
        return await self._request("GET", "/api/whoami")

    async def state(self) -> dict[str, Any]:
        """``GET /api/state``: the snapshot's data plus ``seq``."""
        return await self._request("GET", "/api/state")

    async def packs_status(self) -> dict[str, Any]:
        """``GET /api/packs/status``: the global switch and every pack's switch and agents."""
        return await self._request("GET", "/api/packs/status")

    async def incidents(self) -> list[dict[str, Any]]:
        """``GET /api/incidents``: all incidents, open first."""
        data = await self._request("GET", "/api/incidents")
        return list(data.get("incidents", []))

    async def incident(self, incident_id: str) -> dict[str, Any]:
        """``GET /api/incidents/{id}``: the incident and its timeline."""
        return await self._request("GET", f"/api/incidents/{_segment(incident_id)}")

    # -- kill switches --------------------------------------------------------

    async def set_global_switch(
        self,
        enabled: bool,
        reason: str,
        *,
        incident_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """``POST /api/killswitch/global``; ``enabled=False`` stops all agents."""
        body = _switch_body(enabled, reason, incident_id)
        return await self._request("POST", "/api/killswitch/global", body, idempotency_key)

    async def set_pack_switch(
        self,
        pack: str,
        enabled: bool,
        reason: str,
        *,
        incident_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """``POST /api/killswitch/pack/{name}``; ``enabled=False`` stops the pack."""
        body = _switch_body(enabled, reason, incident_id)
        path = f"/api/killswitch/pack/{_segment(pack)}"
        return await self._request("POST", path, body, idempotency_key)

    # -- incidents ------------------------------------------------------------

    async def open_incident(
        self,
        title: str,
        severity: str,
        category: str,
        *,
        packs: list[str] | None = None,
        alert_fingerprint: str | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """``POST /api/incidents``: open an incident by hand."""
        body: dict[str, Any] = {"title": title, "severity": severity, "category": category}
        if packs is not None:
            body["packs"] = packs
        if alert_fingerprint is not None:
            body["alert_fingerprint"] = alert_fingerprint
        return await self._request("POST", "/api/incidents", body, idempotency_key)

    async def incident_action(
        self,
        incident_id: str,
        action: str,
        body: dict[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """``POST /api/incidents/{id}/{action}`` (ack, severity, status, notes, resolve)."""
        path = f"/api/incidents/{_segment(incident_id)}/{_segment(action)}"
        return await self._request("POST", path, body or {}, idempotency_key)

    async def ack(self, incident_id: str, *, idempotency_key: str | None = None) -> dict[str, Any]:
        """Acknowledge an incident."""
        return await self.incident_action(incident_id, "ack", idempotency_key=idempotency_key)

    async def set_severity(
        self, incident_id: str, severity: str, *, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """Change an incident's severity."""
        body = {"severity": severity}
        return await self.incident_action(
            incident_id, "severity", body, idempotency_key=idempotency_key
        )

    async def set_status(
        self, incident_id: str, status: str, *, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """Move an incident to a response step (any status but ``resolved``)."""
        body = {"status": status}
        return await self.incident_action(
            incident_id, "status", body, idempotency_key=idempotency_key
        )

    async def add_note(
        self, incident_id: str, text: str, *, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """Add a note to an incident's timeline."""
        body = {"text": text}
        return await self.incident_action(
            incident_id, "notes", body, idempotency_key=idempotency_key
        )

    async def resolve(
        self, incident_id: str, root_cause: str, *, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """Resolve an incident with its root cause."""
        body = {"root_cause": root_cause}
        return await self.incident_action(
            incident_id, "resolve", body, idempotency_key=idempotency_key
        )

    # -- containment, breach, status updates, audit (hub issues 3 and 4) ------

    async def confirm_global_stop(
        self, request_id: str, *, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """``POST /api/killswitch/global/confirm``: a second operator applies a pending stop.

        A global stop requested under the two-person rule answers ``{"pending": …}``
        (HTTP 202) from :meth:`set_global_switch`; its ``id`` is ``request_id`` here.
        """
        body = {"request_id": request_id}
        return await self._request("POST", "/api/killswitch/global/confirm", body, idempotency_key)

    async def confirm_breach(
        self, incident_id: str, *, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """``POST /api/incidents/{id}/breach``: a data breach is confirmed (legal is notified)."""
        body = {"confirmed": True}
        return await self.incident_action(
            incident_id, "breach", body, idempotency_key=idempotency_key
        )

    async def record_status_update(
        self, incident_id: str, kind: str, text: str, *, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """``POST /api/incidents/{id}/status-update``: ``kind`` initial, status or resolution
        was sent with ``text``; restarts the "next status update due" countdown."""
        body = {"kind": kind, "text": text}
        return await self.incident_action(
            incident_id, "status-update", body, idempotency_key=idempotency_key
        )

    async def audit(
        self,
        *,
        target: str | None = None,
        incident_id: str | None = None,
        since: str | None = None,
        until: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """``GET /api/audit``: kill-switch audit records, newest first, filtered by
        ``target`` (``global``, ``pack:NAME``), ``incident_id`` and RFC 3339 times."""
        params = {
            "target": target,
            "incident_id": incident_id,
            "since": since,
            "until": until,
            "limit": None if limit is None else str(limit),
        }
        query = urlencode({k: v for k, v in params.items() if v is not None})
        data = await self._request("GET", f"/api/audit?{query}" if query else "/api/audit")
        return list(data.get("records", []))
