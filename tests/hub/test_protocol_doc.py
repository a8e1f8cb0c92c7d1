"""docs/protocol.md and the hub cannot drift: every endpoint the doc names is routed,
every routed endpoint is in the doc, and the doc's permission table is the code's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.routing import Match

from services.hub.config import HubConfig
from services.hub.http.app import ENDPOINTS, STREAM_PATH, create_app
from services.hub.http.auth import DEFAULT_PERMISSIONS

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
TEXT = DOC.read_text(encoding="utf-8")
# `GET /path` or `POST /path/{param}` in headings, tables and prose; wildcards are not endpoints.
MENTIONS = sorted({(m, p) for m, p in re.findall(r"`(GET|POST) (/[^`\s]*)`", TEXT) if "*" not in p})


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "X-1", path)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Starlette:
    return create_app(HubConfig(data_dir=tmp_path_factory.mktemp("doc")))


def _routed(app: Starlette, method: str, path: str, kind: str = "http") -> bool:
    scope = {"type": kind, "path": _concrete(path), "method": method}
    return any(route.matches(scope)[0] == Match.FULL for route in app.routes)


def test_the_doc_names_endpoints() -> None:
    assert len(MENTIONS) >= 15


@pytest.mark.parametrize(("method", "path"), MENTIONS, ids=[f"{m} {p}" for m, p in MENTIONS])
def test_every_documented_endpoint_is_routed(app: Starlette, method: str, path: str) -> None:
    assert _routed(app, method, path), f"{method} {path} is in docs/protocol.md but not routed"


def test_every_routed_endpoint_is_documented() -> None:
    documented = set(MENTIONS)
    for endpoint in ENDPOINTS:
        assert (endpoint.method, endpoint.path) in documented, f"{endpoint.method} {endpoint.path}"
    assert ("GET", "/health") in documented


def test_the_stream_is_routed(app: Starlette) -> None:
    assert f"websocket `{STREAM_PATH}`" in TEXT
    assert _routed(app, "GET", STREAM_PATH, kind="websocket")


def test_the_permission_table_is_the_codes() -> None:
    rows = re.findall(r"^\| `([a-z.]+)` \| ([a-z, -]+) \|", TEXT, flags=re.MULTILINE)
    table = {name: [role.strip() for role in roles.split(",")] for name, roles in rows}
    assert table == DEFAULT_PERMISSIONS


def test_each_endpoint_needs_the_permission_the_doc_gives() -> None:
    for endpoint in ENDPOINTS:
        if endpoint.method == "GET":
            assert endpoint.permission == "read"
        else:
            heading = f"`{endpoint.method} {endpoint.path}` (`{endpoint.permission}`)"
            in_table = endpoint.path.startswith("/api/incidents")
            assert in_table or heading in TEXT, heading
            if in_table:
                assert endpoint.permission == "incident.write"
