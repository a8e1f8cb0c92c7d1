"""Untrusted text made safe to show: never markup, never terminal escapes.

Alert titles, agent and pack names, notes, users and reasons come from other
machines and people. ``safe_text`` returns a ``rich.text.Text`` built from the
plain string (so ``[bold red]x[/]`` shows literally) after making every
control character visible: C0 controls become their Unicode "control
pictures" (``\\x1b`` → ``␛``), C1 controls and invisible format characters
(bidirectional overrides, zero-width spaces) become ``\\xNN`` / ``\\uNNNN``.
Escaping markup alone would still let ``\\x1b]52;…`` reach the terminal.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from rich.style import Style
from rich.text import Text

__all__ = ["make_visible", "safe_text"]

# Format characters that change how text around them is displayed or hide
# content (Unicode Cf, Zl, Zp): bidi overrides, zero-width joiners, BOM, line
# and paragraph separators.
_INVISIBLE_CATEGORIES = ("Cf", "Zl", "Zp")


@lru_cache(maxsize=512)
def _visible_char(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟ (␛ for ESC)
    if code == 0x7F:
        return "\u2421"  # ␡
    if 0x80 <= code <= 0x9F:
        return f"\\x{code:02x}"
    if unicodedata.category(char) in _INVISIBLE_CATEGORIES:
        return f"\\u{code:04x}"
    return char


def make_visible(value: object, *, keep_newlines: bool = False) -> str:
    """The string with every control or invisible format character made visible."""
    text = value if isinstance(value, str) else str(value)
    if text.isprintable():  # the common case: nothing to do
        return text
    out = []
    for char in text:
        if (char.isprintable() and char != "\x7f") or (keep_newlines and char == "\n"):
            out.append(char)
        else:
            out.append(_visible_char(char))
    return "".join(out)


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
