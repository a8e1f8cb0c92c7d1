"""What a command-line call did: an exit code, a message for a person, data for --json.

:class:`ExitCode` is the one definition of the ``warroom`` command's exit codes;
every subcommand, and the README's section on the CLI fallback, uses these.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any


class ExitCode(IntEnum):
    """The ``warroom`` command's exit codes, the same for every subcommand."""

    OK = 0  # applied, written, healthy; the console closed normally
    ERROR = 1  # the hub answered but is not healthy (`warroom health`); a check failed (doctor)
    REFUSED = 2  # the hub refused (auth, validation, not found), or a bad flag or config
    UNREACHABLE = 3  # no answer from the hub: nothing is known to have changed
    HUB_FAILED = 4  # the hub answered with an error of its own (5xx), again and again
    CRASHED = 5  # the console ended on an error of its own (a bug): see its last screen


@dataclass
class Outcome:
    """The result of one CLI call."""

    exit_code: ExitCode
    message: str
    data: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> str:
        """The outcome for ``--json``: ``ok``, ``exit_code``, ``message`` and the data."""
        body: dict[str, Any] = {
            "ok": self.exit_code == ExitCode.OK,
            "exit_code": int(self.exit_code),
            "message": self.message,
            **self.data,
        }
        return json.dumps(body, indent=2, sort_keys=True)
