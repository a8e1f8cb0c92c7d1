"""docs/protocol.md and the hub cannot drift: every endpoint the doc names is routed,
every routed endpoint is in the doc, the doc's permission table is the code's, and
every JSON example (frame, body, answer) and config example fits its schema."""

from __future__ import annotations

import json
import re
import tomllib
import types
import typing
from pathlib import Path
from typing import Any

import msgspec
import pytest
from starlette.applications import Starlette
from starlette.routing import Match

from services.domain import api, models, protocol
from services.domain.models import Envelope
from services.hub.config import HubConfig, HubConfigError, hub_config_from_dict
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


# -- every example is decoded with its schema ------------------------------------------

FENCE = re.compile(r"(?:<!-- schema: (?P<name>\w+) -->\n)?```(?P<lang>\w*)\n(?P<body>.*?)```", re.S)
ELLIPSIS = "…"  # an object showing `"…": "…"` is partial: only the fields it shows are checked
SCHEMAS: dict[str, Any] = {
    **{name: getattr(api, name) for name in dir(api) if isinstance(getattr(api, name), type)},
    **{
        name: getattr(models, name)
        for name in dir(models)
        if isinstance(getattr(models, name), type)
    },
    "PendingGlobal": protocol.PendingGlobal,
}


def _blocks(lang: str) -> list[tuple[int, str | None, str]]:
    """(line, schema named by a marker or None, text) of each fenced block in ``lang``."""
    return [
        (TEXT.count("\n", 0, m.start()) + 1, m["name"], m["body"])
        for m in FENCE.finditer(TEXT)
        if m["lang"] == lang
    ]


def _partial(value: Any) -> bool:
    if isinstance(value, dict):
        return ELLIPSIS in value or any(_partial(v) for v in value.values())
    if isinstance(value, list):
        return any(_partial(v) for v in value)
    return False


def _bare(kind: Any) -> Any:
    """``Annotated[X, ...]`` → X; ``X | None`` → X."""
    while True:
        if typing.get_origin(kind) is typing.Annotated:
            kind = typing.get_args(kind)[0]
        elif typing.get_origin(kind) in (typing.Union, types.UnionType):
            arms = [a for a in typing.get_args(kind) if a is not type(None)]
            kind = arms[0] if len(arms) == 1 else kind
            if len(arms) != 1:
                return kind
        else:
            return kind


def conforms(value: Any, kind: Any, where: str) -> None:
    """Decode ``value`` as ``kind``; objects marked partial are checked field by field."""
    if not _partial(value):
        try:
            msgspec.convert(value, kind)
        except msgspec.ValidationError as error:
            raise AssertionError(f"{where}: {error}") from None
        return
    bare = _bare(kind)
    if isinstance(bare, type) and issubclass(bare, msgspec.Struct):
        assert isinstance(value, dict), where
        fields = {f.encode_name: f for f in msgspec.structs.fields(bare)}
        for key, item in value.items():
            if key != ELLIPSIS:
                assert key in fields, f"{where}.{key}: not a field of {bare.__name__}"
                conforms(item, fields[key].type, f"{where}.{key}")
        if ELLIPSIS not in value:
            missing = [
                f.encode_name for f in fields.values() if f.required and f.encode_name not in value
            ]
            assert not missing, f"{where}: missing {missing}"
    elif typing.get_origin(bare) is list:
        for index, item in enumerate(value):
            conforms(item, typing.get_args(bare)[0], f"{where}[{index}]")
    elif typing.get_origin(bare) is dict:
        for key, item in value.items():
            if key != ELLIPSIS:
                conforms(item, typing.get_args(bare)[1], f"{where}.{key}")
    else:
        assert bare is Any, f"{where}: {value!r} is partial where {kind} is expected"


def _frame(value: dict[str, Any], where: str) -> str:
    """Check a stream example: its envelope, then its data against its type's schema (a
    batch's events each as a frame, and the batch as the console decodes it)."""
    conforms(value, Envelope, where)
    kind = value["type"]
    if kind == protocol.BATCH:
        conforms(value["data"], protocol.BatchData, f"{where}: data")
        for n, event in enumerate(value["data"]["events"]):
            _frame(event, f"{where}: data.events[{n}]")
        if not _partial(value):
            decoded = protocol.decode_message(json.dumps(value))
            assert [e.seq for e in decoded if isinstance(e, Envelope)] == [
                e["seq"] for e in value["data"]["events"]
            ]
            assert value["seq"] == value["data"]["events"][-1]["seq"]
        return kind
    assert kind in protocol.EVENT_DATA, f"{where}: {kind} is not an event type of the schema"
    conforms(value["data"], protocol.EVENT_DATA[kind], f"{where}: data")
    if not _partial(value):
        protocol.decode_frame(json.dumps(value))  # the console's own way in
    return kind


def _examples() -> list[tuple[int, str | None, Any]]:
    return [(line, name, json.loads(body)) for line, name, body in _blocks("json")]


def test_every_json_example_parses_and_has_a_schema() -> None:
    examples = _examples()
    assert len(examples) >= 20
    for line, name, value in examples:
        envelope = isinstance(value, dict) and {"v", "type", "data"} <= set(value)
        assert name is not None or envelope, f"docs/protocol.md:{line}: which schema?"
        assert name is None or name in SCHEMAS, f"docs/protocol.md:{line}: no schema {name}"


@pytest.mark.parametrize(
    ("line", "name", "value"), _examples(), ids=[f"line {line}" for line, _, _ in _examples()]
)
def test_each_json_example_fits_its_schema(line: int, name: str | None, value: Any) -> None:
    where = f"docs/protocol.md:{line}"
    if name is None:
        _frame(value, where)
    else:
        conforms(value, SCHEMAS[name], where)


def test_every_event_type_has_an_example() -> None:
    """An example shows its own type, and the types its caption names that share its data."""
    shown: set[str] = set()
    for match in FENCE.finditer(TEXT):
        value = json.loads(match["body"]) if match["lang"] == "json" else None
        if not (isinstance(value, dict) and {"v", "type", "data"} <= set(value)):
            continue
        kind = value["type"]
        shown.add(kind)
        caption = TEXT[: match.start()].rstrip().rsplit("\n\n", 1)[-1]
        for named in re.findall(r"`([a-z]+\.[a-z]+)`", caption):
            if protocol.EVENT_DATA.get(named) is protocol.EVENT_DATA[kind]:
                shown.add(named)
    assert sorted(set(protocol.EVENT_DATA) - shown) == []


SECTIONS = re.split(r"^#{2,3} ", TEXT, flags=re.MULTILINE)


def _body_examples() -> list[tuple[str, str, str]]:
    """(method, path, JSON) of each request body the doc shows inline."""
    found: list[tuple[str, str, str]] = []
    for section in SECTIONS:
        heading, _, rest = section.partition("\n")
        routes = re.findall(r"`(POST) (/[^`\s]*)`", heading)
        for body in re.findall(r"Body[^`\n]*`(\{[^`]*\})`", rest):
            found += [(method, path, body) for method, path in routes]
    rows = re.findall(r"^\| `(POST) (/\S+)` \| `(\{[^`]*\})` \|", TEXT, flags=re.MULTILINE)
    return found + rows


@pytest.mark.parametrize(("method", "path", "body"), _body_examples())
def test_each_request_body_example_fits_its_schema(method: str, path: str, body: str) -> None:
    assert (method, path) in api.REQUEST_BODIES, f"{method} {path}: no body schema"
    conforms(json.loads(body), api.REQUEST_BODIES[(method, path)], f"{method} {path}")


def test_every_body_schema_has_an_example_and_a_route() -> None:
    shown = {(method, path) for method, path, _ in _body_examples()}
    routed = {(endpoint.method, endpoint.path) for endpoint in ENDPOINTS}
    for route in api.REQUEST_BODIES:
        assert route in routed, f"{route}: a body schema for no route"
        # Alertmanager's body is Alertmanager's; the fixtures check it (test_alertmanager).
        assert route in shown or route[1] == "/api/ingest/alertmanager", f"{route}: no example"
    posts = {route for route in routed if route[0] == "POST"}
    assert posts <= set(api.REQUEST_BODIES), posts - set(api.REQUEST_BODIES)


def test_the_hello_and_error_examples_fit() -> None:
    hellos = re.findall(r'`(\{"type": "hello"[^`]*\})`', TEXT)
    assert hellos
    for hello in hellos:
        assert protocol.decode_hello(hello).resume_from == 1041
    errors = re.findall(r'`(\{"error": \{[^`]*\}\})`', TEXT)
    assert errors
    for error in errors:
        conforms(json.loads(error), api.ErrorAnswer, "error")


def test_the_config_examples_load() -> None:
    blocks = _blocks("toml")
    assert len(blocks) >= 2
    for line, _, body in blocks:
        try:
            hub_config_from_dict(tomllib.loads(body), f"docs/protocol.md:{line}")
        except HubConfigError as error:
            raise AssertionError(str(error)) from None
