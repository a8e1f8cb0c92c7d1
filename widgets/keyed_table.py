"""A DataTable that is kept in step with a model by key, never cleared and refilled.

``KeyedTable.sync(rows)`` takes the rows as they should be, in order, each a
key and a tuple of ``Text`` cells, and changes the table as little as it can:
rows whose key is gone are removed, new keys are added, and for rows that
stay only the cells whose text or style changed are updated. The order is
restored with one ``sort`` only when it differs. The highlighted row follows
its key, so a new row above it does not move the selection under the user.

A sync costs one pass over the table whatever it changes: DataTable rebuilds
its row order (and drops every render cache) after each ``update_cell`` and
each ``remove_row``, so a storm that changed 200 cells made 200 rebuilds. Here
the changed cells are written, the table's version bumped once, and only the
changed cells' regions repainted; many removals rebuild the row index once.

One column may be *flexible* (``width=None``): its text is truncated to the
width left over by the others and re-fitted when the table is resized.

``row_filter`` (set by ``/``, :class:`widgets.filter_bar.FilterBar`) keeps only the
rows whose text holds it, any case: the rows are filtered before the diff, so a
row that stays keeps its cells and the highlight stays on its key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import ClassVar, Literal

from rich.cells import cell_len
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual._two_way_dict import TwoWayDict
from textual.cache import LRUCache
from textual.geometry import Region
from textual.renderables.styled import Styled
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, CellKey, ColumnKey, RowKey

from widgets.row_filter import matching_rows

__all__ = ["Cells", "ColumnSpec", "KeyedTable"]

Cells = tuple[Text, ...]
MIN_FLEX_WIDTH = 8
# Rendered cells kept: a screenful of a wide table, several times over.
CELL_CACHE_SIZE = 4000


@dataclass(frozen=True)
class ColumnSpec:
    """One column: its key, header and fixed width (None for the flexible one)."""

    key: str
    label: str
    width: int | None = None
    justify: Literal["left", "right"] = "left"


def _unchanged(text: str) -> str:
    return text


def _text_width(cell: object) -> int | None:
    """What DataTable's measure says of a ``Text`` cell (its longest line), or None."""
    if not isinstance(cell, Text):
        return None
    lines = cell.plain.splitlines()
    return max(cell_len(line) for line in lines) if lines else 0


def _signature(cell: Text) -> tuple[str, str, tuple[object, ...]]:
    # rich's Text equality ignores the base style; a change of style must count.
    return (cell.plain, str(cell.style), tuple(cell.spans))


class KeyedTable(DataTable[Text]):
    """Base for the dashboard's tables: keyed rows, diffed updates, one flexible column."""

    DEFAULT_CSS = """
    KeyedTable { height: 1fr; scrollbar-size-vertical: 1; }
    """

    COLUMNS: ClassVar[tuple[ColumnSpec, ...]] = ()
    # Spaces either side of each cell. At 0 (the default: 80 columns are
    # precious) each column gets one space instead, after left-aligned text and
    # before right-aligned numbers, which reads the same with half the waste.
    CELL_PADDING: ClassVar[int] = 0
    # Whether the cursor stays on the top row as new rows arrive there (a feed),
    # while the table is not focused; once someone is on a row it stays theirs.
    FOLLOW_TOP: ClassVar[bool] = False
    # New rows added by one sync at most; the rest follow after the next refresh, a
    # chunk each, so 5,000 new rows never hold the event loop in one long callback
    # (DataTable measures every new cell when idle: that, too, goes a chunk at a time).
    ADD_CHUNK: ClassVar[int] = 250

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", cell_padding=self.CELL_PADDING)
        self._full: dict[str, Cells] = {}
        self._shown: dict[str, Cells] = {}
        self._flex_index = next(
            (i for i, column in enumerate(self.COLUMNS) if column.width is None), None
        )
        self._flex_width = 24
        self._gap = 0 if self.CELL_PADDING else 1
        self.restyle_pending = False
        """True after a style change, until the next ``sync``: cells carry themed styles."""
        self.text_filter: Callable[[str], str] = _unchanged
        """Applied to free text (titles) before display, e.g. PII redaction."""
        self.row_filter = ""
        """Only rows whose text holds this (any case) are shown; empty shows all."""
        self._wanted: list[tuple[str, Cells]] = []
        # Cells written during a sync, repainted together when it ends (None: at once).
        self._pending_cells: list[tuple[RowKey, ColumnKey]] | None = None
        # The rows a sync could not add all of yet; synced again after a refresh.
        self._unfinished: Sequence[tuple[str, Cells]] | None = None
        self._continuing = False
        self.fills = 0
        """How many times rows that took more than one chunk to add were all in."""
        # Each cell's rendering, kept across table versions (see _render_cell).
        self._drawn_cells: LRUCache[tuple[object, ...], tuple[object, list[list[Segment]]]] = (
            LRUCache(CELL_CACHE_SIZE)
        )
        # The same, by what a cell says and how (without its place): "running", "0".
        self._drawn_texts: LRUCache[tuple[object, ...], list[list[Segment]]] = LRUCache(
            CELL_CACHE_SIZE
        )

    def on_mount(self) -> None:
        for column in self.COLUMNS:
            label = self._align(column, Text(column.label))
            width = None if column.width is None else column.width + self._spacing(column)
            self.add_column(label, width=width, key=column.key)

    @property
    def keys(self) -> list[str]:
        """The row keys in display order."""
        return [str(row.key.value) for row in self.ordered_rows]

    def cells(self, key: str) -> Cells | None:
        """The cells of row ``key`` before fitting (None when there is no such row)."""
        return self._full.get(key)

    # -- diffing --------------------------------------------------------------

    def set_row_filter(self, needle: str) -> None:
        """Show only the rows whose text holds ``needle`` (any case); "" shows all."""
        if needle != self.row_filter:
            self.row_filter = needle
            self.sync(self._wanted)

    def sync(self, rows: Sequence[tuple[str, Cells]]) -> None:
        """Make the table show ``rows`` (key, cells) in this order, changing only what differs."""
        self._wanted = list(rows)
        wanted = dict(matching_rows(self._wanted, self.row_filter))
        self.restyle_pending = False
        self._unfinished = None
        selected = self._selected_key()
        gone = [k for k in self._full if k not in wanted]
        self._remove_rows(gone)
        if gone:
            self._shrink_flexible()
        self._pending_cells = []
        room = self.ADD_CHUNK
        try:
            for key, cells in wanted.items():
                old = self._full.get(key)
                if old is None:
                    if room <= 0:
                        self._unfinished = rows
                        continue
                    room -= 1
                    shown = self._fit(cells)
                    self.add_row(*shown, key=key)
                    self._full[key], self._shown[key] = cells, shown
                elif old is cells:
                    continue  # the owner reused the row's cells: unchanged
                elif any(_signature(a) != _signature(b) for a, b in zip(old, cells, strict=True)):
                    self._update_row(key, old, cells)
        finally:
            pending, self._pending_cells = self._pending_cells, None
            self._repaint_cells(pending)
        order = [key for key in wanted if key in self._full]
        if self._unfinished is not None and not self._continuing:
            self._continuing = True
            self.call_after_refresh(self._continue)
        if self.keys != order:
            self._reorder(order)
        self._restore_cursor(selected, order)

    @property
    def complete(self) -> bool:
        """Whether every row of the last sync is in the table (none waits for a chunk)."""
        return self._unfinished is None

    def _continue(self) -> None:
        """Add the next chunk of the rows the last sync could not add at once."""
        self._continuing = False
        if self._unfinished is not None and self.is_mounted:
            self.sync(self._unfinished)
            if self._unfinished is None:
                self.fills += 1

    def _update_row(self, key: str, old: Cells, cells: Cells) -> None:
        shown = list(self._shown[key])
        for index, (before, after) in enumerate(zip(old, cells, strict=True)):
            if _signature(before) == _signature(after):
                continue
            shown[index] = self._fit_cell(index, after)
            flexible = index == self._flex_index
            self.update_cell(key, self.COLUMNS[index].key, shown[index], update_width=flexible)
        self._full[key], self._shown[key] = cells, tuple(shown)

    def update_cell(
        self,
        row_key: RowKey | str,
        column_key: ColumnKey | str,
        value: Text,
        *,
        update_width: bool = False,
    ) -> None:
        """Update one cell, repainting only its row when no column width can change.

        ``DataTable.update_cell`` repaints the whole table, and over SSH every
        repainted row is written again: one changing rate would rewrite the
        Packs table each second. A cell whose width cannot change touches that
        cell only.
        """
        if update_width or not self.is_mounted:
            super().update_cell(row_key, column_key, value, update_width=update_width)
            return
        row = RowKey(row_key) if isinstance(row_key, str) else row_key
        column = ColumnKey(column_key) if isinstance(column_key, str) else column_key
        if row not in self._row_locations or column not in self._column_locations:
            raise CellDoesNotExist(f"No cell exists for row_key={row!r}, column_key={column!r}.")
        # What DataTable.update_cell does, less its whole-table refresh.
        self._data[row][column] = value
        if self._pending_cells is not None:
            self._pending_cells.append((row, column))  # repainted when the sync ends
        else:
            self._repaint_cells([(row, column)])

    def _repaint_cells(self, cells: Sequence[tuple[RowKey, ColumnKey]]) -> None:
        """One new table version for all ``cells``, then each cell's region repainted."""
        if not cells:
            return
        self._update_count += 1
        ordered = self.ordered_rows  # built once for the lot
        tops = list(accumulate((row.height for row in ordered), initial=0))
        header = self.header_height if self.show_header else 0
        widths = [column.get_render_width(self) for column in self.ordered_columns]
        lefts = list(accumulate(widths, initial=self._row_label_column_width))
        for row, column in cells:
            row_index = self._row_locations.get(row)
            column_index = self._column_locations.get(column)
            if row_index is None or column_index is None:
                continue
            region = Region(
                lefts[column_index],
                tops[row_index] + header,
                widths[column_index],
                ordered[row_index].height,
            )
            self._refresh_region(region)

    def _remove_rows(self, keys: Iterable[str]) -> None:
        """Remove rows by key; more than one rebuilds DataTable's row index once, not per row."""
        names = list(keys)
        gone = [RowKey(key) for key in names]
        if len(gone) <= 1 or not self.is_mounted:
            for key in gone:
                self.remove_row(key)
        else:
            doomed = set(gone)
            locations = self._row_locations
            kept = sorted((locations.get(key), key) for key in locations if key not in doomed)
            self._row_locations = TwoWayDict({key: i for i, (_, key) in enumerate(kept)})
            for key in gone:
                for column in self._data[key]:
                    self._updated_cells.discard(CellKey(key, column))
                del self.rows[key], self._data[key]
            # The rest of what DataTable.remove_row does, once.
            self._require_update_dimensions = True
            self.check_idle()
            self.cursor_coordinate = self.cursor_coordinate
            self.hover_coordinate = self.hover_coordinate
            self._update_count += 1
            self.refresh(layout=True)
        for name in names:
            del self._full[name], self._shown[name]

    def _reorder(self, order: list[str]) -> None:
        # DataTable sorts by cell values, not by key; the first cell object of
        # each row is unique to it, so its identity carries the wanted rank.
        rank = {id(self._shown[key][0]): index for index, key in enumerate(order)}
        self.sort(self.COLUMNS[0].key, key=lambda cell: rank.get(id(cell), len(rank)))

    def _selected_key(self) -> str | None:
        if not self.row_count:
            return None
        if self.FOLLOW_TOP and self.cursor_row == 0 and not self.has_focus:
            return None
        try:
            return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)
        except CellDoesNotExist:
            return None

    def _restore_cursor(self, selected: str | None, order: list[str]) -> None:
        if selected is not None and selected in self._full:
            index = order.index(selected)
            if index != self.cursor_row:
                self.move_cursor(row=index, scroll=False)

    # -- the flexible column --------------------------------------------------

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

    def _available_flex_width(self) -> int:
        each = 2 * self.cell_padding + self._gap
        fixed = sum(
            (c.width or 0) + 2 * self.cell_padding + self._spacing(c)
            for c in self.COLUMNS
            if c.width is not None
        )
        # Reserve the vertical scrollbar even when hidden: it appears as rows
        # arrive, without a resize, and must not push the table sideways.
        width = self.size.width - self.styles.scrollbar_size_vertical
        return max(MIN_FLEX_WIDTH, width - fixed - each)

    def _shrink_flexible(self) -> None:
        # DataTable never narrows a column when rows leave: the widest row gone
        # (an agent's long name) would keep its width, pushing the others right.
        if self._flex_index is None or not self.columns:
            return
        column = self.columns.get(ColumnKey(self.COLUMNS[self._flex_index].key))
        if column is None:
            return
        widest = max((c[self._flex_index].cell_len for c in self._shown.values()), default=0)
        width = max(column.label.cell_len, widest)
        if width < column.content_width:
            column.content_width = width
            self._require_update_dimensions = True
            self.refresh()

    def set_columns(self, columns: tuple[ColumnSpec, ...]) -> bool:
        """Lay the table out with ``columns`` instead (a narrower or wider set); the
        rows are dropped, for the owner to show again. True if the set changed."""
        if columns == self.COLUMNS or not self.columns:
            return False
        # An instance attribute shadows the class's layout.
        object.__setattr__(self, "COLUMNS", columns)
        self._flex_index = next((i for i, c in enumerate(columns) if c.width is None), None)
        self.clear(columns=True)
        self._full.clear()
        self._shown.clear()
        KeyedTable.on_mount(self)
        self._flex_width = self._available_flex_width()
        return True

    def on_resize(self, event: events.Resize) -> None:
        """Re-fit the flexible column to the new width."""
        if self._flex_index is None:
            return
        width = self._available_flex_width()
        if width == self._flex_width:
            return
        self._flex_width = width
        column_key = self.COLUMNS[self._flex_index].key
        for key, cells in self._full.items():
            shown = list(self._shown[key])
            shown[self._flex_index] = self._fit_cell(self._flex_index, cells[self._flex_index])
            self._shown[key] = tuple(shown)
            self.update_cell(key, column_key, shown[self._flex_index], update_width=True)

    def notify_style_update(self) -> None:
        """Styles changed (a theme switch): the owner must rebuild the cells' styles."""
        super().notify_style_update()
        self.restyle_pending = True

    # -- drawing: what a new table version leaves alone is not drawn again ------

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        """A cell's lines, drawn again only when the cell itself (or how it is drawn) changed.

        DataTable keys every cached cell by the table's version, which each sync bumps,
        and by its focus: one changed rate, or the focus moving between panels, drew
        every visible cell again (0.3 ms each: with a 60-row panel of agents, most of a
        frame, and keys waited behind it). A cell off the cursor and the hover is drawn
        from its value, ``base_style`` (the table's, with its row's stripe) and its
        place alone (the row index is in its mouse metadata), so it is kept by those; a
        changed cell is a new ``Text`` (``sync`` never edits one in place). The cursor's
        and the hover's cells, whose look follows the focus and the theme, are DataTable's.
        """
        if row_index < 0 or column_index < 0 or cursor or hover:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        if row_key is None or column_key is None or row_key not in self.rows:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row = self.rows[row_key]
        value = self._data[row_key].get(column_key)
        if value is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        key = (row_key, column_key, row_index, row.height, base_style, width, self.cell_padding)
        drawn = self._drawn_cells.get(key)
        if drawn is not None and drawn[0] is value:
            return drawn[1]
        if isinstance(value, Text) and row.height == 1:
            lines = self._render_text_cell(value, row_index, column_index, base_style, width)
        else:
            lines = super()._render_cell(row_index, column_index, base_style, width)
        self._drawn_cells[key] = (value, lines)
        return lines

    def _render_text_cell(
        self, cell: Text, row_index: int, column_index: int, base_style: Style, width: int
    ) -> list[list[Segment]]:
        """What ``DataTable._render_cell`` draws for a one-line ``Text`` cell off the cursor,
        drawn once per text and look: many cells say the same ("running", "0", blanks) and
        differ only by their place, the metadata each segment carries for the mouse."""
        fixed = row_index < self.fixed_rows or column_index < self.fixed_columns
        component_style, post_style = self._get_styles_to_render_cell(
            False,
            False,
            fixed,
            False,
            False,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        look = (
            cell.plain,
            tuple(cell.spans),
            cell.style,
            cell.justify,
            cell.overflow,
            cell.no_wrap,
            cell.end,
            cell.tab_size,
            width,
            self.cell_padding,
            base_style,
            component_style,
            post_style,
        )
        template = self._drawn_texts.get(look)
        if template is None:
            options = self.app.console_options.update_dimensions(width, 1).update(no_wrap=True)
            template = self.app.console.render_lines(
                Styled(
                    Padding(cell, (0, self.cell_padding)),
                    pre_style=base_style + component_style,
                    post_style=post_style,
                ),
                options,
            )
            self._drawn_texts[look] = template
        # The place last: what DataTable puts in the base style adds to no colour.
        place = Style.from_meta({"row": row_index, "column": column_index})
        return [
            [
                Segment(text, style + place if style else place, control)
                for text, style, control in line
            ]
            for line in template
        ]

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """Column widths from the new rows' text, without rendering it.

        DataTable measures each new cell by rendering it (0.06 ms a cell: 5,000 agents'
        rows held the loop ~0.3 s a chunk at start). A one-line ``Text`` cell in a
        one-line row without a label measures its longest line, which is known."""
        others: list[RowKey] = []
        columns = self.ordered_columns
        widths = [column.content_width for column in columns]
        for row_key in new_rows:
            row = self.rows.get(row_key)
            if row is None or row_key not in self._row_locations:
                continue  # removed before the table was idle
            data = self._data.get(row_key, {})
            measured = [_text_width(data.get(column.key)) for column in columns]
            if row.label is not None or row.auto_height or None in measured:
                others.append(row_key)
                continue
            widths = [max(w, m or 0) for w, m in zip(widths, measured, strict=True)]
        for column, width in zip(columns, widths, strict=True):
            column.content_width = width
        super()._update_dimensions(others)
