"""KeyedTable draws a cell again only when it changed, and measures new rows without
drawing them: with 5,000 agents listed, one changed rate or the focus moving between
panels drew every visible cell again, and each chunk of new rows was rendered to be
measured (issue 12: key-to-screen waited behind it)."""

from __future__ import annotations

from typing import Any

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Static

from widgets.keyed_table import Cells, ColumnSpec, KeyedTable

ROWS = 5000


class Table(KeyedTable):
    COLUMNS = (
        ColumnSpec("name", "Name"),
        ColumnSpec("state", "State", 8),
        ColumnSpec("calls", "Calls", 5, "right"),
    )


class Harness(App[None]):
    # As the dashboard's panels: focus changes their border, not their cells' background.
    CSS = "Table:focus { background-tint: transparent; }"

    def compose(self) -> ComposeResult:
        yield Table()
        yield Static("elsewhere", id="other")

    def on_mount(self) -> None:
        self.query_one("#other").can_focus = True


def row(n: int, calls: int = 10) -> tuple[str, Cells]:
    state = Text("stuck", style="bold red") if n % 7 == 0 else Text("running")
    return f"agent:{n}", (Text(f"agent-{n:04d}"), state, Text(str(calls)))


class Drawn:
    """Counts the cells drawn (their lines of segments made), by (row index, column):
    by DataTable, or by KeyedTable for a text cell."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.cells: list[tuple[int, int]] = []
        original = DataTable._render_cell

        def spy(table: DataTable[Any], row: int, column: int, *args: Any, **kw: Any) -> Any:
            if row >= 0 and column >= 0:
                self.cells.append((row, column))
            return original(table, row, column, *args, **kw)

        monkeypatch.setattr(DataTable, "_render_cell", spy)
        text_cell = getattr(KeyedTable, "_render_text_cell", None)
        if text_cell is not None:

            def text_spy(table: KeyedTable, cell: Text, row: int, column: int, *args: Any) -> Any:
                self.cells.append((row, column))
                return text_cell(table, cell, row, column, *args)

            monkeypatch.setattr(KeyedTable, "_render_text_cell", text_spy)


async def filled(pilot: Any, table: Table, rows: list[tuple[str, Cells]]) -> None:
    table.sync(rows)
    while not table.complete:
        await pilot.pause()
    await pilot.pause()


async def test_one_changed_cell_is_the_only_cell_drawn_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = Harness()
    async with app.run_test(size=(60, 40)) as pilot:
        table = app.query_one(Table)
        rows = [row(n) for n in range(ROWS)]
        await filled(pilot, table, rows)
        drawn = Drawn(monkeypatch)
        rows[5] = row(5, calls=99)
        table.sync(rows)
        await pilot.pause()
        assert table.get_cell("agent:5", "calls").plain.strip() == "99"
        # The changed cell, and the cursor's and the hover's rows (DataTable's: their
        # look follows the focus), here both row 0.
        assert set(drawn.cells) <= {(5, 2), (0, 0), (0, 1), (0, 2)}
        assert (5, 2) in drawn.cells


async def test_focus_moving_away_and_back_draws_only_the_cursor_row_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = Harness()
    async with app.run_test(size=(60, 40)) as pilot:
        table = app.query_one(Table)
        await filled(pilot, table, [row(n) for n in range(ROWS)])
        table.focus()
        await pilot.pause()
        table.move_cursor(row=3)
        await pilot.pause()
        drawn = Drawn(monkeypatch)
        app.query_one("#other").focus()
        await pilot.pause()
        table.focus()
        await pilot.pause()
        assert drawn.cells, "the cursor's row is drawn again"
        # And the hover's (DataTable's, like the cursor's), not the other rows.
        assert {r for r, _ in drawn.cells} <= {3, table.hover_coordinate.row}


async def test_new_rows_are_measured_without_rendering_their_cells(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    measured: list[str] = []
    original = Text.__rich_measure__

    def spy(text: Text, *args: Any) -> Any:
        measured.append(text.plain)
        return original(text, *args)

    app = Harness()
    async with app.run_test(size=(60, 40)) as pilot:
        table = app.query_one(Table)
        monkeypatch.setattr(Text, "__rich_measure__", spy)
        rows = [row(n) for n in range(ROWS)]
        rows[42] = ("agent:42", (Text("a\nmuch-longer-line"), Text("idle"), Text("3")))
        await filled(pilot, table, rows)
        assert not [plain for plain in measured if plain.startswith("agent-")]
        # The widths are what DataTable would measure: each column's longest line (the
        # flexible column's text is followed by a space, the gap before the next).
        widths = {c.key.value: c.content_width for c in table.columns.values()}
        assert widths["name"] == len("much-longer-line ")
        assert widths["state"] >= len("running")
        assert table.row_count == ROWS
        assert table.virtual_size.height == ROWS + 1  # the header


async def test_a_text_cell_is_drawn_as_datatable_draws_it() -> None:
    app = Harness()
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.query_one(Table)
        styled = Text("stopped", style="bold white on red")
        styled.stylize("italic", 0, 3)
        rows = [
            ("a", (Text("a name long enough to be cut off by the column"), styled, Text("7"))),
            ("b", (Text(""), Text("ünïcode 漢字 x"), Text("12345678"))),
            ("c", (Text("same"), Text("running"), Text("0"))),
            ("d", (Text("same"), Text("running"), Text("0"))),
        ]
        await filled(pilot, table, rows)
        table.focus()
        await pilot.pause()
        base = table.rich_style
        for row_index in range(len(rows)):
            for column_index, column in enumerate(table.ordered_columns):
                width = column.get_render_width(table)
                ours = table._render_cell(row_index, column_index, base, width)
                datatable = DataTable._render_cell(table, row_index, column_index, base, width)
                assert ours == datatable, (row_index, column_index)
                # The mouse finds the cell by the metadata of each of its segments.
                meta = {"row": row_index, "column": column_index}
                assert all(seg.style and seg.style.meta == meta for seg in ours[0])
