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
