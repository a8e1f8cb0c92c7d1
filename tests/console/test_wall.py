"""The war-room wall (walkthrough 3): read-only, big timers, stable order, bell, STALE.

Pilot tests on a frozen clock fed sample envelopes, and one against a real hub
that is stopped and started again.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Digits, Static

from services.console import state as state_module
from services.console.settings import ConsoleSettings
from services.console.state import StreamStatus
from tests.console.live import HubDriver, until
from tests.console.sample import envelope, heartbeat, incident, snapshot
from tests.console.wall_helpers import MovableClock, make_wall
from tests.hubtools import RunningHub
from tui.wall.app import WALL_RESOLVED, WallApp
from widgets.incident_band import IncidentBand
from widgets.safe_text import _redactor, redaction_categories
from widgets.stale_overlay import StaleOverlay

LIVE = StreamStatus(state="live")


def _start(app: WallApp, *extra: dict[str, Any]) -> None:
    app.set_connection(LIVE)
    app.apply_envelope(snapshot(seq=40))
    app.apply_envelope(heartbeat(40))
    for item in extra:
        assert app.apply_envelope(item)


def _text(app: WallApp, selector: str) -> str:
    return str(app.query_one(selector, Static).render())


def _opened(seq: int, data: dict[str, Any], kind: str = "incident.opened") -> dict[str, Any]:
    return envelope(seq, kind, {"incident": data})


def _band_ids(app: WallApp) -> list[str]:
    return [band.incident_id for band in app.query(IncidentBand) if band.display]


async def test_no_key_changes_anything() -> None:
    """Only quit and paging are bound, on the app and on its screen, and no palette."""
    app = make_wall()
    async with app.run_test(size=(120, 40)) as pilot:
        _start(app)
        await pilot.pause()
        actions = {active.binding.action for active in app.active_bindings.values()}
        # Textual's own: tab moves focus (nothing to focus), ctrl+c copies selected text.
        harmless = {
            "quit",
            "page(1)",
            "page(-1)",
            "help_quit",
            "app.focus_next",
            "app.focus_previous",
            "screen.copy_text",
        }
        assert actions <= harmless, actions
        assert not app.ENABLE_COMMAND_PALETTE
        for key in ("s", "e", "G", "a", "r", "n", "k", "enter", "1", "ctrl+p"):
            await pilot.press(key)
        assert app.is_running


async def test_big_digits_show_the_most_urgent_response_and_next_escalation() -> None:
    app = make_wall()
    async with app.run_test(size=(120, 40)) as pilot:
        _start(app)
        await pilot.pause()
        # INC-4 (SEV2, opened 18:02:12, 60 min to respond) at hub time 18:20:00.
        assert app.query_one("#wall-urgent-digits", Digits).value == "42:12"
        assert "INC-4" in _text(app, "#wall-urgent-label")
        assert app.query_one("#wall-escalation-digits", Digits).value == "12:12"
        assert "EM escalation" in _text(app, "#wall-escalation-label")
        assert _band_ids(app) == ["INC-3", "INC-4"]  # severity first
        assert "support STOPPED" in _text(app, "#wall-packs")


async def test_stale_freezes_the_countdowns_and_covers_the_screen() -> None:
    clock = MovableClock()
    app = make_wall(clock)
    async with app.run_test(size=(120, 40)) as pilot:
        _start(app)
        clock.advance(1)
        app.flush()
        await pilot.pause()
        live_value = app.query_one("#wall-urgent-digits", Digits).value
        assert live_value == "42:11"  # ticking while live
        assert not app.query_one(StaleOverlay).showing
        clock.advance(60)  # no frame for a minute: 3 heartbeats of 2 s passed long ago
        app.flush()
        await pilot.pause()
        overlay = app.query_one(StaleOverlay)
        assert overlay.showing
        assert "no data from the hub for 1 min" in str(overlay.render())
        # Frozen at the last data's moment, and said so, not ticking on.
        assert app.query_one("#wall-urgent-digits", Digits).value == "42:12"
        assert "FROZEN" in _text(app, "#wall-urgent-label")
        assert all(band.has_class("-stale") for band in app.query(IncidentBand))
        app.apply_envelope(heartbeat(40, "2026-11-25T18:21:01.000Z"))
        await pilot.pause()
        assert not app.query_one(StaleOverlay).showing


async def test_no_data_is_never_drawn_as_healthy() -> None:
    app = make_wall()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.query_one(StaleOverlay).showing
        assert "no data from the hub yet" in str(app.query_one(StaleOverlay).render())
        packs = _text(app, "#wall-packs")
        assert "no data yet" in packs and "all" not in packs and "GLOBAL on" not in packs
        assert app.query_one("#wall-urgent-digits", Digits).value == "--:--"


async def test_a_new_sev1_rings_once_and_a_sev3_not_at_all() -> None:
    app = make_wall()
    async with app.run_test(size=(120, 40)) as pilot:
        _start(app)  # INC-3 is a SEV1 already open: not news
        await pilot.pause()
        assert app.bells == 0
        sev3 = incident("INC-9", severity="SEV3", opened_at="2026-11-25T18:19:00.000Z")
        app.apply_envelope(_opened(41, sev3))
        assert app.bells == 0
        sev1 = incident("INC-10", severity="SEV1", opened_at="2026-11-25T18:19:30.000Z")
        app.apply_envelope(_opened(42, sev1))
        app.apply_envelope(_opened(43, {**sev1, "status": "contain"}, "incident.updated"))
        assert app.bells == 1
        raised = {**sev3, "severity": "SEV1"}  # raised to SEV1: news again, once
        app.apply_envelope(_opened(44, raised, "incident.updated"))
        app.flush()
        assert app.bells == 2


async def test_rows_never_reshuffle_until_the_page_turns() -> None:
    clock = MovableClock()
    app = make_wall(clock, wall_page_seconds=10.0)
    async with app.run_test(size=(120, 40)) as pilot:
        _start(app)
        await pilot.pause()
        assert _band_ids(app) == ["INC-3", "INC-4"]
        # INC-4 becomes a SEV1 and a new SEV1 opens: nothing shown moves; the new one
        # joins at the end.
        app.apply_envelope(_opened(41, incident("INC-4", severity="SEV1"), "incident.updated"))
        new = incident("INC-11", severity="SEV1", opened_at="2026-11-25T17:00:00.000Z")
        app.apply_envelope(_opened(42, new))
        await pilot.pause()
        assert _band_ids(app) == ["INC-3", "INC-4", "INC-11"]
        clock.advance(10)  # the turn: sorted again (severity, then oldest first)
        app.flush()
        await pilot.pause()
        assert _band_ids(app) == ["INC-11", "INC-4", "INC-3"]


async def test_pages_cycle_when_the_incidents_do_not_fit() -> None:
    clock = MovableClock()
    app = make_wall(clock, wall_page_seconds=5.0)
    many = [
        _opened(
            41 + n,
            incident(f"INC-{20 + n}", severity="SEV3", opened_at=f"2026-11-25T18:{10 + n}:00Z"),
        )
        for n in range(8)
    ]
    async with app.run_test(size=(80, 24)) as pilot:
        _start(app, *many)
        await pilot.pause()
        first = _band_ids(app)
        pages = app.pager.pages
        assert pages >= 2 and first[0] == "INC-3"
        assert f"page 1/{pages}" in _text(app, "#wall-footer")
        clock.advance(5)
        app.flush()
        await pilot.pause()
        second = _band_ids(app)
        assert second and not set(second) & set(first)
        assert f"page 2/{pages}" in _text(app, "#wall-footer")
        await pilot.press("left")  # paging by hand
        await pilot.pause()
        assert _band_ids(app) == first


async def test_always_redacted_whatever_the_config_says() -> None:
    app = make_wall(redact=False)
    leaky = incident(
        "INC-12",
        severity="SEV1",
        title="mailed john.smith@example.com call +1 415 555 0199 key sk-live-abcdef0123456789XYZ",
    )
    async with app.run_test(size=(200, 60)) as pilot:
        _start(app, _opened(41, leaky))
        await pilot.pause()
        shown = app.export_screenshot()
        assert "john.smith" not in shown and "555 0199" not in shown and "sk-live" not in shown
        assert "[REDACTED: EMAIL]" in str(app.query(IncidentBand).last().render())


async def test_against_a_real_hub_with_a_viewer_token_stale_and_back(hub: RunningHub) -> None:
    """A viewer token is enough; the hub stopped: STALE within 3 heartbeats; back: gone."""
    settings = ConsoleSettings(hub_url=hub.url, token=hub.tokens["viewer"])
    app = WallApp(settings)
    driver = HubDriver(hub)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await until(lambda: app.state.snapshots > 0, what="the snapshot", step=pilot.pause)
            overlay = app.query_one(StaleOverlay)
            await until(lambda: not overlay.showing, what="live", step=pilot.pause)
            await driver.set_pack("legal", False, reason="wall test")
            await until(
                lambda: "legal" in _text(app, "#wall-packs"), what="legal stopped", step=pilot.pause
            )
            hub.stop()
            limit = app.state.heartbeat_interval_s * 3
            await until(
                lambda: app.query_one(StaleOverlay).showing,
                what="the STALE overlay",
                within=limit + 5,
                step=pilot.pause,
            )
            hub.restart()
            await until(
                lambda: not app.query_one(StaleOverlay).showing,
                what="the overlay gone",
                within=30,
                step=pilot.pause,
            )
    finally:
        await driver.aclose()


async def test_bands_are_reused_as_incidents_come_and_go() -> None:
    """A wall runs for days: a band made per incident ever opened kept each removed
    band's style caches alive. Bands are reused: no more are ever made than a page."""
    clock = MovableClock()
    app = make_wall(clock, wall_page_seconds=10.0)
    async with app.run_test(size=(120, 40)) as pilot:
        _start(app)
        await pilot.pause()
        made: set[int] = set()
        seq = 41
        for number in range(100, 130):
            opened = incident(f"INC-{number}", severity="SEV3", opened_at="2026-11-25T18:10:00Z")
            resolved = {**opened, "status": "resolved", "resolved_at": "2026-11-25T18:11:00Z"}
            for data, kind in ((opened, "incident.opened"), (resolved, "incident.resolved")):
                app.apply_envelope(_opened(seq, data, kind=kind))
                seq += 1
                clock.advance(10)  # the page turns: the incident joins, then leaves
                app.flush()
                await pilot.pause()
                made.update(id(band) for band in app.query(IncidentBand))
            assert f"INC-{number}" not in _band_ids(app)
        assert len(made) <= app.pager.rows + 2, (len(made), app.pager.rows)
        assert _band_ids(app)[:2] == ["INC-3", "INC-4"]


async def test_an_incident_that_left_leaves_no_trace_in_the_wall_or_its_memos(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Runs for days: once an incident has left the page and the state, nothing keyed
    by it is kept — not its band, not its order slot, not its redacted title or its
    parsed timestamps in the memos shared by every redraw."""
    title = "Leaving soon: mail ann.leaving@example.com"
    gone_at = "2026-11-25T18:30:07Z"
    redactions = _redactor(redaction_categories())
    # The memos turn over every few lookups here, as they do every few seconds on a wall.
    monkeypatch.setattr(redactions, "lookups", 64)
    monkeypatch.setattr(state_module._moment, "lookups", 64)
    clock = MovableClock()
    app = make_wall(clock, wall_page_seconds=10.0)
    async with app.run_test(size=(120, 40)) as pilot:
        _start(app)
        leaving = incident("INC-900", severity="SEV1", title=title)
        app.apply_envelope(_opened(41, leaving))
        clock.advance(10)
        app.flush()
        await pilot.pause()
        assert "INC-900" in _band_ids(app)
        resolved = {**leaving, "status": "resolved", "resolved_at": gone_at}
        app.apply_envelope(_opened(42, resolved, kind="incident.resolved"))
        seq = 43
        for number in range(WALL_RESOLVED + 5):  # the state lets the resolved one go
            other = incident(f"INC-{number + 1000}", severity="SEV3")
            done = {**other, "status": "resolved", "resolved_at": f"2026-11-25T19:{number:02d}:00Z"}
            for data, kind in ((other, "incident.opened"), (done, "incident.resolved")):
                app.apply_envelope(_opened(seq, data, kind=kind))
                seq += 1
            clock.advance(10)
            app.flush()
            await pilot.pause()
        for _ in range(10):  # the wall goes on drawing what is still open
            clock.advance(10)
            app.flush()
        await pilot.pause()
        assert "INC-900" not in app.state.incidents
        assert "INC-900" not in app.state.timeline
        assert "INC-900" not in _band_ids(app)
        for band in app.query(IncidentBand):  # a spare band keeps nothing of its last one
            assert band.display or (band.incident_id, str(band.render()).strip()) == ("", "")
        assert "INC-900" not in app.pager.order
        assert "INC-900" not in app.pager.sev1_seen
        assert title not in redactions
        assert gone_at not in state_module._moment


async def test_late_notes_on_incidents_the_wall_let_go_of_are_not_kept() -> None:
    """A note can come days after its incident was resolved and dropped: the wall,
    which shows no timeline, keeps none for incidents it no longer holds."""
    app = make_wall()
    async with app.run_test(size=(120, 40)) as pilot:
        _start(app)
        for number in range(50):
            entry = {
                "id": f"late-{number}",
                "incident_id": f"INC-{number + 5000}",
                "at": "2026-11-25T18:10:00Z",
                "kind": "note",
                "author": "alice",
                "text": "post-incident review done",
            }
            app.apply_envelope(envelope(41 + number, "timeline.entry", {"entry": entry}))
        await pilot.pause()
        assert set(app.state.timeline) <= set(app.state.incidents)


async def test_a_resolved_incident_leaves_the_wall_state_when_it_leaves_the_page() -> None:
    """It stays, marked resolved, until the page turns; then nothing keeps it (not as
    one of the state's last resolved incidents, which a wall would fill over days)."""
    clock = MovableClock()
    app = make_wall(clock, wall_page_seconds=10.0)
    async with app.run_test(size=(120, 40)) as pilot:
        _start(app)
        leaving = incident("INC-900", severity="SEV2", opened_at="2026-11-25T18:10:00Z")
        app.apply_envelope(_opened(41, leaving))
        resolved = {**leaving, "status": "resolved", "resolved_at": "2026-11-25T18:11:00Z"}
        app.apply_envelope(_opened(42, resolved, kind="incident.resolved"))
        await pilot.pause()
        assert "INC-900" in _band_ids(app)
        assert not app.state.incidents["INC-900"].is_open
        clock.advance(10)  # the page turns
        app.flush()
        await pilot.pause()
        assert "INC-900" not in _band_ids(app)
        assert "INC-900" not in app.state.incidents
        assert set(app.state.incidents) == {"INC-3", "INC-4"}


async def test_redraws_look_up_no_widgets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Textual caches each query by the DOM's update count: a wall that queried its
    widgets on every redraw added entries each time bands came and went, for a day."""
    clock = MovableClock()
    app = make_wall(clock, wall_page_seconds=10.0)
    async with app.run_test(size=(120, 40)) as pilot:
        _start(app)
        await pilot.pause()

        def no_query(*_: object, **__: object) -> None:
            raise AssertionError("a redraw looked a widget up")

        monkeypatch.setattr(app, "query_one", no_query)
        coming = incident("INC-900", severity="SEV1", opened_at="2026-11-25T18:10:00Z")
        app.apply_envelope(_opened(41, coming))
        clock.advance(10)
        app.flush()
        await pilot.pause()
        assert "INC-900" in _band_ids(app)
