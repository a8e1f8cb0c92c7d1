"""Stopping pack after pack is a global stop: past half of the packs it needs
killswitch.global (issue 8: on-call stopped all 7 packs in 7 requests)."""

from __future__ import annotations

from tests.hubtools import RunningHub

STOP = {"enabled": False, "reason": "contain"}


def test_on_call_cannot_stop_every_pack_one_by_one(hub: RunningHub) -> None:
    on_call = hub.client("on-call")
    packs = [p["name"] for p in on_call.get("/api/packs/status").json()["packs"]]
    assert len(packs) == 7
    answers = [on_call.post(f"/api/killswitch/pack/{p}", json=STOP) for p in packs]
    assert [a.status_code for a in answers] == [200] * 3 + [403] * 4
    assert "killswitch.global" in answers[3].json()["error"]["message"]
    # Re-enabling is never limited; then another pack may be stopped.
    enable = {"enabled": True, "reason": "recovered"}
    assert on_call.post(f"/api/killswitch/pack/{packs[0]}", json=enable).status_code == 200
    assert on_call.post(f"/api/killswitch/pack/{packs[3]}", json=STOP).status_code == 200
    # Who holds killswitch.global may go further.
    commander = hub.client("incident-commander")
    assert commander.post(f"/api/killswitch/pack/{packs[4]}", json=STOP).status_code == 200
