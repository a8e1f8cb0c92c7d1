"""Untrusted text is shown literally: no markup, no terminal escapes."""

from __future__ import annotations

import pytest
from rich.console import Console

from widgets.safe_text import _redactor, make_visible, redaction_categories, safe_text, shown
from widgets.severity_badge import severity_badge, severity_label


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain title", "plain title"),
        ("\x1b[31mred\x1b[0m", "␛[31mred␛[0m"),
        ("\x1b]52;c;ZXZpbA==\x07", "␛]52;c;ZXZpbA==␇"),  # OSC 52 clipboard write
        ("bell\x07", "bell␇"),
        ("cr\rlf\n", "cr␍lf␊"),
        ("tab\there", "tab␉here"),
        ("nul\x00", "nul␀"),
        ("del\x7f", "del␡"),
        ("csi\x9b31m", "csi\\x9b31m"),
        ("bidi \u202eevil\u202c", "bidi \\u202eevil\\u202c"),
        ("zero\u200bwidth", "zero\\u200bwidth"),
        ("line\u2028sep", "line\\u2028sep"),
        ("café ünïcode 日本", "café ünïcode 日本"),
        ("nbsp\u00a0kept", "nbsp\u00a0kept"),
    ],
)
def test_control_characters_are_made_visible(raw: str, shown: str) -> None:
    assert make_visible(raw) == shown
    assert safe_text(raw).plain == shown


@pytest.mark.parametrize(
    "raw", ["[bold red]x[/]", "[link=http://evil]click[/link]", "[@click=app.quit]q[/]", "[/]"]
)
def test_markup_is_never_parsed(raw: str) -> None:
    text = safe_text(raw)
    assert text.plain == raw
    assert text.spans == []
    console = Console(width=80, record=True, color_system=None)
    console.print(text)
    assert console.export_text().rstrip("\n") == raw


def test_newlines_can_be_kept_for_multi_line_notes() -> None:
    assert safe_text("a\nb\x1b", keep_newlines=True).plain == "a\nb␛"


def test_long_untrusted_text_is_cut() -> None:
    assert safe_text("x" * 500, max_length=10).plain == "x" * 9 + "…"


def test_non_strings_are_shown_as_text() -> None:
    assert safe_text(42).plain == "42"


def test_severity_badges_differ_in_text_not_only_colour() -> None:
    labels = [severity_badge(sev).plain for sev in ("SEV1", "SEV2", "SEV3", "SEV4")]
    assert labels == ["SEV1", "SEV2", "SEV3", "SEV4"]
    assert len(set(labels)) == 4
    assert severity_label("[red]SEV0[/]") == "SEV?"


def test_the_redaction_memo_keeps_what_is_drawn_not_every_string_ever_drawn() -> None:
    """A wall draws the same few strings all day and meets a few new titles an hour:
    the memo holds the ones drawn lately, not every title since it started."""
    memo = _redactor(redaction_categories())
    on_screen = [f"INC-{n} · Payment page down for bob{n}@example.com" for n in range(30)]
    for redraw in range(3000):
        for text in on_screen:
            shown(text)
        shown(f"Incident {redraw}: customer jane{redraw}@example.com")
    assert "Incident 0: customer jane0@example.com" not in memo
    assert on_screen[0] in memo
    assert len(memo) < 600, len(memo)
