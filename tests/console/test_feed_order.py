"""The alert feed's rows stay put: a repeat of a known alert updates its count and its
"seen" time in place and moves no row; a new alert goes on top of its severity."""

from __future__ import annotations

from typing import Any

from services.console.settings import ConsoleSettings
from services.domain.models import Alert
from tests.console.sample import FROZEN_NOW, alert, envelope, snapshot
from tui.app import WarroomApp
from widgets.alert_feed import AlertFeed, feed_order


def as_alert(fingerprint: str, **fields: Any) -> Alert:
    return Alert.from_dict(alert(fingerprint, **fields))


def test_a_repeat_keeps_its_place_and_the_most_severe_lead() -> None:
    alerts = [
        as_alert("a", severity="SEV3", started_at="2026-11-25T18:00:00.000Z"),
        as_alert("b", severity="SEV3", started_at="2026-11-25T18:05:00.000Z"),
        as_alert("c", severity="SEV1", started_at="2026-11-25T17:00:00.000Z"),
        as_alert("d", severity="SEV2", started_at="2026-11-25T18:10:00.000Z", status="resolved"),
    ]
    assert [a.fingerprint for a in feed_order(alerts)] == ["c", "b", "a", "d"]
    alerts[0].last_seen_at = "2026-11-25T18:20:00.000Z"  # "a" repeats: newest seen
    alerts[0].repeat_count = 7
    assert [a.fingerprint for a in feed_order(alerts)] == ["c", "b", "a", "d"]
    alerts.append(as_alert("e", severity="SEV3", started_at="2026-11-25T18:20:01.000Z"))
    assert [a.fingerprint for a in feed_order(alerts)] == ["c", "e", "b", "a", "d"]
    assert [a.fingerprint for a in feed_order(alerts, limit=2)] == ["c", "e"]


async def test_a_repeat_updates_its_row_in_place_on_the_dashboard() -> None:
    config = ConsoleSettings(hub_url="http://hub.example:8080", token="t")
    app = WarroomApp(config, clock=lambda: FROZEN_NOW, connect=False)
    async with app.run_test(size=(120, 40)) as pilot:
        app.apply_envelope(snapshot())
        await pilot.pause()
        app.flush()
        feed = app.query_one(AlertFeed)
        before = list(feed.keys)
        # The SEV4 below the others is sent again: seen now, a 2nd time.
        repeat = alert(
            "deadbeefdeadbeef",
            severity="SEV4",
            category="incorrect_output",
            title="shown literally",
            pack="research",
            agent="web-researcher",
            last_seen_at="2026-11-25T18:19:57.000Z",
            repeat_count=2,
        )
        app.apply_envelope(envelope(41, "alert.fired", {"alert": repeat}))
        app.flush()
        await pilot.pause()
        assert feed.keys == before
        row = feed.get_row("deadbeefdeadbeef")
        assert "18:19:57" in row[0].plain and row[3].plain.strip() == "\u00d72"


async def test_the_alert_column_keeps_its_width_as_rows_come_and_go() -> None:
    """Short and long titles in turn: the feed's columns do not move sideways."""
    from textual.app import App, ComposeResult

    class Harness(App[None]):
        def compose(self) -> ComposeResult:
            yield AlertFeed()

    def alerts(titles: list[str]) -> list[Alert]:
        return [
            as_alert(f"{n:016x}", title=title, started_at=f"2026-11-25T18:00:{n:02d}.000Z")
            for n, title in enumerate(titles)
        ]

    app = Harness()
    async with app.run_test(size=(70, 12)) as pilot:
        feed = app.query_one(AlertFeed)
        feed.show_alerts(alerts(["a much longer title than the others", "short"]))
        await pilot.pause()
        wide = feed.virtual_size.width
        feed.show_alerts(alerts(["tiny", "short"]))  # the longest row left
        await pilot.pause()
        assert feed.virtual_size.width == wide
        feed.show_alerts(alerts(["tiny", "short", "x" * 200]))  # a very long one came
        await pilot.pause()
        assert feed.virtual_size.width == wide
