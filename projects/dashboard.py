"""What a project lead looks at: progress, throughput, agreement per label, label confusion.

Plain functions over the store, no terminal: `copydesk dashboard`, `agreement --confusion` and
the SVG reports draw what these return.

Who counts: human annotators only. The adjudicated `gold` set is the reviewer's, and machine
suggestion sets (`suggest:*`) are a model's; neither is an annotator to compare or to chase.

The label confusion matrix pairs two annotators' spans exactly as `projects.agreement` scores
them, so its numbers reconcile with the F1 tables a lead already reads:

1. exact matches (same layer, label, start, end, pieces) are the diagonal: their count per label
   is the exact-match true positives;
2. of what is left, same-label spans paired by `agreement.overlap_pairs` are boundary-only
   disagreements, counted apart per label (diagonal + boundary = the overlap-match true
   positives);
3. of what is left, spans with the same extent (layer, start, end, pieces) and different labels
   are label confusions: row the first annotator's label, column the second's;
4. anything still unpaired is a span only one of them marked: row or column "none".

A span that differs in both label and extent is two "none" cells, not a guess. Over more than two
annotators every pair (names sorted, first as rows) is summed; or one pair is asked for.

Everything that can be a SQL aggregate is one (progress, throughput); agreement needs the spans
themselves and reads only the columns it compares, never document text.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Integer, Text, and_, cast, func, literal_column, union_all
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from copydesk.projects import fragments as frag
from copydesk.projects.agreement import Counts, SpanKey, exact_counts, micro, overlap_pairs
from copydesk.projects.errors import StoreError
from copydesk.projects.models import Action, AnnotationSet, Assignment, Document, Span
from copydesk.projects.permissions import GOLD
from copydesk.projects.store import Store
from copydesk.projects.suggest import PREFIX as SUGGEST_PREFIX

NONE = "none"
FINISHED_ASIDE = ("skipped", "flagged")


def is_annotator(name: str) -> bool:
    """A human annotator: not the gold set, not a machine suggestion set."""
    return name != GOLD and not name.startswith(SUGGEST_PREFIX)


# --------------------------------------------------------------------------- confusion
@dataclass
class Confusion:
    """Cells (row label, column label) -> spans, and boundary-only disagreements per label."""

    cells: Counter[tuple[str, str]] = field(default_factory=Counter)
    boundary: Counter[str] = field(default_factory=Counter)

    def __iadd__(self, other: Confusion) -> Confusion:
        self.cells.update(other.cells)
        self.boundary.update(other.boundary)
        return self

    @property
    def labels(self) -> list[str]:
        """Every label seen on either side, sorted, then "none" last."""
        seen = {a for a, _ in self.cells} | {b for _, b in self.cells} | set(self.boundary)
        seen.discard(NONE)
        return [*sorted(seen), NONE]

    def count(self, row: str, column: str) -> int:
        return self.cells.get((row, column), 0)

    def to_dict(self) -> dict[str, Any]:
        """`{"labels": [...], "matrix": {row: {column: n}}, "boundary": {label: n}}`, every
        cell present (zeros too) so a reader can index without defaults."""
        labels = self.labels
        return {
            "labels": labels,
            "matrix": {r: {c: self.count(r, c) for c in labels} for r in labels},
            "boundary": {label: self.boundary.get(label, 0) for label in labels[:-1]},
        }


def confusion_pair(a: Sequence[SpanKey], b: Sequence[SpanKey]) -> Confusion:
    """One document, two annotators: `a` gives the rows, `b` the columns (module docstring)."""
    out = Confusion()
    left_b = Counter(b)
    rest_a: list[SpanKey] = []
    for key in a:  # 1. exact matches, as a multiset
        if left_b[key]:
            left_b[key] -= 1
            out.cells[(key.label, key.label)] += 1
        else:
            rest_a.append(key)
    rest_b = [key for key in b if left_b[key] and not _take(left_b, key)]
    paired_a: set[int] = set()
    paired_b: set[int] = set()
    for i, j in overlap_pairs(rest_a, rest_b):  # 2. boundary-only
        out.boundary[rest_a[i].label] += 1
        paired_a.add(i)
        paired_b.add(j)
    by_extent: dict[tuple[Any, ...], list[SpanKey]] = defaultdict(list)
    for j, key in enumerate(rest_b):
        if j not in paired_b:
            by_extent[(key.layer, key.start, key.end, key.fragments)].append(key)
    for i, key in enumerate(rest_a):  # 3. same extent, another label
        if i in paired_a:
            continue
        same = by_extent.get((key.layer, key.start, key.end, key.fragments))
        if same:
            other = same.pop(0)
            out.cells[(key.label, other.label)] += 1
        else:  # 4. only the first annotator marked it
            out.cells[(key.label, NONE)] += 1
    for keys in by_extent.values():
        for key in keys:
            out.cells[(NONE, key.label)] += 1
    return out


def _take(counter: Counter[SpanKey], key: SpanKey) -> bool:
    """Use up one of `key` in `counter`; False so it can sit in a filter."""
    counter[key] -= 1
    return False


# --------------------------------------------------------------------------- done work
@dataclass
class DoneWork:
    """Per document, each annotator's done spans as keys (gold and suggestions left out)."""

    docs: dict[int, dict[str, list[SpanKey]]]

    @property
    def annotators(self) -> list[str]:
        return sorted({a for by in self.docs.values() for a in by})

    def pairs(self, pair: tuple[str, str] | None = None
              ) -> Iterable[tuple[int, str, str]]:
        """(document, a, b) for every pair compared: one named pair (in the order given), or
        every pair of done annotators on each document, names sorted."""
        for doc_id, by in self.docs.items():
            if pair is not None:
                if pair[0] in by and pair[1] in by:
                    yield doc_id, pair[0], pair[1]
                continue
            for a, b in itertools.combinations(sorted(by), 2):
                yield doc_id, a, b


def load_done_spans(store: Store, *, layer: str | None = None) -> DoneWork:
    """Spans of `done` sets on documents two or more annotators finished; one query, the
    compared columns only (the text of 10,000 documents is never read)."""
    with store.db.read() as session:
        query = (
            select(AnnotationSet.document_id, AnnotationSet.annotator, Span.layer, Span.label,
                   Span.start, Span.end, Span.fragments)
            .join(Span, col(Span.set_id) == col(AnnotationSet.id))
            .where(AnnotationSet.status == "done", AnnotationSet.annotator != GOLD,
                   col(AnnotationSet.annotator).not_like(f"{SUGGEST_PREFIX}%"),
                   Span.stale == "")
        )
        if layer is not None:
            query = query.where(Span.layer == layer)
        rows = session.exec(query).all()
        # A done set with no span is still a done annotator (one who found nothing).
        sets = session.exec(
            select(AnnotationSet.document_id, AnnotationSet.annotator)
            .where(AnnotationSet.status == "done", AnnotationSet.annotator != GOLD,
                   col(AnnotationSet.annotator).not_like(f"{SUGGEST_PREFIX}%"))
        ).all()
    docs: dict[int, dict[str, list[SpanKey]]] = defaultdict(dict)
    for doc_id, annotator in sets:
        docs[int(doc_id)][annotator] = []
    for doc_id, annotator, lay, label, start, end, pieces in rows:
        parts = frag.decode(pieces, int(start), int(end)) if pieces else ()
        docs[int(doc_id)][annotator].append(
            SpanKey(lay, label, int(start), int(end), parts if len(parts) > 1 else ()))
    kept = {d: by for d, by in sorted(docs.items()) if len(by) >= 2}
    for by in kept.values():
        for keys in by.values():
            keys.sort()
    return DoneWork(kept)


def _check_pair(work: DoneWork, pair: tuple[str, str] | None) -> None:
    if pair is None:
        return
    if pair[0] == pair[1]:
        raise StoreError(f"--pair needs two different annotators, not {pair[0]!r} twice")
    known = work.annotators
    for name in pair:
        if name not in known:
            raise StoreError(f"no done work by {name!r} on a document someone else finished; "
                             f"annotators compared: {', '.join(known) or 'none yet'}")


def confusion(store: Store, *, pair: tuple[str, str] | None = None,
              layer: str | None = None, work: DoneWork | None = None) -> Confusion:
    """The label confusion matrix summed over every pair, or over one `pair` (a rows, b
    columns)."""
    if work is None:
        return sql_agreement(store, pair=pair, layer=layer)[2]
    _check_pair(work, pair)
    total = Confusion()
    for doc_id, a, b in work.pairs(pair):
        total += confusion_pair(work.docs[doc_id][a], work.docs[doc_id][b])
    return total


# --------------------------------------------------------------------------- agreement views
@dataclass
class LabelAgreement:
    layer: str
    label: str
    counts: Counts

    @property
    def f1(self) -> float | None:
        return self.counts.f1


@dataclass
class DocScore:
    doc_id: int
    title: str
    annotators: list[str]
    counts: Counts

    @property
    def f1(self) -> float:
        """Exact span F1 over every pair; 1.0 when nobody marked anything."""
        value = self.counts.f1
        return 1.0 if value is None else value


def agreement_views(work: DoneWork, *, pair: tuple[str, str] | None = None
                    ) -> tuple[list[LabelAgreement], list[DocScore], Confusion]:
    """Per-label exact F1 (pairs pooled), per-document exact F1 and the confusion matrix, in
    one pass over the pairs (titles are filled in by `lowest_documents`)."""
    by_label: dict[tuple[str, str], Counts] = {}
    per_doc: dict[int, Counts] = {}
    conf = Confusion()
    for doc_id, a, b in work.pairs(pair):
        sa, sb = work.docs[doc_id][a], work.docs[doc_id][b]
        counts = exact_counts(sa, sb)
        for key, c in counts.items():
            by_label.setdefault(key, Counts())
            by_label[key] += c
        per_doc.setdefault(doc_id, Counts())
        per_doc[doc_id] += micro(counts.values())
        conf += confusion_pair(sa, sb)
    labels = [LabelAgreement(lay, lab, c) for (lay, lab), c in sorted(by_label.items())]
    docs = [DocScore(d, "", sorted(work.docs[d]), c) for d, c in per_doc.items()]
    docs.sort(key=lambda s: (s.f1, s.doc_id))
    return labels, docs, conf


def fill_titles(store: Store, docs: Sequence[DocScore]) -> None:
    """Titles for the few documents shown (one query, titles and external ids only)."""
    ids = [d.doc_id for d in docs]
    if not ids:
        return
    with store.db.read() as session:
        rows = session.exec(select(Document.id, Document.title, Document.external_id)
                            .where(col(Document.id).in_(ids))).all()
    names = {int(i): (t or e or f"document {i}") for i, t, e in rows}
    for d in docs:
        d.title = names.get(d.doc_id, f"document {d.doc_id}")


# --------------------------------------------------------------------------- progress
@dataclass
class Progress:
    """One annotator against their assignment (every document when nobody is assigned)."""

    annotator: str
    total: int
    done: int = 0
    in_progress: int = 0
    aside: int = 0  # skipped or flagged: finished without annotation

    @property
    def todo(self) -> int:
        return max(0, self.total - self.done - self.in_progress - self.aside)


def progress(store: Store) -> list[Progress]:
    """Progress per human annotator, from two GROUP BYs (no row per document reaches Python)."""
    with store.db.read() as session:
        status_rows = session.exec(
            select(AnnotationSet.annotator, AnnotationSet.status, func.count())
            .group_by(AnnotationSet.annotator, AnnotationSet.status)).all()
        assigned_rows = session.exec(
            select(Assignment.annotator, func.count()).group_by(Assignment.annotator)).all()
        documents = int(session.exec(select(func.count()).select_from(Document)).one())
    assigned = {name: int(n) for name, n in assigned_rows}
    by: dict[str, Counter[str]] = defaultdict(Counter)
    for name, status, n in status_rows:
        by[name][status] += int(n)
    out = []
    for name in sorted(set(by) | set(assigned)):
        if not is_annotator(name):
            continue
        counts = by.get(name, Counter())
        # With no plan at all everyone works on every document.
        total = assigned.get(name, 0) if assigned else documents
        total = max(total, counts["done"] + counts["in_progress"]
                    + sum(counts[s] for s in FINISHED_ASIDE))
        out.append(Progress(name, total, counts["done"], counts["in_progress"],
                            sum(counts[s] for s in FINISHED_ASIDE)))
    return out


def throughput(store: Store, *, days: int = 30, today: date | None = None
               ) -> list[tuple[str, int]]:
    """Edits per day by human annotators (from the action log), the last `days` days up to
    the newest edit or `today`, zeros included so a quiet day shows as a gap."""
    day = func.substr(col(Action.at), 1, 10)
    with store.db.read() as session:
        rows = session.exec(
            select(day.label("day"), func.count())
            .where(Action.annotator != GOLD,
                   col(Action.annotator).not_like(f"{SUGGEST_PREFIX}%"))
            .group_by(literal_column("day"))).all()
    counts = {}
    for d, n in rows:
        try:
            counts[date.fromisoformat(str(d))] = int(n)
        except ValueError:
            continue  # a hand-edited timestamp: not a day to plot
    if not counts and today is None:
        return []
    last = today or max(counts)
    return [((last - timedelta(days=k)).isoformat(),
             counts.get(last - timedelta(days=k), 0)) for k in range(days - 1, -1, -1)]


# --------------------------------------------------------------------------- everything
@dataclass
class Dashboard:
    progress: list[Progress]
    throughput: list[tuple[str, int]]
    labels: list[LabelAgreement] = field(default_factory=list)
    lowest: list[DocScore] = field(default_factory=list)
    confusion: Confusion = field(default_factory=Confusion)
    documents_compared: int = 0
    complete: bool = False  # False: only the fast part (progress, throughput) is in

    @property
    def annotators(self) -> list[str]:
        return [p.annotator for p in self.progress]


def fingerprint(store: Store) -> tuple[int, int]:
    """(newest action id, actions): every edit, status change and schema change is logged, so
    while this stays the same no figure can have changed, and a periodic refresh of a big
    project need not count its 400,000 spans again (one indexed read instead of seconds)."""
    with store.db.read() as session:
        newest, count = session.exec(select(func.max(Action.id), func.count())
                                     .select_from(Action)).one()
    return int(newest or 0), int(count or 0)


def quick_figures(store: Store) -> Dashboard:
    """The SQL aggregates alone: what the dashboard paints first."""
    return Dashboard(progress(store), throughput(store))


def full_figures(store: Store, *, lowest: int = 20, pair: tuple[str, str] | None = None,
                 layer: str | None = None, base: Dashboard | None = None) -> Dashboard:
    """Everything, agreement included: counted in SQL, only disagreeing spans paired here."""
    board = base if base is not None else quick_figures(store)
    labels, docs, conf = sql_agreement(store, pair=pair, layer=layer)
    worst = docs[:lowest]
    fill_titles(store, worst)
    return Dashboard(board.progress, board.throughput, labels, worst, conf,
                     documents_compared=len(docs), complete=True)


# --------------------------------------------------------------------------- the same in SQL
def _human(column: Any) -> Any:
    return and_(column != GOLD, column.not_like(f"{SUGGEST_PREFIX}%"))


def _compared_sets(pair: tuple[str, str] | None) -> Any:
    """(id, doc, annotator, k): done sets of human annotators on documents with k >= 2 of them
    (only the pair's two, when one pair is asked for)."""
    sets = AnnotationSet.__table__
    wanted = [sets.c.status == "done", _human(sets.c.annotator)]
    if pair is not None:
        wanted.append(sets.c.annotator.in_(pair))
    k = func.count().over(partition_by=sets.c.document_id)
    inner = (sa_select(sets.c.id, sets.c.document_id.label("doc"), sets.c.annotator,
                       k.label("k")).where(*wanted).subquery("counted"))
    return sa_select(inner).where(inner.c.k >= 2).cte("compared")


def sql_agreement(store: Store, *, pair: tuple[str, str] | None = None,
                  layer: str | None = None
                  ) -> tuple[list[LabelAgreement], list[DocScore], Confusion]:
    """What `agreement_views(load_done_spans(...))` returns, with the counting in SQL.

    One pass over the spans of compared sets. No span is joined to another (a self-join of
    400,000 rows is at the mercy of the planner): a window count gives each span m, the number
    of sets on its document holding a span alike in everything an exact match compares (a set
    holds no two identical spans; the store refuses them). A group of m alike spans is C(m, 2)
    matching pairs, so summing (m - 1) over an annotator's spans of a label and halving over the
    document gives the true positives. What comes back is spans per (document, annotator,
    label), that sum, and only the spans some other annotator did not mark alike (m < k), to
    be paired here for the boundary, confusion and "none" cells.
    """
    if pair is not None:
        _check_pair_sql(store, pair)
    compared = _compared_sets(pair)
    s1 = Span.__table__.alias("s1")
    live = [s1.c.stale == ""]
    if layer is not None:
        live.append(s1.c.layer == layer)
    pieces = func.coalesce(s1.c.fragments, "")
    key = (compared.c.doc, s1.c.layer, s1.c.label, s1.c.start, s1.c["end"], pieces)
    marked = (sa_select(compared.c.doc, compared.c.annotator, compared.c.k, s1.c.layer,
                        s1.c.label, s1.c.start, s1.c["end"].label("stop"), s1.c.fragments,
                        func.count().over(partition_by=key).label("m"))
              .select_from(compared.join(s1, s1.c.set_id == compared.c.id))
              .where(*live).cte("marked"))
    none_int = cast(None, Integer)
    grouped = (sa_select(literal_column("'g'").label("kind"), marked.c.doc, marked.c.annotator,
                         marked.c.layer, marked.c.label, func.count().label("n"),
                         func.sum(marked.c.m - 1).label("pm"), none_int.label("start"),
                         none_int.label("stop"), cast(None, Text).label("fragments"))
               .group_by(marked.c.doc, marked.c.annotator, marked.c.layer, marked.c.label))
    rest = (sa_select(literal_column("'r'"), marked.c.doc, marked.c.annotator, marked.c.layer,
                      marked.c.label, none_int, none_int, marked.c.start, marked.c.stop,
                      marked.c.fragments)
            .where(marked.c.m < marked.c.k))
    with store.db.read() as session:
        conn = session.connection()
        set_rows = conn.execute(sa_select(compared.c.doc, compared.c.annotator)).all()
        rows = conn.execute(union_all(grouped, rest)).all()
    names: dict[int, list[str]] = defaultdict(list)
    for doc, annotator in set_rows:
        names[int(doc)].append(annotator)
    doc_pairs: dict[int, list[tuple[str, str]]] = {}
    for doc, who in names.items():
        who.sort()
        doc_pairs[doc] = [pair] if pair is not None else \
            list(itertools.combinations(who, 2))
    sizes: dict[int, dict[tuple[str, str], Counter[str]]] = defaultdict(dict)
    halves: dict[tuple[int, str, str], int] = defaultdict(int)
    rest_keys: dict[int, dict[str, list[SpanKey]]] = defaultdict(lambda: defaultdict(list))
    for kind, doc, annotator, lay, label, n, pm, start, end, raw in rows:
        doc = int(doc)
        if kind == "g":
            sizes[doc].setdefault((lay, label), Counter())[annotator] = int(n)
            halves[(doc, lay, label)] += int(pm)
        else:
            parts = frag.decode(raw, int(start), int(end)) if raw else ()
            rest_keys[doc][annotator].append(
                SpanKey(lay, label, int(start), int(end), parts if len(parts) > 1 else ()))
    by_label: dict[tuple[str, str], Counts] = {}
    per_doc: dict[int, Counts] = {doc: Counts() for doc in doc_pairs}
    conf = Confusion()
    for doc, by in sizes.items():
        for (lay, label), held in by.items():
            tp = halves[(doc, lay, label)] // 2
            c = Counts(tp, -tp, -tp)  # every span starts unmatched: a's as fn, b's as fp
            for a, b in doc_pairs[doc]:
                c.fn += held.get(a, 0)
                c.fp += held.get(b, 0)
            by_label.setdefault((lay, label), Counts())
            by_label[(lay, label)] += c
            per_doc[doc] += c
            conf.cells[(label, label)] += tp
    for doc, by_who in rest_keys.items():
        for keys in by_who.values():
            keys.sort()
        for a, b in doc_pairs[doc]:
            one = confusion_pair(by_who.get(a, []), by_who.get(b, []))
            # Alike spans were counted above (with three or more annotators a span can be
            # unmatched against one and still match another): only the rest is added here.
            conf.cells.update({cell: n for cell, n in one.cells.items() if cell[0] != cell[1]})
            conf.boundary.update(one.boundary)
    conf.cells = Counter({cell: n for cell, n in conf.cells.items() if n})
    labels = [LabelAgreement(lay, lab, c) for (lay, lab), c in sorted(by_label.items())]
    docs = [DocScore(d, "", names[d], c) for d, c in per_doc.items()]
    docs.sort(key=lambda s: (s.f1, s.doc_id))
    return labels, docs, conf


def _check_pair_sql(store: Store, pair: tuple[str, str]) -> None:
    """`--pair` names two annotators with done work on some document in common."""
    if pair[0] == pair[1]:
        raise StoreError(f"--pair needs two different annotators, not {pair[0]!r} twice")
    with store.db.read() as session:
        rows = session.exec(
            select(AnnotationSet.annotator).distinct().where(
                AnnotationSet.status == "done", _human(col(AnnotationSet.annotator)))).all()
    known = sorted(rows)
    for name in pair:
        if name not in known:
            raise StoreError(f"no done work by {name!r}; annotators with done work: "
                             f"{', '.join(known) or 'none yet'}")
