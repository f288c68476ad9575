"""Mark a document done, skipped or flagged, with a comment for the lead."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

CHOICES = (
    ("done", "Done: every span is labelled"),
    ("skipped", "Skipped: not worth annotating (duplicate, off topic, empty)"),
    ("flagged", "Flagged: needs a lead's eye (say why in the comment)"),
    ("in_progress", "In progress: back to work later"),
)


class StatusScreen(ModalScreen[tuple[str, str] | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="status.cancel"),
    ]

    def __init__(self, current: str, comment: str) -> None:
        super().__init__()
        self.current = current
        self.comment = comment

    def compose(self) -> ComposeResult:
        with Vertical(id="status-dialog"):
            yield Static(Text(f"Mark this document (now: {self.current})", style="bold"))
            yield OptionList(*[Option(text, id=key) for key, text in CHOICES], id="status-options")
            yield Input(value=self.comment, placeholder="comment (optional; enter saves)",
                        id="status-comment")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        keys = [key for key, _ in CHOICES]
        options.highlighted = keys.index(self.current) if self.current in keys else 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        options = self.query_one(OptionList)
        index = options.highlighted if options.highlighted is not None else 0
        self.dismiss((CHOICES[index][0], event.value.strip()))

    def action_cancel(self) -> None:
        self.dismiss(None)
