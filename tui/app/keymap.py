"""The keymap (``settings: keymap:``) and the checks refusing bad ones.

A keymap maps binding ids to keys, as Textual's ``App.set_keymap`` takes them::

    settings:
      keymap:
        cursor.next_word: "w,l"          # several keys: comma-separated
        annotate.delete: "X"

It is usually a person's own (their user file, ``~/.config/copydesk/config.yaml``), laid entry
by entry over the project's (``copydesk.yaml``); see ``projects.settings``, which checks its
shape and every other setting when the project is read. What needs the app's bindings is
checked here, each problem naming the file and line of the entry at fault.

The annotation screen's bindings (article view, screen, app) and the schema's label hotkeys are
all live at once, so a key may do only one of them: ``keymap_problems`` names both actions of
every collision, in one line each. ``copydesk annotate`` refuses to start and
``copydesk schema check`` fails on any problem.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from textual.binding import Binding, BindingType

from copydesk.projects.settings import ProjectSettings
from copydesk.tui.app.framework import key_for_character

__all__ = ["effective_keys", "keymap_problems", "settings_problems"]

_SCOPES_SHARING_KEYS = ("app.", "annotate.", "cursor.", "select.", "motion.", "search.", "label.")


def _expand(bindings: Iterable[BindingType]) -> list[Binding]:
    out: list[Binding] = []
    for binding in bindings:
        b = binding if isinstance(binding, Binding) else Binding(*binding)
        out.extend(Binding.make_bindings([b]))
    return out


def _normal(key: str) -> str:
    key = key.strip()
    return key_for_character(key) if len(key) == 1 else key


def effective_keys(bindings: Iterable[BindingType], keymap: Mapping[str, str],
                   hotkeys: Mapping[str, str]) -> dict[str, list[str]]:
    """Binding id -> its keys after the keymap; label hotkeys as ``label.<NAME>``."""
    keys: dict[str, list[str]] = {}
    for binding in _expand(bindings):
        bid = binding.id or binding.action
        keys.setdefault(bid, []).append(_normal(binding.key))
    for bid, value in keymap.items():
        if bid in keys:
            keys[bid] = [_normal(k) for k in str(value).split(",") if k.strip()]
    for hotkey, label in hotkeys.items():
        keys.setdefault(f"label.{label}", []).append(_normal(hotkey))
    return keys


def keymap_problems(bindings: Iterable[BindingType], keymap: Any,
                    hotkeys: Mapping[str, str],
                    where: Callable[[str], str] = lambda bid: "") -> list[str]:
    """One line per problem: not a mapping, an unknown id, an empty key, or a key that two
    actions would share (both named). ``where(binding id)`` is the ``file:line`` of that
    keymap entry, put in front of its problem."""
    if keymap in (None, {}):
        keymap = {}
    if not isinstance(keymap, Mapping):
        return ["settings.keymap must map binding ids to keys, e.g. `cursor.next_word: l`"]
    problems: list[str] = []
    expanded = _expand(bindings)
    known = {b.id for b in expanded if b.id}
    for bid, value in keymap.items():
        if bid not in known:
            problems.append(f"{_at(where, bid)}settings.keymap: unknown binding id {bid!r} "
                            "(the ids are listed by `?` in the app and in the README)")
        elif not isinstance(value, str) or not value.strip():
            problems.append(f"{_at(where, bid)}settings.keymap: {bid}: give one or more keys, "
                            "e.g. \"x\" or \"x,ctrl+d\"")
    if problems:
        return problems
    owner: dict[str, str] = {}
    for bid, keys in effective_keys(expanded, keymap, hotkeys).items():
        if not bid.startswith(_SCOPES_SHARING_KEYS):
            continue
        for key in keys:
            other = owner.get(key)
            if other is not None and other != bid:
                moved = bid if bid in keymap else other if other in keymap else None
                problems.append(f"{_at(where, moved)}settings.keymap: key {key!r} is bound to "
                                f"both {other} and {bid}; give one of them another key")
            else:
                owner[key] = bid
    return problems


def _at(where: Callable[[str], str], bid: str | None) -> str:
    place = where(bid) if bid is not None else ""
    return f"{place}: " if place else ""


def settings_problems(settings: ProjectSettings, bindings: Iterable[BindingType],
                      hotkeys: Mapping[str, str]) -> list[str]:
    """Problems of the (typed, already shape-checked) settings that need the app's bindings:
    the keymap's, each starting with the ``file:line`` of the entry at fault."""
    return keymap_problems(bindings, settings.keymap, hotkeys,
                           lambda bid: settings.where("keymap", bid))
