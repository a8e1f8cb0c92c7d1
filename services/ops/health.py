"""``warroom health``: is the hub up and well? For scripts, probes and people.

``GET /health`` needs no token, so this works before anyone has one. Given the
URLs of a hub's replicas, each is asked in turn until one answers as a healthy
hub. Exit codes (:class:`~services.ops.outcome.ExitCode`): 0 healthy, 1 the hub
answered but not as a healthy hub, 3 no answer.
"""

from __future__ import annotations

from typing import Any

import httpx

from services.console.replicas import Hubs, hub_urls
from services.domain.textsafe import make_visible
from services.ops.outcome import ExitCode, Outcome

TIMEOUT_S = 5.0


async def check_health(hubs: Hubs) -> Outcome:
    """Ask each of ``hubs``' ``/health`` in turn until one is healthy; the message is
    one line for a terminal (what each said, when none is). ``data["url"]`` names
    the one that answered healthy."""
    outcomes: list[Outcome] = []
    for url in hub_urls(hubs):
        outcomes.append(await _check_one(url))
        if outcomes[-1].exit_code == ExitCode.OK:
            return outcomes[-1]
    if len(outcomes) == 1:
        return outcomes[0]
    unreachable = all(o.exit_code == ExitCode.UNREACHABLE for o in outcomes)
    return Outcome(
        ExitCode.UNREACHABLE if unreachable else ExitCode.ERROR,
        "no replica is healthy: " + " | ".join(o.message for o in outcomes),
    )


async def _check_one(hub_url: str) -> Outcome:
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_S) as client:
            response = await client.get(hub_url + "/health")
    except httpx.HTTPError as error:
        return Outcome(
            ExitCode.UNREACHABLE,
            f"cannot reach the hub at {hub_url}: {error}. Is it running? "
            "Check --hub / WARROOM_HUB.",
        )
    try:
        body: Any = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    if response.status_code == 200 and body.get("status") == "ok":
        # The answer's fields reach a terminal: whatever answered on that port, no escapes.
        version, seq, hub_time = (make_visible(body.get(k)) for k in ("version", "seq", "hub_time"))
        return Outcome(
            ExitCode.OK,
            f"healthy: {hub_url} version {version} seq {seq} hub time {hub_time}",
            {"health": body, "url": hub_url},
        )
    return Outcome(
        ExitCode.ERROR,
        f"{hub_url} is unhealthy: HTTP {response.status_code} {response.text[:200]!r}",
        {"status": response.status_code},
    )
