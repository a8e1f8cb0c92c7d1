"""warroom's theme: Textual's dark theme with an alarm red.

Textual's ``$error`` (``#ba3c5b``) is a muted raspberry; beside ``$warning``'s
bright orange a SEV1 read as the *quieter* of the two from across a room. Here
``$error`` is a saturated red, the loudest colour on screen, and SEV2 badges use
a darker amber (``$warning-darken-2``): SEV1 outshouts SEV2 in colour as well as
in words.
"""

from __future__ import annotations

from textual.theme import Theme

__all__ = ["WARROOM_THEME"]

WARROOM_THEME = Theme(
    name="warroom",
    primary="#0178D4",
    secondary="#004578",
    warning="#ffa62b",
    error="#e8101c",
    success="#4EBF71",
    accent="#ffa62b",
    foreground="#e0e0e0",
    dark=True,
)
