"""Which silences an alert keeps when Alertmanager's word about it is older than ours.

A webhook delivery or a pull is a picture taken earlier; a silence made through the
hub since then (or still running) must not be undone by it.
"""

from __future__ import annotations

from collections.abc import Callable

from services.domain.models import Silence
from services.domain.timeutil import parse_optional

__all__ = ["made_after", "still_running"]


def still_running(silences: list[Silence], at: str | None) -> list[Silence]:
    """The silences whose end is known and later than ``at``."""
    return _later_than(silences, at, lambda silence: silence.ends_at)


def made_after(silences: list[Silence], at: str | None) -> list[Silence]:
    """The silences that started after ``at`` (a pull's time): the pull cannot know them."""
    return _later_than(silences, at, lambda silence: silence.starts_at)


def _later_than(
    silences: list[Silence], at: str | None, when: Callable[[Silence], str | None]
) -> list[Silence]:
    """The silences whose ``when`` is known and later than ``at`` (none if ``at`` is not)."""
    try:
        moment = parse_optional(at)
    except ValueError:
        return []
    if moment is None:
        return []
    kept = []
    for silence in silences:
        try:
            moment_of = parse_optional(when(silence) or None)
        except ValueError:
            continue
        if moment_of is not None and moment_of > moment:
            kept.append(silence)
    return kept
