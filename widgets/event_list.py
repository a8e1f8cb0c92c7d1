"""A windowed list of event records: only the rows on screen are ever rendered.

The explorer may hold 100,000 records; a ``DataTable`` of that many rows costs
seconds to build and memory per cell. ``EventList`` is a ``ScrollView`` over a
plain list (the model's filtered result): its virtual height is the list's length
and ``render_line`` draws row ``scroll_y + y`` on demand, so showing a new filter
result or scrolling a page touches about one screenful of rows.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from services.console.events import EventRecord
from widgets.safe_text import safe_text

__all__ = ["EventList", "event_row"]


def event_row(record: EventRecord) -> Text:
    """One line: time, type, level, pack/agent, message (untrusted parts never markup)."""
    text = Text(f"{record.at:%m-%d %H:%M:%S} ", end="", no_wrap=True)
    text.append_text(safe_text(f"{record.type:<17.17}", "bold"))
    text.append(" ")
    text.append_text(safe_text(f"{record.level:<8.8}"))
    text.append(" ")
    source = "/".join(p for p in (record.pack, record.agent) if p)
    text.append_text(safe_text(f"{source:<24.24}", "dim"))
    text.append(" ")
    text.append_text(safe_text(record.message, max_length=300))
    return text


class EventList(ScrollView, can_focus=True):
    """Records, one per line; the cursor's record is announced as ``Highlighted``."""

    DEFAULT_CSS = """
    EventList { height: 1fr; }
    EventList > .event-list--cursor { background: $accent 40%; text-style: bold; }
    """
    COMPONENT_CLASSES = {"event-list--cursor"}
    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "move(-1_000_000_000)", "First", show=False),
        Binding("end", "move(1_000_000_000)", "Last", show=False),
    ]

    cursor: reactive[int] = reactive(0)
    """Index of the highlighted record in the shown list."""

    class Highlighted(Message):
        """The record under the cursor changed (``None``: the list is empty)."""

        def __init__(self, record: EventRecord | None) -> None:
            super().__init__()
            self.record = record

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.records: Sequence[EventRecord] = ()

    def show(self, records: Sequence[EventRecord]) -> None:
        """Show ``records`` (the model's filtered list; kept by reference, not copied)."""
        self.records = records
        self.virtual_size = Size(self.size.width, len(records))
        self.cursor = min(self.cursor, max(0, len(records) - 1))
        self.refresh()
        self.post_message(self.Highlighted(self.current))

    @property
    def current(self) -> EventRecord | None:
        """The record under the cursor."""
        return self.records[self.cursor] if self.records else None

    def watch_cursor(self, old: int, new: int) -> None:
        """Keep the cursor on screen and announce its record."""
        self.scroll_to_region(Region(0, new, 1, 1), animate=False, force=True)
        self.refresh()
        self.post_message(self.Highlighted(self.current))

    def action_move(self, delta: int) -> None:
        """Move the cursor by ``delta`` rows (clamped)."""
        if self.records:
            self.cursor = max(0, min(len(self.records) - 1, self.cursor + delta))

    def action_page(self, pages: int) -> None:
        """Move the cursor a screenful."""
        self.action_move(pages * max(1, self.size.height - 1))

    def render_line(self, y: int) -> Strip:
        """Row ``scroll_y + y``, rendered only now that it is on screen."""
        index = int(self.scroll_offset.y) + y
        width = self.size.width
        if index >= len(self.records):
            return Strip.blank(width, self.rich_style)
        line = event_row(self.records[index])
        style = (
            self.get_component_rich_style("event-list--cursor") if index == self.cursor else Style()
        )
        segments = [
            Segment(s.text, style + s.style if s.style else style)
            for s in line.render(self.app.console)
            if s.text != "\n"
        ]
        return Strip(segments).crop_extend(0, width, self.rich_style + style)
