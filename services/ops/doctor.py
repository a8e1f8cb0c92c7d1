"""``warroom doctor``: is this person ready for an incident, before it happens?

The runbook's "Tools and Access" asks responders to have console access and an
offline runbook; this checks what warroom can of that: the hub answers
(``/health``), the token is valid (``GET /api/whoami``) and its role holds what a
responder needs (``killswitch.pack`` and ``incident.write``; with ``read_only``,
for a wall display or an observer, ``read`` is enough), the journal folder is
writable, the clock agrees with the hub's, and the terminal (size, colours,
UTF-8, OSC 52 copy). Production logs, dashboards and paging are outside warroom
and are named as not checked.

Each check is ``ok``, ``warn`` (works, but worth fixing), ``fail`` (what to fix),
``unknown`` (cannot tell) or ``skipped``. Exit codes
(:class:`~services.ops.outcome.ExitCode`): 0 nothing failed, 1 a check failed,
3 the hub did not answer.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path

from services.console.hub_client import HubClient, HubRefused, HubUnreachable
from services.console.identity import Identity
from services.console.replicas import Hubs
from services.console.settings import ConsoleSettings
from services.domain.permissions import DEFAULT_PERMISSIONS, ROLES
from services.domain.runbook import RunbookError, load_runbook
from services.domain.textsafe import make_visible
from services.domain.timeutil import Clock, parse_rfc3339, utcnow
from services.ops.doctor_terminal import (
    Check,
    colour_check,
    copy_check,
    size_check,
    tmux_clipboard,
    utf8_check,
)
from services.ops.health import check_health
from services.ops.outcome import ExitCode, Outcome

__all__ = ["Check", "doctor", "report"]

RESPONDER_NEEDS = ("killswitch.pack", "incident.write")
READ_ONLY_NEEDS = ("read",)
CLOCK_WARN_S = 2.0
CLOCK_FAIL_S = 30.0
NOT_CHECKED = "production logs, monitoring dashboards, Slack/PagerDuty (outside warroom)"


async def hub_checks(
    hub_url: Hubs, token: str, *, read_only: bool = False, clock: Clock = utcnow
) -> tuple[list[Check], bool]:
    """The hub answers, the clock agrees with it, the token is valid and can do the job;
    and whether the hub answered at all."""
    before = clock()
    health = await check_health(hub_url)
    after = clock()
    if health.exit_code != ExitCode.OK:
        skipped = "not checked: the hub did not answer as a healthy hub"
        checks = [
            Check("hub", "fail", health.message),
            *(Check(name, "skipped", skipped) for name in ("clock", "token", "role")),
        ]
        return checks, health.exit_code != ExitCode.UNREACHABLE
    body = health.data["health"]
    checks = [
        Check(
            "hub",
            "ok",
            f"{health.data['url']} answers (version {make_visible(body.get('version'))})",
        )
    ]
    try:
        hub_time = parse_rfc3339(body.get("hub_time"))
    except ValueError:
        checks.append(Check("clock", "unknown", "the hub's /health gave no usable hub_time"))
    else:
        local = before + (after - before) / 2  # the moment the hub most likely answered
        checks.append(clock_check(hub_time - local, after - before))
    return checks + await _token_checks(hub_url, token, read_only), True


async def _token_checks(hub_url: Hubs, token: str, read_only: bool) -> list[Check]:
    if not token:
        return [
            Check(
                "token",
                "fail",
                "no token: give --token, set WARROOM_TOKEN or `token` in the "
                "console's config file (ask the hub's operator for one)",
            ),
            Check("role", "skipped", "not checked: no token"),
        ]
    try:
        async with HubClient(hub_url, token) as client:
            identity = Identity.from_whoami(await client.whoami())
    except HubRefused as error:
        why = make_visible(error.message)
        return [
            Check(
                "token",
                "fail",
                f"the hub refused the token (HTTP {error.status} {error.code}: "
                f"{why}); check --token / WARROOM_TOKEN / the config file's token",
            ),
            Check("role", "skipped", "not checked: the token was refused"),
        ]
    except HubUnreachable as error:
        return [
            Check("token", "fail", f"no answer to GET /api/whoami ({error})"),
            Check("role", "skipped", "not checked: the token could not be checked"),
        ]
    who = f"{make_visible(identity.user)} ({make_visible(identity.role)})"
    return [Check("token", "ok", f"valid: {who}"), role_check(identity, read_only)]


def role_check(identity: Identity, read_only: bool = False) -> Check:
    """Whether the token's role holds what the person needs; which permissions it lacks."""
    needs = READ_ONLY_NEEDS if read_only else RESPONDER_NEEDS
    missing = [p for p in needs if not identity.allows(p)]
    role = make_visible(identity.role)
    if missing:
        # The roles that hold every need in AgentOS's table (a hub's config may differ).
        holders = [r for r in ROLES if all(r in DEFAULT_PERMISSIONS[p] for p in needs)]
        hint = "" if read_only else "; for a wall display or an observer, use --read-only"
        return Check(
            "role",
            "fail",
            f"{role} lacks {', '.join(missing)}: ask for a token whose role holds "
            f"{' and '.join(needs)} (by default {', '.join(holders)}){hint}",
        )
    if read_only:
        return Check("role", "ok", f"{role} can read (--read-only: nothing more is needed)")
    if identity.allows("killswitch.global"):
        extra = "and the global stop"
    else:
        extra = "not the global stop (incident commander, security lead, CTO)"
    return Check("role", "ok", f"{role} may stop a pack and change incidents; {extra}")


def clock_check(skew: timedelta, round_trip: timedelta) -> Check:
    """The hub's clock minus ours: fine within 2 s, a warning to 30 s, a failure beyond."""
    seconds = skew.total_seconds()
    size = abs(seconds)
    where = "ahead of" if seconds < 0 else "behind"
    said = f"{size:.1f} s {where} the hub's (± {round_trip.total_seconds() / 2:.1f} s)"
    if size <= CLOCK_WARN_S:
        return Check("clock", "ok", f"agrees with the hub's: {said}")
    fix = "sync it (timedatectl set-ntp true, or chrony)"
    if size <= CLOCK_FAIL_S:
        return Check("clock", "warn", f"this clock is {said}: timers read off by that; {fix}")
    return Check("clock", "fail", f"this clock is {said}: timers and countdowns are wrong; {fix}")


def journal_check(folder: Path) -> Check:
    """Whether the console can write its journal in ``folder`` (by writing a file there,
    since permission bits do not stop root; a folder not made yet, in its parent)."""
    probe = folder
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if not probe.is_dir():
        return Check(
            "journal",
            "fail",
            f"{probe} is not a folder, so {folder} cannot be made: "
            "set WARROOM_DATA or data_dir to a folder you can write",
        )
    try:
        handle, name = tempfile.mkstemp(prefix=".warroom-doctor-", dir=probe)
        os.close(handle)
        os.unlink(name)
    except OSError as error:
        return Check(
            "journal",
            "fail",
            f"{probe} is not writable ({error.strerror}): notes and "
            "unsent actions could not be kept; fix it, or set WARROOM_DATA / data_dir",
        )
    if probe == folder:
        return Check("journal", "ok", f"{folder} is writable")
    return Check("journal", "ok", f"{folder} will be made (in {probe}, which is writable)")


def runbook_check() -> Check:
    """The runbook's offline copy ships with warroom and reads."""
    try:
        steps = len(load_runbook().steps)
    except (OSError, RunbookError) as error:
        return Check("runbook", "fail", f"the shipped runbook cannot be read: {error}")
    return Check("runbook", "ok", f"offline copy with {steps} steps: `warroom runbook`")


async def doctor(
    settings: ConsoleSettings,
    env: Mapping[str, str],
    *,
    read_only: bool = False,
    size: tuple[int, int] | None = None,
    clipboard: Callable[[], str | None] | None = None,
    clock: Clock = utcnow,
) -> Outcome:
    """Every check, as an :class:`Outcome` whose message is the report."""
    checks, answered = await hub_checks(
        settings.hub_urls, settings.token, read_only=read_only, clock=clock
    )
    checks += [
        journal_check(settings.data_dir),
        size_check(size),
        colour_check(env),
        utf8_check(env),
        copy_check(env, clipboard or (lambda: tmux_clipboard(env))),
        runbook_check(),
    ]
    return report(checks, hub_answered=answered)


def report(checks: list[Check], *, hub_answered: bool = True) -> Outcome:
    """The checks as lines for a person and ``checks`` for --json, with the exit code:
    3 when the hub did not answer, else 1 when any check failed."""
    failed = [c.name for c in checks if c.status == "fail"]
    warned = [c.name for c in checks if c.status == "warn"]
    code = ExitCode.OK
    if not hub_answered:
        code = ExitCode.UNREACHABLE
    elif failed:
        code = ExitCode.ERROR
    lines = [f"{_shown(c.status):<8}{c.name:<12}{c.detail}" for c in checks]
    lines.append(f"{'-':<8}{'not checked':<12}{NOT_CHECKED}")
    summary = f"{len(failed)} to fix: {', '.join(failed)}" if failed else "ready"
    if warned:
        summary += f" ({len(warned)} warning{'s' if len(warned) > 1 else ''}: {', '.join(warned)})"
    lines.append(summary)
    return Outcome(
        code,
        "\n".join(lines),
        {"checks": [asdict(c) for c in checks], "not_checked": NOT_CHECKED, "summary": summary},
    )


def _shown(status: str) -> str:
    """What needs doing stands out in upper case; the rest reads quietly."""
    return status.upper() if status in ("fail", "warn") else status
