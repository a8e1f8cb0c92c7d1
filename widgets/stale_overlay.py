"""The STALE overlay: when the data stops, it covers the screen, with the data's age.

A wall is read by people who cannot see a small badge from across a room and
must not act on frozen numbers. While ``age`` is set the overlay covers every
other widget (its own layer, full size) and says how old the data is and since
when; ``None`` hides it.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from services.domain.timeutil import format_duration

__all__ = ["StaleOverlay", "stale_text"]


def stale_text(age_s: float | None, since: datetime | None) -> Text:
    """``STALE`` and the age of the data (``no data yet`` before any arrived)."""
    text = Text(justify="center", end="")
    text.append("STALE\n\n", style="bold")
    if age_s is None:
        text.append("no data from the hub yet")
    else:
        text.append(f"no data from the hub for {format_duration(age_s, 'words')}\n")
        if since is not None:
            text.append(f"last data at {since:%H:%M:%S} UTC\n")
        text.append("\nthe numbers behind this are frozen: do not act on them")
    return text


class StaleOverlay(Static):
    """Covers the screen while the data is stale (class ``-stale``)."""

    DEFAULT_CSS = """
    StaleOverlay {
        layer: overlay;
        dock: top;
        width: 100%;
        height: 100%;
        display: none;
        content-align: center middle;
        text-align: center;
        background: $error 85%;
        color: $text;
        text-style: bold;
    }
    StaleOverlay.-stale { display: block; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(markup=False, id=id)
        self._shown: str | None = None

    @property
    def showing(self) -> bool:
        """True while the overlay covers the screen."""
        return self.has_class("-stale")

    def show(self, stale: bool, age_s: float | None, since: datetime | None) -> None:
        """Cover the screen with the data's age while ``stale``; hide it otherwise."""
        self.set_class(stale, "-stale")
        if stale:
            text = stale_text(age_s, since)
            if text.plain != self._shown:
                self._shown = text.plain
                self.update(text)
