"""Category B stays redacted unless a role holding ``pii.view`` turns it off, and the
hub logs that it did before anything is shown."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.console.settings import ConsoleSettings
from tests.console.live import until
from tests.hubtools import RunningHub
from tui.app import WarroomApp
from widgets.safe_text import redaction_categories, set_redaction


@pytest.fixture(autouse=True)
def _default_redaction() -> Iterator[None]:
    # The filter is process-wide: leave it as the next test expects it.
    set_redaction(frozenset({"A", "B"}))
    yield
    set_redaction(frozenset({"A", "B"}))


async def test_a_security_lead_may_show_category_b_and_the_hub_logs_it(
    hub: RunningHub, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="warroom.hub")
    token = hub.tokens["security-lead"]
    settings = ConsoleSettings(hub_url=hub.url, token=token, data_dir=tmp_path, redact=False)
    app = WarroomApp(settings, backoff_cap=0.3)
    async with app.run_test(size=(120, 40)) as pilot:
        assert "B" in redaction_categories()  # nothing shown before the hub answered
        await until(lambda: "B" not in redaction_categories(), what="B shown", step=pilot.pause)
    assert "PII redaction (category B) turned off by security-lead-user" in caplog.text
    assert "A" in redaction_categories()


async def test_a_viewer_cannot(hub: RunningHub, tmp_path: Path) -> None:
    token = hub.tokens["viewer"]
    settings = ConsoleSettings(hub_url=hub.url, token=token, data_dir=tmp_path, redact=False)
    app = WarroomApp(settings, backoff_cap=0.3)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(lambda: app.identity is not None, what="identity", step=pilot.pause)
        await pilot.pause()
        assert "B" in redaction_categories()
    refused = hub.client("viewer").post("/api/pii/reveal", json={})
    assert refused.status_code == 403
