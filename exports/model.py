"""What every exporter reads: one `Record` per (document, annotator) set, plus the options.

The reader fills these from the store once, with a few SQLAlchemy Core queries, so each format
writer is a plain function of records and never touches the database (and can be tested alone).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from copydesk.projects.errors import StoreError

SPLIT_NAMES: tuple[str, ...] = ("train", "dev", "test")


class ExportError(StoreError):
    """An export that cannot be written; nothing was written. The message is for the user."""


@dataclass(frozen=True, slots=True)
class ExportSpan:
    """A span as exported; `index` is its position in the record (0-based), a stable id."""

    index: int
    db_id: int
    layer: str
    label: str
    start: int
    end: int
    text: str
    attributes: dict[str, Any]
    # 2+ pieces of a discontinuous span (start/end are then the outer bounds); () for one piece
    fragments: tuple[tuple[int, int], ...] = ()

    @property
    def parts(self) -> tuple[tuple[int, int], ...]:
        """The span's pieces, `((start, end),)` for the common one-piece span."""
        return self.fragments or ((self.start, self.end),)


@dataclass(frozen=True, slots=True)
class ExportLink:
    """head -> tail by role, as span indices within the same record."""

    head: int
    tail: int
    role: str


@dataclass(slots=True)
class Record:
    """One annotator's work on one document, spans sorted by (start, end, layer, label)."""

    doc_id: int
    key: str
    external_id: str | None
    title: str
    source: str
    meta: dict[str, Any]
    text: str
    annotator: str
    status: str
    spans: list[ExportSpan] = field(default_factory=list)
    links: list[ExportLink] = field(default_factory=list)


# What the reader hands a writer: (split name, record) pairs in document order; "" = no split.
Stream = Iterable[tuple[str, Record]]


@dataclass
class ExportOptions:
    """Filters and layout choices shared by every format (see `copydesk export --help`)."""

    status: str = "done"
    annotators: tuple[str, ...] = ()
    layers: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    split: tuple[int, ...] | None = None
    seed: int = 0
    lang: str = "en"
    hf_format: str = "jsonl"
    force: bool = False
    # One set per document: this annotator's (e.g. "gold") where it exists, else the first of
    # `annotators` that has one, else the alphabetically first annotator's.
    prefer: str | None = None
    # brat only: OURS -> THEIRS names to write (`export brat --map`), see exports.brat
    rename: dict[str, str] = field(default_factory=dict)
    # worker processes (`--jobs`); 0 = one per core, 1 = this process only (exports.parallel)
    jobs: int = 0
    # machine suggestion sets (suggest:*) are left out unless named or this is set
    # (projects.suggest.selection)
    include_suggestions: bool = False
    # spans a corrected text moved to a best guess: left out (and counted) unless True, then
    # kept and listed in the record's meta (exports.reader.UNREVIEWED_META)
    include_unreviewed: bool = False
    # (layer, label) pairs the project's schema has; set by run_export. A span row with any
    # other (written by hand on the server, or garbage) is skipped and named, not exported.
    known_labels: frozenset[tuple[str, str]] | None = None


@dataclass
class ExportSummary:
    """Counts for the closing line, and every warning (overlaps dropped, stale spans, ...)."""

    fmt: str = ""
    out: str = ""
    documents: int = 0
    records: int = 0
    spans: int = 0
    links: int = 0
    labels: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    splits: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def line(self) -> str:
        """One summary line: documents, spans per label, and what was skipped and why."""
        labels = ", ".join(f"{name} {n}" for name, n in sorted(self.labels.items())) or "none"
        text = (f"exported {self.documents} documents ({self.records} annotation sets), "
                f"{self.spans} spans, {self.links} links as {self.fmt} to {self.out}; "
                f"spans per label: {labels}")
        if self.splits:
            text += "; splits: " + ", ".join(f"{k} {v}" for k, v in self.splits.items())
        if self.skipped:
            text += "; skipped: " + ", ".join(f"{n} {why}" for why, n in
                                              sorted(self.skipped.items()))
        return text
