"""The runbook as data: each step's checklist and its variants, the root causes and
their remediations, the steps' text, the retrospective, and errors that name the key."""

from __future__ import annotations

import copy
import fnmatch
import tomllib
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from services.domain.models import ALL_CATEGORIES, CATEGORIES
from services.domain.policy import REQUIRED_STEPS, load_policy
from services.domain.runbook import (
    ACTIONS,
    RunbookError,
    checklist,
    group_of,
    load_runbook,
    remediation,
    runbook_from_dict,
    runbook_from_text,
    runbook_markdown,
    step_text,
)

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_TOML = resources.files("services.domain").joinpath("runbook.toml").read_text("utf-8")

# Ids are recorded on incidents' timelines: renaming one orphans every check made with it.
STABLE_IDS = [
    "triage.acknowledge",
    "triage.assess-severity",
    "triage.notify",
    "contain.pack-stop",
    "contain.global-stop",
    "contain.cli-stop",
    "contain.security-lead",
    "contain.breach",
    "contain.restart-service",
    "contain.check-health",
    "investigate.gather-logs",
    "investigate.review-timeline",
    "investigate.root-cause",
    "remediate.apply",
    "recover.verify-fix",
    "recover.restore",
    "recover.communicate",
    "post-incident.document",
    "post-incident.retrospective",
    "post-incident.update-runbooks",
    "remediate.code-bug.disable-pack",
    "remediate.code-bug.deploy-fix",
    "remediate.code-bug.re-enable",
    "remediate.configuration-error.revert",
    "remediate.configuration-error.verify",
    "remediate.configuration-error.redeploy",
    "remediate.external-dependency.fallback",
    "remediate.external-dependency.contact-provider",
    "remediate.resource-exhaustion.adjust-limits",
    "remediate.resource-exhaustion.backoff",
]


def test_item_ids_are_the_stable_ones() -> None:
    assert [item.id for item in load_runbook().all_items()] == STABLE_IDS


def test_the_steps_are_the_policys_in_its_order() -> None:
    assert [step.name for step in load_runbook().steps] == list(REQUIRED_STEPS)


@pytest.mark.parametrize("category", ALL_CATEGORIES)
@pytest.mark.parametrize("step", REQUIRED_STEPS)
def test_every_category_has_a_checklist_for_every_step(step: str, category: str) -> None:
    items = checklist(step, category)
    assert items
    assert all(item.id.startswith(f"{step}.") for item in items)
    assert items == checklist(step, group_of(category))  # a category reads as its group


CONTAIN = {
    "agent": ["contain.pack-stop", "contain.global-stop", "contain.cli-stop"],
    "system": ["contain.restart-service", "contain.check-health"],
    "security": [
        "contain.pack-stop",
        "contain.global-stop",
        "contain.cli-stop",
        "contain.security-lead",
        "contain.breach",
    ],
}


@pytest.mark.parametrize("category", ALL_CATEGORIES)
def test_contain_differs_by_group_as_the_runbook_does(category: str) -> None:
    assert [item.id for item in checklist("contain", category)] == CONTAIN[group_of(category)]


def test_system_incidents_restart_the_service_and_check_its_health() -> None:
    commands = [command for item in checklist("contain", "system") for command in item.commands]
    assert commands == [
        "systemctl restart agentos-orchestrator",
        "curl http://localhost:8080/health",
    ]


@pytest.mark.parametrize("step", REQUIRED_STEPS)
def test_without_a_category_a_checklist_holds_every_variant(step: str) -> None:
    every = checklist(step)
    assert every == list(load_runbook().step(step).items)
    for group in CATEGORIES:
        assert set(map(id, checklist(step, group))) <= set(map(id, every))


@pytest.mark.parametrize(
    ("item_id", "action"),
    [
        ("triage.acknowledge", "ack"),
        ("triage.notify", "initial-notification"),
        ("contain.pack-stop", "killswitch"),
        ("contain.global-stop", "killswitch-global"),
        ("contain.breach", "breach"),
        ("investigate.gather-logs", "explorer"),
        ("investigate.root-cause", "root-cause"),
        ("remediate.apply", "remediation"),
        ("recover.restore", "restore"),
        ("recover.communicate", "status-update"),
        ("post-incident.document", "export"),
        ("post-incident.retrospective", "retrospective"),
        ("post-incident.update-runbooks", None),
        ("contain.restart-service", None),
    ],
)
def test_items_warroom_can_do_name_their_action(item_id: str, action: str | None) -> None:
    item = load_runbook().item(item_id)
    assert item.action == action
    assert action is None or action in ACTIONS


@pytest.mark.parametrize(
    ("item_id", "details"),
    [
        (
            "investigate.gather-logs",
            (
                "Filter by affected pack/agent",
                "Look for error events",
                "Note run IDs for correlation",
            ),
        ),
        (
            "investigate.review-timeline",
            (
                "When did issue start?",
                "What changed (deployments, configs)?",
                "What's the blast radius?",
            ),
        ),
        ("recover.restore", ("Enable one pack at a time", "Monitor for recurrence")),
        (
            "post-incident.document",
            ("Timeline", "Root cause", "Actions taken", "Impact assessment"),
        ),
        ("post-incident.retrospective", ("What went well?", "What could improve?", "Action items")),
    ],
)
def test_details_are_the_runbooks_sub_points(item_id: str, details: tuple[str, ...]) -> None:
    item = load_runbook().item(item_id)
    assert item.details == details
    for detail in details:
        assert f"- {detail}" in runbook_markdown()


@pytest.mark.parametrize(
    ("cause", "text", "issue", "fix"),
    [
        ("code-bug", "Code bug in agent", "Agent bug", "Disable pack, deploy fix, re-enable"),
        (
            "configuration-error",
            "Configuration error",
            "Config error",
            "Revert config, verify, redeploy",
        ),
        (
            "external-dependency",
            "External dependency failure",
            "External failure",
            "Enable fallback, contact provider",
        ),
        (
            "resource-exhaustion",
            "Resource exhaustion",
            "Rate limits",
            "Adjust limits, implement backoff",
        ),
    ],
)
def test_each_root_cause_has_the_runbooks_remediation(
    cause: str, text: str, issue: str, fix: str
) -> None:
    runbook = load_runbook()
    assert runbook.cause(cause).text == text
    assert f"{text}?" in runbook.step_text("investigate")
    found = remediation(cause)
    assert (found.issue, found.text) == (issue, fix)
    assert f"| {issue} | {fix} |" in runbook.step_text("remediate")  # the table's own row
    assert checklist("remediate", "agent", cause=cause) == list(found.items)
    assert all(item.id.startswith(f"remediate.{cause}.") for item in found.items)


def test_the_four_causes_in_the_runbooks_order() -> None:
    assert [c.id for c in load_runbook().causes] == [
        "code-bug",
        "configuration-error",
        "external-dependency",
        "resource-exhaustion",
    ]


def test_remediate_without_a_cause_offers_the_choice() -> None:
    assert [item.id for item in checklist("remediate", "system")] == ["remediate.apply"]


@pytest.mark.parametrize(
    ("step", "heading", "contains", "not_contains"),
    [
        ("triage", "### Step 1: Triage (0-5 minutes)", "Page on-call engineer", "Step 2"),
        # Its code blocks hold "#" comments, which are not headings.
        (
            "contain",
            "### Step 2: Contain (5-15 minutes)",
            "curl http://localhost:8080/health",
            "Step 3",
        ),
        (
            "investigate",
            "### Step 3: Investigate (15-60 minutes)",
            "Resource exhaustion?",
            "Step 4",
        ),
        ("remediate", "### Step 4: Remediate (Variable)", "| Agent bug |", "Step 5"),
        ("recover", "### Step 5: Recover", "Enable one pack at a time", "Step 6"),
        (
            "post-incident",
            "### Step 6: Post-Incident",
            "Update runbooks",
            "Communication Templates",
        ),
    ],
)
def test_step_text_is_that_steps_section(
    step: str, heading: str, contains: str, not_contains: str
) -> None:
    text = step_text(step)
    assert text.splitlines()[0] == heading
    assert contains in text
    assert not_contains not in text
    assert text in runbook_markdown()


def test_the_offline_copy_is_the_whole_runbook() -> None:
    markdown = runbook_markdown()
    assert markdown.startswith("# Incident Response Runbook\n")
    for section in ("Severity Levels", "Communication Templates", "Tools and Access"):
        assert f"## {section}\n" in markdown
    assert "Runbook access (offline copy)" in markdown


@pytest.mark.parametrize(
    ("severity", "required", "due_hours"),
    [("SEV1", True, 72), ("SEV2", True, 72), ("SEV3", False, None), ("SEV4", False, None)],
)
def test_retrospective_follows_the_policy(
    severity: str, required: bool, due_hours: int | None
) -> None:
    resolved = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
    retro = load_runbook().retrospective(load_policy(), severity, resolved)
    assert retro.required is required
    assert retro.due == (None if due_hours is None else resolved + timedelta(hours=due_hours))
    assert retro.questions == ("What went well?", "What could improve?", "Action items")


def test_retrospective_due_comes_from_a_changed_policy(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("[retrospective]\nhours = 24\n")
    resolved = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
    retro = load_runbook().retrospective(load_policy(path), "SEV1", resolved)
    assert retro.due == resolved + timedelta(hours=24)
    assert load_runbook().retrospective(load_policy(path), "SEV1", None).due is None


def test_the_retrospective_items_words_agree_with_the_shipped_policy() -> None:
    policy = load_policy()
    text = load_runbook().item("post-incident.retrospective").text
    assert f"within {policy.retrospective_hours} hours" in text
    assert policy.retrospective_severities == ("SEV1", "SEV2") and "SEV1/2" in text


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: checklist("celebrate"), "unknown step 'celebrate' (known: triage, contain"),
        (lambda: checklist("contain", "gremlins"), "unknown category 'gremlins' (known: agent"),
        (lambda: remediation("bad-luck"), "unknown root cause 'bad-luck' (known: code-bug"),
        (lambda: load_runbook().item("contain.nothing"), "unknown checklist item"),
    ],
)
def test_unknown_names_are_refused_naming_the_known(call: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        call()


def _raw() -> dict[str, Any]:
    return copy.deepcopy(tomllib.loads(SHIPPED_TOML))


def _set(path: str, value: Any) -> Any:
    """A change to the shipped runbook: set ``value`` at the dotted ``path``."""

    def change(raw: dict[str, Any]) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        target: Any = raw
        for key in parents:
            target = target[key]
        target[last] = value

    return change


def _drop_system_contain(raw: dict[str, Any]) -> None:
    raw["steps"][1]["items"] = [
        i for i in raw["steps"][1]["items"] if "system" not in i.get("groups", [])
    ]


def _swap_steps(raw: dict[str, Any]) -> None:
    raw["steps"][0], raw["steps"][1] = raw["steps"][1], raw["steps"][0]


def _duplicate_item(raw: dict[str, Any]) -> None:
    raw["steps"][0]["items"].append(dict(raw["steps"][0]["items"][0]))


def _duplicate_cause(raw: dict[str, Any]) -> None:
    raw["causes"].append(copy.deepcopy(raw["causes"][0]))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set("steps.0.items.0.colour", "red"), "steps[0].items[0].colour: unknown key"),
        (
            _set("steps.1.items.0.action", "nuke"),
            "steps[1].items[0].action: 'nuke' is not one of 'ack'",
        ),
        (
            _set("steps.1.items.0.groups", ["aliens"]),
            "steps[1].items[0].groups[0]: 'aliens' is not one of",
        ),
        (_set("steps.0.items.0.id", "Triage.Ack"), "steps[0].items[0].id: must be '<step>.<name>'"),
        (
            _set("steps.0.items.0.id", "contain.ack"),
            "steps[0].items[0].id: 'contain.ack' must start with 'triage.'",
        ),
        (_set("steps.0.items.1.text", "  "), "steps[0].items[1].text: must not be empty"),
        (_set("steps.2.items", "gather logs"), "steps[2].items: Expected `array`"),
        (
            _set("steps.3.heading", "Step 4: Fix it"),
            "steps[3].heading: 'Step 4: Fix it' is not a heading",
        ),
        (
            _set("causes.0.remediation.items.0.id", "remediate.other.x"),
            "causes[0].remediation.items[0].id: 'remediate.other.x' must start with "
            "'remediate.code-bug.'",
        ),
        (_set("causes.1.id", "Config Error"), "causes[1].id: must be lower-case-words"),
        (_set("causes", []), "causes: the runbook lists root causes; none given"),
        (
            _set("steps.5.name", "party"),
            "steps: must be triage, contain, investigate, remediate, recover, post-incident",
        ),
        (_drop_system_contain, "steps[1].items: none for system incidents"),
        (_swap_steps, "steps: must be triage, contain"),
        (_duplicate_item, "steps[0].items[3].id: 'triage.acknowledge' is listed twice"),
        (_duplicate_cause, "causes[4].id: 'code-bug' is listed twice"),
    ],
)
def test_a_bad_runbook_is_refused_naming_file_and_key(change: Any, message: str) -> None:
    raw = _raw()
    change(raw)
    with pytest.raises(RunbookError) as caught:
        runbook_from_dict(raw, runbook_markdown(), "my/runbook.toml")
    assert str(caught.value).startswith("my/runbook.toml: ")
    assert message in str(caught.value)


def test_a_runbook_that_is_not_toml_names_the_file() -> None:
    with pytest.raises(RunbookError, match=r"^x\.toml: not valid TOML"):
        runbook_from_text("[[steps]\n", runbook_markdown(), "x.toml")


def test_the_shipped_files_are_package_data() -> None:
    """An installed warroom carries the runbook: pyproject ships both files with the domain."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["services.domain"]
    for name in ("runbook.toml", "runbook.md", "policy.toml"):
        assert any(fnmatch.fnmatch(name, pattern) for pattern in patterns), name
