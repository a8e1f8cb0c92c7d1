"""Response timer, runbook step and status-update countdown, on a frozen clock."""

from datetime import UTC, datetime, timedelta

import pytest

from services.domain.models import Incident
from services.domain.policy import load_policy
from services.domain.timers import (
    current_step,
    next_status_update,
    response_timer,
)
from services.domain.timeutil import format_duration, to_rfc3339

POLICY = load_policy()
OPENED = datetime(2026, 11, 25, 17, 48, 12, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return OPENED + timedelta(seconds=seconds)


def incident(severity: str = "SEV1", status: str = "triage", **changes: object) -> Incident:
    # from_dict, not the constructor: a test value of the wrong type fails loudly.
    return Incident.from_dict(
        {
            "id": "INC-3",
            "title": "Possible PII in ticket-summarizer output",
            "severity": severity,
            "category": "pii_exposure",
            "status": status,
            "opened_at": to_rfc3339(OPENED),
            "last_progress_at": to_rfc3339(OPENED),
            "packs": ["support"],
            **changes,
        }
    )


@pytest.mark.parametrize(
    ("severity", "minutes"), [("SEV1", 15), ("SEV2", 60), ("SEV3", 240), ("SEV4", 1440)]
)
def test_deadline_follows_severity(severity: str, minutes: int) -> None:
    timer = response_timer(incident(severity), POLICY, OPENED)
    assert timer.deadline == at(minutes * 60)
    assert timer.remaining_s == minutes * 60
    assert not timer.acknowledged and timer.met is None and timer.took_s is None


@pytest.mark.parametrize(
    ("severity", "elapsed", "label"),
    [
        ("SEV1", 28, "14:32 to respond"),
        ("SEV1", 0, "15:00 to respond"),
        ("SEV1", 900, "0:00 to respond"),
        ("SEV1", 900 + 192, "+3:12 overdue"),
        ("SEV2", 20, "59:40 to respond"),
        ("SEV3", 60, "3:59:00 to respond"),
        ("SEV4", 3600 * 25, "+1:00:00 overdue"),
    ],
)
def test_label_counts_down_then_up(severity: str, elapsed: float, label: str) -> None:
    timer = response_timer(incident(severity), POLICY, at(elapsed))
    assert timer.label() == label
    assert timer.overdue == (elapsed > POLICY.response_seconds(severity))


@pytest.mark.parametrize(
    ("acked_after", "label", "met"),
    [
        (28, "responded in 0:28 — met", True),
        (900, "responded in 15:00 — met", True),
        (1025, "responded in 17:05 — breached", False),
    ],
)
def test_ack_stops_the_timer(acked_after: float, label: str, met: bool) -> None:
    inc = incident(acknowledged_at=to_rfc3339(at(acked_after)), acknowledged_by="alice")
    for later in (acked_after, acked_after + 3600):  # frozen: the clock moving changes nothing
        timer = response_timer(inc, POLICY, at(later))
        assert timer.acknowledged and timer.responded
        assert timer.met is met and timer.took_s == acked_after
        assert timer.remaining_s == 900 - acked_after
        assert timer.label() == label
        assert not timer.overdue


@pytest.mark.parametrize(("resolved_after", "met"), [(600, True), (4000, False)])
def test_resolve_without_ack_counts_as_the_response(resolved_after: float, met: bool) -> None:
    inc = incident(status="resolved", resolved_at=to_rfc3339(at(resolved_after)))
    timer = response_timer(inc, POLICY, at(9999))
    assert not timer.acknowledged
    assert timer.responded and timer.met is met and timer.took_s == resolved_after


def test_raised_severity_uses_the_new_response_time() -> None:
    # Raised SEV3 -> SEV1 after 20 minutes: the SEV1 deadline has passed already.
    timer = response_timer(incident("SEV1"), POLICY, at(1200))
    assert timer.label() == "+5:00 overdue"


def test_ack_before_open_is_never_negative() -> None:
    inc = incident(acknowledged_at=to_rfc3339(at(-2)))
    assert response_timer(inc, POLICY, at(10)).took_s == 0.0


@pytest.mark.parametrize(
    ("status", "elapsed", "name", "window", "overrun"),
    [
        ("triage", 60, "triage", (0, 300), False),
        ("triage", 301, "triage", (0, 300), True),
        ("contain", 400, "contain", (300, 900), False),
        ("contain", 1000, "contain", (300, 900), True),
        ("investigate", 3000, "investigate", (900, 3600), False),
        ("investigate", 3700, "investigate", (900, 3600), True),
        ("remediate", 99999, "remediate", (3600, None), False),
        ("recover", 99999, "recover", (3600, None), False),
    ],
)
def test_step_windows(
    status: str, elapsed: float, name: str, window: tuple[int, int | None], overrun: bool
) -> None:
    step = current_step(incident(status=status), POLICY, at(elapsed))
    assert step.name == name
    assert (step.window_start_s, step.window_end_s) == window
    assert step.overrun is overrun
    assert step.elapsed_s == elapsed


def test_step_remaining_in_window() -> None:
    step = current_step(incident(status="contain"), POLICY, at(600))
    assert step.remaining_s == 300
    assert current_step(incident(status="remediate"), POLICY, at(600)).remaining_s is None


def test_tracker_row() -> None:
    step = current_step(incident(status="investigate"), POLICY, at(1000))
    assert step.steps() == [
        ("triage", "done"),
        ("contain", "done"),
        ("investigate", "current"),
        ("remediate", "todo"),
        ("recover", "todo"),
        ("post-incident", "todo"),
    ]


def test_resolved_is_post_incident_and_elapsed_stops() -> None:
    inc = incident(status="resolved", resolved_at=to_rfc3339(at(3725)))
    step = current_step(inc, POLICY, at(99999))
    assert step.name == "post-incident" and not step.overrun
    assert step.elapsed_s == 3725
    assert [mark for _, mark in step.steps()] == ["done"] * 5 + ["current"]


@pytest.mark.parametrize(
    ("severity", "last_update", "now", "label", "overdue"),
    [
        ("SEV1", None, 0, "status update in 30:00", False),
        ("SEV1", None, 1830, "status update +0:30 overdue", True),
        ("SEV1", 600, 1200, "status update in 20:00", False),
        ("SEV2", None, 20, "status update in 59:40", False),
        ("SEV3", 0, 0, "status update in 4:00:00", False),
        ("SEV4", None, 0, "status update in 24:00:00", False),
    ],
)
def test_next_status_update(
    severity: str, last_update: float | None, now: float, label: str, overdue: bool
) -> None:
    last = None if last_update is None else at(last_update)
    countdown = next_status_update(incident(severity), last, POLICY, at(now))
    assert countdown.label == label
    assert countdown.overdue is overdue
    assert countdown.active
    minutes = POLICY.status_update_minutes[severity]
    assert countdown.due_at == (last or OPENED) + timedelta(minutes=minutes)
    assert countdown.remaining_s == (countdown.due_at - at(now)).total_seconds()


def test_resolved_needs_no_status_update() -> None:
    inc = incident(status="resolved", resolved_at=to_rfc3339(at(100)))
    countdown = next_status_update(inc, None, POLICY, at(99999))
    assert not countdown.active and not countdown.overdue
    assert countdown.due_at == at(100)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (28, "28 s"),
        (60, "1 min"),
        (725, "12 min 5 s"),
        (3600, "1 h"),
        (3725, "1 h 2 min"),
        (86400 * 3 + 3600 * 4, "3 d 4 h"),
        (-5, "0 s"),
    ],
)
def test_human_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds, "words") == text
