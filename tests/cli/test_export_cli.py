"""`warroom export INC-ID` against a real hub: the document a post-incident author gets."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from services.domain.timeutil import parse_rfc3339
from tests.fixtures import alertmanager_webhook
from tests.hubtools import RunningHub
from tui.cli import main


def _incident_through_its_life(hub: RunningHub) -> str:
    ingest = hub.client("ingest")
    body = alertmanager_webhook("webhook-firing-support.json")
    assert ingest.post("/api/ingest/alertmanager", json=body).status_code == 200
    ic = hub.client("incident-commander")
    incident = ic.get("/api/incidents").json()["incidents"][0]
    iid = incident["id"]
    assert ic.post(f"/api/incidents/{iid}/ack", json={}).status_code == 200
    ic.post(
        "/api/killswitch/pack/support",
        json={"enabled": False, "reason": "PII in replies", "incident_id": iid},
    )
    ic.post(
        f"/api/incidents/{iid}/notes",
        json={"text": "customer jane.doe@example.com saw a card number | in a reply"},
    )
    ic.post(f"/api/incidents/{iid}/status", json={"status": "investigate"})
    ic.post(f"/api/incidents/{iid}/resolve", json={"root_cause": "prompt leaked raw ticket"})
    return iid


def _export(capsys, hub: RunningHub, *args: str) -> tuple[int, str, str]:
    code = main(["export", "--hub", hub.url, "--token", hub.tokens["viewer"], *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_markdown_document(hub: RunningHub, capsys) -> None:
    iid = _incident_through_its_life(hub)
    code, out, err = _export(capsys, hub, iid)
    assert code == 0, err
    assert iid in out and "SEV1" in out
    assert "prompt leaked raw ticket" in out  # root cause
    assert "PII redacted" in out
    assert "jane.doe@example.com" not in out and "[REDACTED: EMAIL]" in out
    assert "PII in replies" in out  # the kill switch is an action taken
    assert "Retrospective due" in out
    # A note's pipe does not break the timeline table: each row has the header's 4 cells,
    # and the note's text is one cell, its pipe escaped.
    header, *rows = _table(out, "## Timeline")
    assert header == ["Time (UTC)", "Author", "Kind", "Text"]
    assert len(rows) >= 8 and all(len(row) == 4 for row in rows), rows
    notes = [row[3] for row in rows if row[2] == "note"]
    assert notes == [r"customer [REDACTED: EMAIL] saw a card number \| in a reply"]


def _table(markdown: str, heading: str) -> list[list[str]]:
    """The cells of the table under ``heading``: header row then body rows (no separator).
    Cells are split on unescaped pipes, as a Markdown renderer does."""
    lines = markdown.splitlines()
    start = lines.index(heading) + 1
    rows: list[list[str]] = []
    for line in lines[start:]:
        if not line.strip() and rows:
            break
        if line.startswith("|") and not set(line) <= set("|-: "):
            cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
            rows.append([cell.strip() for cell in cells])
    return rows


def test_no_redact_says_so(hub: RunningHub, capsys) -> None:
    iid = _incident_through_its_life(hub)
    code, out, _ = _export(capsys, hub, iid, "--no-redact")
    assert code == 0
    assert "jane.doe@example.com" in out and "NOT redacted" in out


def test_json_to_file(hub: RunningHub, capsys, tmp_path: Path) -> None:
    iid = _incident_through_its_life(hub)
    target = tmp_path / "out" / "inc.json"
    code, _, err = _export(capsys, hub, iid, "--format", "json", "--output", str(target))
    assert code == 0, err
    doc = json.loads(target.read_text())
    assert doc["id"] == iid
    assert doc["durations"]["to_acknowledge_s"] is not None
    assert doc["durations"]["to_contain_s"] is not None
    assert doc["durations"]["to_resolve_s"] is not None


@pytest.mark.parametrize(("incident", "code"), [("INC-404", 2)])
def test_unknown_incident(hub: RunningHub, capsys, incident: str, code: int) -> None:
    got, _, err = _export(capsys, hub, incident)
    assert got == code and "404" in err


def test_unreachable(hub: RunningHub, capsys) -> None:
    url = hub.url
    hub.stop()
    code = main(["export", "--hub", url, "--token", "t", "INC-1"])
    assert code == 3
    assert "did not answer" in capsys.readouterr().err


def test_the_document_follows_the_hubs_own_policy(hub_factory, tmp_path: Path, capsys) -> None:
    # A hub that asks for the retrospective within 24 h: the document a post-incident
    # author exports says 24 h after the resolution, not the shipped 72 h.
    override = tmp_path / "policy.toml"
    override.write_text("[retrospective]\nhours = 24\n", encoding="utf-8")
    hub = hub_factory(policy_path=override)
    iid = _incident_through_its_life(hub)
    code, out, err = _export(capsys, hub, iid, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    resolved = doc["resolved_at"]
    due = doc["retrospective"]["due"]
    hours = (_moment(due) - _moment(resolved)).total_seconds() / 3600
    assert hours == pytest.approx(24, abs=0.01)


def _moment(text: str) -> datetime:
    return parse_rfc3339(text)
