"""Inter-annotator agreement over finished work: span F1, token kappas, link F1, per document.

Only annotation sets with status `done` count (a half-done set would read as disagreement), the
adjudicated `gold` set never does, and stale spans (label gone from the schema) are left out.
A document is included once two or more annotators are done with it.

Corrected articles (projects.docversions): every set of a document is carried to each new version
in the same transaction, so the sets compared are always on the same (current) version. A span a
correction moved to a best guess is the tool's guess, not an annotator's mark: a document whose
done sets still have such spans is left out (and counted, `unreviewed_documents`) until they are
confirmed or re-selected, rather than scoring a guess as agreement or disagreement.

Figures and their published sources:

- Span precision / recall / F1 between two annotators, with no chance correction. For span
  annotation the number of "negative" spans is undefined, so kappa is ill-posed there and F1 is
  the accepted agreement measure: Hripcsak G., Rothschild A.S. (2005) "Agreement, the F-measure,
  and reliability in information retrieval", JAMIA 12(3):296-298. For a pair (a, b), names
  sorted, a is taken as the reference: P = TP / |b|, R = TP / |a|, F1 = 2 TP / (|a| + |b|),
  which is symmetric. Exact match: same layer, label, start and end, and for a discontinuous
  span the same pieces. Overlap match: same layer and label and at least one shared character
  (piece by piece for discontinuous spans), paired one to one greedily (largest overlap first,
  then the smallest total edge distance, then position).
- Token-level Cohen's kappa for a pair: Cohen J. (1960) "A coefficient of agreement for nominal
  scales", Educational and Psychological Measurement 20(1):37-46.
  kappa = (p_o - p_e) / (1 - p_e), p_e = sum_k p_a(k) * p_b(k).
- Fleiss' kappa for n > 2 raters per item: Fleiss J.L. (1971) "Measuring nominal scale agreement
  among many raters", Psychological Bulletin 76(5):378-382.
  P_i = (sum_j n_ij^2 - n) / (n (n - 1)), p_j = sum_i n_ij / (N n), kappa = (P - P_e) / (1 - P_e)
  with P the mean of P_i and P_e = sum_j p_j^2. It needs the same n for every item, so it is
  reported only when every included document has the same number (>= 3) of done annotators.
- Krippendorff's alpha, nominal, any number of raters and missing ratings: Krippendorff K.
  (2004) "Content Analysis: An Introduction to Its Methodology", 2nd ed., ch. 11; and (2011)
  "Computing Krippendorff's Alpha-Reliability". With the coincidence matrix
  o_ck = sum_u (pairs c-k in unit u) / (m_u - 1), n_c = sum_k o_ck, n = sum_c n_c:
  alpha = 1 - (n - 1) * sum_{c != k} o_ck / sum_{c != k} n_c n_k.
Token labels are IOB-free: each token of `projects.textutil.tokenize` takes, per layer, the label
of a span overlapping it (several overlapping spans: the first by start, then the longest), or
"O". Every chance-corrected figure is None when undefined (expected disagreement 0, e.g. both
annotators put "O" on every token), never a made-up 1.0.
- Link agreement: event arguments (head an event trigger) and attribution parts (content ->
  source / cue) match on (head span, tail span, role) with both spans matched exactly; P/R/F1
  as for spans.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlmodel import col, select

from copydesk.projects import fragments as frag
from copydesk.projects.errors import StoreError
from copydesk.projects.models import AnnotationSet, Document, Link, Span
from copydesk.projects.permissions import GOLD
from copydesk.projects.store import Store
from copydesk.projects.suggest.selection import people_clause
from copydesk.projects.textutil import tokenize
from copydesk.schema.model import ATTRIBUTION, EVENT, LAYERS

OUTSIDE = "O"
LINK_KINDS: tuple[str, ...] = ("event_argument", "attribution")


class SpanKey(NamedTuple):
    """What two annotators must agree on; `fragments` (2+ pieces, else ()) is part of it, so an
    exact match of a discontinuous span needs every piece to match."""

    layer: str
    label: str
    start: int
    end: int
    fragments: tuple[tuple[int, int], ...] = ()

    @property
    def parts(self) -> tuple[tuple[int, int], ...]:
        return self.fragments or ((self.start, self.end),)

    @classmethod
    def of(cls, span: Span) -> SpanKey:
        parts = frag.parts_of(span)
        return cls(span.layer, span.label, span.start, span.end,
                   parts if len(parts) > 1 else ())

    def to_json(self) -> list[Any]:
        """`[layer, label, start, end]`, plus the pieces for a discontinuous span (so logs of
        one-piece keys read as before)."""
        out: list[Any] = [self.layer, self.label, self.start, self.end]
        if self.fragments:
            out.append([list(p) for p in self.fragments])
        return out

    @classmethod
    def from_json(cls, data: Sequence[Any]) -> SpanKey:
        """A key as logged (`list(key)`): pieces come back as tuples so the key hashes."""
        layer, label, start, end, *rest = data
        parts = tuple((int(a), int(b)) for a, b in rest[0]) if rest and rest[0] else ()
        return cls(layer, label, int(start), int(end), parts)


class LinkKey(NamedTuple):
    head: SpanKey
    tail: SpanKey
    role: str


def link_kind(link: LinkKey) -> str | None:
    """Which agreement table a link belongs to, or None for links of user-defined layers."""
    if link.head.layer == EVENT:
        return "event_argument"
    if link.head.layer == ATTRIBUTION:
        return "attribution"
    return None


# --------------------------------------------------------------------------- counts and F1
@dataclass
class Counts:
    """True positives, false positives and false negatives with a as reference, b as response."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __iadd__(self, other: Counts) -> Counts:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        return self

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        """2TP / (|a| + |b|); None when neither marked anything (nothing to agree on)."""
        total = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / total if total else None

    def to_dict(self) -> dict[str, Any]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": self.precision,
                "recall": self.recall, "f1": self.f1}


def _count(tp: int, a: int, b: int) -> Counts:
    return Counts(tp=tp, fp=b - tp, fn=a - tp)


def exact_counts(a: Iterable[SpanKey], b: Iterable[SpanKey]) -> dict[tuple[str, str], Counts]:
    """Per (layer, label) counts for exact matching (multiset intersection of span keys)."""
    ca, cb = Counter(a), Counter(b)
    out: dict[tuple[str, str], Counts] = {}
    for key in ca.keys() | cb.keys():
        tp = min(ca[key], cb[key])
        c = out.setdefault((key.layer, key.label), Counts())
        c += _count(tp, ca[key], cb[key])
    return out


def overlap_pairs(a: Sequence[SpanKey], b: Sequence[SpanKey]) -> list[tuple[int, int]]:
    """One-to-one greedy pairing of same-label overlapping spans; indices into a and b.

    Greedy on (largest overlap, smallest |start diff| + |end diff|, a position, b position).
    An exact match always wins: nothing can overlap a span more than the span itself.
    """
    by_label: dict[tuple[str, str], list[int]] = {}
    for j, y in enumerate(b):
        by_label.setdefault((y.layer, y.label), []).append(j)
    candidates: list[tuple[int, int, int, int, int, int]] = []
    for group in by_label.values():
        group.sort(key=lambda j: b[j].start)
        starts = [b[j].start for j in group]
        label_key = (b[group[0]].layer, b[group[0]].label)
        for i, x in enumerate(a):
            if (x.layer, x.label) != label_key:
                continue
            for j in group[: bisect_left(starts, x.end)]:
                y = b[j]
                if y.end > x.start:
                    ov = (min(x.end, y.end) - max(x.start, y.start)
                          if not (x.fragments or y.fragments)
                          else frag.overlaps(x.parts, y.parts))
                    if ov <= 0:
                        continue  # the outer bounds overlap, but only in a gap
                    dist = abs(x.start - y.start) + abs(x.end - y.end)
                    candidates.append((-ov, dist, x.start, y.start, i, j))
    candidates.sort()
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for *_, i, j in candidates:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            pairs.append((i, j))
    return pairs


def overlap_counts(a: Sequence[SpanKey], b: Sequence[SpanKey]) -> dict[tuple[str, str], Counts]:
    """Per (layer, label) counts for overlap matching."""
    tp: Counter[tuple[str, str]] = Counter()
    for i, _ in overlap_pairs(a, b):
        tp[(a[i].layer, a[i].label)] += 1
    na = Counter((x.layer, x.label) for x in a)
    nb = Counter((y.layer, y.label) for y in b)
    return {key: _count(tp[key], na[key], nb[key]) for key in na.keys() | nb.keys()}


def link_counts(a: Iterable[LinkKey], b: Iterable[LinkKey]) -> dict[tuple[str, str], Counts]:
    """Per (kind, role) counts for links matched on (head, tail, role), spans exact."""
    ca = Counter(x for x in a if link_kind(x))
    cb = Counter(y for y in b if link_kind(y))
    out: dict[tuple[str, str], Counts] = {}
    for key in ca.keys() | cb.keys():
        kind = link_kind(key)
        assert kind is not None
        c = out.setdefault((kind, key.role), Counts())
        c += _count(min(ca[key], cb[key]), ca[key], cb[key])
    return out


def _merge(into: dict[Any, Counts], more: Mapping[Any, Counts]) -> None:
    for key, c in more.items():
        into.setdefault(key, Counts())
        into[key] += c


def micro(counts: Iterable[Counts]) -> Counts:
    total = Counts()
    for c in counts:
        total += c
    return total


# --------------------------------------------------------------------------- chance-corrected
def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float | None:
    """Cohen (1960) kappa of two raters over the same items; None if p_e == 1 or no items."""
    if len(a) != len(b):
        raise ValueError("both raters must rate the same items")
    n = len(a)
    if n == 0:
        return None
    p_o = sum(1 for x, y in zip(a, b, strict=True) if x == y) / n
    ca, cb = Counter(a), Counter(b)
    p_e = sum(ca[k] * cb[k] for k in ca) / (n * n)
    if p_e >= 1.0:
        return None
    return (p_o - p_e) / (1 - p_e)


def fleiss_kappa(items: Sequence[Sequence[str]]) -> float | None:
    """Fleiss (1971) kappa: every item rated by the same number n >= 2 of raters."""
    if not items:
        return None
    n = len(items[0])
    if n < 2 or any(len(item) != n for item in items):
        raise ValueError("Fleiss' kappa needs the same number (>= 2) of ratings per item")
    big_n = len(items)
    totals: Counter[str] = Counter()
    p_bar = 0.0
    for item in items:
        counts = Counter(item)
        totals.update(counts)
        p_bar += (sum(c * c for c in counts.values()) - n) / (n * (n - 1))
    p_bar /= big_n
    p_e = sum((t / (big_n * n)) ** 2 for t in totals.values())
    if p_e >= 1.0:
        return None
    return (p_bar - p_e) / (1 - p_e)


def krippendorff_alpha(units: Iterable[Sequence[str]]) -> float | None:
    """Krippendorff (2004, 2011) nominal alpha; units with fewer than 2 ratings are unpairable."""
    o: Counter[tuple[str, str]] = Counter()
    for unit in units:
        m = len(unit)
        if m < 2:
            continue
        counts = Counter(unit)
        for c, nc in counts.items():
            for k, nk in counts.items():
                pairs = nc * (nc - 1) if c == k else nc * nk
                if pairs:
                    o[(c, k)] += pairs / (m - 1)
    n_c: Counter[str] = Counter()
    for (c, _k), v in o.items():
        n_c[c] += v
    n = sum(n_c.values())
    if n <= 1:
        return None
    observed = sum(v for (c, k), v in o.items() if c != k)
    expected = sum(n_c[c] * n_c[k] for c in n_c for k in n_c if c != k)
    if expected == 0:
        return None
    return 1 - (n - 1) * observed / expected


def token_labels(tokens: Sequence[tuple[int, int]], spans: Iterable[SpanKey]) -> list[str]:
    """Each token's label in one layer's spans: the first overlapping span by start, then longest.

    Spans are painted in reverse priority order so the winner is painted last; the cost is the
    tokens covered, found by bisect, not tokens x spans.
    """
    labels = [OUTSIDE] * len(tokens)
    ends = [e for _, e in tokens]
    starts = [s for s, _ in tokens]
    ordered = sorted(spans, key=lambda s: (s.start, -(s.end - s.start), s.label))
    for span in reversed(ordered):
        for p_start, p_end in span.parts:
            first = bisect_left(ends, p_start + 1)  # first token ending after the start
            last = bisect_left(starts, p_end)  # tokens starting before the end
            for i in range(first, last):
                labels[i] = span.label
    return labels


# --------------------------------------------------------------------------- loading
@dataclass
class DocAnnotations:
    """One document's done sets, reduced to comparable keys."""

    doc_id: int
    title: str
    text: str
    spans: dict[str, list[SpanKey]] = field(default_factory=dict)
    version: int = 1
    links: dict[str, list[LinkKey]] = field(default_factory=dict)
    _tokens: list[tuple[int, int]] | None = None

    @property
    def annotators(self) -> list[str]:
        return sorted(self.spans)

    @property
    def tokens(self) -> list[tuple[int, int]]:
        if self._tokens is None:
            self._tokens = tokenize(self.text)
        return self._tokens

    def labels(self, annotator: str, layer: str) -> list[str]:
        return token_labels(self.tokens,
                            (s for s in self.spans[annotator] if s.layer == layer))


def load_done(store: Store, *, layers: Sequence[str] | None = None,
              doc_ids: Sequence[int] | None = None, min_annotators: int = 2,
              annotators: Sequence[str] = (), include_suggestions: bool = False,
              unreviewed: list[int] | None = None) -> list[DocAnnotations]:
    """Documents with at least `min_annotators` done sets, keys only. Gold is excluded, and so
    are machine suggestion sets unless `include_suggestions` or named in `annotators` (a table
    comparing people with a regex misleads; projects.suggest.selection). `annotators`, when
    given, limits the sets to those names.

    A document whose done sets hold spans needing review after a correction is left out; its
    id is appended to `unreviewed` when given.
    """
    wanted = set(layers) if layers else None
    with store.db.read() as session:
        query = select(AnnotationSet).where(AnnotationSet.status == "done",
                                            AnnotationSet.annotator != GOLD)
        if annotators:
            query = query.where(col(AnnotationSet.annotator).in_(list(annotators)))
        people = people_clause(AnnotationSet.annotator, include=include_suggestions,
                               named=annotators)
        if people is not None:
            query = query.where(people)
        if doc_ids is not None:
            query = query.where(col(AnnotationSet.document_id).in_(list(doc_ids)))
        sets = list(session.exec(query).all())
        by_doc: dict[int, dict[int, str]] = {}
        for s in sets:
            by_doc.setdefault(s.document_id, {})[int(s.id)] = s.annotator  # type: ignore[arg-type]
        keep = {d: owners for d, owners in by_doc.items() if len(owners) >= min_annotators}
        waiting = _documents_needing_review(session, [s for o in keep.values() for s in o])
        for doc_id in sorted(waiting):
            keep.pop(doc_id, None)
            if unreviewed is not None:
                unreviewed.append(doc_id)
        set_ids = [sid for owners in keep.values() for sid in owners]
        out: dict[int, DocAnnotations] = {}
        for doc_id in sorted(keep):
            doc = session.get(Document, doc_id)
            assert doc is not None
            out[doc_id] = DocAnnotations(doc_id, doc.title, doc.text,
                                         spans={a: [] for a in keep[doc_id].values()},
                                         links={a: [] for a in keep[doc_id].values()},
                                         version=int(doc.version or 1))
        owner = {sid: (d, a) for d, owners in keep.items() for sid, a in owners.items()}
        span_key: dict[int, SpanKey] = {}
        for i in range(0, len(set_ids), 500):
            chunk = set_ids[i : i + 500]
            for span in session.exec(
                select(Span).where(col(Span.set_id).in_(chunk), Span.stale == "")
            ).all():
                key = SpanKey.of(span)
                span_key[int(span.id)] = key  # type: ignore[arg-type]
                if wanted is None or span.layer in wanted:
                    d, a = owner[span.set_id]
                    out[d].spans[a].append(key)
            for link in session.exec(
                select(Link).where(col(Link.set_id).in_(chunk), Link.stale == "")
            ).all():
                head, tail = span_key.get(link.head_id), span_key.get(link.tail_id)
                if head is None or tail is None:
                    continue
                if wanted is None or head.layer in wanted:
                    d, a = owner[link.set_id]
                    out[d].links[a].append(LinkKey(head, tail, link.role))
    for doc in out.values():
        for keys in doc.spans.values():
            keys.sort()
    return list(out.values())


def _documents_needing_review(session: Any, set_ids: Sequence[int]) -> set[int]:
    """Documents of these sets with a span a correction moved to a best guess."""
    out: set[int] = set()
    for i in range(0, len(set_ids), 500):
        out.update(session.exec(
            select(Span.document_id).where(col(Span.set_id).in_(set_ids[i:i + 500]),
                                           col(Span.needs_review).is_(True)).distinct()).all())
    return out


# --------------------------------------------------------------------------- reports
def _f(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


@dataclass
class PairAgreement:
    a: str
    b: str
    documents: int = 0
    exact: dict[tuple[str, str], Counts] = field(default_factory=dict)
    overlap: dict[tuple[str, str], Counts] = field(default_factory=dict)
    links: dict[tuple[str, str], Counts] = field(default_factory=dict)
    kappa: dict[str, float | None] = field(default_factory=dict)
    tokens: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a, "b": self.b, "documents": self.documents, "tokens": self.tokens,
            "exact": _table(self.exact), "overlap": _table(self.overlap),
            "links": _table(self.links, keys=("kind", "role")),
            "cohen_kappa": {k: _f(v) for k, v in self.kappa.items()},
        }


def _table(counts: Mapping[tuple[str, str], Counts],
           keys: tuple[str, str] = ("layer", "label")) -> dict[str, Any]:
    rows = [{keys[0]: k[0], keys[1]: k[1], **_rounded(c)} for k, c in sorted(counts.items())]
    by_first: dict[str, Counts] = {}
    for (first, _), c in counts.items():
        by_first.setdefault(first, Counts())
        by_first[first] += c
    return {"micro": _rounded(micro(counts.values())),
            f"by_{keys[0]}": {k: _rounded(v) for k, v in sorted(by_first.items())},
            f"by_{keys[1]}": rows}


def _rounded(c: Counts) -> dict[str, Any]:
    return {k: (_f(v) if isinstance(v, float) else v) for k, v in c.to_dict().items()}


@dataclass
class DocumentAgreement:
    """One document's figures, all annotator pairs pooled; `score` orders worst first."""

    doc_id: int
    title: str
    annotators: list[str]
    exact: Counts
    overlap: Counts
    links: dict[str, Counts]
    alpha: dict[str, float | None]
    version: int = 1

    @property
    def score(self) -> float:
        """Exact span F1, or 1.0 when nobody marked anything (no disagreement to show)."""
        f1 = self.exact.f1
        return 1.0 if f1 is None else f1

    def to_dict(self) -> dict[str, Any]:
        return {"document_id": self.doc_id, "title": self.title, "version": self.version,
                "annotators": self.annotators,
                "exact": _rounded(self.exact), "overlap": _rounded(self.overlap),
                "links": {k: _rounded(v) for k, v in self.links.items()},
                "alpha": {k: _f(v) for k, v in self.alpha.items()}}


@dataclass
class AgreementReport:
    layers: list[str]
    documents: int
    annotators: list[str]
    pairs: list[PairAgreement]
    alpha: dict[str, float | None]
    fleiss: dict[str, float | None]
    fleiss_note: str = ""
    per_document: list[DocumentAgreement] = field(default_factory=list)
    # documents left out because a correction left spans needing review in their done sets
    unreviewed_documents: list[int] = field(default_factory=list)

    def pooled(self, attr: str) -> dict[tuple[str, str], Counts]:
        """`exact`, `overlap` or `links` counts summed over every pair."""
        out: dict[tuple[str, str], Counts] = {}
        for pair in self.pairs:
            _merge(out, getattr(pair, attr))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "layers": self.layers, "documents": self.documents, "annotators": self.annotators,
            "exact": _table(self.pooled("exact")), "overlap": _table(self.pooled("overlap")),
            "links": _table(self.pooled("links"), keys=("kind", "role")),
            "krippendorff_alpha": {k: _f(v) for k, v in self.alpha.items()},
            "fleiss_kappa": {k: _f(v) for k, v in self.fleiss.items()},
            "fleiss_note": self.fleiss_note,
            "pairs": [p.to_dict() for p in self.pairs],
            "per_document": [d.to_dict() for d in self.per_document],
            "unreviewed_documents": self.unreviewed_documents,
        }


def project_layers(store: Store) -> list[str]:
    """The schema's layers, the built-in three first, in their usual order."""
    present = {label.layer for label in store.schema.labels}
    return [layer for layer in LAYERS if layer in present] + sorted(present - set(LAYERS))


def _pair_units(doc: DocAnnotations, layer: str) -> list[list[str]]:
    """Per token, the labels every done annotator gave it in `layer` (alpha/Fleiss units)."""
    columns = [doc.labels(a, layer) for a in doc.annotators]
    return [list(unit) for unit in zip(*columns, strict=True)]


def _doc_agreement(doc: DocAnnotations, layers: Sequence[str]) -> DocumentAgreement:
    exact, overlap = Counts(), Counts()
    links: dict[str, Counts] = {kind: Counts() for kind in LINK_KINDS}
    for a, b in itertools.combinations(doc.annotators, 2):
        exact += micro(exact_counts(doc.spans[a], doc.spans[b]).values())
        overlap += micro(overlap_counts(doc.spans[a], doc.spans[b]).values())
        for (kind, _role), c in link_counts(doc.links[a], doc.links[b]).items():
            links[kind] += c
    alpha = {layer: krippendorff_alpha(_pair_units(doc, layer)) for layer in layers}
    return DocumentAgreement(doc.doc_id, doc.title, doc.annotators, exact, overlap, links, alpha,
                             version=doc.version)


def agreement(store: Store, *, layer: str | None = None, per_document: bool = False,
              doc_ids: Sequence[int] | None = None, annotators: Sequence[str] = (),
              include_suggestions: bool = False) -> AgreementReport:
    """Every figure in the module docstring, for done work in `store` (optionally one layer,
    or only some annotators); suggestion sets only when named or included (see load_done)."""
    layers = project_layers(store)
    if layer is not None:
        if layer not in layers:
            raise StoreError(f"no layer {layer!r} in schema {store.schema.name!r}; "
                             f"layers: {', '.join(layers)}")
        layers = [layer]
    unreviewed: list[int] = []
    docs = load_done(store, layers=layers, doc_ids=doc_ids, annotators=annotators,
                     include_suggestions=include_suggestions, unreviewed=unreviewed)
    names = sorted({a for doc in docs for a in doc.annotators})
    pairs: dict[tuple[str, str], PairAgreement] = {}
    pair_labels: dict[tuple[str, str], dict[str, tuple[list[str], list[str]]]] = {}
    units: dict[str, list[list[str]]] = {lay: [] for lay in layers}
    raters: set[int] = set()
    for doc in docs:
        raters.add(len(doc.annotators))
        per_annotator = {a: {lay: doc.labels(a, lay) for lay in layers} for a in doc.annotators}
        for lay in layers:
            columns = [per_annotator[a][lay] for a in doc.annotators]
            units[lay].extend(list(u) for u in zip(*columns, strict=True))
        for a, b in itertools.combinations(doc.annotators, 2):
            pair = pairs.setdefault((a, b), PairAgreement(a, b))
            pair.documents += 1
            pair.tokens += len(doc.tokens)
            _merge(pair.exact, exact_counts(doc.spans[a], doc.spans[b]))
            _merge(pair.overlap, overlap_counts(doc.spans[a], doc.spans[b]))
            _merge(pair.links, link_counts(doc.links[a], doc.links[b]))
            seqs = pair_labels.setdefault((a, b), {lay: ([], []) for lay in layers})
            for lay in layers:
                seqs[lay][0].extend(per_annotator[a][lay])
                seqs[lay][1].extend(per_annotator[b][lay])
    for key, pair in pairs.items():
        pair.kappa = {lay: cohen_kappa(*pair_labels[key][lay]) for lay in layers}
    alpha = {lay: krippendorff_alpha(units[lay]) for lay in layers}
    fleiss: dict[str, float | None] = {lay: None for lay in layers}
    note = ""
    if len(raters) == 1 and min(raters) >= 3:
        fleiss = {lay: fleiss_kappa(units[lay]) for lay in layers}
    elif docs:
        note = ("Fleiss' kappa needs the same number (3 or more) of done annotators on every "
                "document; see Krippendorff's alpha")
    report = AgreementReport(layers=layers, documents=len(docs), annotators=names,
                             pairs=[pairs[k] for k in sorted(pairs)], alpha=alpha,
                             fleiss=fleiss, fleiss_note=note, unreviewed_documents=unreviewed)
    if per_document:
        rows = [_doc_agreement(doc, layers) for doc in docs]
        rows.sort(key=lambda r: (r.score, _worst(r.alpha.values()), r.doc_id))
        report.per_document = rows
    return report


def _worst(values: Iterable[float | None]) -> float:
    present = [v for v in values if v is not None]
    return min(present) if present else 1.0
