"""Modal pickers: labels (filter as you type, guideline shown) and generic choices."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from copydesk.schema.model import Label
from copydesk.tui.engine.text import safe_block, safe_line, safe_text


@dataclass(frozen=True)
class Choice:
    text: str
    value: Any
    help: str = ""


def filter_labels(labels: Sequence[Label], query: str) -> list[Label]:
    """Labels whose name, hotkey or layer contain every word of the query, best first."""
    words = query.lower().split()
    if not words:
        return list(labels)

    def score(label: Label) -> tuple[int, str]:
        name = label.name.lower()
        return (0 if name.startswith(words[0]) else 1, name)

    hits = [lb for lb in labels
            if all(w in f"{lb.name} {lb.layer} {lb.hotkey or ''}".lower() for w in words)]
    return sorted(hits, key=score)


class _Picker(ModalScreen[Any]):
    """Type to filter, arrows to move, enter to choose, escape to cancel."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="picker.cancel"),
        Binding("down", "move(1)", "Down", show=False, id="picker.down"),
        Binding("up", "move(-1)", "Up", show=False, id="picker.up"),
    ]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.heading = title

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Static(Text(safe_line(self.heading), style="bold"), id="picker-title")
            yield Input(placeholder="type to filter…", id="picker-filter")
            yield OptionList(id="picker-options")
            yield Static(id="picker-help")

    def on_mount(self) -> None:
        self.refill("")
        self.query_one(Input).focus()

    def refill(self, query: str) -> None:
        raise NotImplementedError

    def on_input_changed(self, event: Input.Changed) -> None:
        self.refill(event.value)

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            current = options.highlighted if options.highlighted is not None else -step
            options.highlighted = (current + step) % options.option_count

    def on_input_submitted(self, event: Input.Submitted) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self.choose(options.highlighted)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.choose(event.option_index)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.query_one("#picker-help", Static).update(self.help_for(event.option_index))

    def choose(self, index: int) -> None:
        raise NotImplementedError

    def help_for(self, index: int) -> Text:
        return Text()

    def action_cancel(self) -> None:
        self.dismiss(None)


class LabelPicker(_Picker):
    """Returns the chosen label's name, or None."""

    def __init__(self, labels: Sequence[Label], *, title: str = "Label") -> None:
        super().__init__(title)
        self.labels = list(labels)
        self.shown: list[Label] = []

    def refill(self, query: str) -> None:
        self.shown = filter_labels(self.labels, query)
        options = self.query_one(OptionList)
        options.clear_options()
        for label in self.shown:
            line = Text()
            # schema strings travel with a shared project folder: never drawn raw
            line.append(f"{safe_line(label.hotkey or ' ')} ", style="bold")
            line.append("■ ", style=label.color)
            line.append(safe_line(label.name))
            line.append(f"  {safe_line(label.layer)}", style="dim")
            options.add_option(Option(line, id=label.name))
        if self.shown:
            options.highlighted = 0
        self.query_one("#picker-help", Static).update(self.help_for(0))

    def help_for(self, index: int) -> Text:
        if not 0 <= index < len(self.shown):
            return Text("no label matches", style="dim")
        label = self.shown[index]
        text = Text(safe_block(label.guideline.strip()) or "(no guideline)")
        if label.examples:
            text.append("\ne.g. " + " · ".join(safe_line(e) for e in label.examples[:2]),
                        style="italic dim")
        return text

    def choose(self, index: int) -> None:
        if 0 <= index < len(self.shown):
            self.dismiss(self.shown[index].name)


class ChoicePicker(_Picker):
    """Returns the chosen Choice's value, or None."""

    def __init__(self, choices: Sequence[Choice], *, title: str) -> None:
        super().__init__(title)
        self.choices = list(choices)
        self.shown: list[Choice] = []

    def refill(self, query: str) -> None:
        words = query.lower().split()
        hits = [c for c in self.choices if all(w in c.text.lower() for w in words)]
        # What the annotator types is usually the start of the choice (a role, an attribute):
        # those come first, so enter picks them even when the rest of a line also matches.
        prefix = query.lower().strip()
        self.shown = sorted(hits, key=lambda c: not c.text.lower().startswith(prefix))
        options = self.query_one(OptionList)
        options.clear_options()
        for choice in self.shown:
            options.add_option(Option(safe_text(choice.text)))
        if self.shown:
            options.highlighted = 0
        self.query_one("#picker-help", Static).update(self.help_for(0))

    def help_for(self, index: int) -> Text:
        if 0 <= index < len(self.shown):
            return Text(safe_block(self.shown[index].help))
        return Text("nothing matches", style="dim")

    def choose(self, index: int) -> None:
        if 0 <= index < len(self.shown):
            self.dismiss(self.shown[index].value)
