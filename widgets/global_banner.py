"""The banner that cannot be missed while the global kill switch is engaged.

Hidden unless ``engaged``; then full width and loud, in words as well as
colour: ``GLOBAL KILL SWITCH ENGAGED — all agent execution stopped — by X at
T: reason``. Who and why come from the hub and are shown literally.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from services.domain.models import SwitchState
from services.domain.timeutil import parse_optional
from widgets.safe_text import safe_text

__all__ = ["GlobalBanner", "banner_text"]

HEADLINE = "GLOBAL KILL SWITCH ENGAGED"


def banner_text(switch: SwitchState, text_filter: Callable[[str], str] = str) -> Text:
    """The banner's text for an engaged global switch (``text_filter`` on the reason)."""
    text = Text(end="")
    text.append(f"■ {HEADLINE} ■", style="bold")
    text.append(" — all agent execution stopped")
    if switch.changed_by:
        text.append(" — by ")
        text.append_text(safe_text(switch.changed_by, max_length=60))
    try:
        changed_at = parse_optional(switch.changed_at)
    except ValueError:
        changed_at = None
    if changed_at is not None:
        text.append(f" at {changed_at:%H:%M:%S} UTC")
    if switch.reason:
        text.append(": ")
        text.append_text(safe_text(text_filter(switch.reason), max_length=300))
    if switch.incident_id:
        text.append(" (")
        text.append_text(safe_text(switch.incident_id, max_length=40))
        text.append(")")
    return text


class GlobalBanner(Static):
    """Full-width banner, shown only while the global switch stops everything."""

    DEFAULT_CSS = """
    GlobalBanner { display: none; width: 1fr; height: auto; padding: 0 1; }
    GlobalBanner.-engaged { display: block; background: $error; color: $text; }
    """

    engaged: reactive[bool] = reactive(False)
    """True while the global kill switch is engaged; toggles the ``-engaged`` class."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.text_filter: Callable[[str], str] = str
        """Applied to the reason before display, e.g. PII redaction."""

    def watch_engaged(self, engaged: bool) -> None:
        """Show or hide the banner."""
        self.set_class(engaged, "-engaged")

    def show_switch(self, switch: SwitchState | None) -> None:
        """Show the banner for ``switch`` if it is engaged, hide it otherwise."""
        engaged = switch is not None and not switch.enabled
        if switch is not None and engaged:
            self.update(banner_text(switch, self.text_filter))
        self.engaged = engaged
