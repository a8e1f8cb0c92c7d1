"""``GET /api/audit``: the kill-switch audit trail, filtered, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from services.domain.models import AuditRecord
from services.domain.schema import described
from services.domain.timeutil import parse_rfc3339
from services.hub.errors import BadRequest
from services.hub.http import validate
from services.hub.http.auth import Principal
from services.hub.http.context import HubContext
from services.hub.state.common import number_of

DEFAULT_LIMIT = 500
MAX_LIMIT = 10000
_TARGET = described(
    r"^(?:global|pack:[A-Za-z0-9][A-Za-z0-9_.-]{0,63}|silence:[A-Za-z0-9-]{1,64})$",
    "must be 'global', 'pack:NAME' or 'silence:ID'",
)


class AuditQuery(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The query's filters; any other parameter is refused (422), naming the known ones."""

    target: Annotated[str, msgspec.Meta(pattern=_TARGET)] | None = None
    incident_id: str | None = None
    since: str | None = None
    until: str | None = None
    limit: Annotated[int, msgspec.Meta(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT


def _time(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_rfc3339(value)
    except ValueError:
        raise BadRequest(f"{name}: not an RFC 3339 timestamp: {value!r:.40}") from None


def _when(record: AuditRecord) -> datetime | None:
    try:
        return parse_rfc3339(record.at)
    except ValueError:
        return None


async def audit(request: Request, ctx: HubContext, principal: Principal) -> Response:
    """``GET /api/audit?target=&incident_id=&since=&until=&limit=``."""
    # Query values are strings: strict=False reads "50" as the integer limit.
    query = validate.decode(dict(request.query_params), AuditQuery, strict=False)
    target, incident_id, limit = query.target, query.incident_id, query.limit
    since, until = _time(query.since, "since"), _time(query.until, "until")
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
