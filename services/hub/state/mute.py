"""Which silences an alert keeps when Alertmanager's word about it is older than ours.

A webhook delivery or a pull is a picture taken earlier; a silence made through the
hub since then (or still running) must not be undone by it.
"""

from __future__ import annotations

from services.domain.models import Silence
from services.domain.timeutil import parse_optional

__all__ = ["made_after", "still_running"]


def still_running(silences: list[Silence], at: str | None) -> list[Silence]:
    """The silences whose end is known and later than ``at``."""
    try:
        moment = parse_optional(at)
    except ValueError:
        return []
    kept = []
    for silence in silences:
        try:
            ends = parse_optional(silence.ends_at or None)
        except ValueError:
            continue
        if moment is not None and ends is not None and ends > moment:
            kept.append(silence)
    return kept


def made_after(silences: list[Silence], at: str | None) -> list[Silence]:
    """The silences that started after ``at`` (a pull's time): the pull cannot know them."""
    try:
        moment = parse_optional(at)
    except ValueError:
        return []
    kept = []
    for silence in silences:
        try:
            starts = parse_optional(silence.starts_at or None)
        except ValueError:
            continue
        if moment is not None and starts is not None and starts > moment:
            kept.append(silence)
    return kept
