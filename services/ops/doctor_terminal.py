"""``warroom doctor``'s checks of the terminal it runs in: size, colours, UTF-8 and
whether OSC 52 copy is likely to reach the clipboard. Each takes what it reads
(the environment, a size, tmux's answer) so it can be tested as a pure function.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from services.domain.textsafe import make_visible

Status = Literal["ok", "warn", "fail", "unknown", "skipped"]
MIN_SIZE = (80, 24)


@dataclass(frozen=True)
class Check:
    """One line of the report: what was checked, how it went, and what to do."""

    name: str
    status: Status
    detail: str


def terminal_size() -> tuple[int, int] | None:
    """This process's terminal size (stdout, stderr or stdin), or None without one."""
    for fd in (1, 2, 0):
        try:
            size = os.get_terminal_size(fd)
        except OSError:
            continue
        return size.columns, size.lines
    return None


def size_check(size: tuple[int, int] | None) -> Check:
    """At least 80x24, the smallest the console is laid out for."""
    if size is None:
        return Check("terminal", "unknown", "not run in a terminal; the console needs 80x24")
    columns, lines = size
    if columns >= MIN_SIZE[0] and lines >= MIN_SIZE[1]:
        return Check("terminal", "ok", f"{columns}x{lines}")
    return Check(
        "terminal",
        "fail",
        f"{columns}x{lines}: the console needs at least 80x24; "
        "enlarge the window or use a smaller font",
    )


def colour_check(env: Mapping[str, str]) -> Check:
    """TERM, COLORTERM and NO_COLOR: 16 colours are enough, no cursor addressing is not."""
    term = env.get("TERM", "")
    if term in ("", "dumb"):
        return Check(
            "colours",
            "fail",
            f"TERM is {term or 'unset'}: the console needs a real "
            "terminal; set TERM (e.g. xterm-256color)",
        )
    if env.get("NO_COLOR"):
        return Check(
            "colours",
            "warn",
            "NO_COLOR is set: severities and the STALE banner "
            "lose their colours; unset it for incident work",
        )
    if env.get("COLORTERM", "").lower() in ("truecolor", "24bit"):
        return Check("colours", "ok", f"truecolor (TERM={make_visible(term)})")
    if term.endswith("256color"):
        return Check("colours", "ok", f"256 colours (TERM={make_visible(term)})")
    return Check("colours", "ok", f"16 colours, enough (TERM={make_visible(term)})")


def utf8_check(env: Mapping[str, str]) -> Check:
    """The locale (LC_ALL, else LC_CTYPE, else LANG) should be UTF-8 for box lines and marks."""
    name, value = next(
        ((k, env[k]) for k in ("LC_ALL", "LC_CTYPE", "LANG") if env.get(k)), ("LANG", "")
    )
    shown = f"{name}={make_visible(value)}" if value else "no locale set"
    if re.search(r"utf-?8", value, re.IGNORECASE):
        return Check("utf-8", "ok", shown)
    fix = "set LANG=C.UTF-8 (or your language's .UTF-8 locale)"
    if value in ("", "C", "POSIX"):
        return Check(
            "utf-8", "warn", f"{shown}: the terminal may not draw box lines and symbols; {fix}"
        )
    return Check(
        "utf-8",
        "fail",
        f"{shown} is not UTF-8: the console's lines and marks show as garbage; {fix}",
    )


def tmux_clipboard(env: Mapping[str, str]) -> str | None:
    """tmux's ``set-clipboard`` option, asked of the tmux this runs in, or None."""
    try:
        result = subprocess.run(
            ["tmux", "show-options", "-gv", "set-clipboard"],
            env=dict(env),
            capture_output=True,
            text=True,
            timeout=3,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None  # not inside a tmux it can reach
    return result.stdout.strip() or None


def copy_check(env: Mapping[str, str], clipboard: Callable[[], str | None]) -> Check:
    """Whether OSC 52 copy (templates, ids) likely reaches the clipboard; ``unknown`` when
    it cannot be told from here. ``clipboard`` reads tmux's set-clipboard."""
    fix = "add `set -g set-clipboard on` to ~/.tmux.conf"
    if env.get("TMUX"):
        option = clipboard()
        if option == "on":
            return Check("copy", "ok", "inside tmux with set-clipboard on")
        if option is None:
            return Check("copy", "unknown", f"inside tmux, set-clipboard unreadable: {fix}")
        return Check(
            "copy",
            "warn",
            f"inside tmux with set-clipboard {make_visible(option)}: "
            f"tmux drops the console's copies; {fix}",
        )
    if env.get("STY"):
        return Check("copy", "unknown", "inside GNU screen, which may not pass OSC 52 on")
    if env.get("SSH_CONNECTION") or env.get("SSH_TTY"):
        return Check(
            "copy",
            "ok",
            "over SSH: copies go to your local terminal (it must allow OSC 52; most do)",
        )
    return Check(
        "copy",
        "unknown",
        "cannot tell whether this terminal accepts OSC 52 (most do); try the console's copy key",
    )
