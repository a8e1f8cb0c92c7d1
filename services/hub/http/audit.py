"""``GET /api/audit``: the kill-switch audit trail, filtered, newest first."""

from __future__ import annotations

import re
from datetime import datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from services.domain.models import GLOBAL, AuditRecord
from services.domain.timeutil import parse_rfc3339
from services.hub.errors import BadRequest, Invalid
from services.hub.http.auth import Principal
from services.hub.http.context import HubContext
from services.hub.state.common import number_of

DEFAULT_LIMIT = 500
MAX_LIMIT = 10000
FILTERS = ("target", "incident_id", "since", "until", "limit")
_TARGET = re.compile(r"^(?:global|pack:[A-Za-z0-9][A-Za-z0-9_.-]{0,63})$")


def _time(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_rfc3339(value)
    except ValueError:
        raise BadRequest(f"{name}: not an RFC 3339 timestamp: {value!r:.40}") from None


def _limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    if not value.isdigit():
        raise BadRequest(f"limit: expected an integer, got {value!r:.20}")
    limit = int(value)
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit: must be from 1 to {MAX_LIMIT}")
    return limit


def _when(record: AuditRecord) -> datetime | None:
    try:
        return parse_rfc3339(record.at)
    except ValueError:
        return None


async def audit(request: Request, ctx: HubContext, principal: Principal) -> Response:
    """``GET /api/audit?target=&incident_id=&since=&until=&limit=``."""
    query = request.query_params
    unknown = sorted(set(query) - set(FILTERS))
    if unknown:
        raise Invalid(f"{unknown[0]}: unknown filter; known: {', '.join(FILTERS)}")
    target = query.get("target")
    if target is not None and not _TARGET.match(target):
        raise Invalid(f"target: must be {GLOBAL!r} or 'pack:NAME', got {target!r:.40}")
    incident_id = query.get("incident_id")
    since, until = _time(query.get("since"), "since"), _time(query.get("until"), "until")
    limit = _limit(query.get("limit"))
    records: list[AuditRecord] = []
    for record in ctx.state.switches.audit():
        if target is not None and record.target != target:
            continue
        if incident_id is not None and record.incident_id != incident_id:
            continue
        if since is not None or until is not None:
            at = _when(record)
            if at is None or (since and at < since) or (until and at > until):
                continue
        records.append(record)
    # Newest first; the record number breaks ties within one millisecond.
    records.sort(key=lambda r: (r.at, number_of(r.id, "AUD-")), reverse=True)
    return JSONResponse({"records": [r.to_dict() for r in records[:limit]]})
