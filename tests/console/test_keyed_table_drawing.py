"""KeyedTable draws only its window, and a row again only when it changed: with 5,000
agents listed, DataTable held every row, passed over all of them on each sync and drew
every visible row again on each key press (its line cache is keyed by the cursor), so
keys waited behind those redraws (issue 12: key p99 0.1-0.2 s at 200x60)."""

from __future__ import annotations

from typing import Any

from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widgets import Static

from tests.console.test_terminal_bytes import spy_refresh
from widgets.keyed_table import Cells, ColumnSpec, KeyedTable, LazyCells

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


def screen_lines(table: KeyedTable) -> list[str]:
    return [strip.text for strip in table.render_lines(table.region.reset_offset)]


async def filled(pilot: Any, table: Table, rows: list[tuple[str, Cells]]) -> None:
    table.sync(rows)
    await pilot.pause()
    await pilot.pause()


async def test_five_thousand_rows_are_in_at_once_and_only_the_window_is_drawn() -> None:
    app = Harness()
    async with app.run_test(size=(60, 40)) as pilot:
        table = app.query_one(Table)
        await filled(pilot, table, [row(n) for n in range(ROWS)])
        assert table.row_count == ROWS and table.complete
        assert table.virtual_size.height == ROWS + 1  # the header
        window = table.scrollable_content_region.height
        assert 0 < table.rows_drawn <= window, table.rows_drawn
        assert "agent-0000" in screen_lines(table)[1]


async def test_one_changed_row_is_the_only_row_drawn_again() -> None:
    app = Harness()
    async with app.run_test(size=(60, 40)) as pilot:
        table = app.query_one(Table)
        rows = [row(n) for n in range(ROWS)]
        await filled(pilot, table, rows)
        before = table.rows_drawn
        rows[5] = row(5, calls=99)
        rows[4000] = row(4000, calls=99)  # off screen: not drawn
        table.sync(rows)
        await pilot.pause()
        assert table.get_cell("agent:5", "calls").plain.strip() == "99"
        assert table.rows_drawn - before == 1
        assert "99" in screen_lines(table)[6]


async def test_the_same_cells_rebuilt_by_the_owner_are_not_drawn_again() -> None:
    app = Harness()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(Table)
        await filled(pilot, table, [row(n) for n in range(100)])
        before = table.rows_drawn
        table.sync([row(n) for n in range(100)])  # new objects, same text and styles
        await pilot.pause()
        assert table.rows_drawn == before


async def test_keys_move_the_cursor_without_drawing_rows_again() -> None:
    app = Harness()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(Table)
        await filled(pilot, table, [row(n) for n in range(ROWS)])
        table.focus()
        await pilot.pause()
        before = table.rows_drawn
        await pilot.press("down", "down", "up")
        await pilot.pause()
        assert table.cursor_row == 1 and table.rows_drawn == before
        # A page down draws the next window's rows once; back up, they are kept.
        await pilot.press("pagedown")
        await pilot.pause()
        window = table.scrollable_content_region.height - 1
        assert table.cursor_row == 1 + window
        paged = table.rows_drawn
        assert 0 < paged - before <= window + 1
        await pilot.press("pageup", "pagedown")
        await pilot.pause()
        assert table.rows_drawn == paged
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_row == ROWS - 1
        assert f"agent-{ROWS - 1:04d}" in screen_lines(table)[-1]
        await pilot.press("home")
        assert table.cursor_row == 0 and table.scroll_offset.y == 0


async def test_focus_moving_away_and_back_draws_no_row_again() -> None:
    app = Harness()
    async with app.run_test(size=(60, 40)) as pilot:
        table = app.query_one(Table)
        await filled(pilot, table, [row(n) for n in range(ROWS)])
        table.focus()
        table.move_cursor(row=3)
        await pilot.pause()
        before = table.rows_drawn
        app.query_one("#other").focus()
        await pilot.pause()
        table.focus()
        await pilot.pause()
        assert table.rows_drawn == before


async def test_a_row_is_drawn_as_its_cells_say() -> None:
    app = Harness()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(Table)
        styled = Text("stopped", style="bold white on red")
        styled.stylize("italic", 0, 3)
        rows = [
            ("a", (Text("a name long enough to be cut off by the column"), styled, Text("7"))),
            ("b", (Text(""), Text("ünïcode 漢字 x"), Text("12345678"))),
            ("c", (Text("same"), Text("running"), Text("0"))),
        ]
        await filled(pilot, table, rows)
        lines = table.render_lines(table.region.reset_offset)
        width = table.scrollable_content_region.width
        assert all(line.cell_length == width for line in lines)
        header, a, b, c = (line.text for line in lines[:4])
        assert header.split() == ["Name", "State", "Calls"]
        assert a.startswith("a name long enough to …") and "stopped" in a and a.rstrip()[-1] == "7"
        assert "ünïcode…" in b and "1234…" in b  # cut to their columns, widths kept
        assert c.split() == ["same", "running", "0"]
        # The cell's own style, and its span's, are kept.
        stopped = [s for s in lines[1] if s.text in ("sto", "pped")]
        assert [s.text for s in stopped] == ["sto", "pped"]
        assert all(s.style and s.style.bold and s.style.bgcolor for s in stopped)
        assert stopped[0].style and stopped[0].style.italic
        assert stopped[1].style and not stopped[1].style.italic


async def test_the_cursor_looks_as_its_style_says_over_the_cells_colours() -> None:
    app = Harness()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(Table)
        await filled(pilot, table, [row(n) for n in range(10)])  # row 0 is "stuck", red
        table.focus()
        await pilot.pause()
        cursor = table.get_component_rich_style("keyed-table--cursor", partial=True)
        line = table.render_lines(table.region.reset_offset)[1]
        stuck = next(s for s in line if s.text.startswith("stuck"))
        assert isinstance(stuck.style, Style) and cursor.bgcolor is not None
        assert stuck.style.bgcolor == cursor.bgcolor
        lines = table.render_lines(table.region.reset_offset)
        other = next(s for s in lines[8] if "stuck" in s.text)  # row 7, off the cursor
        assert other.style and other.style.color and other.style.bgcolor != cursor.bgcolor


async def test_lazy_rows_are_built_when_drawn_or_filtered_only() -> None:
    """5,000 agents' rows were all built at start to show a screenful (0.56 s in one
    callback): lazy cells are built for the rows drawn, and for a filter to read."""
    app = Harness()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(Table)
        made: list[int] = []

        def lazy(n: int) -> tuple[str, LazyCells]:
            def build() -> Cells:
                made.append(n)
                return row(n)[1]

            return f"agent:{n}", LazyCells(build, len(f"agent-{n:04d}"))

        rows = [lazy(n) for n in range(ROWS)]
        table.sync(rows)
        await pilot.pause()
        assert table.row_count == ROWS
        window = table.scrollable_content_region.height
        assert 0 < len(made) <= window, len(made)
        assert table._column_widths()[0] == len("agent-0000 ")  # from the hint, unbuilt
        table.sync(rows)  # the same lazy cells: nothing built again
        await pilot.pause()
        assert len(made) <= window
        table.set_row_filter("agent-4999")
        await pilot.pause()
        assert table.keys == ["agent:4999"] and len(made) == ROWS


async def test_a_changed_cell_repaints_that_cell_not_its_row(monkeypatch: Any) -> None:
    """Over SSH each repainted span is written again: a rate ticking in the last column
    must not rewrite the agent's name and state before it."""
    app = Harness()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(Table)
        rows = [row(n) for n in range(100)]
        await filled(pilot, table, rows)
        regions = spy_refresh(table, monkeypatch)
        rows[5] = row(5, calls=99)
        table.sync(rows)
        name, state, calls = table._column_widths()
        assert regions == [((Region(name + state, 6, calls, 1),))]
        await pilot.pause()
        assert "99" in screen_lines(table)[6]


async def test_a_row_arriving_on_top_repaints_the_lines_that_moved_not_the_blank_ones(
    monkeypatch: Any,
) -> None:
    """Over SSH every repainted line is written again: a feed's new alert on top of
    three must rewrite four lines, not the whole panel with its blank lines."""
    app = Harness()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(Table)
        rows = [row(n) for n in range(3)]
        await filled(pilot, table, rows)
        given: list[Any] = []
        original = table.refresh

        def spy(*regions: Any, **kw: Any) -> Any:
            given.append((regions, kw))
            return original(*regions, **kw)

        monkeypatch.setattr(table, "refresh", spy)
        table.sync([row(99), *rows])
        painted = [region for regions, kw in given if kw.get("repaint", True) for region in regions]
        assert all(regions for regions, kw in given if kw.get("repaint", True)), given
        assert sorted({region.y for region in painted}) == [1, 2, 3, 4]  # under the header
        await pilot.pause()
        assert [line.split()[0] for line in screen_lines(table)[1:5]] == [
            "agent-0099",
            "agent-0000",
            "agent-0001",
            "agent-0002",
        ]
        assert table.virtual_size.height == 5


async def test_a_line_is_as_wide_as_the_columns_whatever_its_cells() -> None:
    """A row with fewer cells than columns must still paint its whole line: the part
    not drawn over kept what the terminal showed there before (a scrollbar's glyph
    was left in the middle of a row)."""
    app = Harness()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(Table)
        await filled(pilot, table, [("short", (Text("only a name"),))])
        lines = table.render_lines(table.region.reset_offset)
        width = table.scrollable_content_region.width
        assert len(lines[1].text) == width  # the characters themselves, not a claimed length
        assert lines[1].text.startswith("only a name") and not lines[1].text[12:].strip()


class Spilling(KeyedTable):
    FLEX_OVERFLOWS = True
    COLUMNS = (
        ColumnSpec("name", "Name"),
        ColumnSpec("switch", "Switch", 8),
        ColumnSpec("run", "Run", 4, "right"),
        ColumnSpec("state", "State", 8),
    )


class SpillHarness(App[None]):
    def compose(self) -> ComposeResult:
        yield Spilling()


def spilling_row(name: str, switch: str = "", state: str = "running") -> tuple[str, Cells]:
    return name, (Text(name), Text(switch), Text(""), Text(state))


async def test_a_long_name_runs_on_over_the_blank_cells_after_it(monkeypatch: Any) -> None:
    """An agent's name in a narrow panel: over its pack's blank columns, as a
    spreadsheet's text runs on, rather than cut to "campaign-w…"."""
    app = SpillHarness()
    async with app.run_test(size=(34, 8)) as pilot:
        table = app.query_one(Spilling)
        name = "social-scheduler-east"
        rows = [spilling_row(name), spilling_row("ad-optimizer-west", switch="ON")]
        await filled(pilot, table, rows)  # type: ignore[arg-type]
        lines = screen_lines(table)
        flex = table._column_widths()[0]
        assert flex < len(name)  # the name column alone is too narrow for it
        assert lines[1].startswith(f"{name} ") and lines[1].rstrip().endswith("running")
        # A cell that is not blank keeps its column: the name is cut before it.
        assert lines[2].startswith("ad-opti") and "…" in lines[2][:flex]
        assert lines[2][flex:].startswith("ON")
        # A blank cell that fills in repaints the row: the name's run-on is cut back.
        regions = spy_refresh(table, monkeypatch)
        rows[0] = spilling_row(name, switch="STOPPED")
        table.sync(rows)
        assert regions == [(Region(0, 1, table.size.width, 1),)]
        await pilot.pause()
        assert screen_lines(table)[1][flex:].startswith("STOPPED")
        # Only the state changing: that cell alone, the name left as it is.
        regions.clear()
        rows[0] = spilling_row(name, switch="STOPPED", state="stuck")
        table.sync(rows)
        assert len(regions) == 1 and regions[0][0].width == table._column_widths()[3]
