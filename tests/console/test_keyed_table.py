"""KeyedTable: rows are added, updated cell by cell and removed by key; never cleared."""

from __future__ import annotations

from typing import Any

import pytest
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


class Spy:
    def __init__(self, table: KeyedTable, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[str, Any]] = []
        for name in ("add_row", "update_cell", "remove_row", "clear"):
            original = getattr(table, name)

            def wrapper(*args: Any, _name: str = name, _orig: Any = original, **kw: Any) -> Any:
                self.calls.append((_name, args[:2]))
                return _orig(*args, **kw)

            monkeypatch.setattr(table, name, wrapper)

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


async def test_sync_diffs_by_key(monkeypatch: pytest.MonkeyPatch) -> None:
    app = Harness()
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(Table)
        spy = Spy(table, monkeypatch)
        table.sync([("x", cells("x", "first")), ("y", cells("y", "second"))])
        assert spy.names() == ["add_row", "add_row"]
        assert table.keys == ["x", "y"]

        spy.calls.clear()
        table.sync([("x", cells("x", "first")), ("y", cells("y", "second", "2"))])
        assert spy.calls == [("update_cell", ("y", "c"))]

        spy.calls.clear()  # a style change alone is a change
        table.sync([("x", cells("x", "first", style="bold")), ("y", cells("y", "second", "2"))])
        assert spy.calls == [("update_cell", ("x", "b"))]

        spy.calls.clear()  # new row on top, one gone: no clear, order by key
        table.sync([("z", cells("z", "new")), ("x", cells("x", "first", style="bold"))])
        assert sorted(spy.names()) == ["add_row", "remove_row"]
        assert table.keys == ["z", "x"]
        assert "clear" not in spy.names()
        await pilot.pause()


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


async def test_a_sync_rebuilds_the_table_once_whatever_it_changes() -> None:
    """DataTable rebuilds its row order after every cell update and every removal: a
    storm that changed 200 cells cost 200 rebuilds of a 400-row table (quadratic)."""
    app = Harness()
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(Table)
        keys = [f"k{n}" for n in range(400)]
        table.sync([(k, cells(k, k)) for k in keys])
        await pilot.pause()
        version = table._update_count
        table.sync([(k, cells(k, k, "2" if n % 2 else "1")) for n, k in enumerate(keys)])
        assert table._update_count - version == 1  # 200 cells changed
        assert table.get_cell("k1", "c").plain.strip() == "2"

        version = table._update_count
        kept = keys[::3]
        table.sync([(k, cells(k, k, "2" if keys.index(k) % 2 else "1")) for k in kept])
        assert table._update_count - version == 1  # 266 rows removed
        assert table.keys == kept
        assert [table.get_row_index(k) for k in kept] == list(range(len(kept)))
        await pilot.pause()


async def test_many_new_rows_arrive_in_chunks_never_in_one_long_callback() -> None:
    """5,000 agents on the first frame were one 1.5 s callback (and DataTable measured
    every new cell when idle): a sync adds ``ADD_CHUNK`` rows, the rest after refreshes."""
    app = Harness()
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(Table)
        keys = [f"k{n:04d}" for n in range(table.ADD_CHUNK * 3 + 7)]
        table.sync([(k, cells(k, k)) for k in keys])
        assert table.row_count == table.ADD_CHUNK and not table.complete
        assert table.keys == keys[: table.ADD_CHUNK]  # the top first: what is seen
        for _ in range(20):
            await pilot.pause()
            if table.complete:
                break
        assert table.complete and table.keys == keys

        # A newer sync while chunks are pending wins: the latest rows are what is shown.
        more = [f"m{n:04d}" for n in range(table.ADD_CHUNK + 1)]
        table.sync([(k, cells(k, k)) for k in more])
        table.sync([(k, cells(k, k, "2")) for k in more[:3]])
        for _ in range(20):
            await pilot.pause()
        assert table.complete and table.keys == more[:3]
