"""Untrusted JSON, checked before anything looks inside it.

Two things a client can send that a JSON parser accepts and the rest of the system
cannot live with: a string holding a lone surrogate (``"\\ud800"`` is valid JSON,
but no UTF-8 encoder will write it: stored, it made every later write fail), and
nesting so deep that any recursive code (a parser, a validator, an encoder)
overflows the stack. :func:`load` refuses both with a message that names where.
"""

from __future__ import annotations

import json
import math
from typing import Any

# Nothing warroom accepts is nested deeper than a few levels (an Alertmanager
# webhook is 4); 32 leaves room and stays far below Python's recursion limit.
MAX_DEPTH = 32


class UnsafeJSON(ValueError):
    """Not acceptable JSON; the message names the place (``$.alerts[0].labels.x``)."""


class NotJSON(UnsafeJSON):
    """Not JSON at all (or not UTF-8)."""


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def load(raw: str | bytes, max_depth: int = MAX_DEPTH) -> Any:
    """Parse ``raw`` (UTF-8) as JSON and :func:`check` it; raises :class:`UnsafeJSON`."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        data = json.loads(text, parse_constant=_no_constants)
    except UnicodeDecodeError as error:
        raise NotJSON(f"not UTF-8: {error.reason} at byte {error.start}") from None
    except RecursionError:
        raise UnsafeJSON(f"nested deeper than {max_depth} levels") from None
    except ValueError as error:
        raise NotJSON(f"not valid JSON: {error}") from None
    check(data, max_depth)
    return data


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check(data: Any, max_depth: int = MAX_DEPTH) -> None:
    """Raise :class:`UnsafeJSON` if ``data`` nests deeper than ``max_depth``, any string
    (key or value) holds a lone surrogate, or a number overflowed to infinity
    (``1e999``). Iterative: it cannot overflow itself."""
    stack: list[tuple[Any, str, int]] = [(data, "$", 0)]
    while stack:
        value, where, depth = stack.pop()
        if isinstance(value, str):
            if _has_surrogate(value):
                raise UnsafeJSON(f"{where}: holds a lone surrogate (not text)")
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise UnsafeJSON(f"{where}: a number too large for a float")
        elif isinstance(value, dict | list):
            if depth >= max_depth:
                raise UnsafeJSON(f"{where}: nested deeper than {max_depth} levels")
            if isinstance(value, dict):
                for key, item in value.items():
                    if isinstance(key, str) and _has_surrogate(key):
                        raise UnsafeJSON(f"{where}: a key holds a lone surrogate (not text)")
                    stack.append((item, f"{where}.{key}", depth + 1))
            else:
                stack.extend((item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value))
