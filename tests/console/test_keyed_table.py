"""KeyedTable: rows are added, updated cell by cell and removed by key; never cleared."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from widgets.keyed_table import Cells, ColumnSpec, KeyedTable


class Table(KeyedTable):
    COLUMNS = (ColumnSpec("a", "A", 4), ColumnSpec("b", "B"), ColumnSpec("c", "C", 3, "right"))
    FOLLOW_TOP = False


class Harness(App[None]):
    def compose(self) -> ComposeResult:
        yield Table()


def cells(a: str, b: str, c: str = "1", style: str = "") -> Cells:
    return (Text(a), Text(b, style=style), Text(c))


async def test_sync_diffs_by_key() -> None:
    app = Harness()
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(Table)
        table.sync([("x", cells("x", "first")), ("y", cells("y", "other"))])
        await pilot.pause()
        assert table.keys == ["x", "y"] and table.rows_drawn == 2

        table.sync([("x", cells("x", "first")), ("y", cells("y", "other", "2"))])
        await pilot.pause()
        assert table.rows_drawn == 3  # y
        assert table.get_cell("y", "c").plain.strip() == "2"

        # A style change alone is a change.
        table.sync([("x", cells("x", "first", style="bold")), ("y", cells("y", "other", "2"))])
        await pilot.pause()
        assert table.rows_drawn == 4  # x

        # A new row on top, one gone: the order by key, the row that stayed kept.
        table.sync([("z", cells("z", "new")), ("x", cells("x", "first", style="bold"))])
        await pilot.pause()
        assert table.keys == ["z", "x"] and table.row_count == 2
        assert table.rows_drawn == 5  # z
        assert [table.get_row_index(k) for k in ("z", "x")] == [0, 1]


async def test_the_cursor_follows_its_row() -> None:
    app = Harness()
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(Table)
        table.sync([(k, cells(k, k)) for k in ("a", "b", "c")])
        table.focus()
        table.move_cursor(row=1)  # on "b"
        table.sync([(k, cells(k, k)) for k in ("new", "a", "b", "c")])
        await pilot.pause()
        assert table.keys[table.cursor_row] == "b"


async def test_the_flexible_column_is_fitted_to_the_width() -> None:
    app = Harness()
    async with app.run_test(size=(30, 10)) as pilot:
        table = app.query_one(Table)
        long = "a very long untrusted title that cannot fit"
        table.sync([("x", cells("x", long))])
        await pilot.pause()
        shown = table.get_cell("x", "b")
        assert isinstance(shown, Text)
        assert shown.plain.rstrip().endswith("…") and len(shown.plain) < len(long)
        assert table.cells("x") is not None and table.cells("x")[1].plain == long  # type: ignore[index]
        await pilot.resize_terminal(60, 10)
        await pilot.pause()
        assert table.get_cell("x", "b").plain.rstrip() == long


async def test_a_sync_of_thousands_of_rows_keeps_the_order_and_the_index() -> None:
    app = Harness()
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(Table)
        keys = [f"k{n}" for n in range(5000)]
        table.sync([(k, cells(k, k)) for k in keys])
        assert table.row_count == 5000 and table.complete  # at once: nothing in chunks
        table.sync([(k, cells(k, k, "2" if n % 2 else "1")) for n, k in enumerate(keys)])
        assert table.get_cell("k1", "c").plain.strip() == "2"
        kept = keys[::3]
        table.sync([(k, cells(k, k)) for k in reversed(kept)])
        assert table.keys == kept[::-1]
        assert [table.get_row_index(k) for k in kept[::-1]] == list(range(len(kept)))
        await pilot.pause()


async def test_a_sync_bringing_many_new_rows_counts_as_a_fill() -> None:
    """The console freezes what a big fill built (``A`` listing 5,000 agents), as it
    does the first snapshot: ``fills`` tells it one happened."""
    app = Harness()
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(Table)
        table.sync([(f"k{n}", cells("k", "k")) for n in range(table.FILL_ROWS - 1)])
        assert table.fills == 0
        table.sync([(f"m{n}", cells("m", "m")) for n in range(table.FILL_ROWS)])
        assert table.fills == 1
        await pilot.pause()


async def test_a_new_column_set_keeps_the_cursor_on_its_row() -> None:
    """A resize that switches the column set (the packs summarised at 120 columns, every
    count from 160) drops the rows for the owner to show again: the cursor's row is
    found again by its key, not left at its old index."""
    app = Harness()
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(Table)
        table.sync([(k, cells(k, k)) for k in ("a", "b", "c", "d")])
        table.focus()
        table.move_cursor(row=2)  # on "c"
        assert table.set_columns((ColumnSpec("a", "A", 4), ColumnSpec("b", "B")))
        table.sync([(k, (Text(k), Text(k))) for k in ("new", "a", "b", "c", "d")])
        assert table.keys[table.cursor_row] == "c"
        await pilot.pause()
