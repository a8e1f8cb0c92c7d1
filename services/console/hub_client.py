"""The console's client for the hub's control API (docs/protocol.md).

A thin ``httpx.AsyncClient`` wrapper: the generic :meth:`HubClient.request`,
plus the few reads and switch changes production code makes. Every POST
carries an ``Idempotency-Key`` (the caller's, or a fresh one) so a retry after
a timeout never applies twice. Every path is built by :func:`hub_path`, which
quotes each segment, so a name from the hub or a person can never change the
path. Failures are typed: :class:`HubUnreachable` when no answer came back,
:class:`HubRefused` when the hub answered with an error.

A hub may run as several replicas (``--hub URL1,URL2,…``). Requests go to the
current one; when it does not answer (refused, reset, timed out) or answers 502,
503 or 504, the same request — under the same ``Idempotency-Key``, so it is
applied once whichever replica gets it — goes to the next, and the one that
answers becomes current. A request that is neither idempotent nor keyed moves
on only when it cannot have been sent (the connection was never made).
"""

from __future__ import annotations

import functools
import ssl
import uuid
from collections.abc import Mapping
from types import TracebackType
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from services.console.replicas import Hubs, hub_label, hub_urls

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "HubCallError",
    "HubClient",
    "HubRefused",
    "HubUnreachable",
    "hub_path",
    "new_idempotency_key",
    "switch_request",
]

DEFAULT_TIMEOUT_S = 5.0
# Answers that say "this replica cannot serve you now", not "the hub refuses".
TRY_ANOTHER_REPLICA = frozenset({502, 503, 504})
# Methods a retry cannot apply twice (RFC 9110 §9.2.2); a keyed POST is safe too.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class HubCallError(Exception):
    """Base of the errors raised by :class:`HubClient` (a call to the hub failed)."""


class HubUnreachable(HubCallError):
    """No answer from the hub (connection refused, timeout, broken response)."""


class HubRefused(HubCallError):
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
    if not value:
        raise ValueError("an empty path segment")
    if value.strip(".") == "":
        # "." and ".." are quoted too: a client normalises them away (``/a/..`` is ``/``).
        return "%2E" * len(value)
    return quote(value, safe="")


def hub_path(*segments: str, query: Mapping[str, str | None] | None = None) -> str:
    """The one builder of the console's request paths.

    ``hub_path("api", "killswitch", "pack", name)`` → ``/api/killswitch/pack/<name>``
    with every segment quoted as exactly one segment (``a/b?c`` → ``a%2Fb%3Fc``,
    ``..`` → ``%2E%2E``). ``query`` pairs whose value is ``None`` are left out.
    """
    path = "/" + "/".join(_segment(segment) for segment in segments)
    pairs = {key: value for key, value in (query or {}).items() if value is not None}
    return f"{path}?{urlencode(pairs)}" if pairs else path


@functools.cache
def tls_context() -> ssl.SSLContext:
    """httpx's default verification (certifi's roots, or ``SSL_CERT_FILE`` /
    ``SSL_CERT_DIR``), built once per process: loading the roots costs 30 to 50 ms,
    and the console makes a client for each action on its event loop."""
    return httpx.create_ssl_context()


class HubClient:
    """Async client for the hub's HTTP API; use as an async context manager.

    ``base_url`` is the hub's URL, or the URLs of its replicas (tried in turn from
    ``prefer``, else the first)."""

    def __init__(
        self,
        base_url: Hubs,
        token: str,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        transport: httpx.AsyncBaseTransport | None = None,
        prefer: str | None = None,
    ) -> None:
        self.urls = hub_urls(base_url)
        if not self.urls:
            raise ValueError("a hub client needs at least one URL")
        preferred = prefer.rstrip("/") if prefer else None
        self._current = self.urls.index(preferred) if preferred in self.urls else 0
        self._http = httpx.AsyncClient(
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
            transport=transport,
            verify=tls_context(),
        )

    @property
    def base_url(self) -> str:
        """The replica requests go to first: the last one that answered."""
        return self.urls[self._current]

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

    async def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Any request; ``path`` comes from :func:`hub_path`. A POST is sent under
        ``idempotency_key`` (the outbox keeps its own), else under a fresh one."""
        headers = {}
        if method == "POST":
            headers["Idempotency-Key"] = idempotency_key or new_idempotency_key()
        response = await self._send(method, path, body, headers)
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

    async def _send(
        self, method: str, path: str, body: dict[str, Any] | None, headers: dict[str, str]
    ) -> httpx.Response:
        """The answer of the first replica that gives one, from the current one on."""
        # Safe to send again elsewhere: a retry cannot apply it twice.
        safe = method in IDEMPOTENT_METHODS or "Idempotency-Key" in headers
        count = len(self.urls)
        failures: list[str] = []
        last_error: httpx.HTTPError | None = None
        for turn in range(count):
            index = (self._current + turn) % count
            url = self.urls[index]
            where = "" if count == 1 else f"{hub_label(url)}: "
            try:
                response = await self._http.request(method, url + path, json=body, headers=headers)
            except httpx.HTTPError as error:
                last_error = error
                failures.append(f"{where}{error or type(error).__name__}")
                never_sent = isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout))
                if safe or never_sent:
                    continue
                break
            if safe and response.status_code in TRY_ANOTHER_REPLICA and turn + 1 < count:
                failures.append(f"{where}HTTP {response.status_code}")
                continue
            self._current = index
            return response
        raise HubUnreachable(f"{method} {path}: {'; '.join(failures)}") from last_error

    # -- reading --------------------------------------------------------------

    async def whoami(self) -> dict[str, Any]:
        """``GET /api/whoami``: user, role and permissions of this token."""
        return await self.request("GET", hub_path("api", "whoami"))

    async def packs_status(self) -> dict[str, Any]:
        """``GET /api/packs/status``: the global switch and every pack's switch and agents."""
        return await self.request("GET", hub_path("api", "packs", "status"))

    async def incidents(self) -> list[dict[str, Any]]:
        """``GET /api/incidents``: every incident the hub holds, open and resolved."""
        data = await self.request("GET", hub_path("api", "incidents"))
        rows = data.get("incidents", [])
        return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []

    async def incident(self, incident_id: str) -> dict[str, Any]:
        """``GET /api/incidents/{id}``: the incident and its timeline."""
        return await self.request("GET", hub_path("api", "incidents", incident_id))

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
        query = {
            "target": target,
            "incident_id": incident_id,
            "since": since,
            "until": until,
            "limit": None if limit is None else str(limit),
        }
        data = await self.request("GET", hub_path("api", "audit", query=query))
        return list(data.get("records", []))

    # -- Alertmanager silences, through the hub ------------------------------------

    async def silences(self) -> list[dict[str, Any]]:
        """``GET /api/silences``: Alertmanager's silences, as the hub reads them."""
        data = await self.request("GET", hub_path("api", "silences"))
        return list(data.get("silences", []))

    async def create_silence(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        """``POST /api/silences`` (``fingerprint`` or ``incident_id``, ``minutes``,
        ``comment``): the silences created."""
        data = await self.request("POST", hub_path("api", "silences"), body)
        return list(data.get("silences", []))

    async def expire_silence(self, silence_id: str, incident_id: str | None = None) -> None:
        """``POST /api/silences/{id}/expire``."""
        body = {"incident_id": incident_id} if incident_id else {}
        await self.request("POST", hub_path("api", "silences", silence_id, "expire"), body)

    async def reveal_pii(self) -> dict[str, Any]:
        """``POST /api/pii/reveal``: have the hub log that this console shows category B PII."""
        return await self.request("POST", hub_path("api", "pii", "reveal"), {})

    # -- kill switches (the command-line fallback; the console journals its own) --

    async def set_global_switch(
        self,
        enabled: bool,
        reason: str,
        *,
        incident_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """``POST /api/killswitch/global``; ``enabled=False`` stops all agents."""
        path, body = switch_request(None, enabled, reason, incident_id)
        return await self.request("POST", path, body, idempotency_key)

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
        path, body = switch_request(pack, enabled, reason, incident_id)
        return await self.request("POST", path, body, idempotency_key)


def switch_request(
    pack: str | None, enabled: bool, reason: str, incident_id: str | None
) -> tuple[str, dict[str, Any]]:
    """The path and body of one kill-switch change (the console journals exactly these)."""
    path = hub_path("api", "killswitch", "global")
    if pack is not None:
        path = hub_path("api", "killswitch", "pack", pack)
    body: dict[str, Any] = {"enabled": enabled, "reason": reason}
    if incident_id:
        body["incident_id"] = incident_id
    return path, body
