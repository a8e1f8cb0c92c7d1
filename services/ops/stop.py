"""The kill switch from the command line, for when the console cannot start.

``warroom stop --pack NAME``, ``warroom stop --global``, ``warroom stop
--status``, ``warroom enable …`` — AgentOS's ``emergency_stop.sh``, against the
hub. A stop is sent under one idempotency key and retried with that same key
when no answer came back, so a flaky link can never apply it twice.

Exit codes (:class:`~services.ops.outcome.ExitCode`): 0 applied, 2 refused (no
reason, a reason that is not UTF-8, auth or validation), 3 hub unreachable, 4 the
hub kept failing (5xx; retried with the same key).
"""

from __future__ import annotations

import asyncio
from typing import Any

from services.console.hub_client import HubClient, HubRefused, HubUnreachable, new_idempotency_key
from services.console.replicas import Hubs, shown_hubs
from services.domain.textsafe import make_visible
from services.domain.timeutil import show_time
from services.ops.outcome import ExitCode, Outcome

RETRY_DELAYS_S = (0.5, 1.0, 2.0)
ENABLE_REASON = "re-enabled with warroom enable"


async def set_switch(
    hub_url: Hubs,
    token: str,
    *,
    pack: str | None,
    enabled: bool,
    reason: str,
    incident_id: str | None = None,
    retry_delays: tuple[float, ...] = RETRY_DELAYS_S,
) -> Outcome:
    """Stop (``enabled=False``) or re-enable a pack, or everything when ``pack`` is None.

    A stop needs a reason, because it goes in the audit: a blank one is refused
    before the hub is asked. A re-enable without one is audited as ``ENABLE_REASON``.
    """
    reason = reason.strip() or (ENABLE_REASON if enabled else "")
    if not reason:
        return Outcome(ExitCode.REFUSED, "a stop needs --reason TEXT (it goes in the audit)")
    if not _is_text(reason):
        return Outcome(
            ExitCode.REFUSED,
            f"--reason holds bytes that are not UTF-8 ({make_visible(_shown(reason))}); "
            "type it again in a UTF-8 terminal (LANG=C.UTF-8). Nothing was sent.",
        )
    key = new_idempotency_key()
    target = f"pack {pack}" if pack else "the global switch"
    last_error = ""
    failed = False
    async with HubClient(hub_url, token) as client:
        for attempt, delay in enumerate((0.0, *retry_delays)):
            if delay:
                await asyncio.sleep(delay)
            try:
                if pack:
                    answer = await client.set_pack_switch(
                        pack, enabled, reason, incident_id=incident_id, idempotency_key=key
                    )
                else:
                    answer = await client.set_global_switch(
                        enabled, reason, incident_id=incident_id, idempotency_key=key
                    )
            except HubRefused as error:
                if error.status >= 500:
                    # The hub's own failure, not a refusal: the same key makes a retry
                    # safe whether or not it applied.
                    last_error = f"HTTP {error.status} {error.code}: {error.message}"
                    failed = True
                    continue
                return Outcome(
                    ExitCode.REFUSED,
                    f"refused: {make_visible(error.message)} (HTTP {error.status} {error.code})",
                    {"status": error.status, "code": error.code, "idempotency_key": key},
                )
            except HubUnreachable as error:
                last_error, failed = str(error), False
                continue
            applied = answer.get("applied", {})
            verb = "re-enabled" if enabled else "STOPPED"
            changed = answer.get("changed", True)
            note = "" if changed else " (it already was; nothing changed)"
            by = make_visible(applied.get("changed_by") if isinstance(applied, dict) else None)
            return Outcome(
                ExitCode.OK,
                f"{target} {verb}{note}; by {by}, attempt {attempt + 1}",
                {"answer": answer, "idempotency_key": key, "attempts": attempt + 1},
            )
    tries = len(retry_delays) + 1
    if failed:
        return Outcome(
            ExitCode.HUB_FAILED,
            f"the hub failed {tries} times ({make_visible(last_error)}); this is the hub's "
            f"fault, not a refusal. Check `warroom stop --status`, then run the command again: "
            "it is safe. If the hub stays broken, use AgentOS's own console.",
            {"idempotency_key": key},
        )
    return Outcome(
        ExitCode.UNREACHABLE,
        f"the hub at {shown_hubs(hub_url)} did not answer after {tries} tries ({last_error}). "
        "Nothing is known to have changed. Check `warroom stop --status`, then run the "
        "command again: it is safe, a switch already in that state is left as it is "
        "and audited once. If the hub stays down, use AgentOS's own console.",
        {"idempotency_key": key},
    )


async def status(hub_url: Hubs, token: str) -> Outcome:
    """Every switch, and each pack's agents, as ``GET /api/packs/status`` tells."""
    try:
        async with HubClient(hub_url, token) as client:
            data = await client.packs_status()
    except HubRefused as error:
        message = make_visible(error.message)
        return Outcome(ExitCode.REFUSED, f"refused: {message} (HTTP {error.status})")
    except HubUnreachable as error:
        return Outcome(
            ExitCode.UNREACHABLE,
            f"the hub at {shown_hubs(hub_url)} did not answer ({error}); check --hub / WARROOM_HUB",
        )
    return Outcome(ExitCode.OK, format_status(data), {"status": data})


def _is_text(value: str) -> bool:
    # Arguments that are not UTF-8 reach Python as lone surrogates (surrogateescape).
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(value: str) -> str:
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _switch_words(switch: dict[str, Any]) -> str:
    if switch.get("enabled", True):
        return "enabled"
    who = make_visible(switch.get("changed_by") or "?")
    when = make_visible(show_time(switch.get("changed_at")) or "?")
    why = make_visible(switch.get("reason") or "")
    return f"STOPPED by {who} at {when}: {why}"


def format_status(data: dict[str, Any]) -> str:
    """A plain table of the switches, for a terminal (no colour, no markup)."""
    lines = [f"global   {_switch_words(data.get('global') or {})}"]
    packs = data.get("packs") or []
    width = max((len(str(p.get("name", ""))) for p in packs), default=4)
    for pack in packs:
        agents = pack.get("agents") or {}
        counts = f"{agents.get('running', 0)}/{agents.get('total', 0)} running"
        if agents.get("stopped"):
            counts += f", {agents['stopped']} stopped"
        name = make_visible(pack.get("name", "?")).ljust(width)
        lines.append(f"{name}  {_switch_words(pack).ljust(9)}  {counts}")
    return "\n".join(lines)
