"""Request bodies decoded with their schemas (services/domain/api.py), refused as the
protocol says: a field of the wrong JSON type is 400 (``bad_request``); a field that
is missing, null, empty or not one of the allowed values is 422 (``invalid``). Both
name the field.
"""

from __future__ import annotations

from typing import Any, TypeVar

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
