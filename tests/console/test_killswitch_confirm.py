"""Typed confirmations: near-misses reach nothing; no path to the hub skips the modal."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from textual.widgets import Input

from tests.console.killswitch_live import (
    confirm_enabled,
    confirm_modal,
    console,
    open_switches,
    ready,
    retype,
    select,
    type_text,
    wait,
)
from tests.hubtools import RunningHub
from tui.screens.audit import AuditScreen
from tui.screens.confirm_stop import ConfirmStop
from tui.screens.killswitch import KillswitchScreen
from tui.screens.restore import RestoreScreen


def _audit(hub: RunningHub) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = hub.client("viewer").get("/api/audit").json()["records"]
    return records


def _switches(hub: RunningHub) -> dict[str, bool]:
    status = hub.client("viewer").get("/api/packs/status").json()
    switches = {p["name"]: p["enabled"] for p in status["packs"]}
    switches["global"] = status["global"]["enabled"]
    return switches


async def test_near_misses_keep_confirm_disabled_and_reach_nothing(
    hub: RunningHub, tmp_path: Path
) -> None:
    before = _switches(hub)
    app = console(hub, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        screen = await open_switches(pilot, app)
        await select(pilot, screen, "pack:support")
        await pilot.press("s")
        modal = await confirm_modal(pilot, app)
        # No incident selected: no prefilled reason, and none means no confirm.
        await retype(pilot, modal, "support")
        assert not confirm_enabled(modal)
        modal.query_one("#confirm-reason", Input).value = "drill"
        for miss in ("Support", "support ", " support", "suppor", "SUPPORT"):
            await retype(pilot, modal, miss)
            assert not confirm_enabled(modal), miss
            await pilot.press("enter")  # Enter on a near-miss does nothing
            assert app.screen is modal
        await retype(pilot, modal, "support")
        assert confirm_enabled(modal)
        # An empty reason disables it again.
        modal.query_one("#confirm-reason", Input).value = "   "
        await pilot.pause()
        assert not confirm_enabled(modal)
        await pilot.press("escape")
        await wait(pilot, lambda: app.screen is screen, "cancelled")

        await pilot.press("G")
        modal = await confirm_modal(pilot, app)
        modal.query_one("#confirm-reason", Input).value = "drill"
        for miss in ("STOP AL", "stop all", "STOP ALL ", "STOP  ALL", "STOPALL"):
            await retype(pilot, modal, miss)
            assert not confirm_enabled(modal), miss
        await pilot.press("escape")
        await wait(pilot, lambda: app.screen is screen, "cancelled")
        assert app.outbox is not None and app.outbox.store.items() == []
    assert _audit(hub) == []
    assert _switches(hub) == before


async def test_the_hub_is_only_reached_from_the_modal_confirm(
    hub: RunningHub, tmp_path: Path
) -> None:
    """Every binding of every screen and every palette command, run: no kill-switch request."""
    app = console(hub, tmp_path)
    calls: list[bool] = []
    real_submit = app.submit_action

    def spy(kind: str, path: str, body: dict[str, Any], **kw: Any) -> Any:
        from_modal = any(
            frame.function == "_confirm"
            and isinstance(frame.frame.f_locals.get("self"), ConfirmStop)
            for frame in inspect.stack()
        )
        calls.append(from_modal)
        return real_submit(kind, path, body, **kw)

    app.submit_action = spy  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        factories = [
            lambda: None,  # the dashboard
            lambda: KillswitchScreen(app.session, "INC-1", "support"),
            lambda: RestoreScreen(app.session, None),
            lambda: AuditScreen(app.session, "pack:support"),
            lambda: ConfirmStop("t", "support", "r", lambda _: calls.append(False)),
        ]
        for make in factories:
            base = make()
            if base is not None:
                await app.push_screen(base)
            target = app.screen
            await pilot.pause()
            actions = [
                (active.node, active.binding.action)
                for active in target.active_bindings.values()
                if "quit" not in active.binding.action
            ]
            commands = [c for c in app.get_system_commands(target) if c.title != "Quit"]
            assert actions or isinstance(target, ConfirmStop)
            for namespace, action in actions:
                await app.run_action(action, namespace)
                await pilot.pause()
                # Typed modals opened by the action are left unconfirmed.
                while app.screen is not target and len(app.screen_stack) > 1:
                    app.pop_screen()
                    await pilot.pause()
                if app.screen is not target:
                    await app.push_screen(target)
            for command in commands:
                result = command.callback()
                if inspect.isawaitable(result):
                    await result
                await pilot.pause()
                while app.screen is not target and len(app.screen_stack) > 1:
                    app.pop_screen()
                    await pilot.pause()
            # Nothing untrusted on these screens is rendered as markup (no links).
            for widget in target.query("Static"):
                assert "@click" not in str(getattr(widget, "content", ""))
            while len(app.screen_stack) > 1:
                app.pop_screen()
                await pilot.pause()
        assert calls == []
        # Positive control: the modal's confirm does reach it, from inside the modal.
        screen = await open_switches(pilot, app)
        await select(pilot, screen, "pack:legal")
        await pilot.press("s")
        await confirm_modal(pilot, app)
        modal = app.screen
        assert isinstance(modal, ConfirmStop)
        modal.query_one("#confirm-reason", Input).value = "test"
        await type_text(pilot, "legal")
        await pilot.press("enter")
        await wait(pilot, lambda: calls == [True], "one request, from the modal")
    assert [r["target"] for r in _audit(hub)] == ["pack:legal"]
