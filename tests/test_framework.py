"""What tui/app/framework.py and tui/engine/palette.py assume of Textual and Rich, checked
against the installed release: each test fails (never falls back) when an upgrade changes it."""

from __future__ import annotations

import string
from typing import ClassVar

from rich._palettes import STANDARD_PALETTE
from textual.app import App
from textual.binding import Binding, BindingsMap, BindingType
from textual.keys import _character_to_key
from textual.screen import Screen

from copydesk.tui.app.framework import key_for_character, screen_bindings
from copydesk.tui.engine.palette import STANDARD_16


def test_key_names_match_textuals_own() -> None:
    """Schema hotkeys and keymap entries name keys as Textual dispatches them."""
    chars = (string.printable.strip() + "äéñßçøœ€£§°±×÷«»“”‘’—–…"
             + "قالهەولێر٢" + "\u00a0\u200d")
    assert [key_for_character(c) for c in chars] == [_character_to_key(c) for c in chars]
    assert key_for_character("/") == "slash" and key_for_character("?") == "question_mark"


def test_the_16_colour_palette_is_richs() -> None:
    assert [tuple(STANDARD_PALETTE[i]) for i in range(16)] == list(STANDARD_16)


class _Probe(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("x", "noop", "No-op", id="probe.noop")]

    def action_noop(self) -> None:
        self.app.exit("static")

    def action_label(self, name: str) -> None:
        self.app.exit(name)


async def test_a_key_bound_on_a_live_screen_is_dispatched() -> None:
    """What the annotation screen does with label hotkeys when the schema changes under it."""

    class ProbeApp(App[str]):
        def on_mount(self) -> None:
            self.push_screen(_Probe())

    app = ProbeApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        bindings = screen_bindings(app.screen)
        assert isinstance(bindings, BindingsMap) and "x" in bindings.key_to_bindings
        bindings.key_to_bindings["q"] = [Binding("q", "label('PERSON')", "PERSON",
                                                 show=False, id="label.PERSON")]
        app.screen.refresh_bindings()
        await pilot.press("q")
        await pilot.pause()
    assert app.return_value == "PERSON"
