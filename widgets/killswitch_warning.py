"""The 30-second rule, loud: agents of a stopped pack still running after the deadline.

Hidden while there is nothing to say; otherwise a full-width banner (in words,
not only colour) that stays until the agents are seen stopped or the switch is
re-enabled — never a toast that vanishes.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from services.console.containment import Violation
from widgets.safe_text import safe_text

__all__ = ["KillswitchWarning"]

HEADLINE = "30 s RULE BROKEN"


class KillswitchWarning(Static):
    """Shown only while some stopped target still has agents running past the deadline."""

    DEFAULT_CSS = """
    KillswitchWarning {
        display: none; width: 1fr; height: auto; padding: 0 1;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    KillswitchWarning.-violated { display: block; }
    """

    violated: reactive[bool] = reactive(False)
    """True while there is a violation; toggles the ``-violated`` class."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self._shown: tuple[str, ...] = ()

    def watch_violated(self, violated: bool) -> None:
        """Show or hide the banner."""
        self.set_class(violated, "-violated")

    def show(self, violations: Sequence[Violation]) -> None:
        """Show ``violations`` (redrawn only when their text changes)."""
        lines = tuple(v.text() for v in violations)
        if lines != self._shown:
            self._shown = lines
            # One line per violation: at 80x24 every row of the dashboard counts.
            text = Text(end="", no_wrap=True, overflow="ellipsis")
            for index, line in enumerate(lines):
                if index:
                    text.append("\n")
                text.append(f"⚠ {HEADLINE}: ", style="bold")
                text.append_text(safe_text(line, max_length=300))
            self.update(text)
        self.violated = bool(lines)
