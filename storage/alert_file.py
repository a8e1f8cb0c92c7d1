"""The hub's active alerts in one file of their own, written whole and coalesced.

Alerts are telemetry: a storm re-sends thousands of them a minute, so they never
go through the TinyDB store (which rewrites its whole file on each write). The
hub writes the set it holds here at most once per ``interval`` (the tick), only
when it changed, atomically (temporary file, fsync, ``os.replace``). After a
restart the hub starts from this set, with each alert's incident link, so a
repeat is not attached twice and a resolution still finds its incident. What
changed in the last interval before a crash is re-learned from Alertmanager:
its next delivery, or pull mode at start (docs/protocol.md, "Alerts across a
restart").
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import msgspec

from storage.files import write_text_atomic

log = logging.getLogger("warroom.hub")

FORMAT = 1


class AlertFile:
    """``DIR/alerts.json``: ``{"format": 1, "alerts": [...], "groups": {...}}``."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.path = Path(folder) / "alerts.json"
        self.writes = 0

    def load(self) -> tuple[list[dict[str, Any]], dict[str, float]]:
        """The alerts and group repeat intervals last saved; a corrupt file is set aside
        (``alerts.json.corrupt``) and the hub starts empty rather than not at all."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return [], {}
        try:
            data = msgspec.json.decode(raw)
            alerts = data["alerts"]
            groups = data.get("groups", {})
            if not isinstance(alerts, list) or not isinstance(groups, dict):
                raise TypeError("alerts must be a list, groups an object")
        except (msgspec.DecodeError, KeyError, TypeError) as error:
            quarantine = self.path.with_name(self.path.name + ".corrupt")
            os.replace(self.path, quarantine)
            log.error("%s is unreadable (%s): set aside as %s", self.path, error, quarantine)
            return [], {}
        return [a for a in alerts if isinstance(a, dict)], {
            str(k): float(v) for k, v in groups.items() if isinstance(v, int | float)
        }

    def save(self, alerts: list[dict[str, Any]], groups: dict[str, float]) -> None:
        """Replace the file with ``alerts`` and ``groups``, atomically."""
        body = {"format": FORMAT, "alerts": alerts, "groups": groups}
        write_text_atomic(self.path, msgspec.json.encode(body).decode("utf-8"))
        self.writes += 1
