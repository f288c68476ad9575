"""Reading brat standoff (`.txt` + `.ann`): our own exports and foreign corpora alike.

What a `.ann` line becomes (the brat export writes each back the same way):
- `T` (text-bound): one span. Its pieces (`10 52;70 95`) become fragments, except that pieces
  apart only by line breaks are one span crossing a line (brat cannot draw across a break, so
  that is how such a span must be written, and how our export writes it).
- `E` (event): an event span with its arguments as links by role; an argument may be another
  event (`E3 Cause:T6 Cause:E2 Effect:E1`: the link goes to E2's span). Several events on one
  trigger (`E6 Protest:T17 ...`, `E7 Protest:T17 ...`) are one event span each, at the same
  offsets; the export writes them back on one shared `T`.
  An `Attribution` event (when the schema has an attribution layer and no event of that name)
  is one attribution: a CONTENT (or several: `Content`, `Content2`, ...) linked to its cue and,
  if given, its source. Two styles are read:
  - ours (PolNeAR): `E1 Attribution:T3 Source:T1 Content:T2`, the trigger T3 *is* the cue;
  - PARC-style: `E1 Attribution:T9 Source:T1 Cue:T2 Content:T3` with separate `T Cue` and a
    trigger `T Attribution` at the cue's offsets; the trigger then is not a span of its own
    (that would be a stray second cue), only the event's anchor.
- `R` (relation): a link from Arg1 to Arg2 whose role is the relation type, when the schema
  declares it (`relations:`); `R Source Arg1:Tcontent Arg2:Tsource` is a source without a cue.
- `*` (equivalence, `* Equiv T1 T2 T3`): links from the first member to each other one.
- `A`/`M` (attributes): on the span (or on every content of an attribution event); a binary
  attribute (no value) is `true`. An attribute the label does not declare is reported.
- `N` (normalisation) and `#` (notes): no copydesk field, so kept on their span as the
  attributes `brat:norms` (`[type, "DB:ID", text]` each) and `brat:notes` (`[type, text]`).
Foreign names go through `--map THEIRS=OURS` and `--drop THEIRS` (see `exports.interop`).

A file is all-or-nothing unless `skip_invalid`: then each broken line (bad offsets, an unknown
label, a duplicate id, an attribution without content, ...) and whatever refers to it is left
out and returned as a `Skipped` record, and the rest of the file is imported.
The `.ann` is read line by line, never whole: memory follows the annotations kept, not the file.

How the reader (`_Reader`) is laid out, one method per kind of line: `read` makes the one pass
(`claim_id` refuses a reused id, `take_t`/`read_t`/`add_span` turn T lines into spans at once,
`_event_fields` keeps E lines, `report_unknown` names unknown types together); `build` then does
the events (`parc_anchors`, `drop_anchor_spans`, `event_spans`, `event_arguments`,
`attribution`) and `rest` the lines that refer to spans (`relation`, `equivalence`, `attribute`,
`norm_or_note`, then `apply_attributes` and `note_extras`). Every refusal goes through `bad`.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from copydesk.exports.brat import (
    ATTRIBUTION_TYPE,
    KEPT_NORMS,
    KEPT_NOTES,
    META_FILE,
    BratNames,
    brat_name,
)
from copydesk.exports.interop import Interop, check_link, check_span, unknown_labels_error
from copydesk.projects import fragments as frag
from copydesk.projects.bulk import NewDocument, NewSet, NewSpan
from copydesk.projects.importers import SourceError, content_hash, decode, title_of
from copydesk.projects.textutil import grapheme_index
from copydesk.schema.model import CONTENT, CUE, EVENT, SOURCE, Schema

__all__ = ["Skipped", "TextFileError", "meta_order", "parse_brat", "read_brat"]

_T_LINE = re.compile(r"^(T\S*)\t(\S+) ([^\t]*)(?:\t(.*))?$")
_DIGITS = re.compile(r"[0-9]+")
_PARTS = {"source": SOURCE, "cue": CUE, "content": CONTENT}
SKIP_HINT = "; --skip-invalid imports the rest of the file"


@dataclass(frozen=True, slots=True)
class Skipped:
    """One annotation line left out by `skip_invalid`, for `file:line: reason`."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


class TextFileError(SourceError):
    """The `.txt` beside an `.ann` is unreadable: the error names the `.txt`, not the `.ann`."""

    def __init__(self, reason: str, line: int | None, file: Path) -> None:
        super().__init__(reason, line)
        self.file = file


class _Invalid(Exception):
    """One bad line inside the reader; raised as SourceError or recorded as Skipped."""

    def __init__(self, reason: str, line: int) -> None:
        super().__init__(reason)
        self.reason, self.line = reason, line


@dataclass(slots=True)
class _T:
    """A T line as read, before we know whether it is a span or only an event's anchor."""

    number: int
    tid: str
    btype: str
    parts: tuple[tuple[int, int], ...]
    label: str | None  # None: dropped


def _find_meta(ann: Path, stop: Path | None) -> tuple[Path | None, dict[str, dict[str, Any]]]:
    """The nearest `copydesk-meta.jsonl` above the .ann (not above `stop`, the folder being
    imported) and its entries by file: our export keeps ids, titles and statuses there."""
    for folder in ann.parents:
        candidate = folder / META_FILE
        if candidate.is_file():
            out = {}
            for line in decode(candidate.read_bytes()).split("\n"):
                if line.strip():
                    entry = json.loads(line)
                    out[entry["file"]] = entry
            return folder, out
        if stop is not None and folder == stop:
            break
    return None, {}


def meta_order(folder: Path) -> dict[str, int]:
    """File (relative, no suffix) -> its line in the folder's copydesk-meta.jsonl, so a
    re-import assigns documents in the order the export wrote them (and a re-export of the
    re-imported project is byte-identical)."""
    meta = folder / META_FILE
    if not meta.is_file():
        return {}
    order: dict[str, int] = {}
    for line in decode(meta.read_bytes()).split("\n"):
        if line.strip():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(entry, dict) and isinstance(entry.get("file"), str):
                order.setdefault(entry["file"], len(order))
    return order


def _label_of(schema: Schema, names: BratNames, interop: Interop, btype: str) -> str | None:
    """A brat type -> our label: through --map, then as the schema spells it, then as our
    export wrote it (`BratNames`: brat has no dots or spaces in type names)."""
    for name in interop.candidates(btype):
        found = schema.label(name)
        if found is not None:
            return found.name  # the schema's own string, not a copy per line
        found = names.label_of(name)
        if found is not None:
            return found
    return None


def _attribution_part(interop: Interop, role: str) -> str | None:
    """`Source`/`Cue`/`Content` (numbered or mapped) -> our part name."""
    for name in interop.candidates(role) + interop.candidates(role.rstrip("0123456789")):
        part = _PARTS.get(name.lower())
        if part is not None:
            return part
    return None


def _event_role(names: BratNames, interop: Interop, label: str, brole: str) -> str | None:
    """A brat argument role (`Place2`: brat numbers repeated roles) -> the event type's role."""
    for name in interop.candidates(brole) + interop.candidates(brole.rstrip("0123456789")):
        role = names.role_of(label, name)
        if role is not None:
            return role
    return None


def _offsets(tid: str, raw: str, text: str, number: int) -> list[tuple[int, int]]:
    """`10 52;70 95` as pieces; a piece that is not two whole numbers is named as it is."""
    out = []
    for piece in raw.split(";"):
        bits = piece.split(" ")
        if len(bits) != 2:
            raise _Invalid(f"{tid}: offsets {piece.strip()!r} must be two numbers START END",
                           number)
        for bit in bits:
            if not _DIGITS.fullmatch(bit):
                raise _Invalid(f"{tid}: offset {bit!r} is not a whole number", number)
        a, b = int(bits[0]), int(bits[1])
        if not 0 <= a < b <= len(text):
            raise _Invalid(f"{tid}: piece {a}-{b} is outside the text (0-{len(text)}) or "
                           "empty", number)
        out.append((a, b))
    return out


def _read_text(txt: Path) -> str:
    """The .txt beside the .ann, decoded as every importer decodes; an error in it names the
    .txt (`TextFileError`), so the user fixes the right file."""
    if not txt.is_file():
        raise SourceError(f"no {txt.name} beside it (brat needs the text)")
    try:
        return decode(txt.read_bytes())
    except SourceError as exc:
        raise TextFileError(exc.reason, exc.line, txt) from exc


def _ann_lines(ann: Path) -> Any:
    """(line number, line) for each non-blank line of the .ann, read as a stream: a huge file
    never sits in memory whole. A line that is not UTF-8 is named by its number."""
    with open(ann, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise SourceError(f"not UTF-8 text: byte 0x{raw[exc.start]:02x} cannot be "
                                  "decoded; convert the file to UTF-8", number) from exc
            line = line.rstrip("\n").rstrip("\r")
            if line.strip():
                yield number, line


# An E line as read: (line number, id, type, trigger id, [(role, id), ...]); the other lines
# that refer to spans: (line number, id, fields before the first tab, text after it).
_Event = tuple[int, str, str, str, list[tuple[str, str]]]
_Other = tuple[int, str, list[str], str]


def _event_fields(number: int, kind: str, rest: str, line: str) -> _Event:
    """An E line's fields (`E1 Attack:T3 Attacker:T1 Place:T2`): kept until every T is known,
    since an argument may be a T (or another event) further down the file."""
    pairs = [f.split(":", 1) for f in rest.split()]
    if not pairs or any(len(p) != 2 or not all(p) for p in pairs):
        raise _Invalid(f"malformed E line {line!r}", number)
    return (number, kind, pairs[0][0], pairs[0][1], [(p[0], p[1]) for p in pairs[1:]])


class _Reader:
    """One .ann against its text: every line checked, errors raised or recorded."""

    def __init__(self, ann: Path, text: str, schema: Schema, interop: Interop,
                 skip_invalid: bool) -> None:
        self.ann, self.text, self.schema, self.interop = ann, text, schema, interop
        self.skip_invalid = skip_invalid
        self.skipped: list[Skipped] = []
        self.names = BratNames(schema)
        self.graphemes = grapheme_index(text)
        self.spans: list[NewSpan] = []
        self.links: list[tuple[int, int, str]] = []
        self.extras: Counter[str] = Counter()
        # the schema reads Attribution events as attributions only if it has that layer and
        # no event type of its own by that name
        self.attribution_layer = schema.part_label(CUE) is not None

    def bad(self, reason: str, line: int) -> None:
        """A broken line: the import stops here (one line naming file and line), or with
        `skip_invalid` the line is recorded and reading goes on."""
        if not self.skip_invalid:
            raise SourceError(reason + SKIP_HINT, line)
        self.skipped.append(Skipped(str(self.ann), line, reason))

    def is_attribution(self, etype: str) -> bool:
        """Whether an event type is read as an attribution: the schema has an attribution
        layer and no event type of its own by that name."""
        if not self.attribution_layer:
            return False
        for name in self.interop.candidates(etype):
            spec = self.schema.label(name)
            if spec is not None and spec.layer == EVENT:
                return False
        return ATTRIBUTION_TYPE in self.interop.candidates(etype)

    def first_line(self, ident: str) -> int:
        """Where `ident` was first used: looked up again in the file only when a duplicate is
        found, so the reader keeps a set of ids, not a line number per id."""
        for number, line in _ann_lines(self.ann):
            if line.partition("\t")[0] == ident:
                return number
        return 0  # pragma: no cover - the duplicate's first use was read before

    # ------------------------------------------------------------------ the one pass

    def read(self) -> tuple[list[NewSpan], list[tuple[int, int, str]]]:
        """Every line of the .ann in one pass, then the document's spans and links.

        T lines become spans as they are read (most lines of a big file are T lines, and the
        line itself is not kept); E lines and the others are kept as parsed fields until every
        T is known, since they may name one further down. Unknown types are reported together
        at the end, so one error lists all of them instead of one per run."""
        # `index` is T id -> span, `dropped_t` T id -> type for --drop, `unknown_ts` the T ids
        # of unknown types, `bad_t` T ids of lines skipped as invalid, `seen` the other ids
        self.index: dict[str, int] = {}
        self.dropped_t: dict[str, str] = {}
        self.unknown_ts: set[str] = set()
        self.seen: set[str] = set()
        self.bad_t: set[str] = set()
        unknown: dict[str, int] = {}
        events: list[_Event] = []
        others: list[_Other] = []
        for number, line in _ann_lines(self.ann):
            kind, _, rest = line.partition("\t")
            if not self.claim_id(kind, number):
                continue
            try:
                if kind.startswith("T"):
                    self.take_t(number, line, unknown)
                elif kind.startswith("E"):
                    events.append(_event_fields(number, kind, rest, line))
                elif kind[:1] in "RAMN#*":
                    head, _, tail = rest.partition("\t")
                    others.append((number, kind, head.split(), tail))
                else:
                    self.extras[f"{kind[:1] or '?'} line"] += 1
            except _Invalid as exc:
                self.bad(exc.reason, exc.line)
        self.report_unknown(unknown, {etype for _n, _k, etype, _t, _a in events})
        return self.build(events, others)

    def claim_id(self, kind: str, number: int) -> bool:
        """Register a line's id; False (and the line reported) if the id was used before.

        brat ids must be unique: a second `T3` would silently re-point every reference to
        it. T ids are already keys of the span maps (most lines of a big file are T lines):
        only the other ids need a set of their own. `*` lines have no id."""
        if not kind or kind == "*" or kind[0] not in "TERAMN#":
            return True
        if kind[0] == "T":
            dup = (kind in self.index or kind in self.dropped_t
                   or kind in self.unknown_ts or kind in self.bad_t)
        else:
            dup = kind in self.seen
        if dup:
            self.bad(f"id {kind} is used twice (first at line {self.first_line(kind)})",
                     number)
            return False
        if kind[0] == "T":
            self.bad_t.add(kind)  # until it proves good
        else:
            self.seen.add(kind)
        return True

    def report_unknown(self, unknown: dict[str, int], event_types: set[str]) -> None:
        """Types the schema does not know (and no --map/--drop covers): one error naming them
        all, or, with `skip_invalid`, each first use recorded as skipped."""
        if not unknown:
            return
        if not self.skip_invalid:
            raise self.unknown_error(unknown, event_types)
        for btype, number in sorted(unknown.items(), key=lambda x: x[1]):
            self.bad(f"unknown label {btype!r}", number)

    def unknown_error(self, unknown: dict[str, int], event_types: set[str]) -> SourceError:
        """Unknown types; for an event type the hint names what works: an event type of the
        schema, or `Attribution` when the schema reads attributions."""
        line = min(unknown.values())
        first = min(unknown, key=lambda k: unknown[k])
        if first in event_types:
            if self.attribution_layer:
                target = ATTRIBUTION_TYPE
            else:
                target = self.schema.events[0].name if self.schema.events else "OURS"
            quoted = ", ".join(repr(n) for n in sorted(unknown))
            return SourceError(f"unknown event type {quoted} (schema {self.schema.name} "
                               f"{self.schema.version} has no such type); map it with --map "
                               f"{first}={target} or skip it with --drop {first}" + SKIP_HINT,
                               line)
        err = unknown_labels_error(unknown, self.schema, line)
        return SourceError(err.reason + SKIP_HINT, line)

    # ------------------------------------------------------------------ T lines

    def take_t(self, number: int, line: str, unknown: dict[str, int]) -> None:
        """A T line, at once: a span (checked against the text and the schema), a dropped
        type remembered so that what refers to it is left out rather than refused, or an
        unknown type remembered for the final report."""
        t = self.read_t(number, line, unknown)
        if t.label is None:
            if t.btype in unknown:
                self.unknown_ts.add(t.tid)
            else:
                self.dropped_t[t.tid] = t.btype
                self.interop.count_drop(t.btype)
            self.bad_t.discard(t.tid)
            return
        found = self.add_span(t)
        if found is not None:
            self.index[t.tid] = found
            self.bad_t.discard(t.tid)

    def read_t(self, number: int, line: str, unknown: dict[str, int]) -> _T:
        """Parse a T line: offsets checked against the text (and against the text the line
        quotes, which catches a .txt that is not the one annotated), pieces apart only by line
        breaks joined (`frag.join_line_breaks`), the type looked up (None label: dropped or
        unknown)."""
        m = _T_LINE.match(line)
        if m is None:
            raise _Invalid(f"malformed T line {line!r}", number)
        tid, btype = m.group(1), m.group(2)
        raw = _offsets(tid, m.group(3), self.text, number)
        shown = " ".join(self.text[a:b] for a, b in raw)
        if m.group(4) and m.group(4) != shown:
            raise _Invalid(f"{tid} says {m.group(4)!r} but the text there is {shown!r}", number)
        parts = frag.join_line_breaks(self.text, raw)
        if self.interop.drops(btype):
            return _T(number, tid, btype, parts, None)
        label = _label_of(self.schema, self.names, self.interop, btype)
        if label is None:
            unknown.setdefault(btype, number)
        return _T(number, tid, btype, parts, label)

    def add_span(self, t: _T) -> int | None:
        """The span of a T line, checked by the same rules as every import (`check_span`:
        label, graphemes, fragments); its position in `spans`, or None if it was refused."""
        start, end = t.parts[0][0], t.parts[-1][1]
        try:
            span = check_span(self.schema, self.text, {
                "start": start, "end": end, "label": t.label,
                "fragments": [list(p) for p in t.parts] if len(t.parts) > 1 else None,
            }, t.number, t.tid, self.graphemes)
        except SourceError as exc:
            self.bad(exc.reason, t.number)
            return None
        self.spans.append(span)
        return len(self.spans) - 1

    def link(self, head: int, tail: int, role: str, number: int, where: str) -> bool:
        """A link checked against the schema (`check_link`: allowed role, no duplicate); False
        if it was refused (and reported or recorded)."""
        try:
            self.links.append(check_link(self.schema, self.spans, self.links, head, tail, role,
                                         number, where))
        except SourceError as exc:
            self.bad(exc.reason, number)
            return False
        return True

    # ------------------------------------------------------------------ E lines

    def build(self, events: list[_Event], others: list[_Other],
              ) -> tuple[list[NewSpan], list[tuple[int, int, str]]]:
        """The events once every T is known, then the other lines (`rest`): PARC anchors are
        taken out first (they are no spans), so spans made for events are numbered after."""
        anchors = self.parc_anchors(events)
        self.drop_anchor_spans(anchors)
        on_event, live = self.event_spans(events)
        for number, kind, etype, trigger, args in live:
            if self.is_attribution(etype):
                self.attribution(self.index, on_event, number, kind, trigger, args, anchors)
            else:
                self.event_arguments(number, kind, args, on_event)
        return self.rest(self.index, on_event, others)

    def parc_anchors(self, events: list[_Event]) -> set[str]:
        """Triggers of PARC-style Attribution events (a separate `Cue` argument): the trigger
        is then only the event's anchor, not a span (it would be a stray second cue). A
        trigger not at its cue's offsets is noted, since the cue wins."""
        index, interop = self.index, self.interop
        anchors: set[str] = set()
        for _number, kind, etype, trigger, args in events:
            if not self.is_attribution(etype):
                continue
            cue_ref = next((ref for role, ref in args
                            if _attribution_part(interop, role) == CUE), None)
            if cue_ref is None:
                continue
            anchors.add(trigger)
            if cue_ref in index and trigger in index and _parts(
                    self.spans[index[cue_ref]]) != _parts(self.spans[index[trigger]]):
                interop.notes.append(f"{self.ann.name}: {kind} trigger {trigger} is not at "
                                     f"its cue {cue_ref}'s offsets; the cue {cue_ref} was "
                                     "kept")
        return anchors

    def drop_anchor_spans(self, anchors: set[str]) -> None:
        """Take the anchors' spans out of `spans`, and renumber the spans after them (the
        index holds positions)."""
        index = self.index
        gone = sorted(index.pop(tid) for tid in anchors if tid in index)
        if not gone:
            return
        out = set(gone)
        keep = [i for i in range(len(self.spans)) if i not in out]
        moved = {old: new for new, old in enumerate(keep)}
        self.spans = [self.spans[i] for i in keep]
        for tid in index:
            index[tid] = moved[index[tid]]

    def event_spans(self, events: list[_Event]) -> tuple[dict[str, list[int]], list[_Event]]:
        """One span per event (copydesk has no shared triggers): the first event on a trigger
        takes the trigger's span, each further one a copy at the same offsets. Returns event
        id -> its span(s), and the events still to link (dropped and broken ones left out;
        attributions are linked later, by `attribution`)."""
        index, interop = self.index, self.interop
        on_event: dict[str, list[int]] = {}
        taken: set[str] = set()
        live: list[_Event] = []
        for event in events:
            number, kind, etype, trigger, _args = event
            if interop.drops(etype) or trigger in self.dropped_t:
                interop.count_drop(etype)
                self.dropped_t[kind] = etype  # what refers to it is left out, not refused
                continue
            if self.is_attribution(etype):
                live.append(event)
                continue
            if trigger not in index:
                self.bad(f"{kind}: trigger {trigger} is not a valid T line", number)
                continue
            head = index[trigger]
            if trigger in taken:
                self.spans.append(self.spans[head])
                head = len(self.spans) - 1
            taken.add(trigger)
            on_event[kind] = [head]
            live.append(event)
        return on_event, live

    def event_arguments(self, number: int, kind: str, args: list[tuple[str, str]],
                        on_event: dict[str, list[int]]) -> None:
        """An event's arguments as links from its span by role (the role mapped to the
        schema's for that event type); an argument may be another event (its span)."""
        interop = self.interop
        head = on_event[kind][0]
        for brole, ref in args:
            if interop.drops(brole) or interop.drops(brole.rstrip("0123456789")):
                interop.count_drop(brole.rstrip("0123456789"))
                continue
            if ref in self.dropped_t:
                continue  # its span was dropped
            tail = on_event[ref][0] if ref in on_event else self.index.get(ref)
            role = _event_role(self.names, interop, self.spans[head].label, brole)
            if role is None:
                self.bad(f"{kind}: unknown role {brole!r} of {self.spans[head].label}; map "
                         f"it with --map {brole}=ROLE or skip it with --drop {brole}", number)
            elif tail is None:
                self.bad(f"{kind}: argument {ref} is not a valid annotation", number)
            else:
                self.link(head, tail, role, number, kind)

    # ------------------------------------------------------------------ R, *, A/M, N, # lines

    def target(self, ref: str, index: dict[str, int], on_event: dict[str, list[int]],
               ) -> list[int] | None:
        """The span(s) an id names: an event's span(s) (an attribution has one per content),
        else a T's span; None if it names nothing kept."""
        return on_event.get(ref) or ([index[ref]] if ref in index else None)

    def rest(self, index: dict[str, int], on_event: dict[str, list[int]], others: list[_Other],
             ) -> tuple[list[NewSpan], list[tuple[int, int, str]]]:
        """The lines that refer to spans and events (relations, equivalences, attributes,
        normalisations, notes), once all of those are known; attributes are gathered per span
        and each changed span checked again with them."""
        attrs: dict[int, dict[str, Any]] = {}
        dropped = set(self.dropped_t)
        self.relation_ids = {kind for _n, kind, _f, _t in others if kind[:1] == "R"}
        for number, kind, fields, tail in others:
            if kind.startswith("R"):
                self.relation(number, kind, fields, index, on_event, dropped)
            elif kind.startswith("*"):
                self.equivalence(number, kind, fields, index, on_event, dropped)
            elif kind.startswith(("A", "M")):
                self.attribute(number, kind, fields, index, on_event, dropped, attrs)
            elif kind.startswith(("N", "#")):
                self.norm_or_note(number, kind, fields, tail, index, on_event, dropped, attrs)
        self.apply_attributes(attrs)
        self.note_extras()
        return self.spans, self.links

    def attribute(self, number: int, kind: str, fields: list[str], index: dict[str, int],
                  on_event: dict[str, list[int]], dropped: set[str],
                  attrs: dict[int, dict[str, Any]]) -> None:
        """An A/M line (`A1 Negated E2`, `A2 Tense T4 Past`): the value (`true` when none) on
        the span, or on every content of an attribution event, if its label declares that
        attribute with that value; attributes we have no place for are counted."""
        interop = self.interop
        if len(fields) < 2:
            self.bad(f"malformed attribute line {kind}", number)
            return
        name, ref = fields[0], fields[1]
        value = fields[2] if len(fields) > 2 else "true"
        if interop.drops(name):
            interop.count_drop(name)
            return
        targets = self.target(ref, index, on_event)
        if targets is None:
            if ref[:1] == "R" and ref in self.relation_ids:
                self.extras[f"attribute {name} on relations"] += 1
            elif ref not in dropped:
                self.bad(f"{kind}: attribute on unknown annotation {ref}", number)
            return
        for i in targets:
            spec = self.schema.label(self.spans[i].label)
            ours = _attribute_name(self.schema, interop, self.spans[i].label, name)
            if ours is None or spec is None:
                self.extras[f"attribute {name}"] += 1
                continue
            allowed = next(a.values for a in spec.attributes if a.name == ours)
            if value not in allowed:
                self.bad(f"{kind}: attribute {name} of {spec.name} takes one of "
                         f"{', '.join(allowed)}, not {value!r}", number)
                return
            attrs.setdefault(i, {})[ours] = value

    def norm_or_note(self, number: int, kind: str, fields: list[str], tail: str,
                     index: dict[str, int], on_event: dict[str, list[int]], dropped: set[str],
                     attrs: dict[int, dict[str, Any]]) -> None:
        """An N (normalisation) or # (note) line: copydesk has no field for them, so they are
        kept on their span as `brat:norms` / `brat:notes`, and a brat export writes them back."""
        if len(fields) < 2 or (kind.startswith("N") and len(fields) < 3):
            what = "normalization" if kind.startswith("N") else "note"
            self.bad(f"malformed {what} line {kind}", number)
            return
        targets = self.target(fields[1], index, on_event)
        if targets is None:
            if fields[1] in dropped:
                return
            if fields[1] in self.relation_ids:  # no span to keep them on
                self.extras[f"{fields[0]} on relations"] += 1
                return
            self.bad(f"{kind}: {fields[0]} on unknown annotation {fields[1]}", number)
            return
        key, item = (KEPT_NORMS, [fields[0], fields[2], tail]) if kind[0] == "N" \
            else (KEPT_NOTES, [fields[0], tail])
        for i in targets[:1]:
            attrs.setdefault(i, {}).setdefault(key, []).append(item)

    def apply_attributes(self, attrs: dict[int, dict[str, Any]]) -> None:
        """Put the gathered attributes on their spans, each span checked again whole (the
        schema's rules may depend on attributes)."""
        for i, values in attrs.items():
            span = self.spans[i]
            merged = dict(span.attributes) | values
            raw = {"start": span.start, "end": span.end, "label": span.label,
                   "attributes": merged, "fragments": [list(p) for p in span.fragments] or None}
            self.spans[i] = check_span(self.schema, self.text, raw, None, self.ann.name,
                                       self.graphemes)

    def note_extras(self) -> None:
        """Say what was read but has no place in copydesk (one note per file, by kind), so
        nothing is lost silently."""
        if self.extras:
            detail = ", ".join(f"{n} {k}" for k, n in sorted(self.extras.items()))
            self.interop.notes.append(f"{self.ann.name}: not imported, copydesk has no place "
                                      f"for them: {detail}")

    def relation(self, number: int, kind: str, fields: list[str], index: dict[str, int],
                 on_event: dict[str, list[int]], dropped: set[str]) -> None:
        """An R line (`R1 Located Arg1:T1 Arg2:T2`): a link whose role is the relation type,
        if the schema declares it; `R Source` is an attribution's source without a cue.
        Arguments written the other way round (by role names) are turned back."""
        interop = self.interop
        if len(fields) < 3 or ":" not in fields[1] or ":" not in fields[2]:
            self.bad(f"malformed relation line {kind}", number)
            return
        rtype = fields[0]
        (role1, arg1), (role2, arg2) = (f.split(":", 1) for f in fields[1:3])
        if interop.drops(rtype) or arg1 in dropped or arg2 in dropped:
            interop.count_drop(rtype)
            return
        ours = next((n for n in interop.candidates(rtype) if self.schema.relation(n)), None)
        if ours is None and self.attribution_layer and (
                _attribution_part(interop, rtype) == SOURCE):
            ours = SOURCE
        if ours is None:
            reason = unknown_labels_error([rtype], self.schema, number, "relation type").reason
            self.bad(reason, number)
            return
        rel = self.schema.relation(ours)
        if rel is not None and (role1, role2) == (rel.args[1][0], rel.args[0][0]) \
                and role1 != role2:
            arg1, arg2 = arg2, arg1  # written with the ends the other way round
        heads, tails = self.target(arg1, index, on_event), self.target(arg2, index, on_event)
        if heads is None or tails is None:
            self.bad(f"{kind}: argument {arg1 if heads is None else arg2} is not a valid "
                     "annotation", number)
            return
        self.link(heads[0], tails[0], ours, number, kind)

    def equivalence(self, number: int, kind: str, fields: list[str], index: dict[str, int],
                    on_event: dict[str, list[int]], dropped: set[str]) -> None:
        """A `*` line (`* Equiv T1 T2 T3`): links from the first member to each other one,
        with the equivalence type as role; dropped members are left out."""
        if len(fields) < 3:
            self.bad(f"malformed equivalence line {kind}: needs a type and two or more ids",
                     number)
            return
        etype, members = fields[0], [m for m in fields[1:] if m not in dropped]
        if self.interop.drops(etype) or len(members) < 2:
            self.interop.count_drop(etype)
            return
        ours = next((n for n in self.interop.candidates(etype) if self.schema.relation(n)),
                    None)
        if ours is None:
            self.bad(unknown_labels_error([etype], self.schema, number,
                                          "equivalence type").reason, number)
            return
        spans = [self.target(m, index, on_event) for m in members]
        missing = [m for m, s in zip(members, spans, strict=True) if s is None]
        if missing:
            self.bad(f"{kind}: member {missing[0]} is not a valid annotation", number)
            return
        first = spans[0][0]  # type: ignore[index]
        for other in spans[1:]:
            self.link(first, other[0], ours, number, kind)  # type: ignore[index]

    def attribution(self, index: dict[str, int], on_event: dict[str, list[int]], number: int,
                    kind: str, trigger: str, args: list[tuple[str, str]], anchors: set[str],
                    ) -> None:
        """One Attribution event: every content linked to the cue and (if any) the source."""
        interop = self.interop
        cue = None if trigger in anchors else index.get(trigger)
        source: int | None = None
        contents: list[int] = []
        lost_content = False
        for role, ref in args:
            if interop.drops(role) or interop.drops(role.rstrip("0123456789")):
                interop.count_drop(role.rstrip("0123456789"))
                continue
            part = _attribution_part(interop, role)
            if part is None:
                self.bad(f"{kind}: unknown Attribution role {role!r} (use Source, Cue, "
                         f"Content; or --map {role}=Content)", number)
                return
            if ref not in index:
                if ref not in self.dropped_t:
                    self.bad(f"{kind}: {role} {ref} is not a valid annotation", number)
                    return
                lost_content = lost_content or part == CONTENT
                continue  # its span was dropped
            if part == CUE:
                cue = index[ref]
            elif part == SOURCE:
                source = index[ref]
            else:
                contents.append(index[ref])
        if not contents:
            if not lost_content:
                self.bad(f"{kind}: Attribution without a Content", number)
            return  # else its content was dropped (and counted): nothing to attach the rest to
        mark = len(self.links)
        for content in contents:
            ok = True
            if cue is not None:
                ok = self.link(content, cue, CUE, number, kind)
            if ok and source is not None:
                ok = self.link(content, source, SOURCE, number, kind)
            if not ok:
                del self.links[mark:]  # the event as a whole was skipped
                return
        on_event[kind] = contents


def _meta_entry(ann: Path, stop: Path | None) -> dict[str, Any]:
    """What our export recorded about this file (id, title, source, annotator, status,
    meta), or {} for a foreign corpus."""
    root, metas = _find_meta(ann, stop)
    if root is None:
        return {}
    return metas.get(ann.relative_to(root).with_suffix("").as_posix(), {})


def read_brat(ann: Path, schema: Schema, defaults: Any, stop: Path | None = None,
              interop: Interop | None = None, skip_invalid: bool = False,
              ) -> tuple[NewDocument, list[Skipped]]:
    """One .ann with its .txt (same name) as a document and one annotation set, and the lines
    `skip_invalid` left out (always empty without it: the first bad line raises)."""
    interop = interop or Interop()
    txt = ann.with_suffix(".txt")
    text = _read_text(txt)
    entry = _meta_entry(ann, stop)
    annotator, status = defaults.pick(entry.get("annotator"), entry.get("status"), None)
    reader = _Reader(ann, text, schema, interop, skip_invalid)
    spans, links = reader.read()
    ext = entry.get("id") or txt.stem
    title = entry.get("title") if isinstance(entry.get("title"), str) else title_of(
        text, ".txt")
    doc = NewDocument(
        text=text, content_hash=content_hash(text), external_id=ext, title=title or txt.stem,
        source=entry.get("source") if isinstance(entry.get("source"), str) else str(txt),
        meta=entry.get("meta") or {},
        sets=[NewSet(annotator=annotator, status=status, spans=spans, links=links,
                     offsets_checked=True)],
    )
    return doc, reader.skipped


def parse_brat(ann: Path, schema: Schema, defaults: Any, stop: Path | None = None,
               interop: Interop | None = None) -> NewDocument:
    """One .ann with its .txt as a document; all-or-nothing (see `read_brat`)."""
    return read_brat(ann, schema, defaults, stop, interop)[0]


def _parts(span: NewSpan) -> tuple[tuple[int, int], ...]:
    """A span's pieces (one for a span without fragments), to compare offsets."""
    return span.fragments or ((span.start, span.end),)


def _attribute_name(schema: Schema, interop: Interop, label: str, name: str) -> str | None:
    """A brat attribute name -> the label's attribute (as declared or as our export wrote
    it), or None if the label has no such attribute."""
    spec = schema.label(label)
    if spec is None:
        return None
    by_brat = {brat_name(a.name): a.name for a in spec.attributes}
    by_brat.update({a.name: a.name for a in spec.attributes})
    for cand in interop.candidates(name):
        if cand in by_brat:
            return by_brat[cand]
    return None
