"""Request bodies decoded with their schemas (services/domain/api.py), refused as the
protocol says: a field of the wrong JSON type is 400 (``bad_request``); a field that
is missing, null, empty or not one of the allowed values is 422 (``invalid``). Both
name the field.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any, TypeVar

import msgspec

from services.domain.schema import SchemaError, convert
from services.hub.errors import BadRequest, Invalid

T = TypeVar("T")


def decode(body: dict[str, Any], kind: type[T], *, strict: bool = True) -> T:
    """``body`` (a JSON object) as ``kind``; :class:`BadRequest` or :class:`Invalid` if not.

    ``strict=False`` reads numbers and booleans from strings (a query string's values).
    """
    try:
        return convert(body, kind, strict=strict)
    except SchemaError as error:
        message = str(error) if error.path else f"body: {error}"
        if error.problem == "type":
            raise BadRequest(message) from None
        raise Invalid(message) from None


def decode_json(raw: bytes, kind: type[T], parse: Callable[[bytes], dict[str, Any]]) -> T:
    """A request body as ``kind``: the same answer as ``decode(parse(raw), kind)``, where
    ``parse`` reads (and checks) the body as a JSON object.

    A body that fits ``kind`` exactly, with no escape in it, is read in one pass by
    msgspec. Anything else (an error, an unknown field, a ``\\u`` escape that may hide
    a lone surrogate) takes the long way, so it is refused in exactly the same words.
    """
    if b"\\" not in raw:
        try:
            return _exact(kind).decode(raw)
        except msgspec.DecodeError:  # ValidationError too: the long way names it
            pass
    return decode(parse(raw), kind)


_EXACT: dict[type[Any], msgspec.json.Decoder[Any]] = {}


def _exact(kind: type[T]) -> msgspec.json.Decoder[T]:
    """A JSON decoder for ``kind`` (a msgspec Struct) refusing unknown fields: their
    values must still be checked (nesting, lone surrogates, numbers too large)."""
    decoder = _EXACT.get(kind)
    if decoder is None:
        strict = types.new_class(kind.__name__, (kind,), {"forbid_unknown_fields": True})
        decoder = _EXACT[kind] = msgspec.json.Decoder(strict)
    return decoder
