"""Alertmanager silences from the command line, through the hub: ``warroom silence``.

Create one for an alert (``--alert FINGERPRINT``) or for every firing alert of an
incident (``--incident INC-N``), list them, expire one. The hub holds the
Alertmanager URLs, writes the incident and the person into the silence's comment,
and records each silence on the incident's timeline and in the audit.

Exit codes (:class:`~services.ops.outcome.ExitCode`): 0 done, 2 refused (by the hub,
or a missing flag), 3 the hub did not answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from services.console.hub_client import HubClient, HubRefused, HubUnreachable
from services.console.replicas import Hubs, shown_hubs
from services.domain.textsafe import make_visible
from services.ops.outcome import ExitCode, Outcome


async def _call(
    hub_url: Hubs, token: str, work: Callable[[HubClient], Awaitable[Outcome]]
) -> Outcome:
    try:
        async with HubClient(hub_url, token) as client:
            return await work(client)
    except HubRefused as error:
        message = make_visible(error.message)
        return Outcome(
            ExitCode.REFUSED,
            f"refused: {message} (HTTP {error.status} {error.code})",
            {"status": error.status, "code": error.code},
        )
    except HubUnreachable as error:
        return Outcome(
            ExitCode.UNREACHABLE,
            f"the hub at {shown_hubs(hub_url)} did not answer ({error}); "
            "nothing is known to have changed",
        )


def format_silence(silence: dict[str, Any]) -> str:
    """One line per silence: id, state, until, by whom, the comment (escapes made visible)."""
    fields = ("id", "state", "ends_at", "created_by", "comment")
    return "  ".join(make_visible(str(silence.get(name, ""))) for name in fields)


async def create(
    hub_url: Hubs,
    token: str,
    *,
    fingerprint: str | None,
    incident_id: str | None,
    minutes: int,
    comment: str,
) -> Outcome:
    """Silence an alert, or an incident's firing alerts, for ``minutes``."""
    if not (fingerprint or incident_id):
        return Outcome(ExitCode.REFUSED, "name what to silence: --alert FINGERPRINT or --incident")
    if not comment.strip():
        return Outcome(ExitCode.REFUSED, "a silence needs --comment TEXT (Alertmanager shows it)")
    body: dict[str, Any] = {"minutes": minutes, "comment": comment}
    if fingerprint:
        body["fingerprint"] = fingerprint
    if incident_id:
        body["incident_id"] = incident_id

    async def work(client: HubClient) -> Outcome:
        made = await client.create_silence(body)
        lines = [f"silenced for {minutes} min:"] + [format_silence(s) for s in made]
        return Outcome(ExitCode.OK, "\n".join(lines), {"silences": made})

    return await _call(hub_url, token, work)


async def list_silences(hub_url: Hubs, token: str) -> Outcome:
    """Every silence Alertmanager holds."""

    async def work(client: HubClient) -> Outcome:
        silences = await client.silences()
        text = "\n".join(format_silence(s) for s in silences) or "no silences"
        return Outcome(ExitCode.OK, text, {"silences": silences})

    return await _call(hub_url, token, work)


async def expire(hub_url: Hubs, token: str, silence_id: str, incident_id: str | None) -> Outcome:
    """Expire one silence."""

    async def work(client: HubClient) -> Outcome:
        await client.expire_silence(silence_id, incident_id)
        return Outcome(ExitCode.OK, f"silence {make_visible(silence_id)} expired")

    return await _call(hub_url, token, work)
