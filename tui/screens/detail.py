"""A row in full: key/value lines of any model, every word of them, scrollable.

Tables cut text to fit; this screen is where a cut row can be read whole (an
agent with its state history and run ids, a timeline entry, a pack and its
agents). Values come from other machines, so every one is shown through
:func:`widgets.safe_text.safe_text` (no markup, control characters visible)
and wrapped, never truncated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import msgspec
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from services.domain.timeutil import show_time
from tui.messages import LiveStateWanted
from widgets.connection_bar import ConnectionBar
from widgets.fit_footer import FitFooter
from widgets.safe_text import safe_text

__all__ = ["DetailScreen", "model_rows", "value_text"]

Row = tuple[str, object]


def value_text(value: object) -> str:
    """One value as plain text: lists one item a line, mappings ``key=value`` a line."""
    if value is None or value == "":
        return "—"
    if isinstance(value, msgspec.Struct):
        value = msgspec.structs.asdict(value)
    if isinstance(value, Mapping):
        return "\n".join(f"{k}={value_text(v)}" for k, v in value.items()) or "—"
    if isinstance(value, list | tuple | set | frozenset):
        return "\n".join(value_text(v) for v in value) or "—"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def model_rows(model: msgspec.Struct, skip: Iterable[str] = ()) -> list[Row]:
    """Every field of ``model`` as (name, value) rows, in declaration order."""
    skipped = set(skip)
    return [
        (name, _shown(name, getattr(model, name)))
        for name in model.__struct_fields__
        if name not in skipped
    ]


def _shown(name: str, value: object) -> object:
    """A time field (``at``, ``changed_at``, ``opened_at``…) as a time, not RFC 3339."""
    if isinstance(value, str) and (name in ("at", "last_heartbeat") or name.endswith("_at")):
        return show_time(value)
    return value


class DetailScreen(Screen[None]):
    """One thing in full; up/down, page up/down, home/end scroll; escape goes back."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="detail.back"),
        Binding("q", "app.quit", "Quit", id="detail.quit"),
        Binding("question_mark", "app.help", "Help", id="detail.help"),
    ]

    DEFAULT_CSS = """
    DetailScreen #detail-body { border: round $primary; padding: 0 1; }
    DetailScreen #detail-text { width: 100%; }
    """

    def __init__(
        self, title: str, rows: Sequence[Row], text_filter: Callable[[str], str] | None = None
    ) -> None:
        super().__init__()
        self.text_filter = text_filter or (lambda text: text)
        """Applied to every value before display (PII redaction in ``--redact`` mode)."""
        self.heading = title
        """What this is (``Agent · seo-auditor``): the border's title."""
        self.rows = list(rows)
        """The (name, value) rows shown, in order."""

    def body(self) -> Text:
        """The rows as one text: each name padded to the longest, its value wrapped under."""
        width = max((len(name) for name, _ in self.rows), default=0)
        text = Text(end="")
        for index, (name, value) in enumerate(self.rows):
            if index:
                text.append("\n")
            text.append(f"{name:<{width}}  ", style="bold")
            lines = safe_text(self.text_filter(value_text(value)), keep_newlines=True).split("\n")
            for number, line in enumerate(lines):
                if number:
                    text.append("\n" + " " * (width + 2))
                text.append_text(line)
        return text

    def compose(self) -> ComposeResult:
        # The app keeps it current (LIVE / RECONNECTING / STALE), as on every screen.
        yield ConnectionBar(id="detail-conn")
        with VerticalScroll(id="detail-body"):
            yield Static(self.body(), id="detail-text", markup=False)
        yield FitFooter()

    def on_mount(self) -> None:
        body = self.query_one("#detail-body", VerticalScroll)
        body.border_title = safe_text(self.heading).plain
        body.focus()
        self.post_message(LiveStateWanted(self))

    def plain(self) -> str:
        """Everything shown, as plain text (what a test or a copy needs)."""
        return self.body().plain

    def action_back(self) -> None:
        """Back to the screen it was opened from."""
        self.dismiss()
