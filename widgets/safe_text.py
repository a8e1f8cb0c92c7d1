"""Untrusted text made safe to show: never markup, never terminal escapes.

Alert titles, agent and pack names, notes, users and reasons come from other
machines and people. ``safe_text`` returns a ``rich.text.Text`` built from the
plain string (so ``[bold red]x[/]`` shows literally) after making every
control character visible with :func:`services.domain.textsafe.make_visible`
(``\\x1b`` → ``␛``, a bidi override → ``\\u202e``). Escaping markup alone
would still let ``\\x1b]52;…`` reach the terminal.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

from services.domain.textsafe import make_visible

__all__ = ["make_visible", "safe_text"]


def safe_text(
    value: object,
    style: str | Style = "",
    *,
    keep_newlines: bool = False,
    max_length: int | None = None,
) -> Text:
    """A ``Text`` of ``value`` shown literally: no markup, control characters visible.

    ``max_length`` truncates (with an ellipsis) very long untrusted strings
    before they reach layout code.
    """
    plain = make_visible(value, keep_newlines=keep_newlines)
    if max_length is not None and len(plain) > max_length:
        plain = plain[: max(0, max_length - 1)] + "…"
    return Text(plain, style=style, no_wrap=not keep_newlines, overflow="ellipsis", end="")
