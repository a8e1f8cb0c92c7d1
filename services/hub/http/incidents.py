"""HTTP endpoints for incidents: list, detail, open, ack, severity, status, notes, breach,
status updates sent, the runbook checklist, the root cause, resolve."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from services.domain.api import (
    BreachBody,
    CauseBody,
    ChecklistBody,
    NoteBody,
    OpenIncidentBody,
    ResolveBody,
    SeverityBody,
    StatusBody,
    StatusUpdateBody,
)
from services.domain.timeutil import parse_rfc3339, to_rfc3339
from services.hub.errors import Invalid
from services.hub.http import silences, validate
from services.hub.http.auth import Principal
from services.hub.http.context import Handler, HubContext, mutate
from services.hub.state.common import Actor

Answer = dict[str, Any]


async def list_incidents(request: Request, ctx: HubContext, principal: Principal) -> Response:
    """``GET /api/incidents``: open first."""
    return JSONResponse({"incidents": [i.to_dict() for i in ctx.state.incidents.all()]})


async def get_incident(request: Request, ctx: HubContext, principal: Principal) -> Response:
    """``GET /api/incidents/{id}``: the incident and its whole timeline."""
    return JSONResponse(ctx.state.incident_detail(request.path_params["id"]))


async def open_incident(request: Request, ctx: HubContext, principal: Principal) -> Response:
    """``POST /api/incidents``: open one by hand."""

    def apply(body: dict[str, Any], actor: Actor) -> tuple[int, Answer]:
        opening = validate.decode(body, OpenIncidentBody)
        answer = ctx.state.open_incident(
            title=opening.title,
            severity=opening.severity,
            category=opening.category,
            packs=opening.packs,
            alert_fingerprint=opening.alert_fingerprint or None,
            actor=actor,
        )
        return 200, answer

    return await mutate(request, ctx, principal, apply)


Action = Callable[[HubContext, str, dict[str, Any], Actor], Answer]


def _action(action: Action) -> Handler:
    """A ``POST /api/incidents/{id}/…`` endpoint applying ``action``."""

    async def handler(request: Request, ctx: HubContext, principal: Principal) -> Response:
        incident_id = request.path_params["id"]
        ctx.state.incidents.get(incident_id)  # 404 before reading the body

        def apply(body: dict[str, Any], actor: Actor) -> tuple[int, Answer]:
            return 200, action(ctx, incident_id, body, actor)

        return await mutate(request, ctx, principal, apply)

    handler.__name__ = action.__name__
    return handler


def _ack(ctx: HubContext, incident_id: str, body: dict[str, Any], actor: Actor) -> Answer:
    return ctx.state.incidents.ack(incident_id, actor)


def _severity(ctx: HubContext, incident_id: str, body: dict[str, Any], actor: Actor) -> Answer:
    severity = validate.decode(body, SeverityBody).severity
    return ctx.state.incidents.set_severity(incident_id, severity, actor)


def _status(ctx: HubContext, incident_id: str, body: dict[str, Any], actor: Actor) -> Answer:
    status = validate.decode(body, StatusBody).status
    if status == "resolved":
        raise Invalid("status: use POST /api/incidents/{id}/resolve, which needs a root cause")
    return ctx.state.incidents.set_status(incident_id, status, actor)


def _note(ctx: HubContext, incident_id: str, body: dict[str, Any], actor: Actor) -> Answer:
    note = validate.decode(body, NoteBody)
    typed_at = ""
    if note.typed_at is not None:
        try:
            typed_at = to_rfc3339(parse_rfc3339(note.typed_at))
        except (ValueError, OverflowError):
            raise Invalid("typed_at: not an RFC 3339 time") from None
    return ctx.state.incidents.add_note(incident_id, note.text, actor, note.question, typed_at)


def _checklist(ctx: HubContext, incident_id: str, body: dict[str, Any], actor: Actor) -> Answer:
    mark = validate.decode(body, ChecklistBody)
    return ctx.state.incidents.check(incident_id, mark.item, mark.done, actor)


def _cause(ctx: HubContext, incident_id: str, body: dict[str, Any], actor: Actor) -> Answer:
    found = validate.decode(body, CauseBody)
    return ctx.state.incidents.set_cause(incident_id, found.cause, found.root_cause, actor)


def _breach(ctx: HubContext, incident_id: str, body: dict[str, Any], actor: Actor) -> Answer:
    if not validate.decode(body, BreachBody).confirmed:
        raise Invalid("confirmed: must be true; a confirmed breach is not withdrawn (add a note)")
    return ctx.state.incidents.confirm_breach(incident_id, actor)


def _status_update(ctx: HubContext, incident_id: str, body: dict[str, Any], actor: Actor) -> Answer:
    update = validate.decode(body, StatusUpdateBody)
    return ctx.state.incidents.record_status_update(incident_id, update.kind, update.text, actor)


def _resolve(ctx: HubContext, incident_id: str, body: dict[str, Any], actor: Actor) -> Answer:
    root_cause = validate.decode(body, ResolveBody).root_cause
    return ctx.state.incidents.resolve(incident_id, root_cause, actor)


ack = _action(_ack)
severity = _action(_severity)
status = _action(_status)
note = _action(_note)
checklist = _action(_checklist)
cause = _action(_cause)

_resolve_handler = _action(_resolve)


async def resolve(request: Request, ctx: HubContext, principal: Principal) -> Response:
    """Resolve; then expire the silences made for the incident (when configured)."""
    answer = await _resolve_handler(request, ctx, principal)
    # On a cluster, the replica the request reached expires them, once: not every
    # replica applying the resolution.
    if answer.status_code == 200 and (ctx.replica is None or not ctx.replica.applying):
        silences.expire_after_resolve(ctx, request.path_params["id"])
    return answer


breach = _action(_breach)
status_update = _action(_status_update)
