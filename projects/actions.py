"""The action log's entries as typed objects: one small class per kind, one codec.

Every edit the store makes is appended to the `action` table as a kind (a string) and a JSON
payload. Undo and redo read those rows back; the screen says what an undo changed; a screen
refreshes the spans it touched. Each of those used to read the payload dict by hand, in a
chain of `if kind == ...` per reader. Here each kind is one frozen dataclass that knows

* its payload (`payload()`, and `from_payload` to read one back, legacy shapes included),
* how to replay itself forward or revert itself (`apply(replay)`, inside the store's write
  transaction: rows come back under their original ids),
* which spans it touches (`touched_spans()`), and
* how to say what it did in plain words (`describe(text_of)`: plain text; the terminal
  shows it through its own sanitiser).

`REGISTRY` maps the stored kind string to its class; `encode` and `decode` are the only code
that turns one into the other. The stored format is the one copydesk has always written (same
kind strings, same payload keys, JSON with sorted keys), so databases made by older versions,
and PostgreSQL team logs that can only be appended to, replay unchanged.

A new action kind: one class here, decorated with `@register`; `history` says what undo does
with it ("edit": undoable; "barrier": undo never crosses it; "undo"/"redo": a step).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, TypeVar

from sqlmodel import Session

from copydesk.projects.errors import StoreError
from copydesk.projects.models import Action, Link, Span, SuggestionDecision

__all__ = [
    "BATCH_KINDS", "REGISTRY", "UNDOABLE", "UNDO_BARRIERS", "AcceptSuggestion", "AddFragment",
    "AddLink", "AddSpan", "Batch", "ConfirmReview", "Decision", "FieldEdit", "History", "Import",
    "LogAction", "NewVersion", "Recorded", "Redo", "RejectSuggestion", "RelabelSpan",
    "RemoveFragment", "RemoveLink", "RemoveSpan", "Reopen", "Replay", "ReselectSpan",
    "ReviewAccept", "ReviewDecision", "ReviewReject", "SchemaApply", "SchemaUndo", "SetAttributes",
    "SetRole", "SetStatus", "SuggestRun", "TextOf", "Undo", "decode", "decode_payload", "encode",
    "history_of", "kind_class", "register",
]

TextOf = Callable[[int], str | None]
History = Literal["edit", "barrier", "undo", "redo", ""]
# The fields a span or link row is logged with (restored with them, under the same id).
SPAN_FIELDS = ("id", "set_id", "document_id", "layer", "label", "start", "end", "text",
               "attributes", "schema_id", "stale", "created_at", "fragments", "needs_review",
               "review_reason", "review_old_text")
LINK_FIELDS = ("id", "set_id", "head_id", "tail_id", "role", "schema_id", "stale",
               "created_at")
DECISION_FIELDS = ("id", "document_id", "annotator", "source", "layer", "label", "start",
                   "end", "decision", "span_id", "at")
# What confirming or re-selecting a span that needs review changes (undone as a field edit).
REVIEW_FIELDS = ("start", "end", "text", "fragments", "needs_review", "review_reason",
                 "review_old_text")
# What a field edit may set (a span's id and set are never edited in place).
_EDITABLE = frozenset(SPAN_FIELDS) - {"id", "set_id", "document_id"}
_CLIP = 30


def row_of(obj: Any, fields: Sequence[str]) -> dict[str, Any]:
    """A row's logged fields (what `Replay.put` restores it from)."""
    return {name: getattr(obj, name) for name in fields}


class Malformed(ValueError):
    """A payload that does not have the shape its kind needs (`decode` names the action)."""


# --------------------------------------------------------------------------- payload reading
_NO_DEFAULT: Any = object()
_T = TypeVar("_T")


def _get(data: Mapping[str, Any], key: str, kinds: type | tuple[type, ...],
         default: Any = _NO_DEFAULT) -> Any:
    if key not in data:
        if default is _NO_DEFAULT:
            raise Malformed(f"no {key!r}")
        return default
    value = data[key]
    if not isinstance(value, kinds) or (isinstance(value, bool) and kinds is int):
        names = (kinds,) if isinstance(kinds, type) else kinds
        wanted = " or ".join("null" if k is type(None) else k.__name__ for k in names)
        raise Malformed(f"{key!r} is {type(value).__name__}, not {wanted}")
    return value


def _id(data: Mapping[str, Any], key: str) -> int:
    return int(_get(data, key, int))


def _row(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    """A logged row: a JSON object with a whole-number id."""
    row = _get(data, key, dict)
    try:
        _id(row, "id")
    except Malformed as exc:
        raise Malformed(f"{key!r}: {exc}") from None
    return dict(row)


def _rows(data: Mapping[str, Any], key: str) -> tuple[dict[str, Any], ...]:
    """A list of logged rows; absent means none (0.1 logs and hand-made payloads)."""
    items = _get(data, key, list, [])
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise Malformed(f"{key!r}[{i}] is {type(item).__name__}, not dict")
        try:
            _id(item, "id")
        except Malformed as exc:
            raise Malformed(f"{key!r}[{i}]: {exc}") from None
        out.append(dict(item))
    return tuple(out)


def clip(text: str | None) -> str:
    """A span's text cut to a phrase (whitespace runs as one space), "?" when unknown."""
    if text is None:
        return "?"
    text = " ".join(str(text).split())
    return text if len(text) <= _CLIP else text[: _CLIP - 1] + "…"


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# --------------------------------------------------------------------------- replaying
class Replay:
    """What an action needs to replay (`forward`) or revert itself in a write transaction.

    `delete_row` is the backend's delete (projects.backends: on PostgreSQL a row is deleted
    in a way its triggers accept). A row that is not where the action left it (changed in
    another window since) stops the step with a StoreError; the store then writes nothing.
    """

    def __init__(self, session: Session, delete_row: Callable[[Session, Any], None], *,
                 forward: bool) -> None:
        self.session = session
        self.delete_row = delete_row
        self.forward = forward

    @property
    def verb(self) -> str:
        return "redo" if self.forward else "undo"

    def put(self, model: type[Span] | type[Link], row: Mapping[str, Any]) -> None:
        """Bring a logged row back under its id."""
        if self.session.get(model, row["id"]) is not None:
            raise StoreError(f"{model.__name__.lower()} {row['id']} is back already "
                             f"(changed in another window?); cannot {self.verb}")
        self.session.add(model(**row))
        self.session.flush()

    def drop(self, model: type[Span] | type[Link], row_id: int) -> None:
        obj = self.session.get(model, row_id)
        if obj is None:
            raise StoreError(f"{model.__name__.lower()} {row_id} is gone already "
                             f"(changed in another window?); cannot {self.verb}")
        self.delete_row(self.session, obj)

    def existing(self, model: type[_T], row_id: int) -> _T:
        """The row an edit in place changes (a span's fields, a link's role)."""
        obj = self.session.get(model, row_id)
        if obj is None:
            raise StoreError(f"{model.__name__.lower()} {row_id} is gone; "
                             f"cannot {self.verb}")
        return obj


# --------------------------------------------------------------------------- the classes
@dataclass(frozen=True)
class LogAction:
    """One entry of the action log. Subclasses set `kind` and `history` and are registered."""

    kind: ClassVar[str] = ""
    history: ClassVar[History] = ""
    # Undoing or redoing it changes which machine suggestions the screen shows.
    touches_suggestions: ClassVar[bool] = False
    # Its payload has always been written with non-ASCII characters as \u escapes (the few
    # kinds first written that way keep it, so new rows read exactly like old ones).
    ascii_payload: ClassVar[bool] = False

    def payload(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> LogAction:
        """Read a stored payload; raises Malformed (a one-line reason) if it lacks a field."""
        raise NotImplementedError

    def apply(self, replay: Replay) -> None:
        """Replay or revert it; only kinds whose `history` is "edit" (and batch steps) can."""
        raise StoreError(f"a {self.kind!r} action cannot be undone or redone")

    def touched_spans(self) -> tuple[int, ...]:
        """Ids of the spans it (and so its undo or redo) changed."""
        return ()

    def describe(self, text_of: TextOf) -> str:
        """A short phrase for people, e.g. "link Attacker ISIS -> bombing" (plain text: the
        caller sanitises it). `text_of` gives a span's text where the payload lacks it."""
        return self.kind.replace("_", " ")


REGISTRY: dict[str, type[LogAction]] = {}
_A = TypeVar("_A", bound=type[LogAction])


def register(cls: _A) -> _A:
    """Make `cls` the class of its `kind` in the log (one class per kind)."""
    if not cls.kind or cls.kind in REGISTRY:
        raise ValueError(f"action kind {cls.kind!r} is empty or registered twice")
    REGISTRY[cls.kind] = cls
    return cls


def _link_words(link: Mapping[str, Any], text_of: TextOf, known: Mapping[int, str]) -> str:
    def text(key: str) -> str:
        try:
            span_id = int(link[key])
        except (KeyError, TypeError, ValueError):
            return "?"
        return clip(known.get(span_id) or text_of(span_id))

    return f"{link.get('role', '?')} {text('tail_id')} -> {text('head_id')}"


@dataclass(frozen=True)
class _SpanAndLinks(LogAction):
    span: dict[str, Any]
    links: tuple[dict[str, Any], ...] = ()

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> LogAction:
        return cls(_row(data, "span"), _rows(data, "links"))

    def touched_spans(self) -> tuple[int, ...]:
        return (int(self.span["id"]),)

    def _known(self) -> dict[int, str]:
        return {int(self.span["id"]): str(self.span.get("text") or "")}


@register
@dataclass(frozen=True)
class AddSpan(_SpanAndLinks):
    """A new span; with `links` when made together with its link (store.add_span_and_link)."""

    kind: ClassVar[str] = "add_span"
    history: ClassVar[History] = "edit"

    def payload(self) -> dict[str, Any]:
        # An add_span without links has never had a "links" key: the stored shape stays.
        return {"span": self.span, **({"links": list(self.links)} if self.links else {})}

    def apply(self, replay: Replay) -> None:
        if replay.forward:
            replay.put(Span, self.span)
            for link in self.links:
                replay.put(Link, link)
        else:
            for link in self.links:
                replay.drop(Link, int(link["id"]))
            replay.drop(Span, int(self.span["id"]))

    def describe(self, text_of: TextOf) -> str:
        out = f"label {self.span.get('label', '?')} {clip(self.span.get('text'))}"
        for link in self.links:
            out += f" + link {_link_words(link, text_of, self._known())}"
        return out


@register
@dataclass(frozen=True)
class RemoveSpan(_SpanAndLinks):
    """A span removed with every link that touched it."""

    kind: ClassVar[str] = "remove_span"
    history: ClassVar[History] = "edit"

    def payload(self) -> dict[str, Any]:
        return {"span": self.span, "links": list(self.links)}

    def apply(self, replay: Replay) -> None:
        if replay.forward:
            for link in self.links:
                replay.drop(Link, int(link["id"]))
            replay.drop(Span, int(self.span["id"]))
        else:
            replay.put(Span, self.span)
            for link in self.links:
                replay.put(Link, link)

    def describe(self, text_of: TextOf) -> str:
        out = f"delete {self.span.get('label', '?')} {clip(self.span.get('text'))}"
        return out + (f" and {_count(len(self.links), 'link')}" if self.links else "")


@dataclass(frozen=True)
class FieldEdit(LogAction):
    """A span's fields set from `old` to `new` (undo sets `old` back, redo `new`)."""

    history: ClassVar[History] = "edit"
    span_id: int
    old: dict[str, Any]
    new: dict[str, Any]

    def payload(self) -> dict[str, Any]:
        return {"span_id": self.span_id, "old": self.old, "new": self.new}

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> LogAction:
        old, new = dict(_get(data, "old", dict)), dict(_get(data, "new", dict))
        for name, values in (("old", old), ("new", new)):
            unknown = sorted(set(values) - _EDITABLE)
            if unknown:
                raise Malformed(f"{name!r} sets {unknown[0]!r}, which is no span field")
        return cls(_id(data, "span_id"), old, new)

    def apply(self, replay: Replay) -> None:
        span = replay.existing(Span, self.span_id)
        for key, value in (self.new if replay.forward else self.old).items():
            setattr(span, key, value)
        replay.session.add(span)

    def touched_spans(self) -> tuple[int, ...]:
        return (self.span_id,)


@register
@dataclass(frozen=True)
class RelabelSpan(FieldEdit):
    kind: ClassVar[str] = "relabel_span"

    def describe(self, text_of: TextOf) -> str:
        return (f"relabel {self.old.get('label', '?')} -> {self.new.get('label', '?')} "
                f"{clip(text_of(self.span_id))}")


@register
@dataclass(frozen=True)
class AddFragment(FieldEdit):
    kind: ClassVar[str] = "add_fragment"


@register
@dataclass(frozen=True)
class RemoveFragment(FieldEdit):
    kind: ClassVar[str] = "remove_fragment"


@register
@dataclass(frozen=True)
class ConfirmReview(FieldEdit):
    """The place a corrected text moved the span to, accepted (projects.docversions)."""

    kind: ClassVar[str] = "confirm_review"


@register
@dataclass(frozen=True)
class ReselectSpan(FieldEdit):
    """A span that needed review given its place in the corrected text by hand."""

    kind: ClassVar[str] = "reselect_span"


@register
@dataclass(frozen=True)
class SetAttributes(LogAction):
    """A span's attributes, old and new, each as the stored JSON text."""

    kind: ClassVar[str] = "set_attributes"
    history: ClassVar[History] = "edit"
    span_id: int
    old: str | None
    new: str | None

    def payload(self) -> dict[str, Any]:
        return {"span_id": self.span_id, "old": self.old, "new": self.new}

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> LogAction:
        return cls(_id(data, "span_id"), _get(data, "old", (str, type(None))),
                   _get(data, "new", (str, type(None))))

    def apply(self, replay: Replay) -> None:
        span = replay.existing(Span, self.span_id)
        span.attributes = self.new if replay.forward else self.old  # type: ignore[assignment]
        replay.session.add(span)

    def touched_spans(self) -> tuple[int, ...]:
        return (self.span_id,)

    def describe(self, text_of: TextOf) -> str:
        try:
            new = json.loads(self.new or "{}")
        except ValueError:
            new = {}
        items = sorted(new.items()) if isinstance(new, dict) else []
        values = ", ".join(f"{k}={v}" for k, v in items) or "no attributes"
        return f"set {values} on {clip(text_of(self.span_id))}"


@dataclass(frozen=True)
class _OneLink(LogAction):
    link: dict[str, Any]

    def payload(self) -> dict[str, Any]:
        return {"link": self.link}

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> LogAction:
        return cls(_row(data, "link"))


@register
@dataclass(frozen=True)
class AddLink(_OneLink):
    kind: ClassVar[str] = "add_link"
    history: ClassVar[History] = "edit"

    def apply(self, replay: Replay) -> None:
        if replay.forward:
            replay.put(Link, self.link)
        else:
            replay.drop(Link, int(self.link["id"]))

    def describe(self, text_of: TextOf) -> str:
        return f"link {_link_words(self.link, text_of, {})}"


@register
@dataclass(frozen=True)
class RemoveLink(_OneLink):
    kind: ClassVar[str] = "remove_link"
    history: ClassVar[History] = "edit"

    def apply(self, replay: Replay) -> None:
        if replay.forward:
            replay.drop(Link, int(self.link["id"]))
        else:
            replay.put(Link, self.link)

    def describe(self, text_of: TextOf) -> str:
        return f"unlink {_link_words(self.link, text_of, {})}"


@register
@dataclass(frozen=True)
class SetRole(LogAction):
    """An event argument re-roled (Target -> Victim)."""

    kind: ClassVar[str] = "set_role"
    history: ClassVar[History] = "edit"
    link_id: int
    old: str
    new: str

    def payload(self) -> dict[str, Any]:
        return {"link_id": self.link_id, "old": self.old, "new": self.new}

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> LogAction:
        return cls(_id(data, "link_id"), _get(data, "old", str), _get(data, "new", str))

    def apply(self, replay: Replay) -> None:
        link = replay.existing(Link, self.link_id)
        link.role = self.new if replay.forward else self.old
        replay.session.add(link)

    def describe(self, text_of: TextOf) -> str:
        return f"re-role {self.old} -> {self.new}"


@register
@dataclass(frozen=True)
class Decision(LogAction):
    """A step of a suggestion batch: the annotator's decision row on a suggestion."""

    kind: ClassVar[str] = "decision"
    decision: dict[str, Any]

    def payload(self) -> dict[str, Any]:
        return {"decision": self.decision}

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> LogAction:
        return cls(_row(data, "decision"))

    def apply(self, replay: Replay) -> None:
        if replay.forward:
            replay.session.add(SuggestionDecision(**self.decision))
            replay.session.flush()
        else:
            row = replay.session.get(SuggestionDecision, self.decision["id"])
            if row is not None:
                replay.delete_row(replay.session, row)


@dataclass(frozen=True)
class Batch(LogAction):
    """Several steps made as one decision, undone and redone as one (projects.suggest).

    Payload: {"sources": [...], "suggestions": [...], "steps": [{"kind": ..., <that kind's
    payload>}, ...]}; `sources` and `suggestions` say what was decided, for the record.
    """

    history: ClassVar[History] = "edit"
    touches_suggestions: ClassVar[bool] = True
    steps: tuple[LogAction, ...]
    sources: tuple[str, ...] = ()
    suggestions: tuple[dict[str, Any], ...] = ()

    def payload(self) -> dict[str, Any]:
        return {"sources": list(self.sources), "suggestions": list(self.suggestions),
                "steps": [{"kind": step.kind, **step.payload()} for step in self.steps]}

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> LogAction:
        steps = []
        for i, step in enumerate(_get(data, "steps", list)):
            if not isinstance(step, dict):
                raise Malformed(f"step {i} is {type(step).__name__}, not dict")
            kind = step.get("kind")
            found = REGISTRY.get(kind) if isinstance(kind, str) else None
            if found is None:
                raise Malformed(f"step {i} has an unknown kind {kind!r}")
            if not (found.history == "edit" or found is Decision) or issubclass(found, Batch):
                raise Malformed(f"step {i}: a {kind!r} entry is never a step of a batch")
            try:
                steps.append(found.from_payload(step))
            except Malformed as exc:
                raise Malformed(f"step {i} ({kind}): {exc}") from None
        sources = _get(data, "sources", list, [])
        suggestions = _get(data, "suggestions", list, [])
        return cls(tuple(steps), tuple(str(s) for s in sources),
                   tuple(dict(s) for s in suggestions if isinstance(s, dict)))

    def apply(self, replay: Replay) -> None:
        for step in (self.steps if replay.forward else reversed(self.steps)):
            step.apply(replay)

    def touched_spans(self) -> tuple[int, ...]:
        return tuple(span_id for step in self.steps for span_id in step.touched_spans())


@register
@dataclass(frozen=True)
class AcceptSuggestion(Batch):
    kind: ClassVar[str] = "accept_suggestion"


@register
@dataclass(frozen=True)
class RejectSuggestion(Batch):
    kind: ClassVar[str] = "reject_suggestion"


@register
@dataclass(frozen=True)
class SetStatus(LogAction):
    """A document's status (and comment) for one annotator; not undone by `u`."""

    kind: ClassVar[str] = "set_status"
    old: dict[str, Any]
    new: dict[str, Any]

    def payload(self) -> dict[str, Any]:
        return {"old": self.old, "new": self.new}

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> LogAction:
        return cls(dict(_get(data, "old", dict)), dict(_get(data, "new", dict)))

    def describe(self, text_of: TextOf) -> str:
        return f"mark {self.new.get('status', '?')}"


@dataclass(frozen=True)
class _Step(LogAction):
    """An undo or redo of the action `target` (whose kind is recorded beside it)."""

    target: int
    target_kind: str

    def payload(self) -> dict[str, Any]:
        return {"target": self.target, "kind": self.target_kind}

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> LogAction:
        return cls(_id(data, "target"), _get(data, "kind", str))

    def describe(self, text_of: TextOf) -> str:
        return f"{self.kind} {self.target_kind.replace('_', ' ')}"


@register
@dataclass(frozen=True)
class Undo(_Step):
    kind: ClassVar[str] = "undo"
    history: ClassVar[History] = "undo"


@register
@dataclass(frozen=True)
class Redo(_Step):
    kind: ClassVar[str] = "redo"
    history: ClassVar[History] = "redo"


@dataclass(frozen=True)
class Recorded(LogAction):
    """A record kind: undo never replays it, other modules read it. The payload is kept
    whole, as stored (the shapes of these grew over releases; an entry of any of them reads
    back and re-encodes unchanged); subclasses build it from typed arguments (`make`) and read
    the fields their readers need as typed properties."""

    data: dict[str, Any] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        return self.data

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> LogAction:
        return cls(dict(data))


# Undo never crosses a barrier. A schema apply/undo (logged per set by projects.migrate)
# rewrote labels under a new schema: stepping back over it could restore a label that schema no
# longer has. A bulk import (projects.bulk) logs ONE "import" action per set it writes: the
# imported spans are where that set's history starts, so undo steps back through the edits made
# after the import and stops there (it never deletes imported spans one by one or all at once,
# and never reaches edits from before the import). A new version of the document's text
# (projects.docversions): the offsets in older log entries are offsets in the old text.
@register
@dataclass(frozen=True)
class SchemaApply(Recorded):
    """A schema applied: one project-wide row (set_id NULL: the schemas it went from and to)
    and one per set (`apply`: that row's id; `spans`/`links`: the rows it changed), written
    and read by projects.migrate."""

    kind: ClassVar[str] = "schema_apply"
    history: ClassVar[History] = "barrier"


@register
@dataclass(frozen=True)
class SchemaUndo(Recorded):
    """A schema apply undone (`target`: the apply), shaped as SchemaApply (projects.migrate)."""

    kind: ClassVar[str] = "schema_undo"
    history: ClassVar[History] = "barrier"


@register
@dataclass(frozen=True)
class Import(Recorded):
    """A bulk import into one set (projects.bulk): where that set's undo history starts."""

    kind: ClassVar[str] = "import"
    history: ClassVar[History] = "barrier"

    @classmethod
    def make(cls, origin: str, spans: int, links: int, status: str) -> Import:
        return cls({"origin": origin, "spans": spans, "links": links, "status": status})


@register
@dataclass(frozen=True)
class NewVersion(Recorded):
    """A corrected text of the document (projects.docversions), logged in each of its sets
    with how many of that set's spans moved, were edited or removed."""

    kind: ClassVar[str] = "new_version"
    history: ClassVar[History] = "barrier"
    ascii_payload: ClassVar[bool] = True

    @classmethod
    def make(cls, document_id: int, old: int, new: int, by: str, *, moved: int, edited: int,
             removed: int) -> NewVersion:
        return cls({"document_id": document_id, "from": old, "to": new, "by": by,
                    "moved": moved, "edited": edited, "removed": removed})


@register
@dataclass(frozen=True)
class SuggestRun(Recorded):
    """A machine suggestion run wrote this `suggest:*` set (projects.suggest.write)."""

    kind: ClassVar[str] = "suggest"
    ascii_payload: ClassVar[bool] = True

    @classmethod
    def make(cls, spans: int, links: int) -> SuggestRun:
        return cls({"spans": spans, "links": links})


@dataclass(frozen=True)
class ReviewDecision(Recorded):
    """A reviewer's decision on a candidate, in the gold set's log (projects.adjudicate): a
    record read by review and gold, never undone by `u`. `key` is the candidate's SpanKey as
    JSON: [layer, label, start, end], plus the pieces of a span in pieces."""

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> LogAction:
        key = _get(data, "key", list)
        if len(key) < 4 or not all(isinstance(v, int) and not isinstance(v, bool)
                                   for v in key[2:4]):
            raise Malformed(f"'key' is {key!r}, not [layer, label, start, end, ...]")
        _get(data, "reviewer", (str, type(None)), None)
        return cls(dict(data))

    @classmethod
    def make(cls, key: list[Any], reviewer: str, **fields: Any) -> ReviewDecision:
        return cls({"key": key, "reviewer": reviewer, **fields})

    @property
    def key(self) -> list[Any]:
        return list(self.data["key"])

    @property
    def outer(self) -> tuple[str, str, int, int]:
        """(layer, label, start, end): the key without its pieces."""
        layer, label, start, end = self.data["key"][:4]
        return str(layer), str(label), int(start), int(end)

    @property
    def reviewer(self) -> str | None:
        """Who decided; None in entries older than the field (their row's annotator is)."""
        return self.data.get("reviewer")


@register
@dataclass(frozen=True)
class ReviewAccept(ReviewDecision):
    kind: ClassVar[str] = "accept"


@register
@dataclass(frozen=True)
class ReviewReject(ReviewDecision):
    kind: ClassVar[str] = "reject"


@register
@dataclass(frozen=True)
class Reopen(Recorded):
    """A done gold set set back to in progress: a finished set gained a candidate
    (projects.gold); `because` names whose edit did it."""

    kind: ClassVar[str] = "reopen"

    @classmethod
    def make(cls, because: str, open_count: int) -> Reopen:
        return cls({"because": because, "open": open_count, "old": {"status": "done"},
                    "new": {"status": "in_progress"}})


UNDOABLE = frozenset(k for k, c in REGISTRY.items() if c.history == "edit")
UNDO_BARRIERS = frozenset(k for k, c in REGISTRY.items() if c.history == "barrier")
BATCH_KINDS = frozenset(k for k, c in REGISTRY.items() if issubclass(c, Batch))


# --------------------------------------------------------------------------- the codec
def kind_class(kind: str) -> type[LogAction] | None:
    return REGISTRY.get(kind)


def history_of(kind: str) -> History:
    """What undo does with an action of `kind`, read from the kind alone (no payload parsed,
    so rebuilding a long history stays cheap); "" for kinds it ignores, unknown ones too."""
    cls = REGISTRY.get(kind)
    return cls.history if cls is not None else ""


def encode(action: LogAction) -> tuple[str, str]:
    """(kind, payload text) as stored in the `action` table."""
    return action.kind, json.dumps(action.payload(), ensure_ascii=action.ascii_payload,
                                   sort_keys=True)


def decode_payload(kind: str, payload: str | Mapping[str, Any], *,
                   where: str = "a log entry") -> LogAction:
    """The typed action of a stored kind and payload; StoreError (one line, naming `where`)
    for an unknown kind or a payload that is not what that kind writes."""
    cls = REGISTRY.get(kind)
    if cls is None:
        raise StoreError(f"{where} has an unknown kind {kind!r} (written by a newer or "
                         "another program?); it cannot be replayed")
    try:
        data = json.loads(payload) if isinstance(payload, str) else payload
        if not isinstance(data, Mapping):
            raise Malformed(f"the payload is {type(data).__name__}, not a JSON object")
        return cls.from_payload(data)
    except (Malformed, ValueError, TypeError, KeyError) as exc:
        reason = " ".join(str(exc).split())[:200]
        raise StoreError(f"{where} ({kind}) has a malformed payload: {reason}") from None


def decode(row: Action) -> LogAction:
    """The typed action of a stored `action` row (errors name the row's id)."""
    return decode_payload(row.kind, row.payload, where=f"action {row.id}")
