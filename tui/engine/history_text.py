"""What an undo or redo changed, in the annotator's words ("undid: link Attacker ISIS -> bombing").

A plain function over an action's kind and payload (see ``projects.store``), so the words are
tested without a terminal. Span texts come from the payload where it holds them, else from
``text_of`` (the screen's spans, read before the undo refreshes them).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from copydesk.tui.engine.wording import count_of

__all__ = ["describe_action"]

TextOf = Callable[[int], str | None]
_LIMIT = 30


def _clip(text: str | None) -> str:
    if text is None:
        return "?"
    text = " ".join(text.split())
    return text if len(text) <= _LIMIT else text[: _LIMIT - 1] + "…"


def _link(link: dict[str, Any], text_of: TextOf, known: dict[int, str]) -> str:
    def text(span_id: int) -> str:
        return _clip(known.get(span_id) or text_of(span_id))

    return f"{link['role']} {text(int(link['tail_id']))} -> {text(int(link['head_id']))}"


def describe_action(kind: str, payload: str | dict[str, Any], text_of: TextOf) -> str:
    """One short phrase for an undoable action, e.g. "link Attacker ISIS -> bombing"."""
    data = json.loads(payload) if isinstance(payload, str) else payload
    span = data.get("span") or {}
    known = {int(span["id"]): span.get("text", "")} if span.get("id") is not None else {}
    if kind == "add_span":
        out = f"label {span.get('label', '?')} {_clip(span.get('text'))}"
        for link in data.get("links", ()):
            out += f" + link {_link(link, text_of, known)}"
        return out
    if kind == "remove_span":
        out = f"delete {span.get('label', '?')} {_clip(span.get('text'))}"
        links = data.get("links", ())
        return out + (f" and {count_of(len(links), 'link')}" if links else "")
    if kind == "relabel_span":
        old, new = data.get("old", {}), data.get("new", {})
        return (f"relabel {old.get('label', '?')} -> {new.get('label', '?')} "
                f"{_clip(text_of(int(data['span_id'])))}")
    if kind == "set_attributes":
        new = json.loads(data.get("new") or "{}")
        values = ", ".join(f"{k}={v}" for k, v in sorted(new.items())) or "no attributes"
        return f"set {values} on {_clip(text_of(int(data['span_id'])))}"
    if kind == "add_link":
        return f"link {_link(data['link'], text_of, known)}"
    if kind == "remove_link":
        return f"unlink {_link(data['link'], text_of, known)}"
    if kind == "set_role":
        return f"re-role {data.get('old', '?')} -> {data.get('new', '?')}"
    return kind.replace("_", " ")
