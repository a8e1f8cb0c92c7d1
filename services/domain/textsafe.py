"""Untrusted text made safe for a terminal: every control character made visible.

Alert titles, agent and pack names, notes, users and reasons come from other
machines and people. C0 controls become their Unicode "control pictures"
(``\\x1b`` → ``␛``), C1 controls and invisible format characters
(bidirectional overrides, zero-width spaces) become ``\\xNN`` / ``\\uNNNN``, so
``\\x1b]52;…`` can never reach a terminal — not the console's, not the CLI's,
not the hub's log. The console wraps this in ``widgets.safe_text`` (no markup).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

__all__ = ["make_visible"]

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
