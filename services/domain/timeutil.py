"""Time helpers shared by the hub and the console.

Every timestamp on the wire is RFC 3339 in UTC with millisecond precision and a
``Z`` suffix. Inside the program times are timezone-aware ``datetime`` objects;
rules that depend on the time take ``now`` as an argument so tests can freeze it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Literal

Clock = Callable[[], datetime]

# Alertmanager marks a firing alert's end with the zero time; it is not an end time.
ZERO_TIME = "0001-01-01T00:00:00Z"


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def to_rfc3339(moment: datetime) -> str:
    """Format ``moment`` as RFC 3339 UTC with milliseconds: ``2026-11-25T18:11:01.123Z``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    if moment.year < 1000:  # strftime writes such a year without its leading zeros
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    # Twice as fast as strftime (every heartbeat answer and event is stamped);
    # the milliseconds are truncated, not rounded, the same way.
    return moment.isoformat(timespec="milliseconds").removesuffix("+00:00") + "Z"


def parse_rfc3339(text: str) -> datetime:
    """Parse an RFC 3339 timestamp (any offset, any fraction length) into aware UTC.

    Raises ``ValueError`` on anything else, including the zero time.
    """
    if not isinstance(text, str) or not text:
        raise ValueError(f"not a timestamp: {text!r}")
    if text.startswith("0001-01-01"):
        raise ValueError("the zero time is not a timestamp")
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    # Python < 3.11 style fractions of other lengths: normalise to microseconds.
    if "." in value:
        head, _, tail = value.partition(".")
        digits = ""
        rest = ""
        for index, char in enumerate(tail):
            if char.isdigit():
                digits += char
            else:
                rest = tail[index:]
                break
        value = f"{head}.{(digits + '000000')[:6]}{rest}"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"timestamp has no offset: {text!r}")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        # 9999-12-31T23:59:59-23:59 is past the last moment a datetime can hold in UTC.
        raise ValueError(f"timestamp out of range: {text!r}") from None


# A storm's events share their timestamps (milliseconds): each is parsed once.
_parse_recent = lru_cache(maxsize=4096)(parse_rfc3339)


def parse_optional(text: str | None) -> datetime | None:
    """Like :func:`parse_rfc3339`, but ``None``, empty and the zero time give ``None``."""
    if not text or text.startswith("0001-01-01"):
        return None
    return _parse_recent(text) if isinstance(text, str) else parse_rfc3339(text)


DurationStyle = Literal["clock", "words", "short"]


def format_duration(
    seconds: float, style: DurationStyle = "clock", *, round_up: bool = False
) -> str:
    """Every duration warroom shows, in one of three styles. Never negative.

    * ``clock`` (timers, countdowns): ``0:28``, ``14:32``, ``1:02:05``, ``25:00:00``.
    * ``words`` (documents, templates): ``28 s``, ``12 min 5 s``, ``1 h 2 min``, ``3 d 4 h``.
    * ``short`` (a data age in a tight column): ``48 s``, ``5 min``, ``2 h``, ``3 d``.

    ``round_up`` is for countdowns, which must not show ``0:00`` while time remains.
    """
    total = max(0, int(seconds + 0.999) if round_up else int(seconds))
    if style == "words":
        return _words(total)
    if style == "short":
        return _short(total)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def _words(total: int) -> str:
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"


def _short(total: int) -> str:
    if total < 120:
        return f"{total} s"
    if total < 7200:
        return f"{total // 60} min"
    if total < 172800:
        return f"{total // 3600} h"
    return f"{total // 86400} d"


def show_time(text: str | None, now: datetime | None = None) -> str:
    """A wire timestamp as a person reads it: ``12:48:10 UTC`` on ``now``'s day (UTC, by
    the hub's clock where the caller has it), ``2026-11-29 12:48:10 UTC`` on another.

    ``None``, empty and the zero time give ``""``; anything unparseable comes back as
    it was (the caller makes it safe to show), so nothing the hub sent is hidden.
    """
    try:
        moment = parse_optional(text)
    except ValueError:
        return text or ""
    if moment is None:
        return ""
    today = (now or utcnow()).astimezone(UTC).date()
    if moment.date() == today:
        return f"{moment:%H:%M:%S} UTC"
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"
