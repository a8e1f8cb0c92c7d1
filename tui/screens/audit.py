"""The hub's kill-switch audit (``GET /api/audit``), newest first, filterable by target.

Opened from the kill-switch screen with the selected row's target as the
filter; ``t`` toggles between that target and everything, ``R`` reloads.
Every field comes from the hub and is shown as literal text.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static

from services.console.hub_client import HubCallError
from tui.session import Session
from widgets.fit_footer import FitFooter
from widgets.safe_text import safe_text

__all__ = ["AuditScreen"]

COLUMNS = ("At (UTC)", "User", "Action", "Target", "Reason", "Incident", "Requested by")
LIMIT = 200


class AuditScreen(Screen[None]):
    """Audit records for ``target`` (``global``, ``pack:NAME``) or for everything."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="audit.back"),
        Binding("q", "app.quit", "Quit", id="audit.quit"),
        Binding("t", "toggle_filter", "All / this target", id="audit.toggle_filter"),
        Binding("R", "reload", "Reload", id="audit.reload"),
    ]
    # The footer's order and its labels at narrow widths (widgets/fit_footer.py).
    KEY_HINTS: ClassVar[dict[str, tuple[int, str]]] = {
        "audit.toggle_filter": (1, "Filter"),
        "audit.reload": (2, "Reload"),
        "audit.back": (3, "Back"),
        "audit.quit": (4, "Quit"),
    }

    def __init__(self, session: Session, target: str | None) -> None:
        super().__init__()
        self.session = session
        self.target = target
        self.filtered = target is not None
        self.records: list[dict[str, Any]] = []
        """The records last fetched (tests read them)."""
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Static(id="audit-status", markup=False)
        yield DataTable[Text](id="audit-table", cursor_type="row")
        yield FitFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        table.focus()
        self.action_reload()

    def action_back(self) -> None:
        """Back to the kill-switch screen."""
        self.dismiss(None)

    def action_toggle_filter(self) -> None:
        """Show only the target, or every record."""
        if self.target is not None:
            self.filtered = not self.filtered
            self.action_reload()

    def action_reload(self) -> None:
        """Fetch the records again."""
        self.fetch(self.target if self.filtered else None)

    @work(exclusive=True, group="audit", exit_on_error=False)
    async def fetch(self, target: str | None) -> None:
        """``GET /api/audit`` with the filter; a failure is said in the status line."""
        status = self.query_one("#audit-status", Static)
        try:
            async with self.session.hub() as hub:
                records = await hub.audit(target=target, limit=LIMIT)
        except HubCallError as error:
            status.update(Text(f"audit not available: {error}", end=""))
            return
        self.records = records
        self.loaded = True
        what = target or "all targets"
        status.update(Text(f"Kill-switch audit · {what} · {len(records)} records", end=""))
        table = self.query_one(DataTable)
        table.clear()
        for record in records:
            table.add_row(
                *(
                    safe_text(record.get(field) or "", max_length=60)
                    for field in (
                        "at",
                        "user",
                        "action",
                        "target",
                        "reason",
                        "incident_id",
                        "requested_by",
                    )
                ),
                key=str(record.get("id")),
            )
