"""Decoding untrusted data with msgspec, and errors that name the bad field.

Every boundary (stream frames, request bodies, TOML configs, the policy) decodes
with :func:`convert` and turns :class:`SchemaError` into its own error class.
msgspec's messages name the path (``$.packs[0]``) but not a dict's key
(``$.labels[...]``) nor a closed set's choices; :func:`explain` fills both in, so
a person reads ``category_severity.pii_exposure: 'SEV9' is not one of ...``.
"""

from __future__ import annotations

import os
import re
import tomllib
import types
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

import msgspec

T = TypeVar("T")

# What a string that misses a pattern means, by its regex: msgspec would quote the regex.
_PATTERNS: dict[str, str] = {}


def described(regex: str, message: str) -> str:
    """``regex``, for ``msgspec.Meta(pattern=...)``; a mismatch reads ``message``."""
    _PATTERNS[f"Expected `str` matching regex {regex!r}"] = message
    return regex


# A string with something in it besides spaces: a reason, a title, a note.
Text = Annotated[str, msgspec.Meta(pattern=described(r"\S", "must not be empty"))]
_WRONG_TYPE = re.compile(r"^Expected `[^`]+`, got `(?P<got>[^`]+)`$")

_AT = re.compile(r"^(?P<msg>.*?)(?: - at `(?:(?P<key>key)` in `)?\$(?P<path>[^`]*)`)?$", re.S)
_SEGMENT = re.compile(r"\.([^.\[]+)|\[(\d+|\.\.\.)\]")
_FIELD = re.compile(r"^Object (?:contains unknown|missing required) field `(?P<name>[^`]+)`$")


Problem = Literal["type", "missing", "unknown", "value"]


class SchemaError(ValueError):
    """Data that does not fit its schema: ``path`` is the dotted key path ('' for the root).

    ``problem`` says what kind: a value of the wrong JSON ``type``, a ``missing``
    (or null) required field, an ``unknown`` field, or a ``value`` of the right type
    that is not allowed (out of range, not one of a closed set, blank).
    """

    def __init__(self, path: str, message: str, problem: Problem = "value") -> None:
        self.path = path
        self.message = message
        self.problem = problem
        super().__init__(f"{path}: {message}" if path else message)


class TomlFileError(ValueError):
    """A TOML file that cannot be read or parsed; the message starts with its path."""


def read_toml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The tables of the TOML file at ``path``; every config and data file reads this way.

    Raises :class:`TomlFileError` (``FILE: cannot read: …`` / ``FILE: not valid TOML: …``),
    which each caller turns into its own error class.
    """
    source = str(path)
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise TomlFileError(f"{source}: cannot read: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise TomlFileError(f"{source}: not UTF-8: {error.reason}") from None
    except tomllib.TOMLDecodeError as error:
        raise TomlFileError(f"{source}: not valid TOML: {error}") from None


def convert(data: Any, kind: type[T], *, strict: bool = True) -> T:
    """``data`` (JSON or TOML builtins) as ``kind``, or :class:`SchemaError` naming the field."""
    try:
        return msgspec.convert(data, kind, strict=strict)
    except msgspec.ValidationError as error:
        raise explain(error, data, kind) from None


def explain(error: msgspec.ValidationError, data: Any, kind: Any) -> SchemaError:
    """msgspec's ``error`` for ``data`` as ``kind``, with dict keys and choices spelt out."""
    match = _AT.match(str(error))
    assert match is not None  # the pattern matches any text
    message, path = match["msg"], match["path"] or ""
    segments = _resolve(_SEGMENT.findall(path), data, kind)
    field = _FIELD.match(message)
    wrong_type = _WRONG_TYPE.match(message)
    problem: Problem = "value"
    if wrong_type is not None and wrong_type["got"] == "null":
        problem, message = "missing", "must not be null"
    elif wrong_type is not None:
        problem = "type"
    if match["key"]:
        # A dict key not allowed: name it in the path, and list the keys that are.
        args = get_args(_unwrap(_type_at(kind, segments)))
        key_type = args[0] if args else str
        segments.append(_failing_key(_at(data, segments), key_type, keys=True))
        values = _literal_values(key_type)
        known = ", ".join(str(v) for v in values)
        message = f"unknown key (expected one of: {known})" if values else message
    elif field is not None:
        # Name the field itself, so "escalation.no_progres_minutes" is the path.
        owner = _unwrap(_type_at(kind, segments))
        segments.append(field["name"])
        problem = "unknown" if "unknown" in message else "missing"
        if problem == "unknown":
            known = (
                ", ".join(f.encode_name for f in msgspec.structs.fields(owner))
                if _is_struct(owner)
                else ""
            )
            message = f"unknown key (expected one of: {known})" if known else "unknown key"
        else:
            message = "required field missing"
    elif message in _PATTERNS:
        message = _PATTERNS[message]
    else:
        message = _choices_message(message, _type_at(kind, segments))
    return SchemaError(_format(segments), message, problem)


def _choices_message(message: str, where: Any) -> str:
    """msgspec's "Invalid enum value 'x'" as "'x' is not one of 'a', 'b'"."""
    values = _literal_values(where)
    found = re.match(r"^Invalid enum value (?P<value>.*)$", message)
    if found is None or not values:
        return message
    return f"{found['value']} is not one of {', '.join(repr(v) for v in values)}"


def _resolve(found: list[tuple[str, str]], data: Any, kind: Any) -> list[str | int]:
    """Path segments, with each ``[...]`` (a dict's value) replaced by the failing key."""
    segments: list[str | int] = []
    for name, index in found:
        if name:
            segments.append(name)
        elif index.isdigit():
            segments.append(int(index))
        else:
            segments.append(_failing_key(_at(data, segments), _type_at(kind, segments)))
    return segments


def _failing_key(mapping: Any, kind: Any, *, keys: bool = False) -> str:
    """The first key of ``mapping`` that (``keys``) or whose value does not fit ``kind``.

    ``kind`` is the key type itself with ``keys``, else the dict's type.
    """
    if not keys:
        args = get_args(_unwrap(kind))
        kind = args[1] if len(args) == 2 else Any
    if not isinstance(mapping, dict):
        return "..."
    for key, value in mapping.items():
        try:
            msgspec.convert(key if keys else value, kind)
        except msgspec.ValidationError:
            return str(key)
    return "..."


def _at(data: Any, segments: list[str | int]) -> Any:
    for segment in segments:
        try:
            data = data[segment]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _type_at(kind: Any, segments: list[str | int]) -> Any:
    """The declared type at ``segments`` inside ``kind`` (``Any`` when it cannot be told)."""
    for segment in segments:
        kind = _unwrap(kind)
        if _is_struct(kind):
            fields = {f.encode_name: f.type for f in msgspec.structs.fields(kind)}
            kind = fields.get(str(segment), Any)
        elif get_origin(kind) in (list, tuple, set, frozenset):
            kind = get_args(kind)[0] if get_args(kind) else Any
        elif get_origin(kind) is dict:
            kind = get_args(kind)[1] if get_args(kind) else Any
        else:
            return Any
    return kind


def _unwrap(kind: Any) -> Any:
    """``Annotated[X, ...]`` → X; ``X | None`` → X (the one non-None arm)."""
    while True:
        if get_origin(kind) is Annotated:
            kind = get_args(kind)[0]
        elif get_origin(kind) in (Union, types.UnionType):
            arms = [a for a in get_args(kind) if a is not type(None)]
            if len(arms) != 1:
                return kind
            kind = arms[0]
        else:
            return kind


def _literal_values(kind: Any) -> tuple[Any, ...]:
    kind = _unwrap(kind)
    return get_args(kind) if get_origin(kind) is Literal else ()


def _is_struct(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, msgspec.Struct)


def _format(segments: list[str | int]) -> str:
    text = ""
    for segment in segments:
        text += f"[{segment}]" if isinstance(segment, int) else f".{segment}"
    return text.lstrip(".")
