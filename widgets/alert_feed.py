"""The live alert feed: the most severe first, then the newest; one row per fingerprint.

Each row: when last seen, severity badge, title · pack/agent · the labels that tell
it apart from alerts of the same name, repeat count, and its state: firing,
silenced, inhibited, stale or resolved.

Rows stay put: alerts that have not resolved come first, the most severe
first, and within a severity the most recently *first seen* (its start) on
top. A repeat of a firing alert bumps its count and its "seen" time in place;
it neither adds a row nor moves one. (Ordered by last seen, a storm of repeats
reshuffled the whole feed every redraw: every row rewritten over SSH, and
nothing stays where the eye left it.) A new alert goes on top of its
severity, so the newest and the most severe are what the panel shows first.
Resolved alerts stay, dimmed, below the ones that still fire.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence

from rich.style import Style
from rich.text import Text

from services.domain.models import SEVERITIES, Alert
from services.domain.timeutil import parse_optional
from widgets.keyed_table import Cells, ColumnSpec, KeyedTable
from widgets.safe_text import safe_text
from widgets.severity_badge import severity_badge, severity_class

__all__ = ["FEED_LIMIT", "AlertFeed", "feed_order"]

# Rows shown; the state keeps more. A screen cannot show hundreds anyway, and
# diffing a bounded table keeps a storm cheap.
FEED_LIMIT = 200
TIMES = "\u00d7"  # the multiplication sign of "x3"
_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}


def _first_seen(alert: Alert) -> float:
    try:
        started = parse_optional(alert.started_at or alert.last_seen_at)
    except ValueError:
        started = None
    return started.timestamp() if started else 0.0


def _feed_key(alert: Alert) -> tuple[bool, int, float, str]:
    return (
        alert.status == "resolved",
        _RANK.get(alert.severity, len(SEVERITIES)),
        -_first_seen(alert),
        alert.fingerprint,
    )


def feed_order(alerts: Iterable[Alert], limit: int = FEED_LIMIT) -> list[Alert]:
    """The feed's rows, at most ``limit``: not resolved first, the most severe first,
    then the latest first seen; a repeat (same fingerprint and start) keeps its place."""
    return heapq.nsmallest(limit, alerts, key=_feed_key)


class AlertFeed(KeyedTable):
    """The dashboard's alert feed."""

    DEFAULT_CSS = """
    AlertFeed > .alert-feed--sev1 { color: $text-error; text-style: bold; }
    AlertFeed > .alert-feed--sev2 { color: $warning-darken-1; text-style: bold; }
    AlertFeed > .alert-feed--sev3 { color: $text-primary; text-style: bold; }
    AlertFeed > .alert-feed--sev4 { text-style: bold; }
    AlertFeed > .alert-feed--sevx { text-style: dim; }
    AlertFeed > .alert-feed--resolved { text-style: dim; }
    AlertFeed > .alert-feed--source { text-style: dim; }
    AlertFeed > .alert-feed--firing { color: $text-error; }
    """

    COMPONENT_CLASSES = {
        "alert-feed--sev1",
        "alert-feed--sev2",
        "alert-feed--sev3",
        "alert-feed--sev4",
        "alert-feed--sevx",
        "alert-feed--resolved",
        "alert-feed--firing",
        "alert-feed--source",
    }

    COLUMNS = (
        ColumnSpec("seen", "Seen", 8),
        ColumnSpec("sev", "Sev", 4),
        ColumnSpec("what", "Alert"),
        ColumnSpec("count", TIMES, 4, "right"),
        ColumnSpec("status", "Status", 8),
    )
    FOLLOW_TOP = True
    # The alert column always as wide as the room left for it: sized to its widest
    # row, it narrowed and widened as a storm's rows came and went, and the count
    # and status columns moved sideways.
    FLEX_FILLS = True

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"alert-feed--{name}", partial=True)

    def row(self, alert: Alert, differing: tuple[str, ...] = (), pending: str = "") -> Cells:
        """The cells for one alert; ``differing`` names the labels to show (those that
        tell it apart from other alerts of the same name); ``pending`` (``silencing``,
        ``unsilencing``) is what this console sent that the hub has not answered yet."""
        resolved = alert.status == "resolved"
        muted = self._style("resolved") if resolved else Style()
        try:
            seen = parse_optional(alert.last_seen_at or alert.started_at)
        except ValueError:
            seen = None
        # The title first: in a narrow column it is what must stay readable.
        what = Text(end="", style=muted)
        what.append_text(safe_text(self.text_filter(alert.title), max_length=300))
        source = "/".join(part for part in (alert.pack, alert.agent) if part)
        if source:
            what.append(" · ")
            what.append_text(safe_text(source, self._style("source"), max_length=80))
        shown = " ".join(f"{key}={alert.labels[key]}" for key in differing if key in alert.labels)
        if shown:
            what.append(" · ")
            what.append_text(safe_text(shown, self._style("source"), max_length=120))
        # Silenced, inhibited and stale alerts still "fire" in Alertmanager's terms, but
        # nobody should act on them as if they were live.
        state = pending or alert.state
        status_style = self._style("firing" if state == "firing" else "resolved")
        return (
            Text(f"{seen:%H:%M:%S}" if seen else "--:--:--", style=muted, end=""),
            severity_badge(alert.severity, self._style(severity_class(alert.severity)[1:])),
            what,
            Text(f"{TIMES}{alert.repeat_count}", style=muted, end=""),
            safe_text(state, status_style, max_length=11),
        )

    def show_alerts(
        self, alerts: Sequence[Alert], pending: Mapping[str, str] | None = None
    ) -> None:
        """Show ``alerts`` (in :func:`feed_order`, one per fingerprint), at most ``FEED_LIMIT``;
        ``pending`` maps fingerprints to a silence this console has not delivered yet."""
        shown = alerts[:FEED_LIMIT]
        differing = differing_labels(shown)
        waiting = pending or {}
        self.sync(
            [
                (
                    alert.fingerprint,
                    self.row(
                        alert,
                        differing.get(alert_name(alert), ()),
                        waiting.get(alert.fingerprint, ""),
                    ),
                )
                for alert in shown
            ]
        )


# Labels the row already shows in other words.
_SHOWN_LABELS = frozenset({"alertname", "pack", "agent", "severity", "category"})


def alert_name(alert: Alert) -> str:
    """The ``alertname`` label, or the title when there is none."""
    return alert.labels.get("alertname", alert.title)


def differing_labels(alerts: Sequence[Alert]) -> dict[str, tuple[str, ...]]:
    """For each alert name held by more than one alert, the labels whose values differ
    between them (two instances of one alert must not look identical)."""
    by_name: dict[str, list[Alert]] = {}
    for alert in alerts:
        by_name.setdefault(alert_name(alert), []).append(alert)
    found: dict[str, tuple[str, ...]] = {}
    for name, group in by_name.items():
        if len(group) < 2:
            continue
        keys = sorted({key for alert in group for key in alert.labels} - _SHOWN_LABELS)
        found[name] = tuple(
            key for key in keys if len({alert.labels.get(key) for alert in group}) > 1
        )
    return found
