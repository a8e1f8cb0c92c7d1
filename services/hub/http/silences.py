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
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from services.domain.api import ExpireSilenceBody, SilenceBody
from services.domain.models import Alert, Silence
from services.hub.errors import Invalid, NotFound
from services.hub.http import validate
from services.hub.http.auth import Principal
from services.hub.http.context import HubContext, read_json, replayed
from services.hub.http.idempotency import check_key
from services.hub.state.common import HUB_AUTHOR, Actor

log = logging.getLogger("warroom.hub")


def _actor(request: Request, principal: Principal) -> Actor:
    client = request.client.host if request.client else None
    return Actor(principal.user, principal.role, client, request.headers.get("idempotency-key"))


async def list_silences(request: Request, ctx: HubContext, principal: Principal) -> Response:
    """``GET /api/silences``: Alertmanager's silences (active, pending and expired)."""
    silences = await ctx.alertmanager.silences()
    return JSONResponse({"silences": [s.to_dict() for s in silences.values()]})


class Recorder(Protocol):
    """Where a silence made or expired in Alertmanager is recorded: the hub's state at
    once, or (on a replica of a cluster) a command applied by every replica."""

    def created(
        self, silence: Silence, alert: Alert, minutes: int, incident_id: str | None, actor: Actor
    ) -> None: ...

    def expired(self, silence_id: str, incident_id: str | None, actor: Actor) -> None: ...


class _Replicated:
    """A :class:`Recorder` that keeps what happened for one command to the cluster's log
    (Alertmanager is called once, by the replica the request reached)."""

    def __init__(self) -> None:
        self.created_rows: list[dict[str, Any]] = []
        self.expired_rows: list[dict[str, Any]] = []

    def created(
        self, silence: Silence, alert: Alert, minutes: int, incident_id: str | None, actor: Actor
    ) -> None:
        self.created_rows.append(
            {
                "silence": silence.to_dict(),
                "alert": alert.to_dict(),
                "minutes": minutes,
                "incident_id": incident_id,
                "actor": _actor_row(actor),
            }
        )

    def expired(self, silence_id: str, incident_id: str | None, actor: Actor) -> None:
        self.expired_rows.append(
            {"silence_id": silence_id, "incident_id": incident_id, "actor": _actor_row(actor)}
        )

    def command(self, answer: dict[str, Any] | None, scope: str, key: str | None) -> dict[str, Any]:
        return {
            "kind": "silences",
            "created": self.created_rows,
            "expired": self.expired_rows,
            "answer": answer,
            "scope": scope,
            "key": key,
        }


def _actor_row(actor: Actor) -> dict[str, Any]:
    return {
        "user": actor.user,
        "role": actor.role,
        "client": actor.client,
        "idempotency_key": actor.idempotency_key,
    }


def apply_recorded(ctx: HubContext, command: dict[str, Any]) -> dict[str, Any] | None:
    """Apply a replica's ``silences`` command (on every replica): record what was made and
    expired in Alertmanager, and the answer a retry with the same key gets."""
    records = ctx.state.silences
    with ctx.state.atomic(ctx.state.alerts.save):
        for row in command["created"]:
            alert = ctx.state.alerts.get(row["alert"]["fingerprint"])
            records.created(
                Silence.from_dict(row["silence"]),
                alert if alert is not None else Alert.from_dict(row["alert"]),
                int(row["minutes"]),
                row["incident_id"],
                Actor(**row["actor"]),
            )
        for row in command["expired"]:
            records.expired(row["silence_id"], row["incident_id"], Actor(**row["actor"]))
        answer = command.get("answer")
        if command.get("key") is not None and isinstance(answer, dict):
            ctx.idempotency.remember(command["scope"], command["key"], 200, answer)
    return command.get("answer")


async def once(
    request: Request,
    ctx: HubContext,
    principal: Principal,
    apply: Callable[[Recorder], Awaitable[dict[str, Any]]],
) -> Response:
    """Run ``apply`` under the Idempotency-Key rules: a retry with the same key gets the
    first answer back and creates no second silence in Alertmanager.

    Unlike :func:`~services.hub.http.context.mutate`, ``apply`` awaits Alertmanager; the
    per-key lock keeps two concurrent duplicates from both calling it.
    """
    key = check_key(request.headers.get("idempotency-key"))
    scope = f"{principal.user} {request.method} {request.url.path}"
    if key is None and ctx.replica is None:
        return JSONResponse(await apply(ctx.state.silences))
    async with ctx.idempotency.hold(scope, key or ""):
        stored = ctx.idempotency.stored(scope, key) if key is not None else None
        if stored is not None:
            return replayed(ctx, stored)
        if ctx.replica is not None:
            recorder = _Replicated()
            payload = await apply(recorder)
            await ctx.replica.submit(recorder.command(payload, scope, key))
            return JSONResponse(payload)
        payload = await apply(ctx.state.silences)
        ctx.idempotency.remember(scope, key or "", 200, payload)
    return JSONResponse(payload)


async def create_silence(request: Request, ctx: HubContext, principal: Principal) -> Response:
    """``POST /api/silences``: silence an alert, or every firing alert of an incident."""
    body = validate.decode(await read_json(request), SilenceBody)

    async def apply(record: Recorder) -> dict[str, Any]:
        return await _create(request, ctx, principal, body, record)

    return await once(request, ctx, principal, apply)


async def _create(
    request: Request, ctx: HubContext, principal: Principal, body: SilenceBody, record: Recorder
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
        record.created(silence, alert, body.minutes, incident_id, actor)
        created.append(silence.to_dict())
    return {"silences": created}


async def expire_silence(request: Request, ctx: HubContext, principal: Principal) -> Response:
    """``POST /api/silences/{id}/expire``."""
    silence_id = request.path_params["id"]
    body = validate.decode(await read_json(request), ExpireSilenceBody)

    async def apply(record: Recorder) -> dict[str, Any]:
        await ctx.alertmanager.expire(silence_id)
        record.expired(silence_id, body.incident_id, _actor(request, principal))
        return {"expired": silence_id}

    return await once(request, ctx, principal, apply)


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
            if ctx.replica is not None:
                recorder = _Replicated()
                recorder.expired(silence_id, incident_id, actor)
                await ctx.replica.submit(recorder.command(None, "", None))
            else:
                ctx.state.silences.expired(silence_id, incident_id, actor)

    task = asyncio.get_running_loop().create_task(expire_all())
    ctx.tasks.add(task)
    task.add_done_callback(ctx.tasks.discard)
