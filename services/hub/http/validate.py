"""Reading fields of a JSON request body, with the protocol's two kinds of refusal.

A field of the wrong JSON type is 400 (``bad_request``); a field that is missing,
empty or not one of the allowed values is 422 (``invalid``). Both name the field.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.hub.errors import BadRequest, Invalid

_MISSING = object()


def text(body: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    """A string field; required ones must be non-empty (after trimming spaces)."""
    value = body.get(name, _MISSING)
    if value is _MISSING or value is None:
        if required:
            raise Invalid(f"{name}: required")
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{name}: expected a string, got {_kind(value)}")
    if required and not value.strip():
        raise Invalid(f"{name}: must not be empty")
    return value


def required_text(body: dict[str, Any], name: str) -> str:
    """A required, non-empty string field."""
    value = text(body, name)
    assert value is not None
    return value


def choice(body: dict[str, Any], name: str, allowed: Sequence[str]) -> str:
    """A required string field that must be one of ``allowed``."""
    value = required_text(body, name)
    if value not in allowed:
        raise Invalid(f"{name}: {value!r:.40} is not one of {', '.join(allowed)}")
    return value


def boolean(body: dict[str, Any], name: str) -> bool:
    """A required boolean field."""
    value = body.get(name, _MISSING)
    if value is _MISSING or value is None:
        raise Invalid(f"{name}: required")
    if not isinstance(value, bool):
        raise BadRequest(f"{name}: expected true or false, got {_kind(value)}")
    return value


def number(body: dict[str, Any], name: str, default: float = 0.0) -> float:
    """An optional non-negative number field."""
    value = body.get(name, _MISSING)
    if value is _MISSING or value is None:
        return default
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise BadRequest(f"{name}: expected a number, got {_kind(value)}")
    if value < 0 or value != value or value in (float("inf"), float("-inf")):
        raise Invalid(f"{name}: must be a finite number >= 0")
    return float(value)


def text_list(body: dict[str, Any], name: str) -> list[str] | None:
    """An optional list of non-empty strings."""
    value = body.get(name, _MISSING)
    if value is _MISSING or value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise BadRequest(f"{name}: expected a list of strings")
    if not all(item.strip() for item in value):
        raise Invalid(f"{name}: items must not be empty")
    return list(value)


def _kind(value: Any) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean"}
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "number"
    return names.get(type(value), type(value).__name__)
