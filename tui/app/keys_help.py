"""The annotation keys by group (move, select, label, link, document), from the bindings' ids.

The `?` screen, the README's key table (a test keeps them equal) and the keymap check all read
keys from here, so there is one list of what each key does. Binding ids are
``<area>.<action>``; the group comes from the id, so a new binding lands in the right group by
naming it well (an id with no group is listed under "other" rather than hidden).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from textual.binding import Binding, BindingType
from textual.keys import format_key, key_to_character

__all__ = ["GROUPS", "KeyRow", "binding_rows", "default_bindings", "group_of", "readme_table"]

GROUPS: tuple[str, ...] = ("move", "select", "label", "link", "document", "other")

_BY_ID: dict[str, str] = {
    "annotate.pick": "label",
    "annotate.relabel": "label",
    "annotate.delete": "label",
    "annotate.undo": "label",
    "annotate.redo": "label",
    "annotate.add_fragment": "label",  # a span in pieces (split quotes)
    "annotate.remove_fragment": "label",
    "annotate.attributes": "link",
    "annotate.argument": "link",
    "annotate.source": "link",
    "annotate.cue": "link",
    "annotate.links": "link",
    "annotate.jump": "link",
    "annotate.back": "document",
    "annotate.done": "document",
    "annotate.mark": "document",
    "annotate.next_doc": "document",
    "annotate.prev_doc": "document",
    "annotate.tags": "document",
    "annotate.accept_suggestion": "label",
    "annotate.reject_suggestion": "label",
    "annotate.accept_all_suggestions": "label",
    "annotate.next_suggestion": "move",
    "annotate.prev_suggestion": "move",
    "annotate.confirm_review": "label",  # spans a corrected article moved (issue 26)
    "annotate.reselect": "label",
    "app.help": "document",
    "app.quit": "document",
}
_BY_PREFIX: dict[str, str] = {
    "cursor": "move",
    "motion": "move",
    "search": "move",
    "select": "select",
    "label": "label",
    "bidi": "document",  # how the document's right-to-left text is shown
}


@dataclass(frozen=True)
class KeyRow:
    """One action: its group, its keys as shown, what it does, and its binding id."""

    group: str
    keys: str
    description: str
    binding_id: str


def group_of(binding_id: str) -> str:
    if binding_id in _BY_ID:
        return _BY_ID[binding_id]
    return _BY_PREFIX.get(binding_id.split(".", 1)[0], "other")


def key_display(key: str) -> str:
    """How a key is written for people: `"`, `}`, `ctrl+z`, `enter`."""
    char = key_to_character(key)
    if char is not None and char.isprintable() and not char.isspace():
        return char
    return format_key(key) if key not in ("space", "enter", "escape", "delete") else key


def _expand(bindings: Iterable[BindingType]) -> Iterable[Binding]:
    for binding in bindings:
        if isinstance(binding, Binding):
            yield from Binding.make_bindings([binding])
        else:  # a (key, action, description) tuple
            yield from Binding.make_bindings([Binding(*binding)])


def binding_rows(bindings: Iterable[BindingType | tuple[str, Binding]],
                 *, skip_labels: bool = True) -> list[KeyRow]:
    """Rows for the given bindings (``(key, binding)`` pairs or ``Binding`` objects), one per
    binding id, keys in the order given, sorted by group (then first appearance)."""
    keys: dict[str, list[str]] = {}
    desc: dict[str, str] = {}
    for item in bindings:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], Binding):
            pairs: Iterable[tuple[str, Binding]] = [item]  # type: ignore[list-item]
        else:
            pairs = ((b.key, b) for b in _expand([item]))  # type: ignore[list-item]
        for key, binding in pairs:
            bid = binding.id or binding.action
            if skip_labels and bid.startswith("label."):
                continue
            shown = key_display(key)
            if shown not in keys.setdefault(bid, []):
                keys[bid].append(shown)
            desc.setdefault(bid, binding.tooltip or binding.description or binding.action)
    rows = [KeyRow(group_of(bid), ", ".join(k), desc[bid], bid) for bid, k in keys.items()]
    order = {g: i for i, g in enumerate(GROUPS)}
    return sorted(rows, key=lambda r: order[r.group])  # stable: keeps the bindings' order


def default_bindings() -> list[BindingType]:
    """Every annotation-screen binding with its default key (the view's, the screen's, the
    app's), without running the app: what the README documents."""
    # Local imports: the widgets import this module's neighbours, not the other way round.
    from copydesk.tui.app.application import CopydeskApp
    from copydesk.tui.app.screens.annotate import AnnotateScreen
    from copydesk.tui.app.widgets.article_view import ArticleView

    return [*ArticleView.BINDINGS, *AnnotateScreen.BINDINGS, *CopydeskApp.BINDINGS]


def readme_table(rows: Iterable[KeyRow]) -> str:
    """The Markdown table the README shows (and a test compares with the app's)."""
    lines = ["| group | keys | does | binding id |", "| --- | --- | --- | --- |"]
    for row in rows:
        keys = ", ".join(f"`{k}`" if k != "`" else "`` ` ``" for k in row.keys.split(", "))
        keys = keys.replace("|", "\\|")
        lines.append(f"| {row.group} | {keys} | {row.description} | `{row.binding_id}` |")
    return "\n".join(lines) + "\n"
