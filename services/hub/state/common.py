"""Small pieces the hub's state modules share."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from services.domain.models import SEVERITIES, Model, ModelError
from services.domain.textsafe import make_visible

log = logging.getLogger("warroom.hub")
M = TypeVar("M", bound=Model)


class _VisibleArgs(logging.Filter):
    """Make the arguments of the hub's log lines terminal-safe.

    They carry reasons, titles, agent ids and paths sent by others; an escape
    sequence in one must not reach the terminal running ``warroom hub``.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                arg if isinstance(arg, int | float) else make_visible(arg) for arg in record.args
            )
        return True


log.addFilter(_VisibleArgs())

# Author of timeline entries the hub writes by itself (alerts, automatic rules).
HUB_AUTHOR = "hub"


@dataclass(frozen=True)
class Actor:
    """Who asked for a change, as recorded in audit and timeline entries."""

    user: str
    role: str
    client: str | None = None
    idempotency_key: str | None = None


def severity_rank(severity: str) -> int:
    """0 for SEV1 (most severe) … 3 for SEV4; unknown values rank below SEV4."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def number_of(identifier: object, prefix: str) -> int:
    """``TL-12`` → 12 for prefix ``TL-``; 0 for anything else."""
    if isinstance(identifier, str) and identifier.startswith(prefix):
        tail = identifier[len(prefix) :]
        if tail.isdigit():
            return int(tail)
    return 0


def load_models(cls: type[M], rows: list[dict[str, Any]], what: str) -> list[M]:
    """Stored rows as models; a row that does not load is logged and skipped, not fatal."""
    models: list[M] = []
    for row in rows:
        try:
            models.append(cls.from_dict(row))
        except ModelError as error:
            log.error("skipping a stored %s that does not load: %s", what, error)
    return models


class PinnedClock:
    """The hub's clock, which a replica of a cluster pins to a command's time while it
    applies the command: every replica then computes the same timestamps, countdowns
    and escalations from it."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.live = clock
        self.pinned: datetime | None = None

    def __call__(self) -> datetime:
        return self.pinned if self.pinned is not None else self.live()
