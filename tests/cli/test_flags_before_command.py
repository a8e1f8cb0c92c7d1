"""`warroom --hub URL wall` (flags before the command) keeps the URL: a subcommand's
defaults used to overwrite it, and the wall and `health` went to 127.0.0.1:8080."""

from __future__ import annotations

import pytest

from tui.cli import build_parser


@pytest.mark.parametrize("command", ["wall", "health", "doctor", "stop --status", "export INC-1"])
def test_hub_and_token_before_the_command_are_kept(command: str) -> None:
    args = build_parser().parse_args(
        ["--hub", "http://10.0.0.5:9000", "--token", "t", *command.split()]
    )
    assert args.hub == "http://10.0.0.5:9000"
    if command != "health":
        assert args.token == "t"


@pytest.mark.parametrize("command", ["wall", "health", "stop --status"])
def test_after_the_command_wins_and_absent_is_none(command: str) -> None:
    parser = build_parser()
    after = parser.parse_args(
        ["--hub", "http://before:1", *command.split(), "--hub", "http://after:2"]
    )
    assert after.hub == "http://after:2"
    assert parser.parse_args(command.split()).hub is None
