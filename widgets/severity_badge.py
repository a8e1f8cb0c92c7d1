"""Severity badges that differ in text, not only in colour.

On a 16-colour terminal or with ``NO_COLOR`` a red SEV1 and an orange SEV2
look the same; the badge's text (``SEV1``…``SEV4``) always tells them apart.
``severity_badge`` gives a ``Text`` for table cells; ``SeverityBadge`` is the
widget form, whose ``-sev1``… class carries the colour.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from services.domain.models import SEVERITIES

__all__ = ["SeverityBadge", "severity_badge", "severity_class"]

UNKNOWN_LABEL = "SEV?"
_CLASSES = (*(f"-{sev.lower()}" for sev in SEVERITIES), "-sevx")


def severity_label(severity: str) -> str:
    """``SEV1``…``SEV4``, or ``SEV?`` for anything the protocol does not define."""
    return severity if severity in SEVERITIES else UNKNOWN_LABEL


def severity_class(severity: str) -> str:
    """The CSS class for a severity: ``-sev1``…``-sev4``, ``-sevx`` when unknown."""
    return f"-{severity.lower()}" if severity in SEVERITIES else "-sevx"


def severity_badge(severity: str, style: str | Style = "") -> Text:
    """A table-cell badge: the severity's text, with the caller's (themed) style."""
    return Text(severity_label(severity), style=style, end="")


class SeverityBadge(Static):
    """A one-line severity badge; its class (``-sev1``…) selects the colour."""

    DEFAULT_CSS = """
    SeverityBadge { width: auto; height: 1; padding: 0 1; text-style: bold; }
    SeverityBadge.-sev1 { background: $error; color: $text; text-style: bold; }
    SeverityBadge.-sev2 { background: $warning-darken-2; color: $text; }
    SeverityBadge.-sev3 { background: $primary; color: $text; }
    SeverityBadge.-sev4 { background: $panel; color: $text; }
    SeverityBadge.-sevx { background: $panel; color: $text-muted; }
    """

    severity: reactive[str] = reactive("SEV4")
    """The severity shown (``SEV1``…``SEV4``)."""

    def __init__(self, severity: str = "SEV4", *, id: str | None = None) -> None:
        super().__init__(severity_label(severity), id=id, markup=False)
        self.set_reactive(SeverityBadge.severity, severity)

    def on_mount(self) -> None:
        self.watch_severity(self.severity)

    def watch_severity(self, severity: str) -> None:
        """Show the new severity and move the colour class to it."""
        self.remove_class(*_CLASSES)
        self.add_class(severity_class(severity))
        self.update(Text(severity_label(severity)))
