"""The schemas' errors name the field, and the frame decoder lets the protocol grow."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

import msgspec
import pytest

from services.domain.models import Incident, ModelError
from services.domain.protocol import (
    EVENT_DATA,
    EVENT_TYPES,
    FrameError,
    Hello,
    decode_frame,
    decode_hello,
    envelope_from_dict,
)
from services.domain.schema import SchemaError, Text, convert, described


class Inner(msgspec.Struct, forbid_unknown_fields=True):
    level: Literal["low", "high"]
    note: Text = "x"


class Outer(msgspec.Struct, forbid_unknown_fields=True):
    items: list[Inner] = []
    by_name: dict[str, Inner] = {}
    by_kind: dict[Literal["a", "b"], int] = {}
    count: Annotated[int, msgspec.Meta(ge=0)] = 0
    code: Annotated[str, msgspec.Meta(pattern=described(r"^[A-Z]+$", "must be capitals"))] = "A"
    span: tuple[int, int] = (0, 1)

    def __post_init__(self) -> None:
        if self.span[1] <= self.span[0]:
            raise ValueError("span: must end after it starts")


@pytest.mark.parametrize(
    ("data", "path", "message", "problem"),
    [
        ({"items": [{"level": "low"}, {"level": 3}]}, "items[1].level", "Expected `str`", "type"),
        (
            {"items": [{"level": "mid"}]},
            "items[0].level",
            "'mid' is not one of 'low', 'high'",
            "value",
        ),
        (
            {"by_name": {"ok": {"level": "low"}, "bad": {"level": "x"}}},
            "by_name.bad.level",
            "'x'",
            "value",
        ),
        ({"by_name": {"k": {}}}, "by_name.k.level", "required field missing", "missing"),
        (
            {"by_kind": {"a": 1, "c": 2}},
            "by_kind.c",
            "unknown key (expected one of: a, b)",
            "value",
        ),
        (
            {"items": [{"level": "low", "lvl": 1}]},
            "items[0].lvl",
            "unknown key (expected one of: level, note)",
            "unknown",
        ),
        ({"count": -1}, "count", "Expected `int` >= 0", "value"),
        ({"count": None}, "count", "must not be null", "missing"),
        ({"code": "abc"}, "code", "must be capitals", "value"),
        ({"items": [{"level": "low", "note": " "}]}, "items[0].note", "must not be empty", "value"),
        ({"span": [3, 1]}, "", "span: must end after it starts", "value"),
        ([1], "", "Expected `object`, got `array`", "type"),
    ],
)
def test_errors_name_the_path_and_say_what_is_wrong(
    data: Any, path: str, message: str, problem: str
) -> None:
    with pytest.raises(SchemaError) as refused:
        convert(data, Outer)
    assert (refused.value.path, refused.value.problem) == (path, problem)
    assert refused.value.message.startswith(message), refused.value.message


def test_a_model_error_names_the_model_and_field() -> None:
    data = {
        "id": "INC-1",
        "title": "t",
        "severity": "SEV1",
        "category": "pii_exposure",
        "status": "triage",
        "opened_at": "x",
        "last_progress_at": "x",
        "packs": ["a", 2],
    }
    with pytest.raises(ModelError, match=r"^Incident.packs\[1\]: Expected `str`, got `int`$"):
        Incident.from_dict(data)
    with pytest.raises(ModelError, match=r"^Incident.severity: 'SEV0' is not one of"):
        Incident.from_dict({**data, "packs": [], "severity": "SEV0"})


def frame(kind: str, data: Any, **extra: Any) -> str:
    return json.dumps(
        {"v": 1, "seq": 3, "ts": "2026-11-25T18:00:00.000Z", "type": kind, "data": data, **extra}
    )


def test_unknown_types_and_fields_pass_for_forward_compatibility() -> None:
    newer = decode_frame(frame("pack.renamed", {"anything": [1, 2]}, region="eu"))
    assert (newer.type, newer.data) == ("pack.renamed", {"anything": [1, 2]})
    beat = decode_frame(frame("heartbeat", {"hub_time": "t", "interval_s": 2, "load": 0.3}))
    assert beat.data["load"] == 0.3  # kept for whoever knows it; not refused


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (frame("heartbeat", {"hub_time": "t", "interval_s": -2}), "heartbeat: data.interval_s"),
        (
            frame("killswitch.pending", {"state": "asked", "pending": {}}),
            "killswitch.pending: data.state",
        ),
        (frame("alert.fired", {}), "alert.fired: data.alert: required field missing"),
        (frame("x", [1]), "data: Expected `object`, got `array`"),
        ('{"v": 1, "seq": -1, "ts": "t", "type": "x"}', "seq: Expected `int` >= 0"),
        ('{"v": 1, "seq": 1, "ts": "t"}', "type: required field missing"),
        ("[]", "Expected `object`, got `array`"),
        ("{", "not JSON"),
    ],
)
def test_bad_frames_are_refused_naming_the_field(raw: str, message: str) -> None:
    with pytest.raises(FrameError, match="^" + re.escape(message)):
        decode_frame(raw)
    if raw.startswith("{") and raw.endswith("}") and len(raw) > 1:
        with pytest.raises(FrameError):
            envelope_from_dict(json.loads(raw))


def test_the_hello() -> None:
    assert decode_hello('{"type": "hello", "resume_from": 41}') == Hello("hello", 41)
    assert decode_hello('{"type": "hello"}') == Hello("hello", None)
    assert decode_hello('{"type": "chat", "text": "hi"}') is None
    assert decode_hello("[1]") is None
    with pytest.raises(FrameError, match=re.escape("hello: resume_from: Expected `int | null`")):
        decode_hello('{"type": "hello", "resume_from": "7"}')
    with pytest.raises(FrameError, match="hello: not valid JSON"):
        decode_hello("{hello")


def test_every_event_type_has_a_schema() -> None:
    assert tuple(EVENT_DATA) == EVENT_TYPES
    assert all(issubclass(schema, msgspec.Struct) for schema in EVENT_DATA.values())
