"""`?`: the annotation keys grouped (move, select, label, link, document), then the schema's
guidelines; generated from the live bindings, so a remapped key shows as remapped."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from copydesk.schema.model import LAYERS
from copydesk.tui.framework import screen_bindings
from copydesk.tui.keys_help import binding_rows
from copydesk.tui.text import safe_rich

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

    def live_bindings(self) -> list[tuple[str, Binding]]:
        """(key, binding) in force on the screen below: its focused widget's first (the article
        view's moves), then the screen's, then the app's; only bindings with an id."""
        screens = self.app.screen_stack[:-1]
        below = screens[-1] if screens else None
        nodes = []
        if below is not None:
            if below.focused is not None:
                nodes.append(below.focused)
            nodes.append(below)
        nodes.append(self.app)
        keymap = self.app.project.config.settings.get("keymap")
        pairs: list[tuple[str, Binding]] = []
        for node in nodes:
            bindings_map = screen_bindings(node).copy()
            if isinstance(keymap, dict) and keymap:  # show remapped keys as remapped
                bindings_map.apply_keymap({str(k): str(v) for k, v in keymap.items()})
            for key, bindings in bindings_map.key_to_bindings.items():
                pairs.extend((key, b) for b in bindings if b.id)
        return pairs

    def keys_text(self) -> Text:
        text = Text("Keys (esc closes)\n", style="bold underline")
        group = ""
        for row in binding_rows(self.live_bindings()):
            if row.group != group:
                group = row.group
                text.append(f"\n{group}\n", style="bold")
            text.append(f"  {row.keys:>16}  ", style="bold")
            text.append(f"{row.description}\n")
        text.append("  {:>16}  {}\n".format("label keys", "label the selection (or the word "
                                              "under the cursor); while linking, also link it"))
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
        return safe_rich(text)  # every schema string above, made safe in one pass

    def action_close(self) -> None:
        self.dismiss(None)
