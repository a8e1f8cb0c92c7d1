"""The incident response runbook as data: each step's checklist, the root causes and
their remediations (``services/domain/runbook.toml``), and the runbook's own text
(``services/domain/runbook.md``, the offline copy that ships with warroom).

The checklist differs by incident group where the runbook does (Contain: agent and
security incidents stop packs, system incidents restart the service and check its
health); a category maps to its group through
:data:`~services.domain.models.CATEGORIES`. Items that warroom itself can do carry
an ``action`` name the console binds to a key. Loading is pure but for reading the
two shipped files; errors name the file and the key.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Annotated, Any, Literal, get_args

import msgspec

from services.domain.models import CATEGORIES
from services.domain.policy import REQUIRED_STEPS, Policy
from services.domain.schema import SchemaError, Text, convert, described

Group = Literal["agent", "system", "security"]
GROUPS: tuple[str, ...] = get_args(Group)
assert tuple(CATEGORIES) == GROUPS  # one list, two spellings

# What warroom can do for an item; the console binds each to a key (issue 13).
Action = Literal[
    "ack",  # acknowledge the incident
    "severity",  # change its severity
    "initial-notification",  # the Initial Notification template
    "killswitch",  # stop a pack
    "killswitch-global",  # stop every pack
    "breach",  # record a confirmed data breach (legal is notified)
    "explorer",  # the event explorer, filtered to the incident's packs
    "timeline",  # the incident's timeline
    "root-cause",  # choose one of the runbook's root causes
    "remediation",  # the remediation for the chosen cause
    "restore",  # the guided restore, one pack at a time
    "status-update",  # the Status Update template
    "export",  # the post-incident document
    "retrospective",  # the retrospective's questions
]
ACTIONS: tuple[str, ...] = get_args(Action)

ItemId = Annotated[
    str,
    msgspec.Meta(
        pattern=described(
            r"^[a-z]+(-[a-z]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)+$",
            "must be '<step>.<name>' in lower case, words joined by '-'",
        )
    ),
]
CauseId = Annotated[
    str,
    msgspec.Meta(pattern=described(r"^[a-z0-9]+(-[a-z0-9]+)*$", "must be lower-case-words")),
]


class RunbookError(ValueError):
    """A runbook file that cannot be used; the message names the file and key."""


class _Table(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A runbook table: a misspelt key would silently drop an item's part, so it is an error."""


class Item(_Table, frozen=True):
    """One checklist item. ``groups`` empty means every incident group."""

    id: ItemId
    text: Text
    details: tuple[Text, ...] = ()
    commands: tuple[Text, ...] = ()
    groups: tuple[Group, ...] = ()
    action: Action | None = None
    source: Text | None = None

    def applies_to(self, group: str) -> bool:
        """Whether this item is on the checklist of incidents of ``group``."""
        return not self.groups or group in self.groups


class Remediation(_Table, frozen=True):
    """The runbook's remediation table row for a cause, and its steps as items."""

    issue: Text
    text: Text
    items: tuple[Item, ...] = msgspec.field(default_factory=tuple)


class Cause(_Table, frozen=True):
    """One of Investigate's root causes."""

    id: CauseId
    text: Text
    remediation: Remediation


class RunbookStep(_Table, frozen=True):
    """A response step: its heading in ``runbook.md`` and its checklist."""

    name: Text
    heading: Text
    items: tuple[Item, ...]


class _RunbookFile(_Table, frozen=True):
    steps: tuple[RunbookStep, ...]
    causes: tuple[Cause, ...]


@dataclass(frozen=True)
class Retrospective:
    """Whether an incident needs a retrospective, when it is due, and its questions."""

    required: bool
    due: datetime | None
    questions: tuple[str, ...]


@dataclass(frozen=True)
class Runbook:
    """The parsed runbook. Build it with :func:`load_runbook` or :func:`runbook_from_dict`."""

    steps: tuple[RunbookStep, ...]
    causes: tuple[Cause, ...]
    markdown: str

    def step(self, name: str) -> RunbookStep:
        """The step called ``name``; ``ValueError`` naming the known steps otherwise."""
        for step in self.steps:
            if step.name == name:
                return step
        known = ", ".join(step.name for step in self.steps)
        raise ValueError(f"unknown step {name!r} (known: {known})")

    def checklist(
        self, step: str, category: str | None = None, cause: str | None = None
    ) -> list[Item]:
        """The items of ``step`` for an incident of ``category`` (every item when None).

        ``category`` is a runbook category (``pii_exposure``) or a group
        (``security``). For Remediate, a ``cause`` replaces the generic item with
        that cause's remediation items.
        """
        items = self.step(step).items
        if step == "remediate" and cause is not None:
            items = self.remediation(cause).items
        if category is None:
            return list(items)
        group = group_of(category)
        return [item for item in items if item.applies_to(group)]

    def cause(self, cause_id: str) -> Cause:
        """The root cause ``cause_id``; ``ValueError`` naming the known causes otherwise."""
        for cause in self.causes:
            if cause.id == cause_id:
                return cause
        known = ", ".join(cause.id for cause in self.causes)
        raise ValueError(f"unknown root cause {cause_id!r} (known: {known})")

    def remediation(self, cause_id: str) -> Remediation:
        """The runbook's remediation for the root cause ``cause_id``."""
        return self.cause(cause_id).remediation

    def item(self, item_id: str) -> Item:
        """The item ``item_id``, from any step or remediation."""
        for item in self.all_items():
            if item.id == item_id:
                return item
        raise ValueError(f"unknown checklist item {item_id!r}")

    def all_items(self) -> list[Item]:
        """Every item of every step and remediation, in the file's order."""
        items = [item for step in self.steps for item in step.items]
        return items + [item for cause in self.causes for item in cause.remediation.items]

    def step_text(self, step: str) -> str:
        """The step's section of ``runbook.md``: its heading and text, up to the next."""
        section = _section(self.markdown, self.step(step).heading)
        assert section is not None  # checked when the runbook was loaded
        return section

    def to_dict(self) -> dict[str, Any]:
        """The runbook as JSON (a snapshot's ``runbook``): its tables and its Markdown."""
        tables: dict[str, Any] = msgspec.to_builtins(_RunbookFile(self.steps, self.causes))
        return {**tables, "markdown": self.markdown}

    def retrospective(
        self, policy: Policy, severity: str, resolved_at: datetime | None
    ) -> Retrospective:
        """Post-incident's retrospective: required and due as ``policy`` says, the
        runbook's questions (what went well, what could improve, action items)."""
        item = next((item for item in self.all_items() if item.action == "retrospective"), None)
        return Retrospective(
            required=policy.retrospective_required(severity),
            due=policy.retrospective_due(severity, resolved_at),
            questions=item.details if item is not None else (),
        )


def group_of(category: str) -> str:
    """The group (``agent``, ``system``, ``security``) of a category, or of a group itself."""
    if category in CATEGORIES:
        return category
    for group, members in CATEGORIES.items():
        if category in members:
            return group
    known = ", ".join((*CATEGORIES, *(c for members in CATEGORIES.values() for c in members)))
    raise ValueError(f"unknown category {category!r} (known: {known})")


_HEADING = re.compile(r"^(#{1,6}) (.*?)\s*$")


def _section(markdown: str, heading: str) -> str | None:
    """The lines from the heading whose text is ``heading`` to the next heading of its
    level or above (code blocks skipped: a ``#`` comment in one is not a heading)."""
    lines = markdown.splitlines()
    start = level = None
    fenced = False
    for index, line in enumerate(lines):
        if line.startswith("```"):
            fenced = not fenced
        match = None if fenced else _HEADING.match(line)
        if match is None:
            continue
        if start is None and match[2] == heading:
            start, level = index, len(match[1])
        elif start is not None and level is not None and len(match[1]) <= level:
            return "\n".join(lines[start:index]).rstrip() + "\n"
    if start is None:
        return None
    return "\n".join(lines[start:]).rstrip() + "\n"


def _check(parsed: _RunbookFile, markdown: str, source: str) -> None:
    """The rules that span tables: the policy's steps in order, ids unique and under
    their step, headings present in the Markdown, every group given a checklist."""
    names = [step.name for step in parsed.steps]
    if names != list(REQUIRED_STEPS):
        raise RunbookError(f"{source}: steps: must be {', '.join(REQUIRED_STEPS)} in that order")
    seen: set[str] = set()

    def check_item(item: Item, where: str, prefix: str) -> None:
        if item.id in seen:
            raise RunbookError(f"{source}: {where}.id: {item.id!r} is listed twice")
        if not item.id.startswith(prefix):
            raise RunbookError(f"{source}: {where}.id: {item.id!r} must start with {prefix!r}")
        seen.add(item.id)

    for s, step in enumerate(parsed.steps):
        if _section(markdown, step.heading) is None:
            raise RunbookError(
                f"{source}: steps[{s}].heading: {step.heading!r} is not a heading of the runbook"
            )
        for group in GROUPS:
            if not any(item.applies_to(group) for item in step.items):
                raise RunbookError(f"{source}: steps[{s}].items: none for {group} incidents")
        for i, item in enumerate(step.items):
            check_item(item, f"steps[{s}].items[{i}]", f"{step.name}.")
    causes: set[str] = set()
    for c, cause in enumerate(parsed.causes):
        if cause.id in causes:
            raise RunbookError(f"{source}: causes[{c}].id: {cause.id!r} is listed twice")
        causes.add(cause.id)
        for i, item in enumerate(cause.remediation.items):
            check_item(item, f"causes[{c}].remediation.items[{i}]", f"remediate.{cause.id}.")


def runbook_from_dict(raw: dict[str, Any], markdown: str, source: str) -> Runbook:
    """The runbook ``raw`` (a parsed ``runbook.toml``) describes, over ``markdown``.

    Raises :class:`RunbookError` naming ``source`` and the key path.
    """
    try:
        parsed = convert(raw, _RunbookFile)
    except SchemaError as error:
        raise RunbookError(f"{source}: {error}") from None
    if not parsed.causes:
        raise RunbookError(f"{source}: causes: the runbook lists root causes; none given")
    _check(parsed, markdown, source)
    return Runbook(steps=parsed.steps, causes=parsed.causes, markdown=markdown)


def runbook_from_snapshot(data: Any, source: str = "snapshot.runbook") -> Runbook:
    """The runbook a hub sent (:meth:`Runbook.to_dict`'s shape); :class:`RunbookError`
    naming ``source`` and the key when it cannot be used."""
    if not isinstance(data, dict) or not isinstance(data.get("markdown"), str):
        raise RunbookError(f"{source}: expected a table with steps, causes and markdown")
    tables = {key: value for key, value in data.items() if key != "markdown"}
    return runbook_from_dict(tables, data["markdown"], source)


def runbook_from_text(toml_text: str, markdown: str, source: str) -> Runbook:
    """Like :func:`runbook_from_dict`, from the TOML text (a syntax error names ``source``)."""
    try:
        raw = tomllib.loads(toml_text)
    except tomllib.TOMLDecodeError as error:
        raise RunbookError(f"{source}: not valid TOML: {error}") from None
    return runbook_from_dict(raw, markdown, source)


def runbook_markdown() -> str:
    """The shipped ``runbook.md``: the runbook's text, the offline copy."""
    return _shipped("runbook.md")


@cache
def load_runbook() -> Runbook:
    """The shipped runbook (read and checked once)."""
    return runbook_from_text(
        _shipped("runbook.toml"), runbook_markdown(), "services/domain/runbook.toml"
    )


def _shipped(name: str) -> str:
    return resources.files("services.domain").joinpath(name).read_text(encoding="utf-8")


def checklist(step: str, category: str | None = None, cause: str | None = None) -> list[Item]:
    """The shipped runbook's checklist (see :meth:`Runbook.checklist`)."""
    return load_runbook().checklist(step, category, cause)


def remediation(cause: str) -> Remediation:
    """The shipped runbook's remediation for the root cause ``cause``."""
    return load_runbook().remediation(cause)


def step_text(step: str) -> str:
    """The shipped runbook's section for ``step``, as Markdown."""
    return load_runbook().step_text(step)
