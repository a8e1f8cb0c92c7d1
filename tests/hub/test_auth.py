"""401 and 403 on every endpoint, from the permission table; the stream's 4401/4403."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from services.hub.http.app import ENDPOINTS
from services.hub.http.auth import DEFAULT_PERMISSIONS, ROLES, Authority
from tests.hub.helpers import hello, recv, stream
from tests.hubtools import RunningHub, start_hub, user_for

# One request per endpoint of docs/protocol.md, with the permission it needs.
CASES: list[tuple[str, str, str, dict[str, Any] | None]] = [
    ("GET", "/api/whoami", "read", None),
    ("GET", "/api/state", "read", None),
    ("GET", "/api/packs/status", "read", None),
    ("POST", "/api/killswitch/global", "killswitch.global", {"enabled": True, "reason": "check"}),
    ("POST", "/api/killswitch/pack/support", "killswitch.pack", {"enabled": True, "reason": "x"}),
    ("POST", "/api/killswitch/global/confirm", "killswitch.global", {"request_id": "gstop-1"}),
    ("GET", "/api/audit", "read", None),
    ("POST", "/api/pii/reveal", "pii.view", {}),
    (
        "POST",
        "/api/agents/bot-1/heartbeat",
        "agent.heartbeat",
        {"pack": "support", "state": "idle"},
    ),
    ("POST", "/api/ingest/alertmanager", "ingest", {"version": "4", "alerts": []}),
    ("GET", "/api/incidents", "read", None),
    ("POST", "/api/incidents", "incident.write", None),
    ("GET", "/api/incidents/INC-1", "read", None),
    ("POST", "/api/incidents/INC-1/ack", "incident.write", {}),
    ("POST", "/api/incidents/INC-1/severity", "incident.write", {"severity": "SEV2"}),
    ("POST", "/api/incidents/INC-1/status", "incident.write", {"status": "contain"}),
    ("POST", "/api/incidents/INC-1/notes", "incident.write", {"text": "a note"}),
    (
        "POST",
        "/api/incidents/INC-1/checklist",
        "incident.write",
        {"item": "triage.notify", "done": True},
    ),
    ("POST", "/api/incidents/INC-1/cause", "incident.write", {"cause": "code-bug"}),
    ("POST", "/api/incidents/INC-1/breach", "incident.write", {"confirmed": False}),
    (
        "POST",
        "/api/incidents/INC-1/status-update",
        "incident.write",
        {"kind": "initial", "text": "INCIDENT: t"},
    ),
    ("POST", "/api/incidents/INC-1/resolve", "incident.write", {"root_cause": "x"}),
    # Without an Alertmanager configured the hub answers 409; the permission comes first.
    ("GET", "/api/silences", "read", None),
    ("POST", "/api/silences", "silence.write", {"fingerprint": "x", "minutes": 5, "comment": "c"}),
    ("POST", "/api/silences/s-1/expire", "silence.write", {}),
]
OPEN_BODY = {"title": "t", "severity": "SEV3", "category": "incorrect_output"}


@pytest.fixture(scope="module")
def matrix_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    running = start_hub(tmp_path_factory.mktemp("matrix"))
    client = running.client("incident-commander")
    assert client.post("/api/incidents", json=OPEN_BODY).status_code == 200  # INC-1
    yield running
    running.stop()


def _call(hub: RunningHub, method: str, path: str, body: Any, headers: dict[str, str]) -> Any:
    client = hub.client()
    if method == "GET":
        return client.get(path, headers=headers)
    return client.post(path, json=body if body is not None else OPEN_BODY, headers=headers)


def test_cases_cover_every_routed_endpoint() -> None:
    routed = {(e.method, e.path) for e in ENDPOINTS}
    tested = {
        (m, p.replace("/support", "/{name}").replace("bot-1", "{id}").replace("s-1", "{id}"))
        for m, p, _, _ in CASES
    }
    tested = {(m, p.replace("INC-1", "{id}")) for m, p in tested}
    assert tested == routed
    assert {e.permission for e in ENDPOINTS} == set(DEFAULT_PERMISSIONS)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer nope"},
    ],
    ids=["missing", "basic", "empty", "unknown"],
)
@pytest.mark.parametrize(
    ("method", "path", "permission", "body"), CASES, ids=[f"{c[0]} {c[1]}" for c in CASES]
)
def test_401_without_a_valid_token(
    matrix_hub: RunningHub,
    method: str,
    path: str,
    permission: str,
    body: Any,
    headers: dict[str, str],
) -> None:
    answer = _call(matrix_hub, method, path, body, headers)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthenticated"


ROLE_CASES = [(role, *case) for case in CASES for role in ROLES]


@pytest.mark.parametrize(
    ("role", "method", "path", "permission", "body"),
    ROLE_CASES,
    ids=[f"{c[0]}-{c[1]} {c[2]}" for c in ROLE_CASES],
)
def test_role_matrix(
    matrix_hub: RunningHub, role: str, method: str, path: str, permission: str, body: Any
) -> None:
    answer = _call(matrix_hub, method, path, body, matrix_hub.headers(role))
    if role in DEFAULT_PERMISSIONS[permission]:
        assert answer.status_code not in (401, 403), answer.text
    else:
        assert answer.status_code == 403
        assert answer.json() == {
            "error": {"code": "forbidden", "message": answer.json()["error"]["message"]}
        }


def test_health_needs_no_token(matrix_hub: RunningHub) -> None:
    assert matrix_hub.client().get("/health").status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_whoami_lists_the_roles_permissions(matrix_hub: RunningHub, role: str) -> None:
    answer = matrix_hub.client(role).get("/api/whoami")
    if role in ("agent", "ingest"):
        assert answer.status_code == 403
        return
    expected = sorted(p for p, roles in DEFAULT_PERMISSIONS.items() if role in roles)
    assert answer.json() == {
        "user": user_for(role),
        "role": role,
        "permissions": expected,
        "two_person_global": False,
    }


# What a console locks its bindings with: exactly these names, per role.
CONSOLE_PERMISSIONS = {
    "viewer": ["read"],
    "on-call": ["incident.write", "killswitch.pack", "read", "silence.write"],
    "team-lead": ["incident.write", "killswitch.pack", "read", "silence.write"],
    "incident-commander": [
        "incident.write",
        "killswitch.global",
        "killswitch.pack",
        "pii.view",
        "read",
        "silence.write",
    ],
    "security-lead": ["incident.write", "killswitch.global", "pii.view", "read", "silence.write"],
    "cto": ["incident.write", "killswitch.global", "pii.view", "read", "silence.write"],
}


@pytest.mark.parametrize(("role", "permissions"), CONSOLE_PERMISSIONS.items())
def test_whoami_names_what_a_console_locks(
    matrix_hub: RunningHub, role: str, permissions: list[str]
) -> None:
    assert matrix_hub.client(role).get("/api/whoami").json()["permissions"] == permissions


def test_whoami_says_when_a_global_stop_needs_two(hub_factory: Any) -> None:
    hub = hub_factory(two_person_global=True)
    assert hub.client("cto").get("/api/whoami").json()["two_person_global"] is True


def test_permissions_are_data(hub_factory: Any) -> None:
    hub = hub_factory(permissions={**DEFAULT_PERMISSIONS, "killswitch.pack": ["viewer"]})
    body = {"enabled": False, "reason": "viewer may, here"}
    assert hub.client("viewer").post("/api/killswitch/pack/legal", json=body).status_code == 200
    assert hub.client("on-call").post("/api/killswitch/pack/legal", json=body).status_code == 403


def test_authority_parses_headers() -> None:
    authority = Authority([("t", "alice", "cto")])
    assert authority.principal_for("Bearer t").user == "alice"
    assert authority.principal_for("bearer   t").role == "cto"


@pytest.mark.parametrize(("headers", "code"), [({}, 4401), ({"Authorization": "Bearer bad"}, 4401)])
async def test_stream_refuses_unauthenticated(
    matrix_hub: RunningHub, headers: dict[str, str], code: int
) -> None:
    from websockets.asyncio.client import connect

    async with connect(matrix_hub.ws_url, additional_headers=headers) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await recv(ws)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == code


@pytest.mark.parametrize("role", ["agent", "ingest"])
async def test_stream_refuses_roles_without_read(matrix_hub: RunningHub, role: str) -> None:
    async with stream(matrix_hub, role) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await hello(ws, None)
            await recv(ws)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_stream_accepts_a_viewer(matrix_hub: RunningHub) -> None:
    async with stream(matrix_hub, "viewer") as ws:
        await hello(ws, None)
        assert (await recv(ws))["type"] == "snapshot"
