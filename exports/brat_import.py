"""Reading brat standoff (`.txt` + `.ann`): our own exports and foreign corpora alike.

What a `.ann` line becomes:
- `T` (text-bound): one span. Its pieces (`10 52;70 95`) become fragments, except that pieces
  apart only by line breaks are one span crossing a line (brat cannot draw across a break, so
  that is how such a span must be written, and how our export writes it).
- `E` (event): an event span's arguments. An `Attribution` event is one attribution: a CONTENT
  (or several: `Content`, `Content2`, ... as brat numbers a repeated role) linked to its cue
  and, if given, its source. Two styles are read:
  - ours (PolNeAR): `E1 Attribution:T3 Source:T1 Content:T2`, the trigger T3 *is* the cue;
  - PARC-style: `E1 Attribution:T9 Source:T1 Cue:T2 Content:T3` with separate `T Cue` and a
    trigger `T Attribution` at the cue's offsets; the trigger then is not a span of its own
    (that would be a stray second cue), only the event's anchor.
- `R Source Arg1:Tcontent Arg2:Tsource`: a source without a cue.
- `A`/`M` (attributes): on the span (or on every content of an attribution event). An attribute
  the label does not declare is reported, not imported.
- `#` notes, `*` equivalences and `N` normalizations have no place in copydesk: counted and
  reported per file.
Foreign names go through `--map THEIRS=OURS` and `--drop THEIRS` (see `exports.interop`); a
file whose labels are neither ours, mapped nor dropped is refused whole, naming them all.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from copydesk.exports.brat import ATTRIBUTION_TYPE, META_FILE, BratNames, brat_name
from copydesk.exports.interop import Interop, check_link, check_span, unknown_labels_error
from copydesk.projects import fragments as frag
from copydesk.projects.bulk import NewDocument, NewSet, NewSpan
from copydesk.projects.importers import SourceError, content_hash, decode, title_of
from copydesk.projects.textutil import grapheme_index
from copydesk.schema.model import CONTENT, CUE, SOURCE, Schema

__all__ = ["meta_order", "parse_brat"]

_T_LINE = re.compile(r"^(T\d+)\t(\S+) (\d+ \d+(?:;\d+ \d+)*)\t?(.*)$")
_PARTS = {"source": SOURCE, "cue": CUE, "content": CONTENT}


@dataclass
class _T:
    """A T line as read, before we know whether it is a span or only an event's anchor."""

    number: int
    tid: str
    btype: str
    parts: tuple[tuple[int, int], ...]
    label: str | None  # None: dropped


def _find_meta(ann: Path, stop: Path | None) -> tuple[Path | None, dict[str, dict[str, Any]]]:
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
    for name in interop.candidates(btype):
        if schema.label(name) is not None:
            return name
        found = names.label_of(name)
        if found is not None:
            return found
    return None


def _is_attribution(interop: Interop, etype: str) -> bool:
    return ATTRIBUTION_TYPE in interop.candidates(etype)


def _attribution_part(interop: Interop, role: str) -> str | None:
    """`Source`/`Cue`/`Content` (numbered or mapped) -> our part name."""
    for name in interop.candidates(role) + interop.candidates(role.rstrip("0123456789")):
        part = _PARTS.get(name.lower())
        if part is not None:
            return part
    return None


def _event_role(names: BratNames, interop: Interop, label: str, brole: str) -> str | None:
    for name in interop.candidates(brole) + interop.candidates(brole.rstrip("0123456789")):
        role = names.role_of(label, name)
        if role is not None:
            return role
    return None


def _read_t(number: int, line: str, text: str, schema: Schema, names: BratNames,
            interop: Interop, unknown: dict[str, int]) -> _T:
    m = _T_LINE.match(line)
    if m is None:
        raise SourceError(f"malformed T line {line!r}", number)
    tid, btype = m.group(1), m.group(2)
    raw = [(int(a), int(b)) for a, b in (p.split() for p in m.group(3).split(";"))]
    for a, b in raw:
        if not 0 <= a < b <= len(text):
            raise SourceError(f"{tid}: piece {a}-{b} is outside the text (0-{len(text)}) or "
                              "empty", number)
    shown = " ".join(text[a:b] for a, b in raw)
    if m.group(4) and m.group(4) != shown:
        raise SourceError(f"{tid} says {m.group(4)!r} but the text there is {shown!r}", number)
    parts = frag.join_line_breaks(text, raw)
    if interop.drops(btype):
        return _T(number, tid, btype, parts, None)
    label = _label_of(schema, names, interop, btype)
    if label is None:
        unknown.setdefault(btype, number)
    return _T(number, tid, btype, parts, label)


def parse_brat(ann: Path, schema: Schema, defaults: Any, stop: Path | None = None,
               interop: Interop | None = None) -> NewDocument:
    """One .ann with its .txt (same name) as a document and one annotation set."""
    interop = interop or Interop()
    txt = ann.with_suffix(".txt")
    if not txt.is_file():
        raise SourceError(f"no {txt.name} beside it (brat needs the text)")
    text = decode(txt.read_bytes())
    graphemes = grapheme_index(text)  # once per document, for every span check below
    names = BratNames(schema)
    root, metas = _find_meta(ann, stop)
    entry: dict[str, Any] = {}
    if root is not None:
        entry = metas.get(ann.relative_to(root).with_suffix("").as_posix(), {})
    annotator, status = defaults.pick(entry.get("annotator"), entry.get("status"), None)

    ts: dict[str, _T] = {}
    unknown: dict[str, int] = {}
    deferred: list[tuple[int, str]] = []
    extras: Counter[str] = Counter()
    for number, line in enumerate(decode(ann.read_bytes()).split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        if line[0] == "T":
            t = _read_t(number, line, text, schema, names, interop, unknown)
            ts[t.tid] = t
        elif line[0] == "#":
            kind = line.partition("\t")[2].split(" ", 1)[0] or "note"
            extras[kind] += 1
        elif line[0] in "*N":
            extras["equivalence" if line[0] == "*" else "normalization"] += 1
        else:
            deferred.append((number, line))
    if unknown:
        raise unknown_labels_error(unknown, schema, min(unknown.values()))

    events: list[tuple[int, str, str, list[tuple[str, str]]]] = []
    others: list[tuple[int, str, list[str]]] = []
    for number, line in deferred:
        kind, _, rest = line.partition("\t")
        fields = rest.split()
        if kind.startswith("E"):
            pairs = [tuple(f.split(":", 1)) for f in fields]
            if not pairs or any(len(p) != 2 for p in pairs):
                raise SourceError(f"malformed E line {line!r}", number)
            etype, trigger = pairs[0]
            if trigger not in ts:
                raise SourceError(f"{kind}: trigger {trigger} is not a T line", number)
            events.append((number, kind, etype, pairs[1:]))  # type: ignore[arg-type]
        else:
            others.append((number, kind, fields))
    triggers = _event_triggers(deferred)

    # PARC style: an Attribution event with a Cue argument anchors on a trigger that is not a
    # span of its own.
    anchors: set[str] = set()
    for _number, kind, etype, args in events:
        trigger = triggers[kind]
        if _is_attribution(interop, etype) and any(
                _attribution_part(interop, role) == CUE for role, _ in args):
            anchors.add(trigger)
            cue_ref = next(ref for role, ref in args if _attribution_part(interop, role) == CUE)
            if cue_ref in ts and ts[cue_ref].parts != ts[trigger].parts:
                interop.notes.append(f"{ann.name}: {kind} trigger {trigger} is not at its cue "
                                     f"{cue_ref}'s offsets; the cue {cue_ref} was kept")

    spans: list[NewSpan] = []
    index: dict[str, int] = {}
    for t in ts.values():
        if t.tid in anchors:
            continue
        if t.label is None:
            interop.count_drop(t.btype)
            continue
        start, end = t.parts[0][0], t.parts[-1][1]
        index[t.tid] = len(spans)
        spans.append(check_span(schema, text, {
            "start": start, "end": end, "label": t.label,
            "fragments": [list(p) for p in t.parts] if len(t.parts) > 1 else None,
        }, t.number, t.tid, graphemes))

    links: list[tuple[int, int, str]] = []
    on_event: dict[str, list[int]] = {}
    for number, kind, etype, args in events:
        trigger = triggers[kind]
        if interop.drops(etype) or (trigger not in index and trigger not in anchors):
            interop.count_drop(etype)
            continue
        if _is_attribution(interop, etype):
            _attribution(interop, schema, spans, links, index, on_event, number, kind, trigger,
                         args, anchors)
            continue
        head = index[trigger]
        on_event[kind] = [head]
        for brole, ref in args:
            if interop.drops(brole) or interop.drops(brole.rstrip("0123456789")):
                interop.count_drop(brole.rstrip("0123456789"))
                continue
            if ref in ts and ref not in index:  # its span was dropped
                continue
            role = _event_role(names, interop, spans[head].label, brole)
            if role is None or ref not in index:
                raise SourceError(f"{kind}: unknown role {brole!r} of {spans[head].label} or "
                                  f"argument {ref}; map it with --map {brole}=ROLE or skip it "
                                  f"with --drop {brole}", number)
            links.append(check_link(schema, spans, links, head, index[ref], role, number, kind))

    attrs: dict[int, dict[str, str]] = {}
    for number, kind, fields in others:
        if kind.startswith("R"):
            if len(fields) < 3 or ":" not in fields[1] or ":" not in fields[2]:
                raise SourceError(f"malformed relation line {kind}", number)
            rtype, arg1, arg2 = fields[0], fields[1].split(":")[1], fields[2].split(":")[1]
            if interop.drops(rtype) or (arg1 in ts and arg1 not in index) or (
                    arg2 in ts and arg2 not in index):
                interop.count_drop(rtype)
                continue
            if _attribution_part(interop, rtype) != SOURCE and brat_name(SOURCE) not in \
                    interop.candidates(rtype):
                raise unknown_labels_error([rtype], schema, number, "relation type")
            if arg1 not in index or arg2 not in index:
                raise SourceError(f"{kind}: argument is not a T line", number)
            links.append(check_link(schema, spans, links, index[arg1], index[arg2], SOURCE,
                                    number, kind))
        elif kind.startswith(("A", "M")):
            if len(fields) < 2:
                raise SourceError(f"malformed attribute line {kind}", number)
            name, target = fields[0], fields[1]
            value = fields[2] if len(fields) > 2 else "true"
            if interop.drops(name):
                interop.count_drop(name)
                continue
            targets = on_event.get(target) or ([index[target]] if target in index else None)
            if targets is None:
                if target in ts or target in triggers:
                    continue  # on a dropped annotation
                raise SourceError(f"{kind}: attribute on unknown annotation {target}", number)
            for i in targets:
                ours = _attribute_name(schema, interop, spans[i].label, name)
                if ours is None:
                    extras[f"attribute {name}"] += 1
                    continue
                attrs.setdefault(i, {})[ours] = value
        else:
            extras[f"{kind[:1] or '?'} line"] += 1
    for i, values in attrs.items():
        span = spans[i]
        raw = {"start": span.start, "end": span.end, "label": span.label, "attributes": values,
               "fragments": [list(p) for p in span.fragments] or None}
        spans[i] = check_span(schema, text, raw, None, ann.name, graphemes)
    if extras:
        detail = ", ".join(f"{n} {k}" for k, n in sorted(extras.items()))
        interop.notes.append(f"{ann.name}: not imported, copydesk has no place for them: "
                             f"{detail}")
    ext = entry.get("id") or txt.stem
    title = entry.get("title") if isinstance(entry.get("title"), str) else title_of(
        text, ".txt")
    return NewDocument(
        text=text, content_hash=content_hash(text), external_id=ext, title=title or txt.stem,
        source=entry.get("source") if isinstance(entry.get("source"), str) else str(txt),
        meta=entry.get("meta") or {},
        sets=[NewSet(annotator=annotator, status=status, spans=spans, links=links,
                     offsets_checked=True)],
    )


def _event_triggers(deferred: list[tuple[int, str]]) -> dict[str, str]:
    """E id -> its trigger T id."""
    out: dict[str, str] = {}
    for _number, line in deferred:
        kind, _, rest = line.partition("\t")
        if kind.startswith("E") and rest.split():
            out[kind] = rest.split()[0].split(":", 1)[-1]
    return out


def _attribution(interop: Interop, schema: Schema, spans: list[NewSpan],
                 links: list[tuple[int, int, str]], index: dict[str, int],
                 on_event: dict[str, list[int]], number: int, kind: str, trigger: str,
                 args: list[tuple[str, str]], anchors: set[str]) -> None:
    """One Attribution event: every content linked to the cue and (if any) the source."""
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
            raise SourceError(f"{kind}: unknown Attribution role {role!r} (use Source, Cue, "
                              f"Content; or --map {role}=Content)", number)
        if ref not in index:
            lost_content = lost_content or part == CONTENT
            continue  # its span was dropped
        if part == CUE:
            cue = index[ref]
        elif part == SOURCE:
            source = index[ref]
        else:
            contents.append(index[ref])
    if not contents:
        if lost_content:
            return  # its content was dropped (and counted): nothing to attach the rest to
        raise SourceError(f"{kind}: Attribution without a Content", number)
    on_event[kind] = contents
    for content in contents:
        if cue is not None:
            links.append(check_link(schema, spans, links, content, cue, CUE, number, kind))
        if source is not None:
            links.append(check_link(schema, spans, links, content, source, SOURCE, number,
                                    kind))


def _attribute_name(schema: Schema, interop: Interop, label: str, name: str) -> str | None:
    spec = schema.label(label)
    if spec is None:
        return None
    by_brat = {brat_name(a.name): a.name for a in spec.attributes}
    by_brat.update({a.name: a.name for a in spec.attributes})
    for cand in interop.candidates(name):
        if cand in by_brat:
            return by_brat[cand]
    return None
