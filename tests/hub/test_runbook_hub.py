"""The runbook on the hub: checklist marks, the root cause, retrospective answers, and a
hub serving its own runbook (``[hub] runbook``) in the snapshot."""

from __future__ import annotations

import asyncio
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.domain.runbook import RunbookError, runbook_from_snapshot
from services.hub.config import hub_config_from_dict, load_runbook_file
from tests.hub.helpers import events_only, hello, recv, recv_until, stored, stream
from tests.hub.test_incidents import open_one
from tests.hubtools import HubFactory, RunningHub, user_for


def _check(client: httpx.Client, iid: str, item: str, done: bool, **headers: str) -> Any:
    return client.post(
        f"/api/incidents/{iid}/checklist", json={"item": item, "done": done}, headers=headers
    )


def test_a_check_is_on_the_incident_and_its_timeline(hub: RunningHub) -> None:
    client = hub.client("on-call")
    iid = open_one(client)["id"]
    answer = _check(client, iid, "contain.pack-stop", True)
    assert answer.status_code == 200, answer.text
    data = answer.json()
    mark = data["incident"]["checklist"]["contain.pack-stop"]
    assert mark == {"done": True, "by": user_for("on-call"), "at": data["entry"]["at"]}
    assert data["entry"]["kind"] == "checklist"
    assert (
        data["entry"]["text"] == "checked: Kill the affected agent pack (Ops Console: /killswitch)"
    )
    assert data["entry"]["detail"] == "contain.pack-stop"
    assert data["incident"]["last_progress_at"] == data["entry"]["at"]
    # The same state again changes nothing; unchecking is recorded too.
    assert _check(client, iid, "contain.pack-stop", True).json()["changed"] is False
    undone = _check(client, iid, "contain.pack-stop", False).json()
    assert undone["entry"]["text"].startswith("unchecked: ")
    assert undone["incident"]["checklist"]["contain.pack-stop"]["done"] is False


def test_a_retried_check_applies_once_and_survives_a_restart(hub: RunningHub) -> None:
    client = hub.client("on-call")
    iid = open_one(client)["id"]
    first = _check(client, iid, "triage.acknowledge", True, **{"Idempotency-Key": "k-1"})
    again = _check(client, iid, "triage.acknowledge", True, **{"Idempotency-Key": "k-1"})
    assert again.json() == first.json()
    assert again.headers.get("Idempotency-Replayed") == "true"
    entries = [e for e in stored(hub, "timeline") if e["kind"] == "checklist"]
    assert len(entries) == 1
    hub.restart()
    incident = hub.client("viewer").get(f"/api/incidents/{iid}").json()["incident"]
    assert incident["checklist"]["triage.acknowledge"]["done"] is True


def test_a_check_goes_out_on_the_stream(hub: RunningHub) -> None:
    client = hub.client("on-call")
    iid = open_one(client)["id"]

    async def watch() -> list[dict[str, Any]]:
        async with stream(hub) as ws:
            await hello(ws, None)
            await recv(ws)  # the snapshot
            _check(client, iid, "triage.notify", True)
            return events_only(await recv_until(ws, lambda f: f["type"] == "timeline.entry"))

    frames = asyncio.run(watch())
    assert [f["type"] for f in frames] == ["incident.updated", "timeline.entry"]
    assert frames[0]["data"]["incident"]["checklist"]["triage.notify"]["done"] is True


def test_checks_are_kept_after_resolving_but_not_as_progress(hub: RunningHub) -> None:
    client = hub.client("incident-commander")
    iid = open_one(client)["id"]
    resolved = client.post(f"/api/incidents/{iid}/resolve", json={"root_cause": "bad prompt"})
    last = resolved.json()["incident"]["last_progress_at"]
    answer = _check(client, iid, "post-incident.document", True).json()
    assert answer["changed"] is True
    assert answer["incident"]["last_progress_at"] == last


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"item": "contain.nothing", "done": True}, 422, "unknown checklist item"),
        ({"item": "contain.pack-stop"}, 422, "done"),
        ({"item": "contain.pack-stop", "done": "yes"}, 400, "done"),
        ({"item": " ", "done": True}, 422, "item"),
    ],
)
def test_a_bad_check_is_refused(hub: RunningHub, body: Any, status: int, says: str) -> None:
    client = hub.client("on-call")
    iid = open_one(client)["id"]
    answer = client.post(f"/api/incidents/{iid}/checklist", json=body)
    assert answer.status_code == status, answer.text
    assert says in answer.json()["error"]["message"]


def test_a_viewer_may_not_check(hub: RunningHub) -> None:
    iid = open_one(hub.client("on-call"))["id"]
    assert _check(hub.client("viewer"), iid, "triage.notify", True).status_code == 403


def test_the_cause_is_one_of_the_runbooks(hub: RunningHub) -> None:
    client = hub.client("on-call")
    iid = open_one(client)["id"]
    path = f"/api/incidents/{iid}/cause"
    answer = client.post(path, json={"cause": "configuration-error", "root_cause": "bad flag"})
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert (data["incident"]["cause"], data["incident"]["root_cause"]) == (
        "configuration-error",
        "bad flag",
    )
    assert data["entry"]["kind"] == "cause"
    assert data["entry"]["text"] == "root cause: Configuration error — bad flag"
    assert client.post(path, json={"cause": "configuration-error"}).json()["changed"] is False
    words = client.post(path, json={"root_cause": "a vendor outage"}).json()
    assert (words["incident"]["cause"], words["entry"]["text"]) == (
        None,
        "root cause: a vendor outage",
    )
    bad = client.post(path, json={"cause": "gremlins"})
    assert bad.status_code == 422
    assert "code-bug" in bad.json()["error"]["message"]
    assert client.post(path, json={}).status_code == 422


def test_a_retrospective_answer_names_its_question(hub: RunningHub) -> None:
    client = hub.client("on-call")
    iid = open_one(client)["id"]
    path = f"/api/incidents/{iid}/notes"
    answer = client.post(path, json={"text": "stopped fast", "question": "What went well?"})
    assert answer.status_code == 200, answer.text
    entry = answer.json()["entry"]
    assert (entry["kind"], entry["text"], entry["detail"]) == (
        "retrospective",
        "stopped fast",
        "What went well?",
    )
    bad = client.post(path, json={"text": "x", "question": "Who broke it?"})
    assert bad.status_code == 422
    assert "What could improve?" in bad.json()["error"]["message"]


def own_runbook(folder: Path) -> Path:
    """The shipped runbook with one more cause and a heading of its own."""
    shipped = resources.files("services.domain")
    toml = shipped.joinpath("runbook.toml").read_text(encoding="utf-8")
    toml += (
        '\n[[causes]]\nid = "hardware-failure"\ntext = "Hardware failure"\n\n'
        '[causes.remediation]\nissue = "Hardware"\ntext = "Fail over, replace the host"\n'
    )
    markdown = shipped.joinpath("runbook.md").read_text(encoding="utf-8")
    markdown = markdown.replace("# Incident Response Runbook", "# ACME Incident Runbook", 1)
    (folder / "acme.toml").write_text(toml, encoding="utf-8")
    (folder / "acme.md").write_text(markdown, encoding="utf-8")
    return folder / "acme.toml"


def test_a_hub_serves_itsown_runbook(hub_factory: HubFactory, tmp_path: Path) -> None:
    path = own_runbook(tmp_path)
    config = hub_config_from_dict({"hub": {"runbook": str(path)}}, "hub.toml")
    assert config.runbook_path == path
    own = hub_factory(runbook_path=path)
    state = own.client("viewer").get("/api/state").json()
    runbook = runbook_from_snapshot(state["runbook"])
    assert runbook.markdown.startswith("# ACME Incident Runbook")
    assert runbook.cause("hardware-failure").remediation.issue == "Hardware"
    iid = open_one(own.client("on-call"))["id"]
    answer = own.client("on-call").post(
        f"/api/incidents/{iid}/cause", json={"cause": "hardware-failure"}
    )
    assert answer.status_code == 200, answer.text


def test_a_runbook_file_that_cannot_be_used_is_named(tmp_path: Path) -> None:
    path = own_runbook(tmp_path)
    (tmp_path / "acme.md").unlink()
    with pytest.raises(RunbookError, match=r"acme\.md: cannot read"):
        load_runbook_file(path)
    path.write_text('[[steps]]\nname = "triage"\n', encoding="utf-8")
    (tmp_path / "acme.md").write_text("# x\n", encoding="utf-8")
    with pytest.raises(RunbookError, match=r"acme\.toml: "):
        load_runbook_file(path)
    (tmp_path / "acme.md").write_bytes(b"# \xff\n")
    with pytest.raises(RunbookError, match=r"acme\.md: not UTF-8"):
        load_runbook_file(path)
