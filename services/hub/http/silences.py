"""Alertmanager silences through the hub: ``GET /api/silences``, ``POST /api/silences``,
``POST /api/silences/{id}/expire`` (docs/protocol.md, "Silences").

The hub holds the Alertmanager URLs and the audit, so a console or ``warroom silence``
never talks to Alertmanager itself. Each silence matches one alert's labels exactly.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from services.domain.api import ExpireSilenceBody, SilenceBody
from services.hub.errors import Invalid, NotFound
from services.hub.http import validate
from services.hub.http.auth import Principal
from services.hub.http.context import HubContext, read_json
from services.hub.state.common import HUB_AUTHOR, Actor

log = logging.getLogger("warroom.hub")


def _actor(request: Request, principal: Principal) -> Actor:
    client = request.client.host if request.client else None
    return Actor(principal.user, principal.role, client, request.headers.get("idempotency-key"))


async def list_silences(request: Request, ctx: HubContext, principal: Principal) -> Response:
    """``GET /api/silences``: Alertmanager's silences (active, pending and expired)."""
    silences = await ctx.alertmanager.silences()
    return JSONResponse({"silences": [s.to_dict() for s in silences.values()]})


async def create_silence(request: Request, ctx: HubContext, principal: Principal) -> Response:
    """``POST /api/silences``: silence an alert, or every firing alert of an incident."""
    body = validate.decode(await read_json(request), SilenceBody)
    if not body.fingerprint and not body.incident_id:
        raise Invalid("fingerprint: name an alert, or incident_id an incident")
    if body.incident_id:
        ctx.state.incidents.get(body.incident_id)  # 404 for an unknown incident
    records = ctx.state.silences
    alerts = records.targets(body.fingerprint, body.incident_id)
    if not alerts:
        what = f"alert {body.fingerprint!r}" if body.fingerprint else "no firing alert"
        raise NotFound(f"{what} to silence")
    actor = _actor(request, principal)
    now = ctx.clock()
    created = []
    for alert in alerts:
        if not alert.labels:
            raise Invalid(f"alert {alert.fingerprint}: no labels to match in Alertmanager")
        incident_id = body.incident_id or alert.incident_id
        matchers = [
            {"name": name, "value": value, "isRegex": False, "isEqual": True}
            for name, value in sorted(alert.labels.items())
        ]
        # The comment Alertmanager shows says who and for which incident.
        comment = (
            f"{body.comment} ({incident_id or 'no incident'}, by {principal.user} via warroom)"
        )
        silence = await ctx.alertmanager.create_silence(
            matchers, now, now + timedelta(minutes=body.minutes), principal.user, comment
        )
        records.created(silence, alert, body.minutes, incident_id, actor)
        created.append(silence.to_dict())
    return JSONResponse({"silences": created})


async def expire_silence(request: Request, ctx: HubContext, principal: Principal) -> Response:
    """``POST /api/silences/{id}/expire``."""
    silence_id = request.path_params["id"]
    body = validate.decode(await read_json(request), ExpireSilenceBody)
    await ctx.alertmanager.expire(silence_id)
    ctx.state.silences.expired(silence_id, body.incident_id, _actor(request, principal))
    return JSONResponse({"expired": silence_id})


def expire_after_resolve(ctx: HubContext, incident_id: str) -> None:
    """With ``[alertmanager] expire_silences_on_resolve``, expire the silences made for a
    resolved incident (in the background: the resolution's answer does not wait)."""
    incident = ctx.state.incidents.get(incident_id)
    if not ctx.config.expire_silences_on_resolve or not incident.silences or incident.is_open:
        return

    async def expire_all() -> None:
        actor = Actor(HUB_AUTHOR, "hub")
        for silence_id in list(incident.silences):
            try:
                await ctx.alertmanager.expire(silence_id)
            except Exception as error:  # one silence failing must not keep the others
                log.warning("silence %s of %s not expired: %s", silence_id, incident_id, error)
                continue
            ctx.state.silences.expired(silence_id, incident_id, actor)

    task = asyncio.get_running_loop().create_task(expire_all())
    ctx.tasks.add(task)
    task.add_done_callback(ctx.tasks.discard)
