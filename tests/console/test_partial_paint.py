"""A partial repaint writes the changed span, not the row from the widget's left edge:
a response timer ticking at the right of the incident list must not rewrite the row."""

from __future__ import annotations

import pytest
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual._compositor import ChopsUpdate
from textual.strip import Strip

from tui.partial_paint import install

BOLD = Style(bold=True)


def row() -> Strip:
    # A table row: badge, id, title, the timer at columns 30..44, the age at the end.
    return Strip(
        [
            Segment("SEV1 ", BOLD),
            Segment("INC-1  "),
            Segment("disk full on db-1 ".ljust(18)),
            Segment("14:32 to resp  "),
            Segment("  0:12"),
        ]
    )


def written(spans: list[tuple[int, int, int]], strip: Strip, y: int = 3) -> str:
    install()
    update = ChopsUpdate([{}] * y + [{0: strip}], spans, [[]] * y + [[strip.cell_length]])
    return update.render_segments(Console(force_terminal=True, width=80, color_system="256"))


def test_a_changed_cell_is_written_without_the_row_before_it() -> None:
    out = written([(3, 30, 45)], row())
    assert out.startswith("\x1b[4;31H"), repr(out)  # row 4, column 31: the timer's cell
    assert "14:32 to resp" in out
    assert "SEV1" not in out and "INC-1" not in out and "disk full" not in out
    assert "0:12" not in out  # nor the cells after it


def test_two_cells_on_one_row_are_two_short_writes() -> None:
    out = written([(3, 30, 45), (3, 45, 51)], row())
    assert out.count("\x1b[4;") == 2
    assert "\x1b[4;46H" in out and "0:12" in out
    assert "SEV1" not in out


def test_a_span_inside_a_segment_starts_at_the_segment_never_in_a_wide_character() -> None:
    strip = Strip([Segment("ab"), Segment("界界x"), Segment("yz")])  # 界 is two cells wide
    out = written([(0, 4, 6)], strip, y=0)
    assert out.startswith("\x1b[1;3H")  # the segment's start (column 3), not column 5
    assert "界界" in out and "ab" not in out and "yz" not in out


def test_a_whole_line_is_written_as_before() -> None:
    out = written([(3, 0, 51)], row())
    assert out.startswith("\x1b[4;1H")
    for text in ("SEV1", "INC-1", "14:32", "0:12"):
        assert text in out


def test_what_an_update_writes_is_counted_for_the_byte_budget() -> None:
    from services.console.redraw import BUDGET_WINDOW_S, OUTPUT

    before = OUTPUT.rate()
    out = written([(3, 0, 51)], row())
    assert OUTPUT.rate() - before == pytest.approx(len(out.encode()) / BUDGET_WINDOW_S, rel=0.01)


def styled_cells(sequence: str) -> list[tuple[str, str]]:
    """Each character written with the SGR codes in force (ours and Textual's both reset
    with ESC[0m before new codes, so the last ESC[...m is the style)."""
    import re

    cells: list[tuple[str, str]] = []
    codes = ""
    for match in re.finditer(r"\x1b\[([0-9;]*)m|(.)", sequence, re.S):
        if match.group(2) is None:
            codes = "" if match.group(1) == "0" else match.group(1)
        else:
            cells.append((match.group(2), codes))
    return cells


def test_a_run_of_one_style_is_written_with_one_escape_the_cells_unchanged() -> None:
    from tui.partial_paint import render_strip

    grey = Style(color="grey70", bgcolor="grey11")
    strip = Strip(
        [
            Segment("18:20:00 ", grey),
            Segment("SEV1", Style(bold=True, color="red", bgcolor="grey11")),
            Segment(" ", grey),
            # Same look, different metadata (what DataTable puts on each cell).
            Segment("disk full · ", grey + Style.from_meta({"row": 1})),
            Segment("db-1", Style(color="grey50", bgcolor="grey11")),
            Segment("   ", grey),
            Segment("plain"),
            Segment(" \u00d73 ", grey),
        ]
    )
    console = Console(force_terminal=True, width=80, color_system="256")
    ours, textuals = render_strip(strip, console), strip.render(console)
    assert styled_cells(ours) == styled_cells(textuals)
    assert len(ours) < len(textuals)
    assert ours.count("\x1b[38;5;249;48;5;234m") < textuals.count("\x1b[38;5;249;48;5;234m")


def test_a_widget_that_begins_where_the_span_ends_is_not_visited() -> None:
    install()
    left, right = Strip([Segment("feed row  ")]), Strip([Segment("|packs")])
    update = ChopsUpdate([{0: left, 10: right}], [(0, 0, 10)], [[10, 16]])
    out = update.render_segments(Console(force_terminal=True, width=80, color_system="256"))
    assert out == "\x1b[1;1Hfeed row  "  # no bare move to column 11
