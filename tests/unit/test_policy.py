"""The runbook's rules as data."""

import copy
from pathlib import Path
from typing import Any

import pytest

from services.domain.policy import PolicyError, load_policy, policy_from_dict


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
        ("[response_minutes]\nSEV5 = 1\n", "response_minutes.SEV5: unknown key"),
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


def test_escalation_steps_updates_and_retrospective_defaults() -> None:
    from datetime import UTC, datetime, timedelta

    policy = load_policy()
    esc = policy.escalation
    assert esc.no_progress_seconds == 1800
    assert esc.no_progress_severities == ("SEV1", "SEV2")
    assert esc.page_roles == ("on-call", "engineering-manager")
    assert esc.security_categories == (
        "pii_exposure",
        "unauthorized_access",
        "credential_compromise",
        "authorization_failure",
    )
    assert (esc.security_role, esc.breach_role, esc.ticket_role) == (
        "security-lead",
        "legal",
        "on-call",
    )
    assert [s.name for s in policy.steps] == [
        "triage",
        "contain",
        "investigate",
        "remediate",
        "recover",
        "post-incident",
    ]
    contain = policy.step("contain")
    assert contain is not None and (contain.start_s, contain.end_s) == (300, 900)
    assert policy.step("nope") is None
    assert [policy.status_update_seconds(s) for s in ("SEV1", "SEV2", "SEV3", "SEV4")] == [
        1800,
        3600,
        14400,
        86400,
    ]
    resolved = datetime(2026, 11, 25, 19, 0, tzinfo=UTC)
    assert policy.retrospective_due("SEV1", resolved) == resolved + timedelta(hours=72)
    assert policy.retrospective_due("SEV3", resolved) is None
    assert policy.retrospective_due("SEV2", None) is None


def test_escalation_override_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('[escalation]\nno_progress_minutes = 10\nbreach_role = "dpo"\n')
    esc = load_policy(path).escalation
    assert (esc.no_progress_minutes, esc.breach_role, esc.security_role) == (
        10,
        "dpo",
        "security-lead",
    )


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[escalation]\nno_progress_minutes = 0\n", "escalation.no_progress_minutes"),
        ("[escalation]\nno_progres_minutes = 5\n", "escalation.no_progres_minutes: unknown"),
        ('[escalation]\npage_severities = ["SEV7"]\n', "escalation.page_severities"),
        ('[escalation]\nsecurity_categories = ["pii"]\n', "escalation.security_categories"),
        ('[escalation]\npage_roles = "on-call"\n', "escalation.page_roles"),
        ('[escalation]\nbreach_role = ""\n', "escalation.breach_role"),
        ("[status_update_minutes]\nSEV2 = 0\n", "status_update_minutes.SEV2"),
        ("[retrospective]\nhours = -1\n", "retrospective.hours"),
        ('[retrospective]\nseverities = ["SEV0"]\n', "retrospective.severities"),
        ('[[steps]]\nstatus = "triage"\n', "steps: missing contain"),
        ("[[steps]]\nstart = 1\n", r"steps\[0\].status: required field missing"),
        (
            '[category_severity]\npii = "SEV1"\n',
            r"category_severity.pii: unknown key \(expected one of: runaway_agent, ",
        ),
        ("[retrospective]\nhours = true\n", r"retrospective.hours: Expected `int`, got `bool`"),
        (
            '[escalaton]\nbreach_role = "dpo"\n',
            r"escalaton: unknown key \(expected one of: response_minutes, ",
        ),
        (
            '[[steps]]\nstatus = "triage"\nstart = 5\nend = 1\n',
            r"steps\[0\]: end must be after start",
        ),
        ('[[steps]]\nstatus = "triage"\nend = -1\n', r"steps\[0\].end"),
    ],
)
def test_bad_escalation_tables_name_file_and_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(PolicyError, match=key) as info:
        load_policy(path)
    assert "bad.toml" in str(info.value)


def test_steps_are_replaced_whole_and_checked(tmp_path: Path) -> None:
    steps = "".join(
        f'[[steps]]\nstatus = "{name}"\n'
        for name in ("triage", "contain", "investigate", "remediate", "recover")
    )
    path = tmp_path / "p.toml"
    path.write_text(steps + '[[steps]]\nstatus = "post-incident"\n[[steps]]\nstatus = "x"\n')
    with pytest.raises(PolicyError, match="post-incident must be the last step"):
        load_policy(path)
    path.write_text(steps + '[[steps]]\nstatus = "triage"\n')
    with pytest.raises(PolicyError, match="listed twice"):
        load_policy(path)


def test_policy_from_dict_reads_a_hubs_raw_policy() -> None:
    """What a hub sends in its snapshot (``policy.raw``) is a policy again on the console."""
    raw = copy.deepcopy(load_policy().raw)
    raw["escalation"]["no_progress_minutes"] = 2
    policy = policy_from_dict(raw, "hub snapshot")
    assert policy.escalation.no_progress_seconds == 120
    assert policy.raw is raw
    assert policy.response_seconds("SEV1") == 900


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda raw: raw["steps"][1].update(end="5"),
            r"hub snapshot: steps\[1\].end: Expected `int",
        ),
        (lambda raw: raw.pop("retrospective"), "hub snapshot: retrospective: required field"),
        (
            lambda raw: raw["escalation"].update(page_roles=["on-call", 3]),
            r"hub snapshot: escalation.page_roles\[1\]: Expected `str`, got `int`",
        ),
    ],
)
def test_policy_from_dict_names_source_and_key(change: Any, message: str) -> None:
    raw = copy.deepcopy(load_policy().raw)
    change(raw)
    with pytest.raises(PolicyError, match=message):
        policy_from_dict(raw, "hub snapshot")
