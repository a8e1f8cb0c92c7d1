"""The hub's client of Prometheus Alertmanager's API v2: pull mode and silences.

One place holds the Alertmanager URLs (``[alertmanager] urls`` or ``warroom hub
--alertmanager URL``, repeatable for an HA pair): consoles and ``warroom silence``
go through the hub, which records every silence on the incident's timeline and in
the audit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from services.domain.models import Silence
from services.domain.timeutil import to_rfc3339
from services.hub.errors import HubError, NotFound
from services.hub.state.alertmanager import IncomingAlert, parse_pulled, parse_silences

log = logging.getLogger("warroom.hub")


class AlertmanagerUnavailable(HubError):
    """No configured Alertmanager answered (502 to the person who asked)."""

    status = 502
    code = "alertmanager_unavailable"


class NoAlertmanager(HubError):
    """The hub has no Alertmanager configured (409: nothing to silence with)."""

    status = 409
    code = "no_alertmanager"


@dataclass
class Pulled:
    """What every instance answered, deduplicated by fingerprint and silence id."""

    alerts: list[IncomingAlert] = field(default_factory=list)
    silences: dict[str, Silence] = field(default_factory=dict)
    answered: int = 0


class AlertmanagerClient:
    """``GET /api/v2/alerts`` and ``/api/v2/silences``, ``POST /api/v2/silences``,
    ``DELETE /api/v2/silence/{id}`` on each configured instance."""

    def __init__(self, urls: list[str], timeout_s: float = 5.0) -> None:
        self.urls = [url.rstrip("/") for url in urls]
        self._client = httpx.AsyncClient(timeout=timeout_s)

    async def close(self) -> None:
        await self._client.aclose()

    async def _get(self, url: str, path: str) -> Any:
        answer = await self._client.get(url + path)
        answer.raise_for_status()
        return answer.json()

    async def pull(self, policy: Any, now: datetime) -> Pulled:
        """Every instance's alerts and silences; an instance that fails is logged and
        skipped (``answered`` says how many answered)."""
        pulled = Pulled()
        seen: set[str] = set()
        for url in self.urls:
            try:
                alerts = await self._get(url, "/api/v2/alerts")
                silences = await self._get(url, "/api/v2/silences")
                items = parse_pulled(alerts, policy, now, external_url=url)
                pulled.silences.update(parse_silences(silences))
            except (httpx.HTTPError, ValueError, HubError) as error:
                log.warning("alertmanager %s: pull failed: %s", url, error)
                continue
            pulled.answered += 1
            for item in items:
                if item.alert.fingerprint not in seen:  # an HA pair holds the same alerts
                    seen.add(item.alert.fingerprint)
                    pulled.alerts.append(item)
        for item in pulled.alerts:
            item.alert.silenced_by = [pulled.silences.get(s.id, s) for s in item.alert.silenced_by]
        return pulled

    async def silences(self) -> dict[str, Silence]:
        """The silences of the first instance that answers."""
        for url in self._urls_or_refuse():
            try:
                return parse_silences(await self._get(url, "/api/v2/silences"))
            except (httpx.HTTPError, ValueError, HubError) as error:
                log.warning("alertmanager %s: silences: %s", url, error)
        raise AlertmanagerUnavailable("no Alertmanager answered")

    async def create_silence(
        self,
        matchers: list[dict[str, Any]],
        starts: datetime,
        ends: datetime,
        created_by: str,
        comment: str,
    ) -> Silence:
        """Create a silence on the first instance that answers (an HA pair shares it by
        gossip); answers it as Alertmanager holds it."""
        starts_at, ends_at = to_rfc3339(starts), to_rfc3339(ends)
        body = {
            "matchers": matchers,
            "startsAt": starts_at,
            "endsAt": ends_at,
            "createdBy": created_by,
            "comment": comment,
        }
        for url in self._urls_or_refuse():
            try:
                answer = await self._client.post(url + "/api/v2/silences", json=body)
                answer.raise_for_status()
                silence_id = str(answer.json()["silenceID"])
            except (httpx.HTTPError, ValueError, KeyError) as error:
                log.warning("alertmanager %s: silence not created: %s", url, error)
                continue
            return Silence(
                id=silence_id,
                created_by=created_by,
                comment=comment,
                starts_at=starts_at,
                ends_at=ends_at,
                matchers=matchers,
            )
        raise AlertmanagerUnavailable("no Alertmanager answered; the silence was not created")

    async def expire(self, silence_id: str) -> None:
        """Expire a silence (``DELETE /api/v2/silence/{id}``)."""
        for url in self._urls_or_refuse():
            try:
                answer = await self._client.delete(f"{url}/api/v2/silence/{silence_id}")
            except httpx.HTTPError as error:
                log.warning("alertmanager %s: silence %s not expired: %s", url, silence_id, error)
                continue
            if answer.is_success:
                return
            if answer.status_code < 500:
                raise NotFound(f"silence {silence_id!r}: {answer.text.strip()[:200]}")
            log.warning("alertmanager %s: silence %s: %s", url, silence_id, answer.status_code)
        raise AlertmanagerUnavailable("no Alertmanager answered; the silence was not expired")

    def _urls_or_refuse(self) -> list[str]:
        if not self.urls:
            raise NoAlertmanager("this hub has no Alertmanager configured ([alertmanager] urls)")
        return self.urls
