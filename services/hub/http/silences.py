"""Alertmanager silences through the hub: ``GET /api/silences``, ``POST /api/silences``,
``POST /api/silences/{id}/expire`` (docs/protocol.md, "Silences").

The hub holds the Alertmanager URLs and the audit, so a console or ``warroom silence``
never talks to Alertmanager itself. Each silence matches one alert's labels exactly.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from services.domain.api import ExpireSilenceBody, SilenceBody
from services.hub.errors import Invalid, NotFound, NotReplicated
from services.hub.http import validate
from services.hub.http.auth import Principal
from services.hub.http.context import HubContext, read_json
from services.hub.http.idempotency import REPLAYED_HEADER, check_key
from services.hub.state.common import HUB_AUTHOR, Actor

log = logging.getLogger("warroom.hub")


def _actor(request: Request, principal: Principal) -> Actor:
    client = request.client.host if request.client else None
    return Actor(principal.user, principal.role, client, request.headers.get("idempotency-key"))


async def list_silences(request: Request, ctx: HubContext, principal: Principal) -> Response:
    """``GET /api/silences``: Alertmanager's silences (active, pending and expired)."""
    silences = await ctx.alertmanager.silences()
    return JSONResponse({"silences": [s.to_dict() for s in silences.values()]})


async def once(
    request: Request,
    ctx: HubContext,
    principal: Principal,
    apply: Callable[[], Awaitable[dict[str, Any]]],
) -> Response:
    """Run ``apply`` under the Idempotency-Key rules: a retry with the same key gets the
    first answer back and creates no second silence in Alertmanager.

    Unlike :func:`~services.hub.http.context.mutate`, ``apply`` awaits Alertmanager; the
    per-key lock keeps two concurrent duplicates from both calling it.
    """
    if ctx.replica is not None:
        raise NotReplicated(
            "silences cannot be made through a replicated hub yet; "
            "make them in Alertmanager (amtool) and note them on the incident"
        )
    key = check_key(request.headers.get("idempotency-key"))
    if key is None:
        return JSONResponse(await apply())
    scope = f"{principal.user} {request.method} {request.url.path}"
    async with ctx.idempotency.hold(scope, key):
        stored = ctx.idempotency.stored(scope, key)
        if stored is not None:
            ctx.counters.add("idempotent_replay")
            status, payload = stored
            return JSONResponse(payload, status_code=status, headers={REPLAYED_HEADER: "true"})
        payload = await apply()
        ctx.idempotency.remember(scope, key, 200, payload)
    return JSONResponse(payload)


async def create_silence(request: Request, ctx: HubContext, principal: Principal) -> Response:
    """``POST /api/silences``: silence an alert, or every firing alert of an incident."""
    body = validate.decode(await read_json(request), SilenceBody)

    async def apply() -> dict[str, Any]:
        return await _create(request, ctx, principal, body)

    return await once(request, ctx, principal, apply)


async def _create(
    request: Request, ctx: HubContext, principal: Principal, body: SilenceBody
) -> dict[str, Any]:
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
    return {"silences": created}


async def expire_silence(request: Request, ctx: HubContext, principal: Principal) -> Response:
    """``POST /api/silences/{id}/expire``."""
    silence_id = request.path_params["id"]
    body = validate.decode(await read_json(request), ExpireSilenceBody)

    async def apply() -> dict[str, Any]:
        await ctx.alertmanager.expire(silence_id)
        ctx.state.silences.expired(silence_id, body.incident_id, _actor(request, principal))
        return {"expired": silence_id}

    return await once(request, ctx, principal, apply)


def expire_after_resolve(ctx: HubContext, incident_id: str) -> None:
    """With ``[alertmanager] expire_silences_on_resolve``, expire the silences made for a
    resolved incident (in the background: the resolution's answer does not wait)."""
    incident = ctx.state.incidents.get(incident_id)
    if ctx.replica is not None:
        return  # none was made through the hub (see ``once``)
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
