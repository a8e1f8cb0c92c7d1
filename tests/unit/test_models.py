"""Models round-trip through JSON and refuse what is not theirs."""

import pytest

from services.domain.models import (
    Agent,
    Alert,
    Envelope,
    Incident,
    Model,
    ModelError,
    SwitchState,
    category_label,
)


def test_round_trip() -> None:
    incident = Incident(
        id="INC-1",
        title="t",
        severity="SEV1",
        category="pii_exposure",
        status="triage",
        opened_at="2026-11-25T17:48:12.000Z",
        last_progress_at="2026-11-25T17:48:12.000Z",
        packs=["support"],
    )
    assert Incident.from_dict(incident.to_dict()) == incident


@pytest.mark.parametrize(
    ("cls", "data", "field"),
    [
        (Agent, {"id": "a", "pack": "p", "state": "dancing"}, "state"),
        (Agent, {"id": 3, "pack": "p"}, "id"),
        (Agent, {"id": "a", "pack": "p", "tool_calls_per_min": "many"}, "tool_calls_per_min"),
        (Envelope, {"v": 1, "seq": "7", "ts": "x", "type": "heartbeat"}, "seq"),
        (Envelope, {"v": 1, "seq": True, "ts": "x", "type": "heartbeat"}, "seq"),
        (SwitchState, {"scope": "galaxy"}, "scope"),
        (SwitchState, {"scope": "pack", "enabled": "no"}, "enabled"),
    ],
)
def test_from_dict_names_the_bad_field(cls: type[Model], data: dict, field: str) -> None:
    with pytest.raises(ModelError, match=field):
        cls.from_dict(data)


def test_from_dict_refuses_missing_and_non_objects() -> None:
    with pytest.raises(ModelError):
        Alert.from_dict({"fingerprint": "f"})
    with pytest.raises(ModelError):
        Agent.from_dict(["not", "an", "object"])


def test_unknown_keys_are_ignored() -> None:
    agent = Agent.from_dict({"id": "a", "pack": "p", "from_the_future": 1})
    assert agent.id == "a"


def test_switch_target() -> None:
    assert SwitchState(scope="global").target == "global"
    assert SwitchState(scope="pack", pack="support").target == "pack:support"


def test_category_label() -> None:
    assert category_label("pii_exposure") == "PII exposure"
    assert category_label("runaway_agent") == "Runaway agent"


def test_to_dict_is_a_fresh_copy() -> None:
    """The hub keeps a model and sends its dict: changing one must not change the other."""
    incident = Incident.from_dict(
        {
            "id": "INC-1",
            "title": "t",
            "severity": "SEV1",
            "category": "pii_exposure",
            "status": "triage",
            "opened_at": "2026-11-25T17:48:12.000Z",
            "last_progress_at": "2026-11-25T17:48:12.000Z",
            "alert_fingerprints": ["a"],
            "escalations": [{"role": "on-call", "at": "x", "reason": "r", "key": "k"}],
        }
    )
    copied = incident.to_dict()
    assert copied == Incident.from_dict(copied).to_dict()
    copied["alert_fingerprints"].append("z")
    copied["escalations"][0]["role"] = "nobody"
    assert incident.alert_fingerprints == ["a"]
    assert incident.escalations[0]["role"] == "on-call"
