"""The runbook, offline: a scrollable Markdown view of the hub's runbook text, or of the
copy shipped with warroom when there is no hub (``R`` on the dashboard and incidents).

Opened from an incident it starts at the incident's step. The text may come from a
hub, so it is shown by :class:`widgets.safe_markdown.SafeMarkdownViewer`: no link
acts, no markup applies.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer

from widgets.safe_markdown import SafeMarkdownViewer

__all__ = ["RunbookView"]


class RunbookView(Screen[None]):
    """The runbook's text; up/down, page up/down, home/end scroll; escape goes back."""

    BINDINGS = [
        Binding("escape,q", "back", "Back", id="runbook.back"),
    ]

    def __init__(self, markdown: str, heading: str | None = None) -> None:
        super().__init__()
        self.markdown = markdown
        self.heading = heading
        """The heading to start at (the incident's step), if any."""

    def compose(self) -> ComposeResult:
        yield SafeMarkdownViewer(self.markdown, start_at=self.heading, id="runbook-viewer")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(SafeMarkdownViewer).document.focus()

    def action_back(self) -> None:
        """Back to the screen it was opened from."""
        self.dismiss()
