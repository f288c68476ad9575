"""`?`: every key binding in force, then the schema's guidelines, generated from the live state."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from copydesk.schema.model import LAYERS

if TYPE_CHECKING:
    from copydesk.tui.app import CopydeskApp


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close"),
    ]

    app: CopydeskApp  # type: ignore[assignment]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(self.keys_text(), id="help-keys")
            yield Static(self.guidelines_text(), id="help-guidelines")

    def keys_text(self) -> Text:
        text = Text("Keys\n", style="bold underline")
        seen: set[tuple[str, str]] = set()
        screens = self.app.screen_stack[:-1]
        below = screens[-1] if screens else None
        nodes = []
        if below is not None:
            nodes.append(below)
            focused = below.focused
            if focused is not None:
                nodes.append(focused)
        nodes.append(self.app)
        for node in nodes:
            for key, binding in node._bindings:
                if not binding.description or (key, binding.description) in seen:
                    continue
                seen.add((key, binding.description))
                text.append(f"  {self.app.get_key_display(binding):>14}  ", style="bold")
                text.append(f"{binding.description}\n")
        text.append("  {:>14}  {}\n".format("label key", "label the selection (or the word "
                                              "under the cursor) — see below"), style="")
        return text

    def guidelines_text(self) -> Text:
        schema = self.app.project.store.schema
        text = Text(f"\nSchema {schema.name} {schema.version}\n", style="bold underline")
        for layer in LAYERS:
            labels = schema.layer(layer)
            if not labels:
                continue
            text.append(f"\n{layer}\n", style="bold")
            for label in labels:
                text.append(f"  [{label.hotkey or ' '}] ", style="bold")
                text.append("■ ", style=label.color)
                text.append(f"{label.name}\n", style="bold")
                if label.guideline:
                    text.append(f"      {label.guideline.strip()}\n")
                for role in label.roles:
                    text.append(f"      {role.name}: {' | '.join(role.accepts)}"
                                f"{' (repeats)' if role.repeat else ''}\n", style="dim")
                for attr in label.attributes:
                    text.append(f"      {attr.name}: {' | '.join(attr.values)}\n", style="dim")
        return text

    def action_close(self) -> None:
        self.dismiss(None)
