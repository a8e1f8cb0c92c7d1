"""The runbook's rules as data."""

from pathlib import Path

import pytest

from services.policy import PolicyError, load_policy


@pytest.mark.parametrize(
    ("sev", "minutes"), [("SEV1", 15), ("SEV2", 60), ("SEV3", 240), ("SEV4", 1440)]
)
def test_response_times_follow_the_runbook(sev: str, minutes: int) -> None:
    assert load_policy().response_seconds(sev) == minutes * 60


@pytest.mark.parametrize(
    ("labels", "category", "severity"),
    [
        ({"alertname": "PIIExposure"}, "pii_exposure", "SEV1"),
        ({"alertname": "RunawayAgent"}, "runaway_agent", "SEV2"),
        ({"alertname": "RateLimitBreach"}, "rate_limit_breach", "SEV3"),
        ({"alertname": "ToolErrorRateHigh"}, "integration_failure", "SEV3"),
        (
            {"alertname": "Whatever", "category": "credential_compromise"},
            "credential_compromise",
            "SEV1",
        ),
        ({"alertname": "Whatever", "category": "not-a-category"}, "incorrect_output", "SEV2"),
        ({}, "incorrect_output", "SEV2"),
    ],
)
def test_alert_category_and_severity(labels: dict, category: str, severity: str) -> None:
    policy = load_policy()
    assert policy.category_for(labels) == category
    assert policy.severity_for(category) == severity


def test_override_keeps_what_it_does_not_name(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(
        '[response_minutes]\nSEV1 = 10\n[category_severity]\nrate_limit_breach = "SEV2"\n'
    )
    policy = load_policy(path)
    assert policy.response_seconds("SEV1") == 600
    assert policy.response_seconds("SEV2") == 3600
    assert policy.severity_for("rate_limit_breach") == "SEV2"
    assert policy.severity_for("pii_exposure") == "SEV1"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[response_minutes]\nSEV1 = -1\n", "response_minutes.SEV1"),
        ('[category_severity]\npii_exposure = "SEV9"\n', "category_severity.pii_exposure"),
        ('[alertname_category]\nX = "nope"\n', "alertname_category.X"),
        ("not toml [", "not valid TOML"),
    ],
)
def test_bad_policy_names_file_and_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(PolicyError, match=key) as info:
        load_policy(path)
    assert "bad.toml" in str(info.value)
