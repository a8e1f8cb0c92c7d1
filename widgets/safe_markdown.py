"""A Markdown viewer for text from elsewhere (a hub's runbook): nothing in it acts.

Textual's ``MarkdownViewer`` follows a clicked link by loading it as a file, and its
``Markdown`` opens URLs in a browser. Here the parser knows no links, images or
HTML (they show as the text they are), a link message is dropped all the same,
and control characters are made visible before parsing, so no escape reaches the
terminal. Markdown is never Textual markup: ``[b]x[/b]`` shows as written.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from textual.widgets import Markdown, MarkdownViewer

from services.domain.textsafe import make_visible

__all__ = ["SafeMarkdownViewer", "inert_parser", "safe_markdown"]

# markdown-it rules that would make something that acts (or raw HTML).
_ACTIVE_RULES = ["link", "image", "autolink", "html_inline", "html_block", "linkify"]


def inert_parser() -> MarkdownIt:
    """A GFM-like parser with links, images, autolinks and HTML turned off."""
    parser = MarkdownIt("gfm-like", {"linkify": False, "html": False})
    parser.disable(_ACTIVE_RULES, ignoreInvalid=True)
    return parser


def safe_markdown(text: str) -> str:
    """``text`` with every control character but the newline made visible."""
    return make_visible(text, keep_newlines=True)


class SafeMarkdownViewer(MarkdownViewer):
    """A scrollable Markdown document in which nothing can be followed or opened."""

    def __init__(
        self, markdown: str, *, start_at: str | None = None, id: str | None = None
    ) -> None:
        self.start_at = start_at
        """The text of the heading to scroll to once the document is laid out."""
        super().__init__(
            safe_markdown(markdown),
            show_table_of_contents=False,
            parser_factory=inert_parser,
            open_links=False,
            id=id,
        )

    def _on_markdown_table_of_contents_updated(
        self, message: Markdown.TableOfContentsUpdated
    ) -> None:
        super()._on_markdown_table_of_contents_updated(message)
        for _, label, block_id in message.table_of_contents:
            if self.start_at is not None and label == self.start_at and block_id is not None:
                block = self.document.query_one(f"#{block_id}")
                self.call_after_refresh(self.scroll_to_widget, block, top=True, animate=False)
                break

    async def _on_markdown_link_clicked(self, message: Markdown.LinkClicked) -> None:
        # The base class would load the target as a file: a hub's text must not.
        message.stop()
