"""The terminal's decoder: invalid bytes are replaced, and empty reads (the terminal
gone) are noticed once, then waited on instead of spun on."""

from __future__ import annotations

import codecs

import pytest

from tui import terminal_input
from tui.terminal_input import HANGUP_READS, HangupAwareDecoder


def decoder() -> HangupAwareDecoder:
    return HangupAwareDecoder(codecs.getincrementaldecoder("utf-8")(errors="replace"))


def test_bytes_are_decoded_and_invalid_ones_replaced() -> None:
    decode = decoder().decode
    assert decode(b"k s") == "k s"
    assert decode(b"\xe9i") == "\ufffdi"
    assert decode("é".encode()[:1]) == "" and decode("é".encode()[1:]) == "é"  # split


def test_empty_reads_in_a_row_call_the_handler_once_then_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    waits: list[float] = []
    monkeypatch.setattr(terminal_input.time, "sleep", waits.append)
    terminal_input.on_hangup(lambda: calls.append("gone"))
    try:
        one = decoder()
        for _ in range(HANGUP_READS - 1):
            assert one.decode(b"") == ""
        assert one.decode(b"x") == "x"  # data between: the count starts again
        for _ in range(HANGUP_READS - 1):
            one.decode(b"")
        assert calls == [] and waits == [] and not one.hung_up
        for _ in range(5):
            one.decode(b"")
        assert calls == ["gone"] and one.hung_up
        assert len(waits) == 5  # no spinning once gone
    finally:
        terminal_input.on_hangup(None)
