"""The post-incident document: content, durations, escaping, redaction, golden file.

Regenerate the golden file after an intended change with
``WARROOM_UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/test_export.py``.
"""

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from msgspec.structs import replace

from services.domain.export import export_json, export_markdown
from services.domain.models import AuditRecord, ChecklistMark, Incident, TimelineEntry
from services.domain.policy import load_policy
from services.domain.timeutil import to_rfc3339

GOLDEN = Path(__file__).parent / "golden" / "export_inc.md"
POLICY = load_policy()
OPENED = datetime(2026, 11, 25, 17, 48, 12, tzinfo=UTC)
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def at(minutes: float) -> str:
    return to_rfc3339(OPENED + timedelta(minutes=minutes))


def incident(**changes: object) -> Incident:
    base = Incident(
        id="INC-7",
        title="Possible PII in ticket-summarizer output",
        severity="SEV1",
        category="pii_exposure",
        status="resolved",
        opened_at=at(0),
        last_progress_at=at(62),
        acknowledged_at=at(0.5),
        acknowledged_by="alice",
        resolved_at=at(62),
        root_cause="A prompt change let raw ticket bodies (with jane.doe@example.com) through",
        impact="Customer e-mails visible in support replies for 40 minutes",
        lead="alice",
        packs=["support"],
        alert_fingerprints=["65e4f9066fb1276e"],
        escalations=[
            {"role": "on-call", "at": at(0), "reason": "SEV1 incident opened", "action": "page"},
            {
                "role": "security-lead",
                "at": at(0),
                "reason": "security: PII exposure",
                "action": "page",
                "key": "security:security-lead",
            },
            {"role": "legal", "at": at(20), "reason": "data breach confirmed", "action": "notify"},
        ],
        breach_confirmed=True,
        cause="configuration-error",
        checklist={
            "triage.acknowledge": ChecklistMark(True, "alice", at(0.5)),
            "contain.pack-stop": ChecklistMark(True, "alice", at(2.1)),
            "contain.breach": ChecklistMark(False, "bob", at(19)),
            "investigate.root-cause": ChecklistMark(True, "bob", at(30)),
            "remediate.configuration-error.revert": ChecklistMark(True, "alice", at(44)),
        },
    )
    return replace(base, **changes)


def entry(n: int, minutes: float, author: str, kind: str, text: str) -> TimelineEntry:
    return TimelineEntry(f"TL-{n}", "INC-7", at(minutes), author, kind, text)


TIMELINE = [
    entry(1, 0, "hub", "opened", "Opened from alert PIIExposure (ticket #48213)"),
    entry(2, 0.5, "alice", "ack", "acknowledged"),
    entry(3, 1.4, "alice", "status", "status triage → contain"),
    entry(4, 2.1, "alice", "killswitch", "pack support stopped: PII in replies"),
    entry(5, 3, "alice", "note", "support-bot leaked customer emails | card 4111 1111 1111 1111"),
    entry(6, 9, "bob", "note", "line one\nline two\n# not a heading"),
    entry(7, 20, "alice", "severity", "breach confirmed; severity stays SEV1"),
    entry(8, 45, "alice", "killswitch", "pack support re-enabled after fix"),
    entry(9, 62, "alice", "resolved", "resolved: prompt change reverted"),
    replace(
        entry(10, 600, "bob", "retrospective", "stopped in 2 minutes | mail bob@example.com"),
        detail="What went well?",
    ),
]
AUDIT = [
    AuditRecord(
        "AUD-7",
        at(2.1),
        "alice",
        "incident-commander",
        "stop",
        "pack:support",
        "PII in replies",
        "INC-7",
        "10.0.0.5",
    ),
    AuditRecord(
        "AUD-8",
        at(45),
        "alice",
        "incident-commander",
        "enable",
        "pack:support",
        "fix deployed",
        "INC-7",
    ),
    AuditRecord("AUD-9", at(30), "carol", "cto", "stop", "pack:finance", "unrelated", "INC-8"),
    AuditRecord("AUD-10", at(50), "dave", "on-call", "stop", "global", "drill, unlinked"),
    AuditRecord("AUD-11", at(300), "erin", "on-call", "stop", "pack:support", "after resolve"),
]


def test_golden_markdown() -> None:
    text = export_markdown(incident(), TIMELINE, POLICY, NOW, audit=AUDIT)
    if os.environ.get("WARROOM_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_json_has_the_same_content_and_serialises() -> None:
    doc = export_json(incident(), TIMELINE, POLICY, NOW, audit=AUDIT)
    assert json.loads(json.dumps(doc)) == doc
    assert doc["durations"] == {
        "to_acknowledge_s": 30.0,
        "to_contain_s": 126.0,
        "to_resolve_s": 3720.0,
    }
    assert doc["contained_at"] == at(2.1) and doc["contained_by"] == "pack:support"
    assert doc["retrospective_due"] == "2026-11-28T18:50:12.000Z"
    assert doc["redaction"] == {"redacted": True, "categories": ["A", "B"]}
    assert [a["source"] for a in doc["actions"]] == [
        "TL-3",
        "audit AUD-7",
        "TL-7",
        "audit AUD-8",
        "audit AUD-10",
    ]
    assert [e["role"] for e in doc["escalations"]] == ["on-call", "security-lead", "legal"]
    assert len(doc["timeline"]) == len(TIMELINE)
    assert doc["summary"] == (
        "SEV1 PII exposure incident in support, opened 2026-11-25 17:48 UTC,"
        " resolved after 1 h 2 min."
    )
    assert doc["follow_ups"][1].startswith("data breach confirmed: regulator notification")


def test_what_did_not_happen_is_a_dash() -> None:
    inc = incident(
        status="investigate",
        acknowledged_at=None,
        acknowledged_by=None,
        resolved_at=None,
        root_cause=None,
        impact="",
        lead=None,
        escalations=[],
        breach_confirmed=False,
    )
    timeline = [e for e in TIMELINE if e.kind not in ("killswitch", "resolved")]
    doc = export_json(inc, timeline, POLICY, NOW, audit=[])
    assert doc["durations"] == {
        "to_acknowledge_s": None,
        "to_contain_s": None,
        "to_resolve_s": None,
    }
    text = export_markdown(inc, timeline, POLICY, NOW, audit=[])
    for row in (
        "| Time to acknowledge | — |",
        "| Time to contain (first stop) | — |",
        "| Time to resolve | — |",
        "| Lead | — |",
        "| Acknowledged | — |",
        "| Resolved | — |",
    ):
        assert row in text
    assert "## Root cause\n\n—\n" in text
    assert "## Escalations\n\n- —\n" in text
    assert "- Retrospective due 72 h after resolution" in text
    assert "open (investigate) after 15 h 11 min" in doc["summary"]


def test_entering_contain_is_not_containment() -> None:
    timeline = [entry(3, 1.4, "alice", "status", "status triage → contain")]
    assert export_json(incident(), timeline, POLICY, NOW)["durations"]["to_contain_s"] is None


@pytest.mark.parametrize(
    ("timeline", "audit", "contained"),
    [
        # Without an audit, the first kill-switch entry that is not a re-enable.
        (
            [
                entry(8, 45, "a", "killswitch", "pack support re-enabled"),
                entry(9, 50, "a", "killswitch", "global stop"),
            ],
            None,
            50 * 60,
        ),
        # The hub's own wording; a reason that mentions restoring is no re-enable.
        ([entry(8, 5, "a", "killswitch", "pack support stopped by a: restore order")], None, 300),
        ([entry(8, 5, "a", "killswitch", "global kill switch re-enabled by a: ok")], None, None),
        # The audit's first stop wins when it comes first.
        ([entry(4, 10, "a", "killswitch", "stopped")], [AUDIT[0]], 126),
        # An unlinked stop on the incident's pack while it was open counts.
        ([], [AUDIT[3]], 50 * 60),
        # Another incident's stop, or one after resolution, does not.
        ([], [AUDIT[2], AUDIT[4]], None),
    ],
)
def test_time_to_contain_is_the_first_stop(
    timeline: list[TimelineEntry], audit: list[AuditRecord] | None, contained: float | None
) -> None:
    doc = export_json(incident(), timeline, POLICY, NOW, audit=audit)
    assert doc["durations"]["to_contain_s"] == contained


def test_killswitch_entries_are_actions_only_without_an_audit() -> None:
    without = export_json(incident(), TIMELINE, POLICY, NOW)
    assert [a["source"] for a in without["actions"]] == ["TL-3", "TL-4", "TL-7", "TL-8"]
    with_audit = export_json(incident(), TIMELINE, POLICY, NOW, audit=AUDIT)
    assert "TL-4" not in [a["source"] for a in with_audit["actions"]]


@pytest.mark.parametrize(
    ("severity", "resolved", "line"),
    [
        ("SEV1", 62, "- Retrospective due 2026-11-28 18:50 UTC (72 h after resolution)"),
        ("SEV2", None, "- Retrospective due 72 h after resolution"),
        ("SEV3", 62, "- No retrospective required (SEV3)"),
        ("SEV4", None, "- No retrospective required (SEV4)"),
    ],
)
def test_retrospective_follow_up(severity: str, resolved: float | None, line: str) -> None:
    inc = incident(severity=severity, resolved_at=None if resolved is None else at(resolved))
    assert line in export_markdown(inc, TIMELINE, POLICY, NOW).splitlines()


def test_every_free_text_field_is_redacted() -> None:
    secret = "jane.doe@example.com"
    inc = incident(
        title=f"leak of {secret}",
        impact=f"{secret} exposed",
        root_cause=f"{secret} in prompt",
        escalations=[
            {"role": "legal", "at": at(1), "reason": f"breach of {secret}", "action": "notify"}
        ],
    )
    timeline = [entry(1, 1, "alice", "note", f"saw {secret}"), entry(2, 2, "a", "status", secret)]
    audit = [replace(AUDIT[0], reason=f"stop: {secret}")]
    text = export_markdown(inc, timeline, POLICY, NOW, audit=audit)
    doc = export_json(inc, timeline, POLICY, NOW, audit=audit)
    assert secret not in text and secret not in json.dumps(doc)
    assert text.count("[REDACTED: EMAIL]") >= 7
    assert text.splitlines()[2].startswith("_PII redacted (categories A and B)._")
    assert text.rstrip().endswith("PII redacted (categories A and B).")


def test_no_redact_says_so() -> None:
    text = export_markdown(incident(), TIMELINE, POLICY, NOW, redact=False)
    assert "jane.doe@example.com" in text and "4111 1111 1111 1111" in text
    assert "PII NOT redacted (--no-redact)." in text
    assert "PII redacted" not in text
    assert export_json(incident(), TIMELINE, POLICY, NOW, redact=False)["redaction"] == {
        "redacted": False,
        "categories": [],
    }


def test_untrusted_text_cannot_break_the_document() -> None:
    inc = incident(
        title="x\n## Fake section",
        root_cause="# heading?\n- list?",
        lead="a|b",
    )
    timeline = [
        entry(1, 1, "eve|x", "note", "a | b\r\nc\u2028d <script>alert(1)</script> \x1b[31mred \\|"),
    ]
    text = export_markdown(inc, timeline, POLICY, NOW, redact=False)
    lines = text.splitlines()
    assert lines[0] == "# INC-7: x ## Fake section"
    assert "## Fake section" not in lines
    row = next(line for line in lines if line.startswith("| 2026-11-25 17:49:12"))
    assert row == (
        "| 2026-11-25 17:49:12 | eve\\|x | note | a \\| b<br>c<br>d &lt;script&gt;alert(1)"
        "&lt;/script&gt; ␛[31mred \\\\\\| |"
    )
    # Every table row still has exactly its columns: count the unescaped pipes.
    for line in lines:
        if line.startswith("| 2026"):
            assert line.replace("\\\\", "").replace("\\|", "").count("|") == 5
    assert "\\# heading? - list?" in lines
    assert "| Lead | a\\|b |" in lines
    assert "\x1b" not in text


def test_golden_is_stable_and_ends_with_a_newline() -> None:
    text = GOLDEN.read_text(encoding="utf-8")
    assert text.endswith("\n") and not text.endswith("\n\n")
