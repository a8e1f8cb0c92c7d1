"""A footer that fits its width: the most important keys first, `?` always, no key cut.

Textual's own Footer lays every binding out in declaration order and lets the
last ones fall off the edge, so at 80 columns the dashboard lost `k Kill switch`
and at 120 the incident screen lost `?`. Like htop's and lazygit's bottom
lines, this one ranks the keys (a screen declares ``KEY_HINTS``: binding id →
rank and short label), drops whole entries from the least important up until
the short labels fit, gives the most important their long labels back while
there is room, and always keeps help.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.widget import Widget

__all__ = ["FitFooter", "Hint", "fit_hints"]

# Rank of a binding a screen did not rank: after every ranked one.
UNRANKED = 100
GAP = "  "


@dataclass(frozen=True)
class Hint:
    """One footer entry: its keys as shown, long and short labels, and its rank."""

    keys: str
    label: str
    short: str
    rank: int
    is_help: bool = False

    def width(self, short: bool) -> int:
        """Cells this entry takes, with the given label."""
        return len(self.keys) + 1 + len(self.short if short else self.label)


def fit_hints(hints: Iterable[Hint], width: int) -> list[tuple[Hint, str]]:
    """The entries that fit ``width``, most important first and help last, each with
    the label it gets: whole entries are dropped from the least important up until
    the short labels fit, then the most important get their long labels back."""
    ordered = sorted(hints, key=lambda h: (h.is_help, h.rank))
    room = width - 1 + len(GAP)  # each entry is counted with a gap after it; the last has none
    helps = [h for h in ordered if h.is_help]
    kept: list[Hint] = []
    used = sum(h.width(True) + len(GAP) for h in helps)
    for hint in (h for h in ordered if not h.is_help):
        need = hint.width(True) + len(GAP)
        if used + need <= room:
            kept.append(hint)
            used += need
    labels = {id(h): h.short for h in kept + helps}
    for hint in kept + helps:
        extra = len(hint.label) - len(hint.short)
        if used + extra <= room:
            labels[id(hint)] = hint.label
            used += extra
    return [(h, labels[id(h)]) for h in kept + helps]


class FitFooter(Widget):
    """The bindings of the screen in front, ranked, on one line that fits."""

    DEFAULT_CSS = """
    FitFooter {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-description-foreground;
    }
    FitFooter > .fit-footer--key {
        color: $footer-key-foreground;
        text-style: bold;
    }
    """
    COMPONENT_CLASSES = {"fit-footer--key"}

    def on_mount(self) -> None:
        self.watch(self.screen, "focused", self._changed, init=False)
        self.screen.bindings_updated_signal.subscribe(self, self._changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _changed(self, *_: object) -> None:
        self.refresh()

    def hints(self) -> list[Hint]:
        """The screen's shown, enabled bindings as hints (a group is one entry)."""
        ranks: Mapping[str, tuple[int, str]] = getattr(self.screen, "KEY_HINTS", {})
        by_group: dict[str, list[Binding]] = {}
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not (binding.show and binding.description and active.enabled):
                continue
            name = binding.group.description if binding.group else f"{binding.action}"
            if binding not in by_group.setdefault(name, []):
                by_group[name].append(binding)
        hints = []
        for name, bindings in by_group.items():
            first = bindings[0]
            rank, short = ranks.get(first.id or "", (UNRANKED, ""))
            keys = [self.app.get_key_display(b) for b in bindings]
            shown = "".join(keys) if all(len(k) == 1 for k in keys) else " ".join(keys)
            label = name if first.group else first.description
            is_help = first.action in ("app.help", "help")
            hints.append(Hint(shown, label, short or label, 0 if is_help else rank, is_help))
        return hints

    def render(self) -> Text:
        key_style = self.get_component_rich_style("fit-footer--key")
        text = Text(no_wrap=True, overflow="crop", end="")
        for index, (hint, label) in enumerate(fit_hints(self.hints(), self.size.width)):
            if index:
                text.append(GAP)
            text.append(hint.keys, style=key_style)
            text.append(" " + label)
        return text
