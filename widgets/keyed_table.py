"""A windowed table kept in step with a model by key: only the rows on screen are drawn.

``KeyedTable.sync(rows)`` takes the rows as they should be, in order, each a
key and a tuple of ``Text`` cells. The table keeps that list (by reference: the
cells are the owner's) and draws, line by line, only the rows in its window. A
sync costs one cheap pass over the keys whatever the table holds (5,000 agents
or seven packs): the rows whose cells changed are noted, and those of them on
screen are repainted, a line each. The highlighted row follows its key, so a
new row above it does not move the selection under the user.

Built on ``ScrollView`` rather than ``DataTable``: DataTable holds a row object,
a cell dict and caches for every row, rebuilds its row order after each change,
measures each new cell by rendering it, and keys its line cache by the cursor,
so one key press drew every visible row again (with 5,007 agent rows beside the
feed at 200x60, keys waited up to 0.1-0.2 s behind those redraws; issue 12).
Here a row's line is rendered when it comes into view or its cells change, and
kept (an LRU of a few screenfuls); moving the cursor repaints two lines.

One column may be *flexible* (``width=None``): its text is truncated to the
width left over by the others and re-fitted when the table is resized. It is
as wide as its widest row, or with ``FLEX_FILLS`` always the room left.

``row_filter`` (set by ``/``, :class:`widgets.filter_bar.FilterBar`) keeps only the
rows whose text holds it, any case: the rows are filtered before the diff, so a
row that stays keeps its cells and the highlight stays on its key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.coordinate import Coordinate
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets.data_table import CellDoesNotExist, CellKey, ColumnKey, RowKey

from widgets.row_filter import matching_rows

__all__ = ["Cells", "ColumnSpec", "KeyedTable", "LazyCells", "RowCells", "built"]

Cells = tuple[Text, ...]
MIN_FLEX_WIDTH = 8
# Rendered rows kept: several screenfuls of the tallest panel.
ROW_CACHE_SIZE = 600


@dataclass(frozen=True)
class ColumnSpec:
    """One column: its key, header and fixed width (None for the flexible one)."""

    key: str
    label: str
    width: int | None = None
    justify: Literal["left", "right"] = "left"


def _unchanged(text: str) -> str:
    return text


def _signature(cell: Text) -> tuple[str, str, tuple[object, ...]]:
    # rich's Text equality ignores the base style; a change of style must count.
    return (cell.plain, str(cell.style), tuple(cell.spans))


def _same(old: RowCells, new: RowCells) -> bool:
    if isinstance(old, LazyCells) or isinstance(new, LazyCells):
        return old is new  # the owner made a new one: it changed (not built to compare)
    return old is new or (
        len(old) == len(new)
        and all(_signature(a) == _signature(b) for a, b in zip(old, new, strict=True))
    )


class LazyCells:
    """A row's cells, built the first time they are needed: when the row is drawn, a
    filter reads it, or someone asks for them. 5,000 agents' rows are not all built to
    show a screenful of them (building them was 0.56 s of one callback at start).
    ``flex_length`` says how long the flexible cell will be, for the column's width."""

    __slots__ = ("_build", "_cells", "flex_length")

    def __init__(self, build: Callable[[], Cells], flex_length: int = 0) -> None:
        self._build = build
        self._cells: Cells | None = None
        self.flex_length = flex_length

    @property
    def built(self) -> Cells | None:
        """The cells if they were built, else None."""
        return self._cells

    def get(self) -> Cells:
        """The cells, built now if they were not yet."""
        if self._cells is None:
            self._cells = self._build()
        return self._cells


RowCells = Cells | LazyCells


def built(cells: RowCells) -> Cells:
    """The cells themselves, built if they were lazy."""
    return cells.get() if isinstance(cells, LazyCells) else cells


def _segments(cell: Text, console: Console) -> list[Segment]:
    """A one-line cell's segments in its own styles (``Text.render`` leaves out the
    text's base style when it has no spans)."""
    if cell.spans:
        return list(cell.render(console))
    return [Segment(cell.plain, console.get_style(cell.style, default=Style.null()))]


class KeyedTable(ScrollView, can_focus=True):
    """Base for the dashboard's tables: keyed rows, windowed drawing, one flexible column."""

    DEFAULT_CSS = """
    KeyedTable {
        height: 1fr;
        max-height: 100%;
        scrollbar-size-vertical: 1;
        background: $surface;
        color: $foreground;
        &:focus {
            background-tint: $foreground 5%;
            & > .keyed-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .keyed-table--header { background-tint: $foreground 5%; }
        }
        & > .keyed-table--header { text-style: bold; background: $panel; color: $foreground; }
        &:ansi > .keyed-table--header { background: ansi_bright_blue; color: ansi_default; }
        & > .keyed-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"keyed-table--header", "keyed-table--cursor"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Select", show=False),
        Binding("up", "cursor_up", "Cursor up", show=False),
        Binding("down", "cursor_down", "Cursor down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,ctrl+home", "first", "First", show=False),
        Binding("end,ctrl+end", "last", "Last", show=False),
    ]

    COLUMNS: ClassVar[tuple[ColumnSpec, ...]] = ()
    # Spaces either side of each cell. At 0 (the default: 80 columns are
    # precious) each column gets one space instead, after left-aligned text and
    # before right-aligned numbers, which reads the same with half the waste.
    CELL_PADDING: ClassVar[int] = 0
    # Whether the cursor stays on the top row as new rows arrive there (a feed),
    # while the table is not focused; once someone is on a row it stays theirs.
    FOLLOW_TOP: ClassVar[bool] = False
    # Whether the flexible column always takes all the room left (a feed: sized to
    # its widest row, the columns after it moved sideways as a storm's rows came
    # and went), rather than only as much as its widest row needs.
    FLEX_FILLS: ClassVar[bool] = False
    # Whether a flexible cell too long for its column runs on over the blank cells
    # after it, as a spreadsheet's text does (an agent's name over its pack's columns).
    FLEX_OVERFLOWS: ClassVar[bool] = False
    # A sync that brings this many new rows or more counts as a fill (``fills``).
    FILL_ROWS: ClassVar[int] = 250

    class RowSelected(Message):
        """Enter (or a click on the highlighted row) on a row."""

        def __init__(self, data_table: KeyedTable, cursor_row: int, row_key: RowKey) -> None:
            super().__init__()
            self.data_table = data_table
            self.cursor_row = cursor_row
            self.row_key = row_key

        @property
        def control(self) -> KeyedTable:
            """The table."""
            return self.data_table

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._wanted: list[tuple[str, RowCells]] = []
        self._order: list[str] = []
        self._index: dict[str, int] = {}
        self._full: dict[str, RowCells] = {}
        # The flexible cell's length in each row (fitted later, when drawn).
        self._flex_lengths: dict[str, int] = {}
        self._flex_index = next(
            (i for i, column in enumerate(self.COLUMNS) if column.width is None), None
        )
        self._flex_width = 24
        self._gap = 0 if self.CELL_PADDING else 1
        self._widths: tuple[int, ...] = ()
        self._cursor = 0
        self._kept: str | None = None
        # Each row's line without the table's styles, by key, with what it was drawn from.
        self._lines: LRUCache[str, tuple[RowCells, tuple[int, ...], Strip]]
        self._lines = LRUCache(ROW_CACHE_SIZE)
        self._look: tuple[Style, Style, Style] | None = None
        self.restyle_pending = False
        """True after a style change, until the next ``sync``: cells carry themed styles."""
        self.text_filter: Callable[[str], str] = _unchanged
        """Applied to free text (titles) before display, e.g. PII redaction."""
        self.row_filter = ""
        """Only rows whose text holds this (any case) are shown; empty shows all."""
        self.fills = 0
        """How many syncs brought ``FILL_ROWS`` new rows or more (``A`` listing 5,000
        agents): the console freezes what they built, as it does the first snapshot."""
        self.rows_drawn = 0
        """How many row lines were rendered (not taken from the cache): what a test or a
        benchmark counts to see that only the window is drawn."""

    def on_mount(self) -> None:
        self._layout_columns()

    # -- what DataTable offered, on keys ----------------------------------------

    @property
    def keys(self) -> list[str]:
        """The row keys in display order."""
        return list(self._order)

    def cells(self, key: str) -> Cells | None:
        """The cells of row ``key`` before fitting (None when there is no such row)."""
        cells = self._full.get(key)
        return None if cells is None else built(cells)

    @property
    def row_count(self) -> int:
        """How many rows are shown (after the filter)."""
        return len(self._order)

    @property
    def cursor_row(self) -> int:
        """The index of the highlighted row."""
        return self._cursor

    @property
    def cursor_coordinate(self) -> Coordinate:
        """The highlighted row, as DataTable's coordinate (column 0)."""
        return Coordinate(self._cursor, 0)

    @property
    def complete(self) -> bool:
        """Whether every row of the last sync is in the table (always: rows are windowed)."""
        return True

    def coordinate_to_cell_key(self, coordinate: Coordinate) -> CellKey:
        """The row and column keys at ``coordinate``."""
        row, column = coordinate
        if not 0 <= row < len(self._order) or not 0 <= column < len(self.COLUMNS):
            raise CellDoesNotExist(f"No cell at {coordinate}.")
        return CellKey(RowKey(self._order[row]), ColumnKey(self.COLUMNS[column].key))

    def get_row(self, key: str) -> list[Text]:
        """Row ``key``'s cells as shown (fitted to their columns)."""
        cells = self._full.get(key)
        if cells is None:
            raise CellDoesNotExist(f"No row {key!r}.")
        return list(self._fit(built(cells)))

    def get_cell(self, key: str, column: str) -> Text:
        """One cell of row ``key`` as shown."""
        for index, spec in enumerate(self.COLUMNS):
            if spec.key == column:
                return self.get_row(key)[index]
        raise CellDoesNotExist(f"No column {column!r}.")

    def get_row_index(self, key: str) -> int:
        """Where row ``key`` is shown."""
        return self._index[key]

    # -- diffing --------------------------------------------------------------

    def set_row_filter(self, needle: str) -> None:
        """Show only the rows whose text holds ``needle`` (any case); "" shows all."""
        if needle != self.row_filter:
            self.row_filter = needle
            self.sync(self._wanted)

    def filter_rows(
        self, rows: Sequence[tuple[str, RowCells]], needle: str
    ) -> Sequence[tuple[str, RowCells]]:
        """The rows a ``/`` filter for ``needle`` keeps: those whose text holds it."""
        everything = [(key, built(cells)) for key, cells in rows]
        keep = {key for key, _ in matching_rows(everything, needle)}
        return [(key, cells) for key, cells in rows if key in keep]

    def sync(self, rows: Sequence[tuple[str, RowCells]]) -> None:
        """Make the table show ``rows`` (key, cells) in this order, repainting only what
        differs on screen. Cells may be :class:`LazyCells`, built when drawn."""
        self._wanted = list(rows)
        wanted = self._wanted
        shown = self.filter_rows(wanted, self.row_filter) if self.row_filter.strip() else wanted
        self.restyle_pending = False
        selected = self._selected_key() if self._order else self._kept
        self._kept = None
        old_full, old_order = self._full, self._order
        full = dict(shown)
        order = list(full)
        changed: list[tuple[str, RowCells]] = []  # with the cells they had
        new = 0
        flex = self._flex_index
        lengths = self._flex_lengths
        for key, cells in full.items():
            old = old_full.get(key)
            if old is cells:
                continue
            if old is None:
                new += 1
            elif _same(old, cells):
                full[key] = old  # keep the drawn line's cells
                continue
            else:
                changed.append((key, old))
            if flex is not None:
                lengths[key] = (
                    cells.flex_length if isinstance(cells, LazyCells) else cells[flex].cell_len
                )
        if len(lengths) > len(full):
            self._flex_lengths = {key: lengths[key] for key in full}
        if new >= self.FILL_ROWS:
            self.fills += 1
        self._full, self._order = full, order
        if order != old_order:
            self._index = {key: index for index, key in enumerate(order)}
        widths = self._column_widths()
        if widths != self._widths:
            self._widths = widths
            self._set_virtual_size()
            self._restore_cursor(selected)
            self.refresh()
            return
        if order != old_order:
            self._set_virtual_size(quiet=True)
        self._restore_cursor(selected)
        top = int(self.scroll_offset.y)
        bottom = top + self._window_height()
        moved: set[int] = set()
        if order != old_order:
            # Only the window's lines that now show another row (a row arriving on top
            # moves those below it; the blank lines under the last row stay as they are).
            for index in range(top, bottom):
                old_key = old_order[index] if index < len(old_order) else None
                new_key = order[index] if index < len(order) else None
                if old_key != new_key:
                    moved.add(index)
                    self._refresh_row(index)
        for key, was in changed:
            index = self._index[key]
            if top <= index < bottom and index not in moved:
                self._refresh_changed(index, was, built(full[key]))

    def _refresh_changed(self, index: int, was: RowCells, cells: Cells) -> None:
        """Repaint the cells of row ``index`` that differ from what it ``was``: over SSH a
        repainted span is written again, and one rate or timer must not rewrite its row."""
        before = was.built if isinstance(was, LazyCells) else was
        if before is None or len(before) != len(cells) or self._blanks_moved(before, cells):
            self._refresh_row(index)
            return
        y = index - int(self.scroll_offset.y) + self._header_height()
        x = -int(self.scroll_offset.x)
        regions = []
        for old, new, width in zip(before, cells, self._widths, strict=False):
            if _signature(old) != _signature(new):
                regions.append(Region(x, y, width, 1))
            x += width
        if regions:
            self.refresh(*regions)

    def _blanks_moved(self, before: Cells, cells: Cells) -> bool:
        """Whether a cell the flexible one may run on over became blank or stopped
        being blank: then the whole row is repainted, not only the changed cells."""
        return self.FLEX_OVERFLOWS and any(
            (old.cell_len == 0) != (new.cell_len == 0)
            for old, new in zip(before, cells, strict=False)
        )

    def _selected_key(self) -> str | None:
        if not self._order:
            return None
        if self.FOLLOW_TOP and self._cursor == 0 and not self.has_focus:
            return None
        return self._order[min(self._cursor, len(self._order) - 1)]

    def _restore_cursor(self, selected: str | None) -> None:
        index = self._index.get(selected) if selected is not None else None
        if index is None:
            index = min(self._cursor, max(0, len(self._order) - 1))
        if index != self._cursor:
            self._refresh_row(self._cursor)
            self._cursor = index
            self._refresh_row(index)

    # -- the cursor -------------------------------------------------------------

    def move_cursor(self, *, row: int | None = None, scroll: bool = True, **_: object) -> None:
        """Highlight row ``row`` (clamped), scrolling it into view unless ``scroll`` is False."""
        if row is None or not self._order:
            return
        row = max(0, min(len(self._order) - 1, row))
        if row != self._cursor:
            self._refresh_row(self._cursor)
            self._cursor = row
            self._refresh_row(row)
        if scroll:
            self._scroll_to_row(row)

    def _scroll_to_row(self, row: int) -> None:
        top = int(self.scroll_offset.y)
        height = self._window_height()
        # Forced: right after a sync that grew the table Textual has not yet laid out
        # its scrollbar and would refuse an unforced scroll (the cursor off screen).
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True, force=True)
        elif row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False, immediate=True, force=True)

    def action_cursor_up(self) -> None:
        """Up one row."""
        self.move_cursor(row=self._cursor - 1)

    def action_cursor_down(self) -> None:
        """Down one row."""
        self.move_cursor(row=self._cursor + 1)

    def action_page_up(self) -> None:
        """Up a screenful."""
        self.move_cursor(row=self._cursor - self._window_height())

    def action_page_down(self) -> None:
        """Down a screenful."""
        self.move_cursor(row=self._cursor + self._window_height())

    def action_first(self) -> None:
        """The first row."""
        self.move_cursor(row=0)

    def action_last(self) -> None:
        """The last row."""
        self.move_cursor(row=len(self._order) - 1)

    def action_select_cursor(self) -> None:
        """Enter: announce the highlighted row."""
        if self._order:
            key = self._order[self._cursor]
            self.post_message(self.RowSelected(self, self._cursor, RowKey(key)))

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < self._header_height():
            return
        row = int(self.scroll_offset.y) + offset.y - self._header_height()
        if row >= len(self._order):
            return
        again = row == self._cursor
        self.move_cursor(row=row)
        if again:
            self.action_select_cursor()

    # -- the columns --------------------------------------------------------------

    def _trail(self, column: ColumnSpec) -> int:
        # A right-aligned column gets its gap before it from the alignment; one
        # followed by a left-aligned column needs one after it too.
        index = self.COLUMNS.index(column)
        following = self.COLUMNS[index + 1] if index + 1 < len(self.COLUMNS) else None
        left_next = following is not None and following.justify == "left"
        return self._gap if column.justify == "right" and left_next else 0

    def _spacing(self, column: ColumnSpec) -> int:
        return self._gap + self._trail(column)

    def _align(self, column: ColumnSpec, cell: Text) -> Text:
        """Right-align by padding: Rich's own right justification drops trailing spaces."""
        if column.justify != "right" or column.width is None:
            return cell
        width = column.width + self._gap
        padded = Text(" " * max(0, width - cell.cell_len), end="")
        padded.append_text(cell)
        padded.append(" " * self._trail(column))
        return padded

    def _fit_cell(self, index: int, cell: Text) -> Text:
        if index != self._flex_index:
            # A fixed column cuts its text with an ellipsis, keeping the gap after it:
            # "stop_confirmed" must not run into the next column.
            column = self.COLUMNS[index]
            if column.width is not None and cell.cell_len > column.width:
                cell = cell.copy()
                cell.truncate(column.width, overflow="ellipsis")
            return self._align(column, cell)
        if cell.cell_len <= self._flex_width and not self._gap:
            return cell
        fitted = cell.copy()
        fitted.truncate(self._flex_width, overflow="ellipsis")
        if self._gap:
            fitted.append(" ")
        return fitted

    def _fit(self, cells: Cells) -> Cells:
        return tuple(self._fit_cell(index, cell) for index, cell in enumerate(cells))

    def _column_widths(self) -> tuple[int, ...]:
        """Each column's width in cells, padding included."""
        pad = 2 * self.CELL_PADDING
        widths = []
        for column in self.COLUMNS:
            if column.width is not None:
                widths.append(column.width + self._spacing(column) + pad)
                continue
            if self.FLEX_FILLS:
                content = self._flex_width
            else:
                widest = max(self._flex_lengths.values(), default=0)
                content = min(self._flex_width, max(widest, len(column.label)))
            widths.append(content + self._gap + pad)
        return tuple(widths)

    def _available_flex_width(self) -> int:
        each = 2 * self.CELL_PADDING + self._gap
        fixed = sum(
            (c.width or 0) + 2 * self.CELL_PADDING + self._spacing(c)
            for c in self.COLUMNS
            if c.width is not None
        )
        # Reserve the vertical scrollbar even when hidden: it appears as rows
        # arrive, without a resize, and must not push the table sideways.
        width = self.size.width - self.styles.scrollbar_size_vertical
        return max(MIN_FLEX_WIDTH, width - fixed - each)

    def _layout_columns(self) -> None:
        self._flex_width = self._available_flex_width()
        self._widths = self._column_widths()
        self._set_virtual_size()

    def set_columns(self, columns: tuple[ColumnSpec, ...]) -> bool:
        """Lay the table out with ``columns`` instead (a narrower or wider set); the
        rows are dropped, for the owner to show again. True if the set changed."""
        if columns == self.COLUMNS:
            return False
        # An instance attribute shadows the class's layout.
        object.__setattr__(self, "COLUMNS", columns)
        self._kept = self._selected_key()  # the cursor's row, found again in the next sync
        self._flex_index = next((i for i, c in enumerate(columns) if c.width is None), None)
        self._full, self._order, self._index = {}, [], {}
        self._flex_lengths.clear()
        self._lines.clear()
        self._layout_columns()
        self.refresh()
        return True

    def on_resize(self, event: events.Resize) -> None:
        """Re-fit the flexible column to the new width."""
        width = self._available_flex_width()
        if width != self._flex_width:
            self._flex_width = width
            self._widths = self._column_widths()
            self._set_virtual_size()
            self.refresh()

    def notify_style_update(self) -> None:
        """Styles changed (a theme switch, the focus): the owner must rebuild the cells'
        themed styles."""
        super().notify_style_update()
        self._look = None
        self.restyle_pending = True

    # -- drawing: the window only ---------------------------------------------------

    def _header_height(self) -> int:
        return 1 if self.COLUMNS else 0

    def _window_height(self) -> int:
        return max(1, self.scrollable_content_region.height - self._header_height())

    def _set_virtual_size(self, *, quiet: bool = False) -> None:
        """The virtual size from the rows and columns. ``quiet``: without repainting the
        whole window (the virtual size is a reactive that repaints it all; over SSH that
        rewrote every blank line under a feed's rows each time one arrived)."""
        size = Size(sum(self._widths), len(self._order) + self._header_height())
        if size == self.virtual_size:
            return
        if quiet and self.is_mounted:
            self.set_reactive(KeyedTable.virtual_size, size)
            self._scroll_update(size)  # the scrollbars' own repaint
            self.refresh(repaint=False, layout=True)
        else:
            self.virtual_size = size

    def _refresh_row(self, index: int) -> None:
        y = index - int(self.scroll_offset.y) + self._header_height()
        if 0 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def _styles(self) -> tuple[Style, Style, Style]:
        """The table's base, header and cursor styles, looked up once per style change."""
        if self._look is None:
            self._look = (
                self.rich_style,
                self.get_component_styles("keyed-table--header").rich_style,
                self.get_component_styles("keyed-table--cursor").rich_style,
            )
        return self._look

    def _spans(self, cells: Cells) -> list[tuple[Text, int]]:
        """Each cell fitted, with the width it is drawn in: its column's, or with
        ``FLEX_OVERFLOWS`` a long flexible cell's column and the blank ones after it."""
        widths = self._widths
        count = min(len(cells), len(widths))
        frame = 2 * self.CELL_PADDING + self._gap  # what a span keeps around its text
        spans: list[tuple[Text, int]] = []
        index = 0
        while index < count:
            cell, width = cells[index], widths[index]
            end = index + 1
            if self.FLEX_OVERFLOWS and index == self._flex_index:
                while end < count and cells[end].cell_len == 0 and cell.cell_len > width - frame:
                    width += widths[end]
                    end += 1
            if end > index + 1:
                fitted = cell.copy()
                fitted.truncate(width - frame, overflow="ellipsis")
                fitted.append(" " * self._gap)
            else:
                fitted = self._fit_cell(index, cell)
            spans.append((fitted, width))
            index = end
        return spans

    def _line(self, cells: Cells) -> Strip:
        """A row's cells fitted and laid side by side, in their own styles only."""
        console = self.app.console
        pad = self.CELL_PADDING
        segments: list[Segment] = []
        for fitted, width in self._spans(cells):
            if pad:
                segments.append(Segment(" " * pad))
            drawn = Strip(_segments(fitted, console))
            room = width - 2 * pad
            if drawn.cell_length != room:
                drawn = drawn.crop_extend(0, room, None)
            segments.extend(drawn)
            if pad:
                segments.append(Segment(" " * pad))
        # As wide as the columns even if the cells were fewer: what is not drawn over
        # keeps what the terminal showed there before.
        return Strip(segments).extend_cell_length(sum(self._widths))

    def _row_line(self, key: str) -> Strip:
        cells = self._full[key]
        cached = self._lines.get(key)
        if cached is not None and cached[0] is cells and cached[1] == self._widths:
            return cached[2]
        self.rows_drawn += 1
        line = self._line(built(cells))
        self._lines.discard(key)  # LRUCache.set keeps an entry it already holds
        self._lines[key] = (cells, self._widths, line)
        return line

    def _header_line(self) -> Strip:
        labels = tuple(self._align(c, Text(c.label, end="")) for c in self.COLUMNS)
        console = self.app.console
        segments: list[Segment] = []
        for label, width in zip(labels, self._widths, strict=False):
            drawn = Strip(_segments(label, console)).crop_extend(0, width, None)
            segments.extend(drawn)
        return Strip(segments, sum(self._widths))

    def render_line(self, y: int) -> Strip:
        """Line ``y`` of the window: the header, or row ``scroll_y + y - 1``."""
        base, header, cursor = self._styles()
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        if y < self._header_height():
            line, style = self._header_line(), base + header
        else:
            index = int(scroll_y) + y - self._header_height()
            if index >= len(self._order):
                return Strip.blank(width, base)
            line = self._row_line(self._order[index])
            if index == self._cursor:
                # As DataTable: the cursor's colour and text style win over the cell's
                # own, the cell's background (a severity badge) over the cursor's.
                style = base + cursor
                under = base + cursor.background_style
                over = cursor.without_color + Style(color=cursor.color)
                segments = [Segment(text, under + s + over if s else style) for text, s, _ in line]
                return Strip(segments, line.cell_length).crop_extend(
                    int(scroll_x), int(scroll_x) + width, style
                )
            style = base
        styled = Strip(
            [Segment(text, style + s if s else style) for text, s, _ in line],
            line.cell_length,
        )
        return styled.crop_extend(int(scroll_x), int(scroll_x) + width, style)
