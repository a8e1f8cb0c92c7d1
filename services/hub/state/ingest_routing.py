"""Which incident an alert from Alertmanager may open: routing and a rate limit.

The ingest token must not be able to open unlimited durable incidents (each new
``pack`` label string opened one, and a SEV1 pages people):

* an alert naming a pack this hub does not have is *unrouted*: all such alerts
  with one ``alertname`` share one incident (its group key ``unrouted:NAME``, no
  pack), counted in ``unrouted``;
* ingest opens at most ``max_opens`` incidents per ``window_s`` seconds (the hub's
  clock); an alert past that stays on the dashboard without an incident, counted in
  ``incidents_limited``, and opens one when it is re-sent after the window.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from datetime import datetime, timedelta

from services.domain.models import Alert

MAX_OPENS = 20
WINDOW_S = 60.0


class IngestRouter:
    """Routes alerts to incidents and limits how fast ingest opens them."""

    def __init__(
        self,
        packs: Iterable[str] | None,
        max_opens: int = MAX_OPENS,
        window_s: float = WINDOW_S,
    ) -> None:
        # None: every pack is known (no routing), as for an alert book on its own.
        self.packs = None if packs is None else frozenset(packs)
        self.max_opens = max_opens
        self.window = timedelta(seconds=window_s)
        self._opened: deque[datetime] = deque()
        self.unrouted = 0
        self.incidents_limited = 0

    def route(self, alert: Alert) -> tuple[str | None, str]:
        """(pack, group key) of the incident ``alert`` belongs to."""
        if alert.pack and self.packs is not None and alert.pack not in self.packs:
            self.unrouted += 1
            return None, f"unrouted:{alert.labels.get('alertname', '')[:200]}"
        return alert.pack, alert.group_key

    def may_open(self, now: datetime | None) -> bool:
        """Whether ingest may open one more incident now (and count it if so)."""
        if now is None:
            return True
        while self._opened and now - self._opened[0] >= self.window:
            self._opened.popleft()
        if len(self._opened) >= self.max_opens:
            self.incidents_limited += 1
            return False
        self._opened.append(now)
        return True
