"""Escalation contacts as rules: what is due, once, and what is still to come."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from msgspec.structs import replace

from services.domain.escalation import (
    KeyedEscalation,
    due_escalations,
    escalated_roles,
    escalation_countdowns,
    escalation_key,
    role_label,
)
from services.domain.models import Escalation, Incident
from services.domain.policy import load_policy
from services.domain.timeutil import to_rfc3339

POLICY = load_policy()
OPENED = datetime(2026, 11, 25, 17, 48, 12, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return OPENED + timedelta(minutes=minutes)


def incident(
    severity: str = "SEV2", category: str = "runaway_agent", **changes: object
) -> Incident:
    # from_dict, not the constructor: a test value of the wrong type fails loudly.
    return Incident.from_dict(
        {
            "id": "INC-7",
            "title": "campaign-writer is looping",
            "severity": severity,
            "category": category,
            "status": "triage",
            "opened_at": to_rfc3339(OPENED),
            "last_progress_at": to_rfc3339(OPENED),
            "packs": ["marketing"],
            **changes,
        }
    )


def record(inc: Incident, due: list[Escalation]) -> Incident:
    """What the hub does: append each escalation's dict."""
    return replace(inc, escalations=[*inc.escalations, *(e.to_dict() for e in due)])


def summary(due: list[Escalation]) -> list[tuple[str, str]]:
    return [(e.role, e.action) for e in due]


@pytest.mark.parametrize(
    ("severity", "category", "expected"),
    [
        ("SEV1", "service_outage", [("on-call", "page"), ("engineering-manager", "page")]),
        ("SEV2", "runaway_agent", [("on-call", "page"), ("engineering-manager", "page")]),
        ("SEV3", "rate_limit_breach", [("on-call", "ticket")]),
        ("SEV4", "integration_failure", [("on-call", "ticket")]),
        (
            "SEV1",
            "pii_exposure",
            [("on-call", "page"), ("engineering-manager", "page"), ("security-lead", "page")],
        ),
        ("SEV3", "unauthorized_access", [("on-call", "ticket"), ("security-lead", "page")]),
        (
            "SEV2",
            "credential_compromise",
            [*[("on-call", "page")], ("engineering-manager", "page"), ("security-lead", "page")],
        ),
        ("SEV3", "authorization_failure", [("on-call", "ticket"), ("security-lead", "page")]),
    ],
)
def test_at_open(severity: str, category: str, expected: list[tuple[str, str]]) -> None:
    due = due_escalations(incident(severity, category), POLICY, OPENED)
    assert summary(due) == expected
    assert all(e.at == to_rfc3339(OPENED) for e in due)


def test_every_second_is_idempotent() -> None:
    inc = incident("SEV1", "pii_exposure")
    inc = record(inc, due_escalations(inc, POLICY, OPENED))
    for second in range(0, 29 * 60, 7):
        assert due_escalations(inc, POLICY, OPENED + timedelta(seconds=second)) == []


def test_security_reason_names_the_category() -> None:
    due = due_escalations(incident("SEV1", "pii_exposure"), POLICY, OPENED)
    assert due[-1].reason == "security: PII exposure"


def test_category_changing_later_pages_security_once() -> None:
    inc = record(incident("SEV2"), due_escalations(incident("SEV2"), POLICY, OPENED))
    inc = replace(inc, category="credential_compromise", last_progress_at=to_rfc3339(at(5)))
    due = due_escalations(inc, POLICY, at(5))
    assert summary(due) == [("security-lead", "page")]
    inc = replace(record(inc, due), category="pii_exposure")
    assert due_escalations(inc, POLICY, at(6)) == []


def test_breach_confirmed_notifies_legal_once() -> None:
    inc = incident("SEV1", "pii_exposure")
    inc = record(inc, due_escalations(inc, POLICY, OPENED))
    inc = replace(inc, breach_confirmed=True)
    due = due_escalations(inc, POLICY, at(3))
    assert summary(due) == [("legal", "notify")]
    assert due[0].reason == "data breach confirmed"
    assert due_escalations(record(inc, due), POLICY, at(4)) == []


@pytest.mark.parametrize("severity", ["SEV1", "SEV2"])
def test_no_progress_for_30_minutes_escalates_to_the_manager(severity: str) -> None:
    inc = incident(severity)
    inc = record(inc, due_escalations(inc, POLICY, OPENED))
    assert due_escalations(inc, POLICY, at(29.99)) == []
    due = due_escalations(inc, POLICY, at(30))
    assert summary(due) == [("engineering-manager", "page")]
    assert isinstance(due[0], KeyedEscalation)
    assert due[0].key == f"no-progress@{to_rfc3339(OPENED)}:engineering-manager"
    # A time as a person reads it, not a wire timestamp.
    assert due[0].reason == f"no progress for 30 min (last progress {OPENED:%H:%M:%S} UTC)"
    assert due_escalations(record(inc, due), POLICY, at(45)) == []


def test_progress_restarts_the_quiet_period_and_escalates_again() -> None:
    inc = incident("SEV2")
    inc = record(inc, due_escalations(inc, POLICY, OPENED))
    inc = record(inc, due_escalations(inc, POLICY, at(30)))  # first quiet period
    inc = replace(inc, last_progress_at=to_rfc3339(at(40)))  # a note
    assert due_escalations(inc, POLICY, at(69)) == []
    second = due_escalations(inc, POLICY, at(70))
    assert summary(second) == [("engineering-manager", "page")]
    inc = record(inc, second)
    assert due_escalations(inc, POLICY, at(120)) == []
    assert [e["key"].rsplit(":", 1)[0] for e in inc.escalations][-2:] == [
        f"no-progress@{to_rfc3339(OPENED)}",
        f"no-progress@{to_rfc3339(at(40))}",
    ]


@pytest.mark.parametrize("severity", ["SEV3", "SEV4"])
def test_low_severities_never_escalate_for_no_progress(severity: str) -> None:
    inc = incident(severity)
    inc = record(inc, due_escalations(inc, POLICY, OPENED))
    assert due_escalations(inc, POLICY, at(24 * 60)) == []
    assert escalation_countdowns(inc, POLICY, at(1)) == []


def test_raised_from_sev3_to_sev2_gets_the_at_open_pages() -> None:
    inc = incident("SEV3")
    inc = record(inc, due_escalations(inc, POLICY, OPENED))  # the ticket
    inc = replace(inc, severity="SEV2", last_progress_at=to_rfc3339(at(50)))
    due = due_escalations(inc, POLICY, at(50))
    assert summary(due) == [("on-call", "page"), ("engineering-manager", "page")]
    assert all(e.reason == "raised to SEV2" for e in due)
    inc = record(inc, due)
    # Back down to SEV3: no new ticket, the on-call has been paged.
    assert due_escalations(replace(inc, severity="SEV3"), POLICY, at(51)) == []
    # And up to SEV1: the pages are not repeated.
    assert due_escalations(replace(inc, severity="SEV1"), POLICY, at(52)) == []


def test_resolved_escalates_nothing() -> None:
    inc = incident("SEV1", "pii_exposure", status="resolved", breach_confirmed=True)
    assert due_escalations(inc, POLICY, at(300)) == []
    assert escalation_countdowns(inc, POLICY, at(1)) == []


def test_records_without_key_are_still_recognised() -> None:
    inc = incident("SEV1", "pii_exposure", breach_confirmed=True)
    first = due_escalations(inc, POLICY, at(30))
    assert len(first) == 5

    def legacy(e: KeyedEscalation) -> str:
        # As records written before keys said it: the quiet period's start in the reason.
        if e.key.startswith("no-progress@"):
            return f"no progress for 30 min since {e.key.split('@', 1)[1].rsplit(':', 1)[0]}"
        return e.reason

    plain = [Escalation(e.role, e.at, legacy(e), e.action).to_dict() for e in first]
    assert all("key" not in d for d in plain)
    assert due_escalations(replace(inc, escalations=plain), POLICY, at(31)) == []
    for keyed, bare in zip(first, plain, strict=True):
        assert escalation_key(bare) == escalation_key(keyed) == keyed.to_dict()["key"]


def test_unreadable_last_progress_falls_back_to_opening() -> None:
    inc = incident("SEV2", last_progress_at="garbage")
    inc = record(inc, due_escalations(inc, POLICY, OPENED))
    assert summary(due_escalations(inc, POLICY, at(30))) == [("engineering-manager", "page")]


@pytest.mark.parametrize(
    ("progress", "now", "label", "remaining", "overdue"),
    [
        (0, 0, "EM escalation in 30:00", 1800, False),
        (0, 0.5, "EM escalation in 29:30", 1770, False),
        (10, 12, "EM escalation in 28:00", 1680, False),
        (0, 31, "EM escalation due now", -60, True),
    ],
)
def test_countdown(
    progress: float, now: float, label: str, remaining: float, overdue: bool
) -> None:
    inc = incident("SEV2", last_progress_at=to_rfc3339(at(progress)))
    (countdown,) = escalation_countdowns(inc, POLICY, at(now))
    assert countdown.label == label
    assert countdown.remaining_s == remaining
    assert countdown.overdue is overdue
    assert countdown.due_at == at(progress + 30)


def test_countdown_gone_once_escalated_and_back_after_progress() -> None:
    inc = incident("SEV2")
    inc = record(inc, due_escalations(inc, POLICY, at(30)))
    assert escalation_countdowns(inc, POLICY, at(31)) == []
    inc = replace(inc, last_progress_at=to_rfc3339(at(35)))
    assert [c.label for c in escalation_countdowns(inc, POLICY, at(35))] == [
        "EM escalation in 30:00"
    ]


def test_escalated_roles_for_display() -> None:
    inc = incident("SEV2", "authorization_failure")
    inc = record(inc, due_escalations(inc, POLICY, OPENED))
    assert escalated_roles(inc) == ["security lead"]
    inc = record(inc, due_escalations(inc, POLICY, at(30)))
    assert escalated_roles(inc) == ["security lead", "engineering manager"]
    assert escalated_roles(inc, include_initial=True) == [
        "on-call engineer",
        "engineering manager",
        "security lead",
    ]
    assert escalated_roles(incident()) == []


@pytest.mark.parametrize(
    ("role", "label"),
    [
        ("on-call", "on-call engineer"),
        ("engineering-manager", "engineering manager"),
        ("security-lead", "security lead"),
        ("legal", "legal"),
        ("data-protection_officer", "data protection officer"),
    ],
)
def test_role_label(role: str, label: str) -> None:
    assert role_label(role) == label


def test_policy_drives_the_rules(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(
        '[escalation]\nno_progress_minutes = 10\nno_progress_severities = ["SEV1"]\n'
        'page_roles = ["on-call"]\n'
    )
    policy = load_policy(path)
    sev1 = incident("SEV1")
    assert summary(due_escalations(sev1, policy, OPENED)) == [("on-call", "page")]
    sev1 = record(sev1, due_escalations(sev1, policy, OPENED))
    assert summary(due_escalations(sev1, policy, at(10))) == [("engineering-manager", "page")]
    assert escalation_countdowns(incident("SEV2"), policy, OPENED) == []
