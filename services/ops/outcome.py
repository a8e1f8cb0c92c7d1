"""What a command-line call did: an exit code, a message for a person, data for --json.

Exit codes shared by every ``warroom`` subcommand that talks to the hub:
0 done, 2 refused (auth, validation, not found), 3 hub unreachable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

EXIT_APPLIED = 0
EXIT_REFUSED = 2
EXIT_UNREACHABLE = 3


@dataclass
class Outcome:
    """The result of one CLI call."""

    exit_code: int
    message: str
    data: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> str:
        body: dict[str, Any] = {
            "ok": self.exit_code == EXIT_APPLIED,
            "exit_code": self.exit_code,
            "message": self.message,
            **self.data,
        }
        return json.dumps(body, indent=2, sort_keys=True)
