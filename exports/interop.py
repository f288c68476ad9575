"""Foreign vocabularies on import: `--map THEIRS=OURS`, `--drop THEIRS`, and the shared checks.

A published corpus names things its own way (`Speaker` for our SOURCE, `Quote` for CONTENT,
`Factuality` attributes we do not have). `Interop` holds the user's mapping and drop list for one
`copydesk import` run, and what the run left out:
- `candidates(name)`: the names to try for a foreign name, the mapped one first, then the name
  itself (a name that is already ours needs no mapping);
- `dropped`: annotations skipped by `--drop`, by foreign name, for the summary line;
- `notes`: extras copydesk has no place for (brat AnnotatorNotes, attributes the schema lacks),
  reported per file so nothing is lost silently.
A file is all-or-nothing, so its counts are kept only if it imports (`checkpoint`/`rollback`).

The span and link checks here are the store's own rules (`validate_span`, `validate_link`),
wrapped to name the file's line; JSONL and brat readers both use them.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from copydesk.exports.brat import known_names
from copydesk.exports.lenient import Skips
from copydesk.projects import fragments as frag
from copydesk.projects.bulk import NewSpan
from copydesk.projects.errors import StoreError
from copydesk.projects.importers import SourceError
from copydesk.projects.store import validate_link, validate_span
from copydesk.projects.textutil import GraphemeIndex
from copydesk.schema.model import Schema

__all__ = ["Interop", "check_link", "check_span", "unknown_labels_error"]


@dataclass
class Interop:
    mapping: dict[str, str] = field(default_factory=dict)
    drop: frozenset[str] = frozenset()
    dropped: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    # foreign label -> the schema's label it takes (None: none), filled as a file is read; an
    # Interop serves one import, against one schema
    resolved: dict[str, str | None] = field(default_factory=dict)
    # `--skip-invalid`: the broken annotations skipped so far (see exports.lenient)
    skips: Skips = field(default_factory=Skips)

    def candidates(self, name: str) -> list[str]:
        """Names to try for a foreign `name`: its mapping (if any), then itself."""
        mapped = self.mapping.get(name)
        return [mapped, name] if mapped and mapped != name else [name]

    def drops(self, name: str) -> bool:
        return name in self.drop

    def count_drop(self, name: str, n: int = 1) -> None:
        self.dropped[name] += n

    def checkpoint(self) -> tuple[Counter[str], int, int]:
        return Counter(self.dropped), len(self.notes), self.skips.checkpoint()

    def rollback(self, mark: tuple[Counter[str], int, int]) -> None:
        """Forget what a rejected file counted: none of it was imported, so none was dropped."""
        self.dropped = Counter(mark[0])
        del self.notes[mark[1]:]
        self.skips.rollback(mark[2])

    def summary(self) -> str:
        """`dropped 5 (Speaker 3, Factuality 2)`, or "" when nothing was dropped."""
        if not self.dropped:
            return ""
        total = sum(self.dropped.values())
        detail = ", ".join(f"{k} {v}" for k, v in sorted(self.dropped.items()))
        return f"dropped {total} ({detail})"


def unknown_labels_error(names: Iterable[str], schema: Schema, line: int | None,
                         what: str = "label", targets: Iterable[str] = ()) -> SourceError:
    """One line naming every unknown foreign name and what to do about it.

    The `--map` hint names a real target, the closest name that `--map` accepts on our side
    (`targets`, else every known name: labels, roles, attributes, brat's `Attribution` event
    type), e.g. `--map Attribution-no-source=Attribution`, never a placeholder a user would
    have to guess. The error is skippable: `--skip-invalid` imports the file without them.
    """
    ordered = sorted(set(names))
    quoted = ", ".join(repr(n) for n in ordered)
    plural = "s" if len(ordered) > 1 else ""
    first = ordered[0]
    target = _closest(first, list(targets) or _known(schema), schema)
    exc = SourceError(
        f"unknown {what}{plural} {quoted} (schema {schema.name} {schema.version} has no such "
        f"{what}); map with --map {first}={target} (any label of the schema works) or skip "
        f"with --drop {first}", line)
    exc.skippable = True  # type: ignore[attr-defined]
    return exc


def _known(schema: Schema) -> list[str]:
    """Labels first (a label spelled like the foreign name is the best hint), then the rest."""
    labels = [lab.name for lab in schema.labels if not lab.merged_into]
    return labels + sorted(known_names(schema) - set(labels))


def _closest(name: str, candidates: list[str], schema: Schema) -> str:
    """The candidate spelled most like `name` (case-insensitively), else the schema's first
    label."""
    lowered: dict[str, str] = {}
    for c in candidates:
        lowered.setdefault(c.lower(), c)
    for probe in (name, name.split("-")[0], name.split("_")[0], name.split(".")[0]):
        found = difflib.get_close_matches(probe.lower(), list(lowered), n=1, cutoff=0.6)
        if found:
            return lowered[found[0]]
    return schema.labels[0].name if schema.labels else "OURS"


def check_span(schema: Schema, text: str, raw: Any, line: int | None, where: str,
               index: GraphemeIndex | None = None) -> NewSpan:
    """One span of a file, by the store's rules: label, offsets (per fragment), covered text,
    graphemes, attributes. `index` is the document's grapheme index, built once per document
    by the caller, so each check is O(1) whatever the offsets."""
    fast = _plain_span(schema, text, raw, index)
    if fast is not None:
        return fast
    if not isinstance(raw, dict):
        raise SourceError(f"{where}: each span must be an object with start, end, label", line)
    start, end, label = raw.get("start"), raw.get("end"), raw.get("label")
    if not (isinstance(start, int) and isinstance(end, int) and not isinstance(start, bool)):
        raise SourceError(f"{where}: span start/end must be whole numbers", line)
    if not isinstance(label, str):
        raise SourceError(f"{where}: span {start}-{end} has no label", line)
    attrs = raw.get("attributes") or {}
    if not isinstance(attrs, dict) or None in attrs.values():
        raise SourceError(f"{where}: span {label} {start}-{end}: attributes must be an object "
                          "of values", line)
    parts = frag.join_line_breaks(text, _fragments(raw.get("fragments"), line, where))
    try:  # the store's own rules: label, offsets, covered text, graphemes, attributes
        layer, _, attrs = validate_span(schema, where, text, label, start, end,
                                        text=raw.get("text"), attributes=attrs,
                                        index=index, fragments=parts or None)
    except StoreError as exc:
        raise SourceError(f"{where}: span {label} {start}-{end}: {exc}", line) from exc
    return NewSpan(layer=layer, label=label, start=start, end=end,
                   attributes=dict(sorted(attrs.items())) if attrs else {},
                   fragments=parts if len(parts) > 1 else ())


def _plain_span(schema: Schema, text: str, raw: Any,
                index: GraphemeIndex | None) -> NewSpan | None:
    """The common span (one piece, no attributes) when it meets every rule, checked inline:
    a bulk import checks hundreds of thousands. None sends anything else, and anything that
    fails a rule, through `validate_span`, which words the error; so both paths accept the same
    spans and build the same NewSpan."""
    if type(raw) is not dict or raw.get("fragments") is not None or raw.get("attributes"):
        return None
    start, end, label = raw.get("start"), raw.get("end"), raw.get("label")
    if type(start) is not int or type(end) is not int or not 0 <= start < end <= len(text):
        return None
    found = schema.label(label) if type(label) is str else None
    if found is None or found.merged_into:
        return None
    covered = raw.get("text")
    if covered is not None and covered != text[start:end]:
        return None
    if index is None or not (index.is_boundary(start) and index.is_boundary(end)):
        return None
    return NewSpan(layer=found.layer, label=label, start=start, end=end)


def _fragments(raw: Any, line: int | None, where: str) -> tuple[tuple[int, int], ...]:
    if raw is None:
        return ()
    ok = isinstance(raw, list) and all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(x, int) and not isinstance(x, bool)
                                                    for x in p) for p in raw)
    if not ok or not raw:
        raise SourceError(f"{where}: \"fragments\" must be a list of [start, end] pairs", line)
    return tuple((int(p[0]), int(p[1])) for p in raw)


def check_link(schema: Schema, spans: list[NewSpan], links: list[tuple[int, int, str]],
               head: int, tail: int, role: str, line: int | None,
               where: str) -> tuple[int, int, str]:
    """One link, checked by the store's rules against the links already read for its head."""
    try:
        validate_link(schema, spans[head].label, spans[tail].label, role,
                      same_span=head == tail, tail_key=tail,
                      siblings=[(t, r) for h, t, r in links if h == head])
    except StoreError as exc:
        raise SourceError(f"{where}: {exc}", line) from exc
    return head, tail, role
