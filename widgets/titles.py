"""Border titles that touch the terminal only when their text changes.

Textual repaints a widget whenever ``border_title`` is assigned, even to the
text it already shows; a panel retitled on every clock tick costs a whole
panel's bytes a second over SSH. A table filtered with ``/`` says so in its
title (``Alerts · 4 · 3 firing /disk``).
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from textual.widget import Widget

__all__ = ["retitle", "set_border_title"]

_TITLES: WeakKeyDictionary[Widget, str] = WeakKeyDictionary()


def set_border_title(widget: Widget, title: str) -> bool:
    """Give ``widget`` the border title ``title`` (and its ``/filter`` if it has one)
    unless it already shows it; True if set."""
    _TITLES[widget] = title
    needle = getattr(widget, "row_filter", "")
    if needle:
        title = f"{title} /{needle}"
    current = widget.border_title
    if current is not None and str(current) == title:
        return False
    widget.border_title = title
    return True


def retitle(widget: Widget) -> None:
    """Set ``widget``'s last title again (its filter changed)."""
    set_border_title(widget, _TITLES.get(widget, str(widget.border_title or "")))
