"""The kill-switch screen's table: the global switch, then every pack.

Per row: the switch in words (``ON``, ``STOPPED``, ``held`` by the global
stop), agents running / total (running: not counted as stopped by the stop
rule, as the console's containment says), who changed it and when, and then this
console's latest action on it in its own state word (``REQUESTED``,
``APPLIED``, ``CONFIRMED all 6 agents stopped in 1.4 s``, ``UNKNOWN``…) or,
without one, the switch's reason. Who, why and names are untrusted text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from rich.style import Style
from rich.text import Text

from services.console.containment import Action, Phase
from services.console.state import PackSummary
from services.domain.models import GLOBAL, SwitchState
from services.domain.timeutil import parse_optional
from widgets.keyed_table import Cells, ColumnSpec, KeyedTable
from widgets.safe_text import safe_text

__all__ = ["KillswitchPanel"]

PHASE_CLASS = {
    Phase.REQUESTED: "pending",
    Phase.WAITING: "pending",
    Phase.APPLIED: "applied",
    Phase.CONFIRMED: "confirmed",
    Phase.UNKNOWN: "unknown",
    Phase.REFUSED: "unknown",
    Phase.EXPIRED: "unknown",
}


def _hhmmss(value: str | None) -> str:
    try:
        moment = parse_optional(value)
    except ValueError:
        return "?"
    return f"{moment:%H:%M:%S}" if moment else ""


class KillswitchPanel(KeyedTable):
    """Global switch first, then the packs in the hub's order; keyed ``global`` / ``pack:NAME``."""

    DEFAULT_CSS = """
    KillswitchPanel { height: auto; max-height: 1fr; }
    KillswitchPanel > .killswitch-panel--stopped {
        background: $error; color: $text; text-style: bold;
    }
    KillswitchPanel > .killswitch-panel--on { color: $text-success; }
    KillswitchPanel > .killswitch-panel--held { color: $text-warning; text-style: italic; }
    KillswitchPanel > .killswitch-panel--pending { color: $text-warning; text-style: bold; }
    KillswitchPanel > .killswitch-panel--applied { color: $text-primary; text-style: bold; }
    KillswitchPanel > .killswitch-panel--confirmed { color: $text-success; text-style: bold; }
    KillswitchPanel > .killswitch-panel--unknown { color: $text-error; text-style: bold reverse; }
    """

    COMPONENT_CLASSES = {
        "killswitch-panel--stopped",
        "killswitch-panel--on",
        "killswitch-panel--held",
        "killswitch-panel--pending",
        "killswitch-panel--applied",
        "killswitch-panel--confirmed",
        "killswitch-panel--unknown",
    }

    COLUMNS = (
        ColumnSpec("target", "Target", 11),
        ColumnSpec("switch", "Switch", 7),
        ColumnSpec("agents", "Run/All", 7, "right"),
        ColumnSpec("by", "By", 10),
        ColumnSpec("when", "When", 8),
        ColumnSpec("state", "Last action · why"),
    )

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text_filter: Callable[[str], str] = str

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"killswitch-panel--{name}", partial=True)

    def _switch_word(self, enabled: bool, held: bool) -> Text:
        if not enabled:
            return Text("STOPPED", style=self._style("stopped"), end="")
        if held:
            return Text("held", style=self._style("held"), end="")
        return Text("ON", style=self._style("on"), end="")

    def _state(self, action: Action | None, switch: SwitchState | None) -> Text:
        text = Text(end="")
        if action is not None:
            text.append(f"{action.verb} ", style="bold")
            text.append(action.phase.value, style=self._style(PHASE_CLASS[action.phase]))
            summary = action.summary()
            if summary:
                text.append(" ")
                text.append_text(safe_text(summary, max_length=200))
            return text
        if switch is not None and switch.reason:
            text.append_text(safe_text(self.text_filter(switch.reason), max_length=200))
            if switch.incident_id:
                text.append(" (")
                text.append_text(safe_text(switch.incident_id, max_length=20))
                text.append(")")
        return text

    def row(
        self,
        name: str,
        switch: SwitchState | None,
        running: int,
        total: int,
        held: bool,
        action: Action | None,
    ) -> Cells:
        """The cells of one target; a switch not known yet says so, never ``ON 0/0``."""
        by = safe_text(switch.changed_by or "", max_length=10) if switch else Text("", end="")
        when = Text(_hhmmss(switch.changed_at) if switch else "", end="")
        if switch is None and total == 0:
            word = Text("no data yet", style=self._style("held"), end="")
            counts = Text("?", end="")
        else:
            enabled = switch.enabled if switch is not None else True
            word = self._switch_word(enabled, held)
            counts = Text(f"{running}/{total}", end="")
        return (
            safe_text(name, "bold", max_length=11),
            word,
            counts,
            by,
            when,
            self._state(action, switch),
        )

    def show(
        self,
        global_switch: SwitchState | None,
        packs: Sequence[PackSummary],
        actions: Mapping[str, Action],
        running: Mapping[str, int],
        now: datetime,
    ) -> None:
        """Redraw from the state; ``actions`` maps a target to this console's latest action,
        ``running`` a target to its agents not counted as stopped."""
        del now  # the rows carry no live countdown
        engaged = global_switch is not None and not global_switch.enabled
        all_running = running.get(GLOBAL, 0)
        all_total = sum(p.total for p in packs)
        rows = [
            (
                GLOBAL,
                self.row(
                    "GLOBAL", global_switch, all_running, all_total, False, actions.get(GLOBAL)
                ),
            )
        ]
        for summary in packs:
            key = f"pack:{summary.pack}"
            cells = self.row(
                summary.pack,
                summary.switch,
                running.get(key, 0),
                summary.total,
                engaged,
                actions.get(key),
            )
            rows.append((key, cells))
        self.sync(rows)

    def selected_key(self) -> str | None:
        """The highlighted row's key (``global`` or ``pack:NAME``)."""
        return self._selected_key()

    def select(self, key: str) -> None:
        """Move the cursor to row ``key`` if it exists."""
        if key in self.keys:
            self.move_cursor(row=self.keys.index(key))
