"""HTTP endpoints: health, whoami, state, packs, kill switches, heartbeats, ingest."""

from __future__ import annotations

import asyncio
import logging
import time
from importlib import metadata
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from services.domain.api import ConfirmGlobalBody, HeartbeatBody, PiiRevealBody, SwitchBody
from services.domain.timeutil import to_rfc3339
from services.hub.errors import BadRequest, Forbidden
from services.hub.http import validate
from services.hub.http.auth import Principal
from services.hub.http.context import HubContext, mutate, parse_json, read_body, read_json
from services.hub.state.common import Actor

MAX_AGENT_ID = 200
log = logging.getLogger("warroom.hub")


def _version() -> str:
    try:
        return metadata.version("warroom")
    except metadata.PackageNotFoundError:
        return "0.1.0"


VERSION = _version()


async def health(request: Request, ctx: HubContext) -> Response:
    """``GET /health`` (no auth): liveness, clock, latest seq and the counters."""
    return JSONResponse(
        {
            "status": "ok",
            "version": VERSION,
            "hub_time": to_rfc3339(ctx.clock()),
            "seq": ctx.events.latest_seq,
            "uptime_s": round(time.monotonic() - ctx.started, 1),
            "counters": ctx.counters.as_dict(),
            "ingest": {
                "parsing": ctx.ingest_parsing,
                "last_refusal": ctx.state.last_ingest_refusal,
                # Alerts naming a pack the hub lacks; incidents ingest was not let open.
                "unrouted": ctx.state.alerts.router.unrouted,
                "incidents_limited": ctx.state.alerts.router.incidents_limited,
            },
            # A start with --recover: what was recovered and what was lost.
            "recovery": ctx.store.recovery,
            # A replica of a cluster: its name, the leader, what it applied of the log.
            **({"cluster": ctx.replica.describe()} if ctx.replica is not None else {}),
        }
    )


async def whoami(request: Request, ctx: HubContext, principal: Principal) -> Response:
    """``GET /api/whoami``: what the caller's token allows."""
    return JSONResponse(
        {
            "user": principal.user,
            "role": principal.role,
            "permissions": ctx.authority.permissions_of(principal.role),
            "two_person_global": ctx.config.two_person_global,
        }
    )


async def state(request: Request, ctx: HubContext, principal: Principal) -> Response:
    """``GET /api/state``: the snapshot's data plus the seq it includes."""
    data = ctx.state.snapshot("initial")
    data["seq"] = ctx.events.latest_seq
    return JSONResponse(data)


async def packs_status(request: Request, ctx: HubContext, principal: Principal) -> Response:
    """``GET /api/packs/status`` (AgentOS's path and shape)."""
    return JSONResponse(ctx.state.packs_status())


async def killswitch_global(request: Request, ctx: HubContext, principal: Principal) -> Response:
    """``POST /api/killswitch/global``: 200 applied, or 202 pending a second operator."""

    def apply(body: dict[str, Any], actor: Actor) -> tuple[int, dict[str, Any]]:
        switch = validate.decode(body, SwitchBody)
        return ctx.state.containment.set_global(
            enabled=switch.enabled,
            reason=switch.reason,
            incident_id=switch.incident_id or None,
            actor=actor,
        )

    return await mutate(request, ctx, principal, apply)


async def confirm_global(request: Request, ctx: HubContext, principal: Principal) -> Response:
    """``POST /api/killswitch/global/confirm``: a second operator applies a pending stop."""

    def apply(body: dict[str, Any], actor: Actor) -> tuple[int, dict[str, Any]]:
        confirm = validate.decode(body, ConfirmGlobalBody)
        return 200, ctx.state.containment.confirm_global(confirm.request_id, actor)

    return await mutate(request, ctx, principal, apply)


async def killswitch_pack(request: Request, ctx: HubContext, principal: Principal) -> Response:
    """``POST /api/killswitch/pack/{name}``."""
    pack = request.path_params["name"]
    ctx.state.switches.get(pack)  # an unknown pack is 404 whatever the body says

    def apply(body: dict[str, Any], actor: Actor) -> tuple[int, dict[str, Any]]:
        switch = validate.decode(body, SwitchBody)
        if not switch.enabled and not ctx.authority.allows(principal.role, "killswitch.global"):
            _refuse_a_global_stop_in_effect(ctx, pack)
        answer = ctx.state.set_switch(
            pack,
            enabled=switch.enabled,
            reason=switch.reason,
            incident_id=switch.incident_id or None,
            actor=actor,
        )
        return 200, answer

    return await mutate(request, ctx, principal, apply)


def _refuse_a_global_stop_in_effect(ctx: HubContext, pack: str) -> None:
    """Stopping more than half of the packs, one by one, is a global stop: without
    ``killswitch.global`` (and its two-person rule) it is refused (403)."""
    packs = [s for s in ctx.state.switches.all() if s.pack is not None]
    stopped = {s.pack for s in packs if not s.enabled} | {pack}
    if len(stopped) > len(packs) // 2:
        raise Forbidden(
            f"stopping pack {pack} would leave {len(stopped)} of {len(packs)} packs stopped: "
            "more than half is a global stop, which needs the killswitch.global permission"
        )


async def heartbeat(request: Request, ctx: HubContext, principal: Principal) -> Response:
    """``POST /api/agents/{id}/heartbeat``: the answer says whether the agent may run."""
    agent_id = request.path_params["id"]
    if len(agent_id) > MAX_AGENT_ID:
        raise BadRequest(f"id: longer than {MAX_AGENT_ID} characters")
    beat = validate.decode_json(await read_body(request), HeartbeatBody, parse_json)
    ctx.authority.may_report(principal, agent_id, beat.pack)
    if ctx.replica is not None and not ctx.replica.applying:
        answer = await ctx.replica.heartbeat(agent_id, beat)
    else:
        answer = ctx.state.heartbeat(agent_id, **heartbeat_fields(beat))
    # Held only while the answer asks nothing new of the agent: one that must stop
    # (or may start again) is told at once.
    if beat.wait_s > 0 and answer["allowed"] == (beat.state != "stopped"):
        answer = await _held(ctx, beat.pack, answer, beat.wait_s)
    return HeartbeatAnswer(answer)


class HeartbeatAnswer(JSONResponse):
    """A heartbeat's answer: the very bytes ``JSONResponse`` writes (compact, not
    ASCII-escaped; the same for every character a reason can hold), encoded by msgspec
    in a tenth of the time of the json module."""

    def render(self, content: Any) -> bytes:
        return _ENCODE(content)


_ENCODE = msgspec.json.Encoder().encode


def heartbeat_fields(beat: HeartbeatBody) -> dict[str, Any]:
    """What :meth:`HubState.heartbeat` takes of a heartbeat's body (the long-poll's
    ``wait_s`` is the HTTP layer's own)."""
    return {
        "pack": beat.pack,
        "state": beat.state,
        "run_id": beat.run_id or None,
        "tool_calls_per_min": beat.tool_calls_per_min,
        "tokens_per_min": beat.tokens_per_min,
    }


async def _held(
    ctx: HubContext, pack: str, answer: dict[str, Any], wait_s: float
) -> dict[str, Any]:
    """A long-polled heartbeat: answered when whether the agent may run changes, or
    after ``wait_s``. A stop reaches a long-polling agent at once, not at its next beat."""
    allowed = answer["allowed"]
    ctx.counters.add("heartbeat_held")
    try:
        async with asyncio.timeout(wait_s):
            while True:
                await ctx.switch_moved.wait()
                now_allowed, reason = ctx.state.switches.allowed(pack)
                if now_allowed != allowed:
                    ctx.counters.add("heartbeat_woken")
                    return {"allowed": now_allowed, "reason": reason, "hub_time": _now(ctx)}
    except TimeoutError:
        # Checked again: a change in the very step the wait ended is not lost.
        now_allowed, reason = ctx.state.switches.allowed(pack)
        return {"allowed": now_allowed, "reason": reason, "hub_time": _now(ctx)}


def _now(ctx: HubContext) -> str:
    return to_rfc3339(ctx.clock())


async def ingest_alertmanager(request: Request, ctx: HubContext, principal: Principal) -> Response:
    """``POST /api/ingest/alertmanager``: a webhook body, version 4, unchanged.

    Alertmanager sends a whole group at once (3,000 alerts are 1.6 MB): the body may
    be up to ``[alertmanager] max_body_mb``, and it is parsed in a worker thread so
    the event loop (a kill switch, the stream) is not held meanwhile.
    """
    raw = await read_body(request, ctx.config.ingest_max_body)
    ctx.ingest_parsing += 1
    try:
        async with ctx.parsers:
            incoming = await asyncio.to_thread(ctx.state.parse_alertmanager, raw)
    finally:
        ctx.ingest_parsing -= 1
    if ctx.replica is not None:
        return JSONResponse(await ctx.replica.ingest(incoming))
    return JSONResponse(ctx.state.apply_alertmanager(incoming))


async def pii_reveal(request: Request, ctx: HubContext, principal: Principal) -> Response:
    """``POST /api/pii/reveal``: a console is about to show category B PII; logged first.

    Consoles redact e-mails, phones, addresses, names and birth dates by default; a
    role holding ``pii.view`` may turn that off, and the hub's log is where it is
    recorded (who, which role, when), before the console shows anything.
    """
    validate.decode(await read_json(request), PiiRevealBody)
    at = to_rfc3339(ctx.clock())
    log.warning(
        "PII redaction (category B) turned off by %s (%s) at %s", principal.user, principal.role, at
    )
    return JSONResponse({"recorded_at": at, "user": principal.user, "categories_shown": ["B"]})
