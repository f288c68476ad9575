"""`?`: the annotation keys grouped (move, select, label, link, document), then the schema's
guidelines; generated from the live bindings, so a remapped key shows as remapped."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from copydesk.schema.model import LAYERS
from copydesk.tui.app.framework import screen_bindings
from copydesk.tui.app.keys_help import binding_rows
from copydesk.tui.engine.text import safe_rich

if TYPE_CHECKING:
    from copydesk.tui.app.application import CopydeskApp


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close"),
    ]

    app: CopydeskApp  # type: ignore[assignment]

    _width = 72  # text columns inside the help box; set from its real size (on_resize)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(self.keys_text(), id="help-keys")
            yield Static(self.guidelines_text(), id="help-guidelines")

    def on_resize(self, event: events.Resize) -> None:
        """Re-wrap for the box's width: lines break between words, and a continued line keeps
        its indent (the toolkit's own wrap sent continuations to the left edge)."""
        box = self.query_one("#help", VerticalScroll)
        width = max(30, box.content_region.width - 2)  # a column for the scrollbar's gap
        if width != self._width:
            self._width = width
            self.query_one("#help-keys", Static).update(self.keys_text())
            self.query_one("#help-guidelines", Static).update(self.guidelines_text())

    def _wrapped(self, text: Text, value: str, indent: int, style: str = "",
                 first: int | None = None) -> None:
        """Append ``value`` wrapped at word boundaries to the help's width: the first line
        starts after ``first`` columns already used (default ``indent``), later lines at
        ``indent``; a word longer than a line is left whole (the view cuts it) rather than
        split in the middle."""
        lines = textwrap.wrap(" ".join(value.split()), width=max(10, self._width - indent),
                              break_long_words=False, break_on_hyphens=False)
        used = indent if first is None else first
        for n, line in enumerate(lines or [""]):
            pad = max(0, indent - used) if n == 0 else indent
            text.append(" " * pad + line + "\n", style=style)

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
        keymap = self.app.project.config.settings.keymap
        pairs: list[tuple[str, Binding]] = []
        for node in nodes:
            bindings_map = screen_bindings(node).copy()
            if keymap:  # show remapped keys as remapped
                bindings_map.apply_keymap(dict(keymap))
            for key, bindings in bindings_map.key_to_bindings.items():
                pairs.extend((key, b) for b in bindings if b.id)
        return pairs

    def keys_text(self) -> Text:
        text = Text("Keys (esc closes)\n", style="bold underline")
        group = ""
        rows = binding_rows(self.live_bindings())
        # the key column as wide as its longest entry (up to a third of the box)
        column = min(max([16, *(len(r.keys) for r in rows)]), max(16, self._width // 3))
        for row in rows:
            if row.group != group:
                group = row.group
                text.append(f"\n{group}\n", style="bold")
            keys = f"  {row.keys:>{column}}  "
            text.append(keys, style="bold")
            self._wrapped(text, row.description, column + 4, first=len(keys))
        keys = f"  {'label keys':>{column}}  "
        text.append(keys, style="bold")
        self._wrapped(text, "label the selection (or the word under the cursor); while "
                      "linking, also link it", column + 4, first=len(keys))
        return text

    def guidelines_text(self) -> Text:
        schema = self.app.schema  # in the person's own colours, as the article shows them
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
                    self._wrapped(text, label.guideline, 6, first=0)
                for role in label.roles:
                    self._wrapped(text, f"{role.name}: {' | '.join(role.accepts)}"
                                  f"{' (repeats)' if role.repeat else ''}", 6, "dim", first=0)
                for attr in label.attributes:
                    default = f" (default {attr.default})" if attr.default else ""
                    self._wrapped(text, f"{attr.name}: {' | '.join(attr.values)}{default}", 6,
                                  "dim", first=0)
        return safe_rich(text)  # every schema string above, made safe in one pass

    def action_close(self) -> None:
        self.dismiss(None)
