"""The live alert feed: newest first, one row per fingerprint with a repeat count.

Each row: when last seen, severity badge, title · pack/agent, repeat count,
firing/resolved. A repeat of a firing alert bumps its count and moves it to
the top; it never adds a row. Resolved alerts stay, dimmed.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.text import Text

from services.domain.models import Alert
from services.domain.timeutil import parse_optional
from widgets.keyed_table import Cells, ColumnSpec, KeyedTable
from widgets.safe_text import safe_text
from widgets.severity_badge import severity_badge, severity_class

__all__ = ["FEED_LIMIT", "AlertFeed"]

# Rows shown; the state keeps more. A screen cannot show hundreds anyway, and
# diffing a bounded table keeps a storm cheap.
FEED_LIMIT = 200
TIMES = "\u00d7"  # the multiplication sign of "x3"


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

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"alert-feed--{name}", partial=True)

    def row(self, alert: Alert) -> Cells:
        """The cells for one alert."""
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
        status_style = self._style("resolved" if resolved else "firing")
        return (
            Text(f"{seen:%H:%M:%S}" if seen else "--:--:--", style=muted, end=""),
            severity_badge(alert.severity, self._style(severity_class(alert.severity)[1:])),
            what,
            Text(f"{TIMES}{alert.repeat_count}", style=muted, end=""),
            safe_text(alert.status, status_style, max_length=10),
        )

    def show_alerts(self, alerts: Sequence[Alert]) -> None:
        """Show ``alerts`` (newest first, one per fingerprint), at most ``FEED_LIMIT``."""
        self.sync([(alert.fingerprint, self.row(alert)) for alert in alerts[:FEED_LIMIT]])
