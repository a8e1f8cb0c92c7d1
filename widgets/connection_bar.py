"""The top line: connection state, who is connected to which hub, and the hub's clock.

``LIVE``, ``RECONNECTING (3)``, ``STALE 48 s``, ``RESYNCED`` or
``UNAUTHORIZED`` on the left (its class, ``-live``, ``-stale``…, selects the
colour, but the words alone say it), then the stream's anomaly counters when
any is nonzero and the last error (these give way on a narrow terminal), then
``user@hub`` and ``HH:MM:SS UTC``.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Static

from services.console.state import ConnectionView
from widgets.safe_text import make_visible, safe_text

__all__ = ["ConnectionBar"]

KINDS = ("connecting", "live", "resynced", "reconnecting", "stale", "unauthorized")


class ConnectionBar(Horizontal):
    """One line: state badge, detail, counters, user@hub, hub clock."""

    DEFAULT_CSS = """
    ConnectionBar { height: 1; width: 1fr; background: $panel; }
    ConnectionBar > #conn-state { text-style: bold; min-width: 8; }
    /* The middle gives way first: the state and the clock must always show. */
    ConnectionBar > #conn-counters { width: auto; max-width: 30; color: $text-warning; }
    ConnectionBar > #conn-detail { width: 1fr; color: $text-muted; }
    ConnectionBar Static { width: auto; height: 1; padding: 0 1; }
    ConnectionBar > #conn-right { dock: right; width: auto; height: 1; }
    ConnectionBar #conn-who { max-width: 30; }
    ConnectionBar #conn-clock { text-style: bold; }
    ConnectionBar.-live > #conn-state { background: $success; color: $text; }
    ConnectionBar.-resynced > #conn-state { background: $accent; color: $text; }
    ConnectionBar.-connecting > #conn-state { background: $primary; color: $text; }
    ConnectionBar.-reconnecting > #conn-state { background: $warning; color: $text; }
    ConnectionBar.-stale > #conn-state { background: $error; color: $text; }
    ConnectionBar.-unauthorized > #conn-state { background: $error; color: $text; }
    """

    kind: reactive[str] = reactive("connecting")
    """The connection's kind (live, stale, …); becomes the ``-kind`` class."""

    who: reactive[str] = reactive("")
    """``user@hub`` (or just the hub before the user is known)."""

    _label = "CONNECTING"

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._shown: dict[str, tuple[str, str, tuple[object, ...]]] = {}

    def compose(self) -> ComposeResult:
        yield Static(Text(self._label), id="conn-state")
        yield Static(id="conn-counters")
        yield Static(id="conn-detail")
        # Docked right: however narrow the terminal, the middle gives way first.
        with Horizontal(id="conn-right"):
            yield Static(id="conn-who")
            yield Static(Text("--:--:-- UTC"), id="conn-clock")

    def on_mount(self) -> None:
        self.watch_kind(self.kind)

    def watch_kind(self, kind: str) -> None:
        """Move the ``-kind`` class to the new kind."""
        self.remove_class(*(f"-{k}" for k in KINDS))
        self.add_class(f"-{kind}")

    def watch_who(self, who: str) -> None:
        """Show who is connected where (untrusted: shown literally).

        Not redacted here: ``user@host`` would read as an e-mail address; the app
        redacts the user's part before it joins it to the hub's address."""
        if self.is_mounted:
            who = make_visible(who)
            who = who if len(who) <= 40 else who[:39] + "…"
            self.query_one("#conn-who", Static).update(Text(who, no_wrap=True, end=""))

    @property
    def label(self) -> str:
        """The state word(s) shown: ``LIVE``, ``STALE 48 s``…"""
        return self._label

    def show(self, view: ConnectionView, hub_clock: str, counters: dict[str, int]) -> None:
        """Show the connection ``view``, the hub's clock and nonzero anomaly counters."""
        self._label = view.label
        self.kind = view.kind
        if not self.query("#conn-clock"):
            return  # a screen drawing on mount, before this bar's own children are
        self._put("#conn-state", Text(view.label))
        self._put("#conn-detail", safe_text(view.detail, max_length=200))
        parts = [f"{name} {value}" for name, value in counters.items()]
        self._put("#conn-counters", Text(" · ".join(parts), no_wrap=True, overflow="ellipsis"))
        # The clock keeps its width from second to second: no layout pass needed.
        self._put("#conn-clock", Text(hub_clock))

    def _put(self, selector: str, text: Text) -> None:
        """Update one part only when its text or style changed: every update repaints it,
        and over SSH a ticking second should cost the clock's few bytes, not the bar's."""
        signature = (text.plain, str(text.style), tuple(text.spans))
        before = self._shown.get(selector)
        if before == signature:
            return
        self._shown[selector] = signature
        same_width = before is not None and cell_len(before[0]) == text.cell_len
        self.query_one(selector, Static).update(text, layout=not same_width)
