"""The post-incident document's checklist and retrospective (services/domain/export_runbook)."""

from __future__ import annotations

from msgspec.structs import replace

from services.domain.export import export_json, export_markdown
from services.domain.models import ChecklistMark
from tests.unit.test_export import NOW, POLICY, TIMELINE, at, entry, incident


def _items(doc: dict, step: str) -> dict[str, dict]:  # type: ignore[type-arg]
    (found,) = [s for s in doc["checklist"] if s["step"] == step]
    return {item["id"]: item for item in found["items"]}


def test_done_items_say_by_whom_and_when_the_rest_skipped_or_to_do() -> None:
    open_one = incident(status="investigate", resolved_at=None)
    doc = export_json(open_one, TIMELINE, POLICY, NOW)
    triage = _items(doc, "triage")
    assert triage["triage.acknowledge"] == {
        "id": "triage.acknowledge",
        "text": "Acknowledge the incident",
        "state": "done",
        "by": "alice",
        "at": at(0.5),
    }
    assert triage["triage.notify"]["state"] == "skipped"
    # Unchecked after being checked: not done.
    assert _items(doc, "contain")["contain.breach"]["state"] == "skipped"
    assert _items(doc, "investigate")["investigate.gather-logs"]["state"] == "to do"
    assert _items(doc, "recover")["recover.restore"]["state"] == "to do"


def test_the_checklist_is_the_categorys_and_remediate_the_causes() -> None:
    system = incident(category="service_outage", cause=None)
    doc = export_json(system, TIMELINE, POLICY, NOW)
    assert set(_items(doc, "contain")) == {"contain.restart-service", "contain.check-health"}
    assert set(_items(doc, "remediate")) == {"remediate.apply"}
    caused = export_json(incident(cause="code-bug"), TIMELINE, POLICY, NOW)
    (remediate,) = [s for s in caused["checklist"] if s["step"] == "remediate"]
    assert remediate["remediation"] == "Agent bug: Disable pack, deploy fix, re-enable"
    assert list(_items(caused, "remediate")) == [
        "remediate.code-bug.disable-pack",
        "remediate.code-bug.deploy-fix",
        "remediate.code-bug.re-enable",
    ]


def test_the_retrospective_is_due_72_hours_after_a_sev1_and_holds_the_answers() -> None:
    doc = export_json(incident(), TIMELINE, POLICY, NOW)
    retro = doc["retrospective"]
    assert (retro["required"], retro["due"], retro["hours"]) == (True, at(62 + 72 * 60), 72)
    questions = [q["question"] for q in retro["questions"]]
    assert questions == ["What went well?", "What could improve?", "Action items"]
    assert retro["questions"][0]["answers"] == [
        {"at": at(600), "author": "bob", "text": "stopped in 2 minutes | mail [REDACTED: EMAIL]"}
    ]
    assert retro["questions"][1]["answers"] == []
    raw = export_json(incident(), TIMELINE, POLICY, NOW, redact=False)
    assert "bob@example.com" in raw["retrospective"]["questions"][0]["answers"][0]["text"]


def test_prompts_are_left_when_nobody_answered_and_sev3_needs_none() -> None:
    quiet = [e for e in TIMELINE if e.kind != "retrospective"]
    text = export_markdown(incident(severity="SEV3"), quiet, POLICY, NOW)
    retro = text.split("## Retrospective", 1)[1].split("## Follow-ups", 1)[0]
    assert "Not required for SEV3" in retro
    assert retro.count("Not answered yet: bring it to the retrospective.") == 3
    waiting = export_markdown(incident(resolved_at=None, status="recover"), quiet, POLICY, NOW)
    assert "Due 72 h after resolution (SEV1); not resolved yet." in waiting


def test_an_answer_cannot_start_a_heading_and_an_unknown_question_is_left_out() -> None:
    timeline = [
        replace(entry(20, 70, "eve", "retrospective", "# big\nnext"), detail="Action items"),
        replace(entry(21, 71, "eve", "retrospective", "stray"), detail="Who did it?"),
    ]
    marks = {"post-incident.document": ChecklistMark(True, "eve", at(70))}
    text = export_markdown(incident(checklist=marks), timeline, POLICY, NOW)
    assert "eve: \\# big next" in text
    assert "stray" not in text.split("## Retrospective", 1)[1]
    assert "- [x] Document the incident — eve, " in text
