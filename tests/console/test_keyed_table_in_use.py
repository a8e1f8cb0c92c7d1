"""KeyedTable as an on-call user drives it: the mouse, the cursor as rows come and go,
narrow layouts, column sets switched on resize, the filter, focus and theme changes,
and the line cache never showing a row as it was."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.widgets import Static

from widgets.keyed_table import Cells, ColumnSpec, KeyedTable, LazyCells


class Table(KeyedTable):
    COLUMNS = (ColumnSpec("a", "A", 6), ColumnSpec("b", "B"), ColumnSpec("c", "C", 3, "right"))


class Feed(Table):
    FOLLOW_TOP = True
    FLEX_FILLS = True


class Wide(Table):
    # Fixed columns wider than the narrowest panel (80 columns, stacked).
    COLUMNS = (ColumnSpec("a", "A", 20), ColumnSpec("b", "B"), ColumnSpec("c", "C", 20, "right"))


class Harness(App[None]):
    # As the dashboard's panels: a border above the table.
    CSS = "KeyedTable { border-top: solid red; }"

    def __init__(self, kind: type[KeyedTable] = Table) -> None:
        super().__init__()
        self.kind = kind
        self.selected: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static("elsewhere", id="other")
        yield self.kind()

    def on_mount(self) -> None:
        other = self.query_one("#other")
        other.can_focus = True
        other.focus()

    def on_keyed_table_row_selected(self, event: KeyedTable.RowSelected) -> None:
        self.selected.append(str(event.row_key.value))


def rows(count: int, prefix: str = "k", title: str = "title") -> list[tuple[str, Cells]]:
    return [
        (f"{prefix}{n}", (Text(f"{prefix}{n}"), Text(f"{title} {n}"), Text("1")))
        for n in range(count)
    ]


def screen_lines(table: KeyedTable) -> list[str]:
    return [strip.text for strip in table.render_lines(table.region.reset_offset)]


def cursor_background(table: KeyedTable) -> Any:
    line = table.render_lines(table.region.reset_offset)[2 + table.cursor_row]
    return next(iter(line)).style.bgcolor  # type: ignore[union-attr]


def visible(table: KeyedTable, row: int) -> bool:
    top = int(table.scroll_offset.y)
    return top <= row < top + table.scrollable_content_region.height - 1


async def test_the_wheel_scrolls_the_window_and_a_click_takes_the_row_under_it() -> None:
    app = Harness()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(Table)
        table.sync(rows(50))
        await pilot.pause()
        await pilot._post_mouse_events([events.MouseScrollDown], Table, (2, 4))
        await pilot.pause()
        top = int(table.scroll_offset.y)
        assert top > 0 and table.cursor_row == 0  # the wheel moves the view, not the cursor
        assert screen_lines(table)[2].startswith(f"k{top} ")
        # Border (y=0), header (y=1), then rows: y=4 is the third row on screen.
        await pilot.click(Table, offset=(2, 4))
        await pilot.pause()
        assert table.has_focus and table.cursor_row == top + 2 and app.selected == []
        await pilot.click(Table, offset=(2, 4))
        await pilot.pause()
        assert app.selected == [f"k{top + 2}"]


async def test_clicks_on_the_header_or_below_the_rows_do_nothing() -> None:
    app = Harness()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(Table)
        table.sync(rows(3))
        table.focus()
        table.move_cursor(row=1)
        await pilot.pause()
        await pilot.click(Table, offset=(2, 1))  # the header
        await pilot.click(Table, offset=(2, 8))  # below the last row
        await pilot.pause()
        assert table.cursor_row == 1 and app.selected == []
        await pilot.press("enter")
        await pilot.pause()
        assert app.selected == ["k1"]


async def test_many_rows_gone_leave_no_blank_window_and_the_cursor_clamped() -> None:
    app = Harness()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(Table)
        table.sync(rows(200))
        table.focus()
        await pilot.pause()
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_row == 199 and table.scroll_offset.y > 0
        table.sync(rows(3))
        await pilot.pause()
        await pilot.pause()
        assert table.scroll_offset.y == 0 and table.cursor_row == 2
        assert [line.split()[0] for line in screen_lines(table)[2:5]] == ["k0", "k1", "k2"]
        table.sync([])
        await pilot.pause()
        assert table.cursor_row == 0 and table.row_count == 0
        await pilot.press("enter", "down", "pagedown", "end")
        assert app.selected == [] and table.cursor_row == 0
        table.sync(rows(5))
        await pilot.pause()
        assert table.cursor_row == 0 and "k0" in screen_lines(table)[2]


async def test_pages_and_ends_keep_the_cursor_in_view_and_within_the_rows() -> None:
    app = Harness()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(Table)
        table.sync(rows(25))
        table.focus()
        await pilot.pause()
        for key in ("pagedown", "pagedown", "pagedown", "pagedown"):
            await pilot.press(key)
            assert visible(table, table.cursor_row)
        assert table.cursor_row == 24
        await pilot.press("up", "pageup")
        assert visible(table, table.cursor_row) and table.cursor_row == 23 - 9
        await pilot.press("pageup", "pageup", "up")
        assert table.cursor_row == 0 and table.scroll_offset.y == 0


async def test_the_feed_keeps_its_cursor_on_top_until_someone_takes_a_row() -> None:
    app = Harness(Feed)
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(Feed)
        table.sync(rows(5))
        table.sync(rows(2, "n") + rows(5))
        await pilot.pause()
        assert table.keys[table.cursor_row] == "n0"  # unfocused: the newest
        table.focus()
        await pilot.press("down")
        table.sync(rows(4, "m") + rows(2, "n") + rows(5))
        await pilot.pause()
        assert table.keys[table.cursor_row] == "n1"  # focused: it stays theirs
        app.query_one("#other").focus()
        table.sync(rows(1, "z") + rows(4, "m") + rows(2, "n") + rows(5))
        await pilot.pause()
        assert table.keys[table.cursor_row] == "n1"  # off the top: still theirs


async def test_narrow_fixed_columns_scroll_sideways_header_and_rows_together() -> None:
    app = Harness(Wide)
    async with app.run_test(size=(30, 12)) as pilot:
        table = app.query_one(Wide)
        table.sync(rows(50))
        table.focus()
        await pilot.pause()
        assert table.virtual_size.width > table.size.width
        assert table.show_horizontal_scrollbar
        before = screen_lines(table)
        await pilot.press("right", "right", "right")
        await pilot.pause()
        assert table.scroll_offset.x == 3
        after = screen_lines(table)
        assert after[1] == before[1][3:] + "   "[: len(after[1]) - len(before[1][3:])]
        assert after[2].index("title 0") == before[2].index("title 0") - 3
        await pilot.press("end")
        await pilot.pause()
        # The last row stays above the horizontal scrollbar.
        assert table.cursor_row == 49 and visible(table, 49)
        assert any("title 49" in line for line in screen_lines(table)[:-1])


async def test_switching_column_sets_draws_every_row_in_the_new_columns() -> None:
    app = Harness()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(Table)
        table.sync(rows(50))
        table.focus()
        await pilot.pause()
        table.move_cursor(row=20)
        await pilot.pause()
        # As IncidentList and AgentTable do on resize: switch, then show the rows again.
        narrow = (ColumnSpec("a", "A", 6), ColumnSpec("b", "Bee"))
        assert table.set_columns(narrow) and not table.set_columns(narrow)
        table.sync([(key, cells[:2]) for key, cells in rows(50, title="other")])
        await pilot.pause()
        lines = screen_lines(table)
        assert lines[1].split() == ["A", "Bee"]
        assert table.cursor_row == 20 and visible(table, 20)
        assert all("other" in line for line in lines[2:])


async def test_a_resize_refits_the_filling_column_and_redraws_cached_lines() -> None:
    app = Harness(Feed)
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(Feed)
        long = "a very long title that will not fit in forty columns"
        table.sync([("x", (Text("x"), Text(long), Text("7")))])
        await pilot.pause()
        assert "…" in screen_lines(table)[2]
        right = screen_lines(table)[2].rstrip()
        assert right.endswith("7") and len(right) == 40 - 1  # the scrollbar's room
        await pilot.resize_terminal(80, 12)
        await pilot.pause()
        line = screen_lines(table)[2]
        assert long in line and line.rstrip().endswith("7") and len(line.rstrip()) == 80 - 1


async def test_a_reused_key_or_a_changed_row_is_never_drawn_from_an_old_line() -> None:
    app = Harness()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(Table)
        table.sync(rows(3))
        await pilot.pause()
        assert "title 1" in screen_lines(table)[3]
        table.sync([rows(3)[0], rows(3)[2]])
        await pilot.pause()
        table.sync(rows(3, title="again"))  # k1 back, with other cells
        await pilot.pause()
        assert [line.split()[1] for line in screen_lines(table)[2:5]] == ["again"] * 3
        restyled = [(k, (c[0], Text(c[1].plain, style="bold"), c[2])) for k, c in rows(3)]
        table.sync(restyled)
        await pilot.pause()
        line = table.render_lines(table.region.reset_offset)[3]
        assert any(s.text.startswith("title") and s.style and s.style.bold for s in line)


async def test_the_filter_keeps_the_cursor_on_its_row_with_lazy_cells() -> None:
    app = Harness()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(Table)
        lazy = [(key, LazyCells(lambda cells=cells: cells, 8)) for key, cells in rows(50)]
        table.sync(lazy)
        table.focus()
        await pilot.pause()
        table.move_cursor(row=12)
        await pilot.pause()
        table.set_row_filter("TITLE 1")
        await pilot.pause()
        assert table.keys == ["k1", *(f"k{n}" for n in range(10, 20))]
        assert table.keys[table.cursor_row] == "k12"
        assert any(line.startswith("k12 ") for line in screen_lines(table))
        table.sync(lazy)  # the owner's next sync is filtered too
        assert table.row_count == 11
        table.set_row_filter("")
        await pilot.pause()
        assert table.row_count == 50 and table.keys[table.cursor_row] == "k12"


async def test_focus_and_theme_changes_restyle_the_cursor() -> None:
    app = Harness()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(Table)
        table.sync(rows(5))
        await pilot.pause()
        blurred = cursor_background(table)
        table.focus()
        await pilot.pause()
        focused = cursor_background(table)
        assert focused != blurred
        assert focused == table.get_component_rich_style("keyed-table--cursor").bgcolor
        app.query_one("#other").focus()
        await pilot.pause()
        assert cursor_background(table) == blurred
        table.sync(rows(5))
        assert not table.restyle_pending
        app.theme = "nord"
        await pilot.pause()
        assert table.restyle_pending and cursor_background(table) not in (blurred, focused)
        table.sync(rows(5))
        assert not table.restyle_pending


async def test_moving_the_cursor_right_after_a_sync_scrolls_it_into_view() -> None:
    """Until the table is laid out again after a sync that grew it, it has no
    vertical scrollbar, so ``scroll_to`` (not forced) does nothing: the cursor moves
    to a row off screen and the view stays at the top. DataTable scrolled after the
    refresh. Fails now."""
    app = Harness()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(Table)
        table.focus()
        await pilot.pause()
        table.sync(rows(200))
        table.move_cursor(row=150)
        await pilot.pause()
        await pilot.pause()
        assert table.cursor_row == 150
        assert visible(table, 150), table.scroll_offset
