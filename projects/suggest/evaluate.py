"""`copydesk evaluate --annotator A --against B`: how well A's spans and links reproduce B's.

B is the reference (usually `gold`), A the response (usually a `suggest:*` source). Counting is
`projects.agreement`'s, with B in its reference seat: precision = TP / |A|, recall = TP / |B|.
Exact match: same layer, label and offsets, and for a span in pieces (a split quote) every
piece; overlap match: same layer and label, sharing characters piece by piece, paired one to one
(`agreement.overlap_pairs`). Attribution is also reported per PARC part
(content, cue, source, by the schema's `part`), and its links (content -> cue / source) both
with exact ends and with ends matched by overlap.

Every document the reference annotated counts (one the response has no set for adds its
reference spans as misses); by default the reference set must be `done` (an unfinished gold
set would count its missing spans as misses), `--status all` lifts that. Whole attributions
(content, cue and source all matched, exactly or by overlap) are counted too.

`parse_markup` reads the small inline format our evaluation material is written in, so the gold
set stays readable and its offsets cannot drift from its text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import regex
from sqlmodel import col, select

from copydesk.projects import fragments as frag
from copydesk.projects.agreement import (
    Counts,
    LinkKey,
    SpanKey,
    exact_counts,
    link_counts,
    micro,
    overlap_counts,
    overlap_pairs,
)
from copydesk.projects.bulk import NewSpan
from copydesk.projects.errors import StoreError
from copydesk.projects.models import AnnotationSet, Link, Span
from copydesk.projects.store import Store
from copydesk.projects.suggest.write import Proposal
from copydesk.schema.model import ATTRIBUTION, Schema


@dataclass
class Evaluation:
    annotator: str
    against: str
    documents: int = 0
    exact: dict[tuple[str, str], Counts] = field(default_factory=dict)
    overlap: dict[tuple[str, str], Counts] = field(default_factory=dict)
    parts_exact: dict[str, Counts] = field(default_factory=dict)
    parts_overlap: dict[str, Counts] = field(default_factory=dict)
    links_exact: dict[tuple[str, str], Counts] = field(default_factory=dict)
    links_overlap: dict[tuple[str, str], Counts] = field(default_factory=dict)
    unanswered: int = 0  # reference documents the response has nothing for
    whole_exact: Counts = field(default_factory=Counts)  # content, cue and source all right
    whole_overlap: Counts = field(default_factory=Counts)

    def to_dict(self) -> dict[str, Any]:
        def rows(counts: dict[Any, Counts]) -> list[dict[str, Any]]:
            return [{"key": list(k) if isinstance(k, tuple) else k, **c.to_dict()}
                    for k, c in sorted(counts.items())]

        return {"annotator": self.annotator, "against": self.against,
                "documents": self.documents, "unanswered": self.unanswered,
                "attributions_exact": self.whole_exact.to_dict(),
                "attributions_overlap": self.whole_overlap.to_dict(),
                "exact": rows(self.exact), "overlap": rows(self.overlap),
                "parts_exact": rows(self.parts_exact), "parts_overlap": rows(self.parts_overlap),
                "links_exact": rows(self.links_exact), "links_overlap": rows(self.links_overlap),
                "micro_exact": micro(self.exact.values()).to_dict(),
                "micro_overlap": micro(self.overlap.values()).to_dict()}


def _add(into: dict[Any, Counts], more: dict[Any, Counts]) -> None:
    for key, c in more.items():
        into.setdefault(key, Counts())
        into[key] += c


def load_keys(store: Store, doc_id_sets: dict[int, int]) -> dict[int, tuple[list[SpanKey],
                                                                          list[LinkKey]]]:
    """set id -> (span keys, link keys), stale rows left out."""
    out: dict[int, tuple[list[SpanKey], list[LinkKey]]] = {sid: ([], [])
                                                           for sid in doc_id_sets.values()}
    ids = list(out)
    with store.db.read() as session:
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            by_id: dict[int, SpanKey] = {}
            for span in session.exec(select(Span).where(col(Span.set_id).in_(chunk),
                                                        Span.stale == "")):
                key = SpanKey.of(span)  # with its pieces: exact means every piece
                by_id[int(span.id)] = key  # type: ignore[arg-type]
                out[span.set_id][0].append(key)
            for link in session.exec(select(Link).where(col(Link.set_id).in_(chunk),
                                                        Link.stale == "")):
                head, tail = by_id.get(link.head_id), by_id.get(link.tail_id)
                if head is not None and tail is not None:
                    out[link.set_id][1].append(LinkKey(head, tail, link.role))
    return out


def evaluate(store: Store, annotator: str, against: str, *, status: str = "done",
             layer: str | None = None) -> Evaluation:
    """Every figure in the module docstring for `annotator` against the reference `against`.

    Every document the reference annotated counts: one where `annotator` has no set (the
    suggester skipped it or found nothing) adds all its reference spans as misses, so recall
    is the share of the reference that was found, not of the documents that were tried.
    """
    if annotator == against:
        raise StoreError("--annotator and --against name the same set; pick two")
    with store.db.read() as session:
        sets = list(session.exec(select(AnnotationSet).where(
            col(AnnotationSet.annotator).in_([annotator, against]))))
    names = {s.annotator for s in sets}
    for name in (annotator, against):
        if name not in names:
            raise StoreError(f"no annotations by {name!r} in this project; annotators: "
                             f"{', '.join(store.annotators()) or 'none'}")
    response = {s.document_id: int(s.id) for s in sets  # type: ignore[arg-type]
                if s.annotator == annotator}
    reference = {s.document_id: int(s.id) for s in sets  # type: ignore[arg-type]
                 if s.annotator == against and (status == "all" or s.status == status)}
    docs = sorted(reference)
    keys = load_keys(store, {**{d: response[d] for d in docs if d in response},
                             **{-d - 1: reference[d] for d in docs}})
    result = Evaluation(annotator, against, documents=len(docs),
                        unanswered=sum(1 for d in docs if d not in response))
    empty: tuple[list[SpanKey], list[LinkKey]] = ([], [])
    for doc_id in docs:
        b_spans, b_links = keys[response[doc_id]] if doc_id in response else empty
        a_spans, a_links = keys[reference[doc_id]]
        score_document(result, store.schema, a_spans, a_links, b_spans, b_links, layer=layer)
    return result


def proposal_keys(proposal: Proposal) -> tuple[list[SpanKey], list[LinkKey]]:
    """The span and link keys of a proposal (gold markup, a detector's output, a brat file)."""
    spans = [SpanKey(s.layer, s.label, s.start, s.end,
                     tuple(s.fragments) if s.fragments and len(s.fragments) > 1 else ())
             for s in proposal.spans]
    links = [LinkKey(spans[h], spans[t], role) for h, t, role in proposal.links]
    return spans, links


def score_proposals(schema: Schema, pairs: Iterable[tuple[Proposal, Proposal]], *,
                    annotator: str = "response", against: str = "reference",
                    layer: str | None = None) -> Evaluation:
    """The same figures as `evaluate` for (reference, response) proposals held in memory:
    what benchmarks and `copydesk evaluate --brat` score without a project."""
    result = Evaluation(annotator, against)
    for reference, response in pairs:
        result.documents += 1
        result.unanswered += not response.spans
        score_document(result, schema, *proposal_keys(reference), *proposal_keys(response),
                       layer=layer)
    return result


def score_document(result: Evaluation, schema: Schema, a_spans: Sequence[SpanKey],
                   a_links: Sequence[LinkKey], b_spans: Sequence[SpanKey],
                   b_links: Sequence[LinkKey], *, layer: str | None = None) -> None:
    """Add one document's counts (a = reference, b = response) to `result`."""
    if layer is not None:
        a_spans = [k for k in a_spans if k.layer == layer]
        b_spans = [k for k in b_spans if k.layer == layer]
        a_links = [k for k in a_links if k.head.layer == layer]
        b_links = [k for k in b_links if k.head.layer == layer]
    _add(result.exact, exact_counts(a_spans, b_spans))
    _add(result.overlap, overlap_counts(a_spans, b_spans))
    _add(result.parts_exact, _by_part(schema, exact_counts(a_spans, b_spans)))
    _add(result.parts_overlap, _by_part(schema, overlap_counts(a_spans, b_spans)))
    _add(result.links_exact, link_counts(a_links, b_links))
    _add(result.links_overlap, overlap_link_counts(a_spans, b_spans, a_links, b_links))
    a_whole, b_whole = _attributions(schema, a_spans, a_links), _attributions(schema, b_spans,
                                                                              b_links)
    if a_whole or b_whole:
        result.whole_exact += _whole_counts(a_whole, b_whole, exact=True)
        result.whole_overlap += _whole_counts(a_whole, b_whole, exact=False)


Whole = tuple[SpanKey, SpanKey | None, SpanKey | None]  # content, cue, source


def _attributions(schema: Schema, spans: Sequence[SpanKey], links: Sequence[LinkKey]
                  ) -> list[Whole]:
    """Each CONTENT with the cue and source it links to (None where it has none)."""
    parts = {}
    for key in spans:
        spec = schema.label(key.label)
        if key.layer == ATTRIBUTION and spec is not None and spec.part == "content":
            parts[key] = [None, None]
    for link in links:
        tails = parts.get(link.head)
        if tails is not None and link.role in ("cue", "source"):
            tails[0 if link.role == "cue" else 1] = link.tail
    return [(content, cue, source) for content, (cue, source) in parts.items()]


def _touch(a: SpanKey | None, b: SpanKey | None, exact: bool) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if exact:
        return a == b
    return frag.overlaps(a.parts, b.parts) > 0


def _whole_counts(a: Sequence[Whole], b: Sequence[Whole], *, exact: bool) -> Counts:
    """An attribution is right when its content, cue and source all match (exactly, or by
    overlap), a missing source matching only a missing source; paired one to one."""
    used: set[int] = set()
    tp = 0
    for x in a:
        for j, y in enumerate(b):
            if j not in used and all(_touch(p, q, exact) for p, q in zip(x, y, strict=True)):
                used.add(j)
                tp += 1
                break
    return Counts(tp=tp, fp=len(b) - tp, fn=len(a) - tp)


def _by_part(schema: Schema, counts: dict[tuple[str, str], Counts]) -> dict[str, Counts]:
    out: dict[str, Counts] = {}
    for (layer, label), c in counts.items():
        spec = schema.label(label)
        if layer == ATTRIBUTION and spec is not None and spec.part:
            out.setdefault(spec.part, Counts())
            out[spec.part] += c
    return out


def overlap_link_counts(a_spans: Sequence[SpanKey], b_spans: Sequence[SpanKey],
                        a_links: Sequence[LinkKey], b_links: Sequence[LinkKey]
                        ) -> dict[tuple[str, str], Counts]:
    """Links matched on role with both ends paired by overlap (not necessarily exact)."""
    pairs = overlap_pairs(a_spans, b_spans)
    to_b = {a_spans[i]: b_spans[j] for i, j in pairs}
    mapped = [LinkKey(to_b.get(lk.head, lk.head), to_b.get(lk.tail, lk.tail), lk.role)
              for lk in a_links]
    return link_counts(mapped, b_links)


# --------------------------------------------------------------------------- gold markup
_MARK = regex.compile(r"\{(?P<part>[CQSE])(?P<id>\d+)(?::(?P<type>[\w.]+))?\|(?P<text>[^{}]*)\}")


def parse_markup(marked: str, *, content: str = "CONTENT", cue: str = "CUE",
                 source: str = "SOURCE") -> tuple[str, Proposal]:
    """`{C1|...}` content, `{Q1|...}` cue, `{S1|...}` source of attribution 1 -> text, spans.

    `{C1:indirect|...}` sets the content's type (default direct); `{E1:Conflict.Attack|...}` is
    an event trigger of that label (event layer, no links). Several `{C1|...}` make a
    split quote: ONE CONTENT whose pieces (`fragments`) are the halves, in text order, linked
    once to attribution 1's cue and source. Markers do not nest; a stray brace is an error
    naming its position.
    """
    text_parts: list[str] = []
    pos = 0
    plain_len = 0
    found: list[tuple[str, str, str | None, int, int]] = []
    for m in _MARK.finditer(marked):
        between = marked[pos:m.start()]
        if "{" in between or "}" in between:
            raise StoreError(f"markup: unmatched brace near character {pos}")
        text_parts.append(between)
        plain_len += len(between)
        inner = m.group("text")
        found.append((m.group("part"), m.group("id"), m.group("type"), plain_len,
                      plain_len + len(inner)))
        text_parts.append(inner)
        plain_len += len(inner)
        pos = m.end()
    tail = marked[pos:]
    if "{" in tail or "}" in tail:
        raise StoreError(f"markup: unmatched brace near character {pos}")
    text_parts.append(tail)
    text = "".join(text_parts)
    proposal = Proposal()
    labels = {"C": content, "Q": cue, "S": source}
    heads: dict[str, int] = {}
    tails: dict[str, list[tuple[int, str]]] = {}
    for part, ident, kind, start, end in found:
        if part == "E":
            if not kind:
                raise StoreError(f"markup: event {ident} needs a label: {{E{ident}:Label|...}}")
            proposal.spans.append(NewSpan("event", kind, start, end))
            continue
        if part == "C" and ident in heads:
            # another half of a split quote: one more piece of the same CONTENT
            span = proposal.spans[heads[ident]]
            pieces = (*(span.fragments or ((span.start, span.end),)), (start, end))
            span.fragments = pieces
            span.start, span.end = pieces[0][0], pieces[-1][1]
            continue
        attrs = {"type": kind or "direct"} if part == "C" else {}
        proposal.spans.append(NewSpan(ATTRIBUTION, labels[part], start, end, attrs))
        index = len(proposal.spans) - 1
        if part == "C":
            heads[ident] = index
        else:
            tails.setdefault(ident, []).append((index, "cue" if part == "Q" else "source"))
    for ident, parts in tails.items():
        if ident not in heads:
            raise StoreError(f"markup: attribution {ident} has a cue or source but no content")
        for tail, role in parts:
            proposal.links.append((heads[ident], tail, role))
    return text, proposal


def read_gold(raw: str) -> list[tuple[str, str, Proposal]]:
    """A gold file: `# comment` lines, then documents each starting with `=== id`.

    Returns (id, plain text, annotations) per document.
    """
    docs: list[tuple[str, list[str]]] = []
    for line in raw.splitlines():
        if line.startswith("=== "):
            docs.append((line[4:].strip(), []))
        elif docs:
            docs[-1][1].append(line)
        elif line.strip() and not line.startswith("#"):
            raise StoreError("gold file: text before the first `=== id` line")
    out = []
    for ident, lines in docs:
        try:
            text, proposal = parse_markup("\n".join(lines).strip("\n") + "\n")
        except StoreError as exc:
            raise StoreError(f"gold document {ident!r}: {exc}") from exc
        out.append((ident, text, proposal))
    return out


def import_gold(store: Store, docs: Sequence[tuple[str, str, Proposal]], *,
                annotator: str = "gold") -> list[int]:
    """Put `read_gold` documents into the store as `annotator`'s done sets; returns doc ids."""
    from copydesk.projects.bulk import NewDocument, NewSet, insert_documents
    from copydesk.projects.importers import content_hash

    new = [NewDocument(text=text, content_hash=content_hash(text), external_id=ident,
                       title=ident, sets=[NewSet(annotator, "done", list(p.spans),
                                                 list(p.links))])
           for ident, text, p in docs]
    result = insert_documents(store, new, origin="gold")
    with store.db.read() as session:
        return [int(i) for i in session.exec(select(AnnotationSet.document_id).where(
            AnnotationSet.annotator == annotator).order_by(AnnotationSet.document_id))] \
            if result.sets else []


def read_gold_files(paths: Iterable[str | Path]) -> list[tuple[str, str, Proposal]]:
    """`read_gold` over files and folders (every `*.txt` in a folder, sorted), in order; an
    error names its file. A corpus split train/test by file is read one folder at a time."""
    out: list[tuple[str, str, Proposal]] = []
    for given in paths:
        path = Path(given)
        files = sorted(path.glob("*.txt")) if path.is_dir() else [path]
        for file in files:
            try:
                out += read_gold(file.read_text("utf-8"))
            except (OSError, UnicodeDecodeError, StoreError) as exc:
                raise StoreError(f"{file}: {exc}") from exc
    return out
