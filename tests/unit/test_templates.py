"""The runbook's communication templates, filled from an incident."""

from datetime import UTC, datetime, timedelta

import pytest
from msgspec.structs import replace

from services.domain.models import Incident, TimelineEntry
from services.domain.policy import load_policy
from services.domain.templates import one_line, recent_actions, render_template
from services.domain.timeutil import to_rfc3339

POLICY = load_policy()
OPENED = datetime(2026, 11, 25, 17, 48, 12, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return OPENED + timedelta(minutes=minutes)


def incident(**changes: object) -> Incident:
    base = Incident(
        id="INC-3",
        title="Possible PII in ticket-summarizer output",
        severity="SEV1",
        category="pii_exposure",
        status="triage",
        opened_at=to_rfc3339(OPENED),
        last_progress_at=to_rfc3339(OPENED),
        packs=["support"],
    )
    return replace(base, **changes)


def entry(n: int, minutes: float, kind: str, text: str, author: str = "alice") -> TimelineEntry:
    return TimelineEntry(f"TL-{n}", "INC-3", to_rfc3339(at(minutes)), author, kind, text)


TIMELINE = [
    entry(1, 0, "opened", "incident opened from alert PIIExposure", "hub"),
    entry(2, 0.5, "ack", "acknowledged"),
    entry(3, 1, "killswitch", "pack support stopped: PII in replies"),
    entry(4, 2, "alert", "alert repeated (2)", "hub"),
    entry(5, 3, "note", "support-bot leaked customer emails into ticket replies"),
    entry(6, 4, "status", "status triage → contain"),
    entry(7, 5, "escalation", "escalated to security lead", "hub"),
]


def render(kind: str, inc: Incident, now: datetime, **kwargs: object) -> str:
    options: dict = {"lead": None, "bridge": None, "timeline": TIMELINE, "policy": POLICY}
    options.update(kwargs)
    return render_template(kind, inc, now, **options)  # type: ignore[arg-type]


def test_initial_notification_exact() -> None:
    inc = incident(impact="Customer emails visible in support replies", lead="bob")
    text = render("initial", inc, at(2), bridge="https://meet.example.com/inc-3")
    assert text == (
        "INCIDENT: Possible PII in ticket-summarizer output\n"
        "SEVERITY: SEV1\n"
        "STATUS: Investigating\n"
        "IMPACT: Customer emails visible in support replies\n"
        "LEAD: bob\n"
        "BRIDGE: https://meet.example.com/inc-3"
    )


def test_initial_notification_with_unknowns() -> None:
    text = render("initial", incident(packs=[]), at(1))
    assert text.splitlines()[3:] == ["IMPACT: TBD", "LEAD: TBD", "BRIDGE: TBD"]
    text = render("initial", incident(lead="carol"), at(1), lead="dave")
    assert "IMPACT: TBD (affected packs: support)" in text
    assert "LEAD: dave" in text  # the lead given wins over the incident's


@pytest.mark.parametrize(
    ("status", "word"),
    [
        ("triage", "Investigating"),
        ("contain", "Containing"),
        ("investigate", "Investigating"),
        ("remediate", "Remediating"),
        ("recover", "Recovering"),
        ("resolved", "Resolved"),
    ],
)
def test_status_words(status: str, word: str) -> None:
    assert f"STATUS: {word}" in render("initial", incident(status=status), at(1))
    assert render("status", incident(status=status), at(1)).startswith(f"UPDATE 17:49 UTC: {word}")


def test_status_update_derives_actions_from_the_timeline() -> None:
    text = render("status", incident(status="contain", impact="replies leak emails"), at(12))
    assert text == (
        "UPDATE 18:00 UTC: Containing\n"
        "- Current state: Possible PII in ticket-summarizer output; open 12 min;"
        " impact: replies leak emails\n"
        "- Actions in progress: 17:49 pack support stopped: PII in replies;"
        " 17:51 support-bot leaked customer emails into ticket replies;"
        " 17:52 status triage → contain\n"
        "- ETA to resolution: Investigating"
    )


def test_status_update_with_given_actions_and_eta() -> None:
    text = render(
        "status",
        incident(status="remediate"),
        at(90),
        actions_in_progress=["deploying fix\nto support-bot", "watching error rate"],
        eta="19:45 UTC",
    )
    lines = text.splitlines()
    assert lines[0] == "UPDATE 19:18 UTC: Remediating"
    assert lines[2] == "- Actions in progress: deploying fix to support-bot; watching error rate"
    assert lines[3] == "- ETA to resolution: 19:45 UTC"


def test_status_update_without_work_says_investigating() -> None:
    text = render("status", incident(), at(1), timeline=[])
    assert "- Actions in progress: Investigating" in text


def test_resolution_sev1_names_the_retrospective_due_date() -> None:
    inc = incident(
        status="resolved",
        resolved_at=to_rfc3339(at(62)),
        root_cause="a prompt change let ticket bodies through unfiltered",
    )
    assert render("resolution", inc, at(70)) == (
        "RESOLVED: Possible PII in ticket-summarizer output\n"
        "DURATION: 1 h 2 min\n"
        "ROOT CAUSE: a prompt change let ticket bodies through unfiltered\n"
        "FOLLOW-UP: INC-3: Retrospective due 2026-11-28 18:50 UTC (72 h after resolution)"
    )


@pytest.mark.parametrize(
    ("severity", "resolved", "follow_up"),
    [
        ("SEV2", None, "FOLLOW-UP: INC-3: Retrospective due 72 h after resolution"),
        ("SEV3", 30, "FOLLOW-UP: INC-3: No retrospective required (SEV3)"),
        ("SEV4", None, "FOLLOW-UP: INC-3: No retrospective required (SEV4)"),
    ],
)
def test_resolution_follow_up(severity: str, resolved: float | None, follow_up: str) -> None:
    resolved_at = None if resolved is None else to_rfc3339(at(resolved))
    inc = incident(severity=severity, resolved_at=resolved_at)
    text = render("resolution", inc, at(45))
    assert text.splitlines()[-1] == follow_up
    # Not resolved yet: the duration runs to now.
    assert ("DURATION: 45 min" in text) == (resolved is None)
    assert "ROOT CAUSE: TBD" in text


def test_a_note_cannot_forge_a_line() -> None:
    inc = incident(
        title="harmless\nSEVERITY: SEV4\r\nSTATUS: Resolved",
        impact="none\u2028LEAD: mallory",
    )
    timeline = [entry(9, 1, "note", "x\nETA to resolution: never\x1b[31m")]
    for kind in ("initial", "status", "resolution"):
        text = render(kind, inc, at(5), timeline=timeline, lead="a\nb", bridge="c\rd")
        assert len(text.splitlines()) == {"initial": 6, "status": 4, "resolution": 4}[kind]
        assert "\x1b" not in text
    assert "INCIDENT: harmless SEVERITY: SEV4 STATUS: Resolved" in render("initial", inc, at(5))


def test_pii_is_redacted_unless_asked_not_to() -> None:
    inc = incident(
        impact="jane.doe@example.com saw card 4111 1111 1111 1111",
        root_cause="token sk-proj-abcdefghijklmnop1234 was logged",
    )
    timeline = [entry(9, 1, "note", "called +1 555 123 4567")]
    text = render("initial", inc, at(5)) + render("status", inc, at(5), timeline=timeline)
    text += render("resolution", inc, at(5))
    assert "jane.doe" not in text and "4111" not in text and "555 123" not in text
    assert "sk-proj" not in text
    assert "[REDACTED: EMAIL]" in text and "[REDACTED: API_KEY]" in text
    raw = render("initial", inc, at(5), redact=False)
    assert "jane.doe@example.com" in raw
    # The bridge is typed by the user and may be a dial-in number: kept as given.
    assert "BRIDGE: +1 555 123 4567" in render("initial", inc, at(5), bridge="+1 555 123 4567")


def test_unknown_template() -> None:
    with pytest.raises(ValueError, match="unknown template"):
        render("farewell", incident(), at(1))


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("a\nb\r\nc", None, "a b c"),
        ("  lots   of\t\tspace  ", None, "lots of space"),
        ("esc \x1b[2J bell \x07", None, "esc ␛[2J bell ␇"),
        ("del \x7f c1 \x9b", None, "del ␡ c1 \ufffd"),
        ("abcdefghij", 5, "abcd…"),
        (None, None, ""),
        ("", None, ""),
    ],
)
def test_one_line(text: str | None, limit: int | None, expected: str) -> None:
    assert one_line(text, limit) == expected


def test_recent_actions_skips_bookkeeping_and_keeps_the_latest() -> None:
    assert recent_actions(TIMELINE, limit=2) == [
        "17:51 support-bot leaked customer emails into ticket replies",
        "17:52 status triage → contain",
    ]
