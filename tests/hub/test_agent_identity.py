"""An agent token reports only its own agents and packs; an unbound one, a bounded
number of agent ids (issue 8: any holder could fake CONFIRMED for others)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx

from services.hub.config import TokenEntry
from services.hub.http import auth

BEAT = {"state": "running"}


def _beat(hub: Any, token: str, agent: str, pack: str) -> httpx.Response:
    return httpx.post(
        f"{hub.url}/api/agents/{agent}/heartbeat",
        json={**BEAT, "pack": pack},
        headers={"Authorization": f"Bearer {token}"},
    )


def test_a_bound_token_reports_only_its_agents_and_packs(hub_factory: Any) -> None:
    bound = [
        TokenEntry("tok-support-bot", "support-bot", "agent", ("support-bot-1",), ("support",)),
        TokenEntry("tok-finance", "finance-pack", "agent", (), ("finance",)),
    ]
    hub = hub_factory()
    hub.stop()
    hub.config = replace(hub.config, tokens=[*hub.config.tokens, *bound])
    hub.restart()
    assert _beat(hub, "tok-support-bot", "support-bot-1", "support").status_code == 200
    other = _beat(hub, "tok-support-bot", "finance-bot-1", "finance")
    assert other.status_code == 403 and "support-bot-1" in other.text
    moved = _beat(hub, "tok-support-bot", "support-bot-1", "finance")  # re-declared elsewhere
    assert moved.status_code == 403
    assert _beat(hub, "tok-finance", "fin-7", "finance").status_code == 200
    assert _beat(hub, "tok-finance", "fin-7", "support").status_code == 403


def test_an_unbound_token_reports_a_bounded_number_of_agents(
    hub_factory: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(auth, "MAX_AGENTS_PER_TOKEN", 3)
    hub = hub_factory()
    token = hub.tokens["agent"]
    assert [_beat(hub, token, f"a{n}", "support").status_code for n in range(4)] == [
        200,
        200,
        200,
        403,
    ]
    assert _beat(hub, token, "a0", "support").status_code == 200  # a known one goes on
