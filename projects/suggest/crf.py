"""A learned attribution (and event trigger) tagger (optional `copydesk[train]`): a
linear-chain CRF over our tokens with the rules' own output as features, trained on the
team's finished attributions.

Why a CRF with the rules as features: it trains on CPU in seconds to minutes (python-crfsuite,
L-BFGS), needs no download and no GPU, and starts from what the rules already know (every token
carries the rules' tag for it, the cue lexicon, whether it lies inside quotation marks), so
it learns where a team's gold departs from the rules: its cue extent, its source length, the
cues and shapes the lexicon lacks.

Tags are BIO over CUE, SOURCE and CONTENT (a token in two parts takes the cue, then the
source), and over each event type's triggers found in the gold (`EVT=Conflict.Attack`; event
arguments are not learned). Sequences are paragraphs. Decoding turns runs into spans and
links them: each CONTENT to the nearest CUE in its paragraph, that cue to the nearest SOURCE
not inside the content; two contents that share a cue lying between them are one content in
pieces (a split quote). The content `type` is read off the text: direct inside quotation
marks, mixed when it holds some, indirect otherwise.

Training (`fit`) holds out documents: L-BFGS runs while the held-out F1 improves (early
stopping with `patience`) and within half the time budget, then the model is refitted for the
best number of iterations; per-part held-out scores come from `evaluate.score_proposals`.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from copydesk.projects import fragments as frag
from copydesk.projects.bulk import NewSpan
from copydesk.projects.errors import StoreError
from copydesk.projects.models import AnnotationSet, Document, Link, Span
from copydesk.projects.store import Store
from copydesk.projects.suggest import is_suggestion_set
from copydesk.projects.suggest.attribution import (
    AttributionDetector,
    AttributionSettings,
    find_quotes,
)
from copydesk.projects.suggest.evaluate import score_proposals
from copydesk.projects.suggest.write import Proposal, document_texts
from copydesk.projects.textutil import tokenize
from copydesk.schema.model import ATTRIBUTION, CONTENT, CUE, EVENT, SOURCE, Schema

INSTALL_HINT = "the attribution model needs python-crfsuite: pip install 'copydesk[train]'"
MODEL_FILE = "attribution.crfsuite"
META_FILE = "copydesk-model.json"
KIND = "attribution-crf"
_PARTS = (CUE, SOURCE, CONTENT)  # precedence when a token is in two parts
_TAG = {CUE: "CUE", SOURCE: "SRC", CONTENT: "CON"}
_LINK_REACH = 250  # characters: how far a content looks for its cue, a cue for its source
_QUOTES = set("\"“”«»„‘’'")


def require_crfsuite() -> Any:
    try:
        import pycrfsuite
    except ImportError as exc:
        raise StoreError(INSTALL_HINT) from exc
    return pycrfsuite


@dataclass
class CRFReport:
    train_docs: int = 0
    heldout_docs: int = 0
    iterations: int = 0
    best_iteration: int = 0
    stopped: str = ""  # why the first pass stopped: converged, patience, budget
    seconds: float = 0.0
    scores: dict[str, dict[str, float | None]] = field(default_factory=dict)


# --------------------------------------------------------------------------- features
def _shape(word: str) -> str:
    if word[:1] in _QUOTES:
        return "Q"
    if not any(ch.isalnum() for ch in word):
        return "P"
    if word.isdigit():
        return "D"
    if word[:1].isupper():
        return "X" if word.isupper() and len(word) > 1 else "Xx"
    return "x" if word[:1].isalpha() else "o"


def _paragraphs(text: str, toks: Sequence[tuple[int, int]]) -> list[range]:
    """Token ranges split where a line break lies between two tokens."""
    out, start = [], 0
    for i in range(1, len(toks)):
        if "\n" in text[toks[i - 1][1]:toks[i][0]]:
            out.append(range(start, i))
            start = i
    if toks:
        out.append(range(start, len(toks)))
    return out


def _tags(proposal: Proposal, parts: dict[str, str], toks: Sequence[tuple[int, int]]
          ) -> list[str]:
    """BIO tags of `proposal`'s attribution spans on `toks`."""
    starts = [s for s, _ in toks]
    tags = ["O"] * len(toks)
    rank = {part: n for n, part in enumerate(_PARTS)}
    owner = [len(_PARTS)] * len(toks)
    for span in proposal.spans:
        part = parts.get(span.label) if span.layer == ATTRIBUTION else None
        if span.layer == EVENT:  # an event trigger: its own tag per type, lowest precedence
            _tag_event(span, toks, starts, tags, owner)
            continue
        if part is None:
            continue
        for a, b in span.fragments or ((span.start, span.end),):
            first = bisect_left(starts, a)
            if first > 0 and toks[first - 1][1] > a:
                first -= 1
            for i in range(first, len(toks)):
                if toks[i][0] >= b:
                    break
                if rank[part] < owner[i]:
                    owner[i] = rank[part]
                    begins = i == first or tags[i - 1][2:] != _TAG[part]
                    tags[i] = ("B-" if begins else "I-") + _TAG[part]
    return tags


def _tag_event(span: NewSpan, toks: Sequence[tuple[int, int]], starts: Sequence[int],
               tags: list[str], owner: list[int]) -> None:
    first = bisect_left(starts, span.start)
    if first > 0 and toks[first - 1][1] > span.start:
        first -= 1
    kind = "EVT=" + span.label
    for i in range(first, len(toks)):
        if toks[i][0] >= span.end:
            break
        if owner[i] == len(_PARTS):  # no attribution part claimed the token
            tags[i] = ("B-" if i == first else "I-") + kind
            owner[i] = len(_PARTS) + 1


class _Featurizer:
    def __init__(self, detector: AttributionDetector, rules: bool = True) -> None:
        self.detector = detector
        self.rules = rules  # False: no rule tags as features (the benchmark's ablation)
        self.parts = {detector.content: CONTENT, detector.cue: CUE, detector.source: SOURCE}

    def document(self, text: str) -> tuple[list[tuple[int, int]], list[range],
                                            list[list[dict[str, Any]]]]:
        toks = tokenize(text)
        rules = _tags(self.detector.detect(text), self.parts, toks) if self.rules else \
            ["O"] * len(toks)
        words = [text[s:e] for s, e in toks]
        keys = [w.casefold() for w in words]
        inside = [False] * len(toks)
        starts = [s for s, _ in toks]
        for o, c in find_quotes(text):
            for i in range(bisect_left(starts, o + 1), bisect_left(starts, c)):
                inside[i] = True
        lexicon = {i for _, a, b in self.detector.cue_lexicon.match(text, toks, keys)
                   for i in range(bisect_left(starts, a), bisect_left(starts, b))}
        paragraphs = _paragraphs(text, toks)
        seqs = []
        for para in paragraphs:
            seq = []
            for i in para:
                f: dict[str, Any] = {
                    "w": keys[i], "suf": keys[i][-3:], "shape": _shape(words[i]),
                    "rule": rules[i], "inq": inside[i], "lex": i in lexicon,
                }
                for d in (-2, -1, 1, 2):
                    j = i + d
                    if para.start <= j < para.stop:
                        f[f"{d}:w"] = keys[j]
                        f[f"{d}:rule"] = rules[j]
                        f[f"{d}:shape"] = _shape(words[j])
                        f[f"{d}:lex"] = j in lexicon
                    else:
                        f[f"{d}:edge"] = True
                f["rule|-1"] = rules[i] + "|" + (rules[i - 1] if i > para.start else "^")
                seq.append(f)
            seqs.append(seq)
        return toks, paragraphs, seqs


# --------------------------------------------------------------------------- the model
class AttributionCRF:
    """A trained tagger plus the detector whose output it reads as features."""

    def __init__(self, tagger: Any, detector: AttributionDetector, meta: dict[str, Any],
                 schema: Schema | None = None) -> None:
        self.tagger = tagger
        self.detector = detector
        self.schema = schema  # event triggers are suggested only for types it has
        self.meta = meta
        self._feat = _Featurizer(detector, bool(meta.get("rule_features", True)))
        self.report = CRFReport(**meta.get("report", {})) if meta.get("report") else CRFReport()

    # ---------------------------------------------------------------- training
    @classmethod
    def fit(cls, docs: Sequence[tuple[str, Proposal]], *, schema: Schema,
            settings: AttributionSettings | None = None,
            heldout: Sequence[tuple[str, Proposal]] = (), out_dir: Path | None = None,
            max_iterations: int = 150, budget: float | None = None, patience: int = 10,
            c1: float = 0.05, c2: float = 0.01, rule_features: bool = True,
            progress: Callable[[str], None] | None = None) -> AttributionCRF:
        """Train on `docs` ((text, gold proposal) pairs); with `heldout`, stop early on its
        F1 and score it per part. Saved in `out_dir` (a temporary folder if None)."""
        pycrfsuite = require_crfsuite()
        began = time.perf_counter()
        detector = AttributionDetector(schema, settings)
        feat = _Featurizer(detector, rule_features)

        def sequences(pairs: Sequence[tuple[str, Proposal]]
                      ) -> list[tuple[list[dict[str, Any]], list[str]]]:
            out = []
            for text, gold in pairs:
                toks, paragraphs, seqs = feat.document(text)
                tags = _tags(gold, feat.parts, toks)
                out += [(seq, [tags[i] for i in para]) for para, seq in zip(paragraphs, seqs,
                                                                             strict=True)]
            return out

        train_seqs, held_seqs = sequences(docs), sequences(heldout)
        if not any(t != "O" and "EVT=" not in t for _, tags in train_seqs for t in tags):
            raise StoreError("the training documents have no attribution spans to learn from")
        report = CRFReport(train_docs=len(docs), heldout_docs=len(heldout))

        def trainer(iterations: int, watch: bool) -> Any:
            class _Trainer(pycrfsuite.Trainer):  # type: ignore[misc, name-defined]
                best = (-1.0, 0)
                last = 0
                reason = "converged"

                def on_iteration(self, log: str, info: dict[str, Any]) -> None:
                    self.last = int(info.get("num", 0))
                    if not watch:
                        return
                    f1 = float(info.get("avg_f1") or 0.0)
                    if f1 > self.best[0]:
                        self.best = (f1, self.last)
                    if progress is not None:
                        progress(f"iteration {self.last}: held-out F1 {f1:.3f}")
                    if self.last - self.best[1] >= patience:
                        self.reason = "patience"
                        raise _Stop
                    if budget is not None and time.perf_counter() - began > budget / 2:
                        self.reason = "budget"
                        raise _Stop

                def on_start(self, log: str) -> None: ...
                def on_featgen_progress(self, log: str, percent: float) -> None: ...
                def on_featgen_end(self, log: str) -> None: ...
                def on_prepared(self, log: str) -> None: ...
                def on_prepare_error(self, log: str) -> None: ...
                def on_optimization_end(self, log: str) -> None: ...
                def on_end(self, log: str) -> None: ...

            t = _Trainer(verbose=True)
            t.select("lbfgs")
            t.set_params({"c1": c1, "c2": c2, "max_iterations": iterations,
                          "feature.possible_transitions": True})
            for seq, tags in train_seqs:
                t.append(seq, tags, 0)
            if watch:
                for seq, tags in held_seqs:
                    t.append(seq, tags, 1)
            return t

        folder = Path(out_dir) if out_dir is not None else Path(tempfile.mkdtemp(
            prefix="copydesk-crf-"))
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / MODEL_FILE
        iterations = max_iterations
        if held_seqs:
            first = trainer(max_iterations, watch=True)
            try:
                first.train(str(path), holdout=1)
                report.stopped = "converged" if first.last < max_iterations else "iterations"
                iterations = first.best[1] or first.last
            except _Stop:
                report.stopped = first.reason
                iterations = max(1, first.best[1])
        final = trainer(iterations, watch=False)
        final.train(str(path))
        report.iterations = final.last
        report.best_iteration = iterations
        tagger = pycrfsuite.Tagger()
        tagger.open(str(path))
        settings_used = {"cues": detector.settings.cues, "titles": detector.settings.titles,
                         "cue_extent": detector.settings.cue_extent}
        meta = {"kind": KIND, "rule_features": rule_features, "settings": settings_used}
        model = cls(tagger, detector, meta, schema)
        if heldout:
            ev = score_proposals(schema, [(gold, model.predict(text)) for text, gold in heldout])
            for name, counts in (("exact", ev.parts_exact), ("overlap", ev.parts_overlap)):
                for part, c in counts.items():
                    report.scores[f"{part} {name}"] = {"p": c.precision, "r": c.recall,
                                                       "f": c.f1}
            for name, c in (("exact", ev.whole_exact), ("overlap", ev.whole_overlap)):
                report.scores[f"attribution {name}"] = {"p": c.precision, "r": c.recall,
                                                        "f": c.f1}
        report.seconds = time.perf_counter() - began
        model.report = report
        model.meta["report"] = asdict(report)
        (folder / META_FILE).write_text(json.dumps(model.meta, ensure_ascii=False, indent=1),
                                        "utf-8")
        return model

    @classmethod
    def load(cls, folder: str | Path, schema: Schema) -> AttributionCRF:
        pycrfsuite = require_crfsuite()
        folder = Path(folder)
        meta_path = folder / META_FILE
        try:
            meta = json.loads(meta_path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise StoreError(f"{meta_path}: not an attribution model ({exc}); make one with "
                             "`copydesk train --attribution OUT_DIR`") from exc
        if not isinstance(meta, dict) or meta.get("kind") != KIND:
            raise StoreError(f"{meta_path}: not an attribution model (kind {KIND!r} expected)")
        try:
            settings = AttributionSettings.from_settings(
                {"attribution": meta.get("settings") or {}})
        except StoreError as exc:
            raise StoreError(f"{meta_path}: {exc}") from exc
        tagger = pycrfsuite.Tagger()
        try:
            tagger.open(str(folder / MODEL_FILE))
        except (OSError, ValueError) as exc:
            raise StoreError(f"{folder / MODEL_FILE}: cannot open the model ({exc})") from exc
        return cls(tagger, AttributionDetector(schema, settings), meta, schema)

    # ---------------------------------------------------------------- suggesting
    def predict(self, text: str) -> Proposal:
        return self.predict_with_uncertainty(text)[0]

    def predict_with_uncertainty(self, text: str) -> tuple[Proposal, float]:
        """Suggestions for `text`, and how unsure the model is: 1 minus the mean marginal
        probability of the tags it chose (0 = certain)."""
        toks, paragraphs, seqs = self._feat.document(text)
        tags = ["O"] * len(toks)
        total, n = 0.0, 0
        for para, seq in zip(paragraphs, seqs, strict=True):
            self.tagger.set(seq)
            got = self.tagger.tag()
            for k, (i, tag) in enumerate(zip(para, got, strict=True)):
                tags[i] = tag
                total += self.tagger.marginal(tag, k)
                n += 1
        return self._link(text, toks, tags), (1.0 - total / n) if n else 0.0

    def _link(self, text: str, toks: Sequence[tuple[int, int]], tags: Sequence[str]
              ) -> Proposal:
        runs: dict[str, list[tuple[int, int]]] = {"CUE": [], "SRC": [], "CON": []}
        events: list[tuple[str, int, int]] = []
        i = 0
        while i < len(tags):
            tag = tags[i]
            if tag == "O":
                i += 1
                continue
            kind = tag[2:]
            j = i + 1
            while j < len(tags) and tags[j] == "I-" + kind:
                j += 1
            if kind.startswith("EVT="):
                events.append((kind[4:], toks[i][0], toks[j - 1][1]))
            else:
                runs[kind].append((toks[i][0], toks[j - 1][1]))
            i = j
        out = Proposal()
        d = self.detector
        index: dict[tuple[str, int, int], int] = {}

        def span(label: str, a: int, b: int, attrs: dict[str, Any] | None = None) -> int:
            key = (label, a, b)
            if key not in index:
                index[key] = len(out.spans)
                out.spans.append(NewSpan(ATTRIBUTION, label, a, b, attrs or {}))
            return index[key]

        def near(target: tuple[int, int], pool: list[tuple[int, int]],
                 avoid: tuple[int, int] | None = None) -> tuple[int, int] | None:
            best, best_d = None, _LINK_REACH
            for cand in pool:
                if avoid is not None and cand[0] < avoid[1] and avoid[0] < cand[1]:
                    continue
                lo, hi = min(cand[0], target[0]), max(cand[1], target[1])
                if "\n" in text[lo:hi]:
                    continue
                dist = max(cand[0] - target[1], target[0] - cand[1], 0)
                if dist < best_d:
                    best, best_d = cand, dist
            return best

        heads: dict[tuple[int, int], int] = {}  # cue -> content span index
        for content in runs["CON"]:
            cue = near(content, runs["CUE"])
            if cue is None:
                continue
            if cue in heads:
                prev = out.spans[heads[cue]]
                pieces = list(prev.fragments or ((prev.start, prev.end),))
                if pieces[-1][1] <= cue[0] and cue[1] <= content[0]:  # "...," she said, "..."
                    pieces.append(content)
                    prev.fragments = tuple(pieces)
                    prev.start, prev.end = pieces[0][0], pieces[-1][1]
                    continue
            inner = text[content[0]:content[1]]
            kind = ("direct" if text[content[0] - 1:content[0]] in _QUOTES
                    else "mixed" if any(ch in _QUOTES for ch in inner) else "indirect")
            attrs = {"type": kind if kind != "mixed" else d.mixed_type} if d.typed else {}
            head = span(d.content, *content, attrs)
            heads.setdefault(cue, head)
            out.links.append((head, span(d.cue, *cue), "cue"))
            source = near(cue, runs["SRC"], avoid=content)
            if source is not None:
                out.links.append((head, span(d.source, *source), "source"))
        for label, a, b in events:  # triggers of event types the schema (still) has
            spec = self.schema.label(label) if self.schema is not None else None
            if spec is not None and spec.layer == EVENT and not spec.merged_into:
                out.spans.append(NewSpan(EVENT, label, a, b))
        return out


class _Stop(Exception):
    """Raised from the training callback to end the first (watching) pass early."""


# --------------------------------------------------------------------------- from the store
def finished_attributions(store: Store, annotator: str | None = None
                          ) -> list[tuple[int, str, Proposal]]:
    """(document id, text, attribution spans, event triggers and links) of one finished set
    per document:
    `annotator`'s, or (None) a person's `done` set preferring `gold`; suggestion sets never
    count. Sets without any attribution or event span are left out (an entity-only annotator
    has not said that a document holds no attribution)."""
    if annotator is not None and is_suggestion_set(annotator):
        raise StoreError(f"{annotator!r} is a suggestion source; train on people's work")
    with store.db.read() as session:
        query = select(AnnotationSet).where(AnnotationSet.status == "done")
        if annotator is not None:
            query = query.where(AnnotationSet.annotator == annotator)
        chosen: dict[int, AnnotationSet] = {}
        for s in session.exec(query.order_by(col(AnnotationSet.id))):
            if is_suggestion_set(s.annotator):
                continue
            have = chosen.get(s.document_id)
            if have is None or (s.annotator == "gold" and have.annotator != "gold"):
                chosen[s.document_id] = s
        set_ids = {int(s.id): s.document_id for s in chosen.values()}  # type: ignore[arg-type]
        proposals: dict[int, Proposal] = {}
        by_id: dict[int, tuple[int, int]] = {}
        ids = list(set_ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            for span in session.exec(select(Span).where(
                    col(Span.set_id).in_(chunk), Span.stale == "",
                    col(Span.layer).in_([ATTRIBUTION, EVENT]))):
                p = proposals.setdefault(span.set_id, Proposal())
                parts = frag.parts_of(span)
                by_id[int(span.id)] = (span.set_id, len(p.spans))  # type: ignore[arg-type]
                p.spans.append(NewSpan(span.layer, span.label, span.start, span.end,
                                       json.loads(span.attributes or "{}"),
                                       parts if len(parts) > 1 else ()))
            for link in session.exec(select(Link).where(col(Link.set_id).in_(chunk),
                                                        Link.stale == "")):
                head, tail = by_id.get(link.head_id), by_id.get(link.tail_id)
                if head is not None and tail is not None and head[0] == tail[0]:
                    proposals[head[0]].links.append((head[1], tail[1], link.role))
        docs = {d: set_id for set_id, d in set_ids.items() if set_id in proposals}
        texts = dict(session.execute(select(Document.id, Document.text).where(
            col(Document.id).in_(list(docs)))).all()) if docs else {}
    return [(d, texts[d], proposals[docs[d]]) for d in sorted(docs)]


def train_from_store(store: Store, out_dir: Path, *, annotator: str | None = None,
                     settings: AttributionSettings | None = None, heldout: float = 0.2,
                     seed: int = 0, max_iterations: int = 150, budget: float | None = None,
                     patience: int = 10, progress: Callable[[str], None] | None = None
                     ) -> AttributionCRF:
    """`copydesk train --attribution`: split the finished documents by a seeded shuffle,
    fit, save in `out_dir`."""
    require_crfsuite()
    docs = finished_attributions(store, annotator)
    if len(docs) < 2:
        raise StoreError(f"need at least 2 finished documents with attributions to train and "
                         f"hold one out; found {len(docs)}")
    rng = random.Random(seed)
    rng.shuffle(docs)
    n_held = max(1, round(len(docs) * heldout))
    held, train = docs[:n_held], docs[n_held:]
    return AttributionCRF.fit([(t, p) for _, t, p in train], schema=store.schema,
                              settings=settings, heldout=[(t, p) for _, t, p in held],
                              out_dir=out_dir, max_iterations=max_iterations, budget=budget,
                              patience=patience, progress=progress)


def model_proposals(store: Store, model: AttributionCRF, doc_ids: Sequence[int],
                    uncertainty: dict[int, float] | None = None
                    ) -> Iterator[tuple[int, Proposal]]:
    """`copydesk suggest --model DIR` with an attribution model: its proposals per document;
    each document's uncertainty goes into `uncertainty` (for `uncertainty.save_uncertainty`)."""
    for doc_id, text in document_texts(store, doc_ids):
        proposal, unsure = model.predict_with_uncertainty(text)
        if uncertainty is not None:
            uncertainty[doc_id] = unsure
        yield doc_id, proposal


def is_attribution_model(folder: str | Path) -> bool:
    return (Path(folder) / META_FILE).is_file()
