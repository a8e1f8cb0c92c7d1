"""Border titles that touch the terminal only when their text changes.

Textual repaints a widget whenever ``border_title`` is assigned, even to the
text it already shows; a panel retitled on every clock tick costs a whole
panel's bytes a second over SSH.
"""

from __future__ import annotations

from textual.widget import Widget

__all__ = ["set_border_title"]


def set_border_title(widget: Widget, title: str) -> bool:
    """Give ``widget`` the border title ``title`` unless it already shows it; True if set."""
    current = widget.border_title
    if current is not None and str(current) == title:
        return False
    widget.border_title = title
    return True
