"""The one place copydesk reaches past Textual's public API, and why each reach is needed.

Everything else in the package uses public Textual and Rich only (tests/test_architecture.py
checks that no other module imports a private name of either). Each function here has a test in
tests/test_framework.py that fails, instead of falling back, when the Textual release we pin
(pyproject.toml: the tested minor version) changes what it relies on.

- ``key_for_character``: Textual names a printed key by its Unicode name (``"/"`` is
  ``"slash"``, ``"ä"`` is ``"latin_small_letter_a_with_diaeresis"``), through a private helper;
  ours applies the same public tables (``textual.keys.KEY_NAME_REPLACEMENTS``,
  ``ASCII_KEY_NAMES``) to the same rule, so a schema hotkey and a keymap entry resolve to the
  key names Textual dispatches.
- ``screen_bindings``: label hotkeys come from the project's schema, which the lead may change
  while the screen is open (``schema apply``). They must go through Textual's binding dispatch,
  in order with the cursor keys already queued (a key handled in ``on_key`` overtakes them), and
  Textual has no public call to bind a key on a live screen; so we edit the screen's own
  ``BindingsMap`` and call the public ``refresh_bindings``. The help screen reads the same map
  of the screen below it, to list what is really bound there (``Screen.active_bindings`` lists
  only the focused chain of the screen on top).
"""

from __future__ import annotations

import unicodedata

from textual.binding import BindingsMap
from textual.dom import DOMNode
from textual.keys import ASCII_KEY_NAMES, KEY_NAME_REPLACEMENTS

__all__ = ["key_for_character", "screen_bindings"]


def key_for_character(character: str) -> str:
    """Textual's key name for a key that prints ``character`` (letters and digits as is)."""
    if character.isalnum():
        key = character
    else:
        try:
            key = unicodedata.name(character).lower().replace("-", "_").replace(" ", "_")
        except ValueError:
            key = ASCII_KEY_NAMES.get(character, character)
    return KEY_NAME_REPLACEMENTS.get(key, key)


def screen_bindings(node: DOMNode) -> BindingsMap:
    """The live bindings map of ``node`` (a screen, a widget or the app): edits take effect at
    the next ``refresh_bindings``."""
    bindings = node._bindings  # the one private attribute read (see the module docstring)
    if not isinstance(bindings, BindingsMap):  # pragma: no cover - only if Textual changes
        raise TypeError(f"Textual changed: {type(node).__name__}._bindings is "
                        f"{type(bindings).__name__}, not BindingsMap")
    return bindings
