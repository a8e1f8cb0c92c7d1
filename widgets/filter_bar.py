"""The ``/`` filter line of a table, as in k9s and less.

``FilterBar.open_for(table)`` shows a one-line input under the panels and gives
it focus; each key narrows the table's rows (:meth:`KeyedTable.set_row_filter`)
and its title says ``/word``. Enter keeps the filter and returns to the table,
Escape clears it and returns. Leaving the line any other way keeps the filter.
"""

from __future__ import annotations

from textual import on
from textual.binding import Binding
from textual.widgets import Input

from widgets.keyed_table import KeyedTable
from widgets.titles import retitle

__all__ = ["FilterBar"]


class FilterBar(Input):
    """A one-line filter for the table in front; hidden until ``/``."""

    DEFAULT_CSS = """
    FilterBar, FilterBar:focus {
        display: none;
        height: 1;
        border: none;
        padding: 0 1;
        background: $boost;
    }
    """

    BINDINGS = [Binding("escape", "clear", "Clear filter", id="filter.clear")]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder="filter rows: type to narrow, ⏎ keeps, esc clears", id=id)
        self.target: KeyedTable | None = None
        """The table being filtered."""

    def open_for(self, table: KeyedTable) -> None:
        """Show the line with ``table``'s current filter and focus it."""
        self.target = table
        with self.prevent(Input.Changed):
            self.value = table.row_filter
        self.cursor_position = len(self.value)
        # Shown and focused at once, not on the next refresh: "/disk" typed in one
        # burst (a paste, a slow link) lands here whole.
        self.display = True
        self.screen.set_focus(self)

    def _close(self) -> None:
        self.display = False
        if self.target is not None:
            self.screen.set_focus(self.target)

    @on(Input.Changed)
    def _narrow(self, event: Input.Changed) -> None:
        event.stop()
        if self.target is not None:
            self.target.set_row_filter(event.value.strip())
            retitle(self.target)

    @on(Input.Submitted)
    def _keep(self, event: Input.Submitted) -> None:
        event.stop()
        self._close()

    def action_clear(self) -> None:
        """Escape: no filter, back to the table."""
        self.value = ""
        if self.target is not None:
            self.target.set_row_filter("")
            retitle(self.target)
        self._close()

    def on_blur(self) -> None:
        """Focus went elsewhere (a click): hide the line, keep the filter."""
        self.display = False

    def on_focus(self) -> None:
        """Focus came back (the terminal regained focus): the line shows again."""
        self.display = True
