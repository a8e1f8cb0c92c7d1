"""Untrusted text made safe to show: PII redacted, never markup, never terminal escapes.

Alert titles, agent and pack names, notes, users and reasons come from other
machines and people. ``safe_text`` returns a ``rich.text.Text`` built from the
plain string (so ``[bold red]x[/]`` shows literally) after redacting PII and
making every control character visible with
:func:`services.domain.textsafe.make_visible` (``\\x1b`` → ``␛``, a bidi override
→ ``\\u202e``). Escaping markup alone would still let ``\\x1b]52;…`` reach the
terminal.

Redaction lives here, not in each widget, so that every render path shares one
filter (DESIGN.md "PII"): categories A and B unless the running app says
otherwise with :func:`set_redaction`. The filter is process-wide because one
process draws one console (or one wall); a widget drawn outside any app still
redacts, so the safe default is the one nobody has to remember.
"""

from __future__ import annotations

from functools import lru_cache

from rich.style import Style
from rich.text import Text

from services.domain.recent import RecentMemo
from services.domain.redaction import Redactor
from services.domain.textsafe import make_visible

__all__ = ["make_visible", "redaction_categories", "safe_text", "set_redaction", "shown"]

DEFAULT_CATEGORIES = frozenset({"A", "B"})


REDACT_MEMO_LOOKUPS = 4096


@lru_cache(maxsize=8)
def _redactor(categories: frozenset[str]) -> RecentMemo[str, str]:
    # Titles and names repeat on every redraw: each string on screen is scanned once.
    # Kept by recent use, not as the last 8192 distinct strings: a wall meets a few
    # new titles an hour, and such a cache went on filling with them for weeks.
    return RecentMemo(Redactor(categories).redact, REDACT_MEMO_LOOKUPS)


_categories: frozenset[str] = DEFAULT_CATEGORIES


def set_redaction(categories: frozenset[str]) -> None:
    """The PII categories every ``safe_text`` redacts from now on (A is always added)."""
    global _categories
    _categories = frozenset(categories) | {"A"}


def redaction_categories() -> frozenset[str]:
    """The categories redacted now."""
    return _categories


def shown(value: object, *, keep_newlines: bool = False) -> str:
    """``value`` as a plain string fit to show: PII redacted, control characters visible.

    For places that take a ``str`` rather than a ``Text`` (toasts, the clipboard,
    a text editor's content).
    """
    text = value if isinstance(value, str) else str(value)
    return make_visible(_redactor(_categories)(text), keep_newlines=keep_newlines)


def safe_text(
    value: object,
    style: str | Style = "",
    *,
    keep_newlines: bool = False,
    max_length: int | None = None,
) -> Text:
    """A ``Text`` of ``value`` shown literally: PII redacted, no markup, controls visible.

    ``max_length`` truncates (with an ellipsis) very long untrusted strings
    before they reach layout code.
    """
    plain = shown(value, keep_newlines=keep_newlines)
    if max_length is not None and len(plain) > max_length:
        plain = plain[: max(0, max_length - 1)] + "…"
    return Text(plain, style=style, no_wrap=not keep_newlines, overflow="ellipsis", end="")
