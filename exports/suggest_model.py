"""A model in the loop (optional `copydesk[spacy]`): train a blank spaCy NER on the project's own
finished work, and suggest with it.

Training data comes through the existing DocBin export (`exports.spacy_bin`), so the model sees
exactly what an ML team would: our tokens, `doc.ents` from the entity layer. Documents are split
by a seeded shuffle into train and held-out parts; the held-out scores (precision, recall, F1,
per label) are printed and saved in the pipeline's `meta.json`. Only `spacy.blank(lang)` + `ner`
on CPU: nothing is downloaded, ever.

Suggesting runs the pipeline on Docs built from our own tokenizer (the same `words_and_spaces`
the export uses), so every predicted entity starts and ends on our token edges and its offsets
are the store's. Predicted labels the schema does not have are dropped and counted.

It lives in `exports` because it reads the store through the DocBin export; `copydesk suggest
--model` hands `model_proposals` to `projects.suggest.run` (which imports nothing from here).
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from copydesk.exports import ExportOptions, run_export
from copydesk.exports.spacy_bin import words_and_spaces
from copydesk.projects.bulk import NewSpan
from copydesk.projects.errors import StoreError
from copydesk.projects.store import Store
from copydesk.projects.suggest import is_suggestion_set
from copydesk.projects.suggest.write import Proposal, document_texts
from copydesk.projects.textutil import tokenize

INSTALL_HINT = "training and --model need spaCy: pip install 'copydesk[spacy]'"


def require_spacy() -> Any:
    try:
        import spacy
    except ImportError as exc:
        raise StoreError(INSTALL_HINT) from exc
    return spacy


@dataclass
class TrainReport:
    train_docs: int = 0
    heldout_docs: int = 0
    labels: list[str] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    scores: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


def _our_doc(nlp: Any, text: str) -> Any:
    """A spaCy Doc of `text` on our tokens (text reproduced character for character)."""
    from spacy.tokens import Doc

    words, spaces, _starts = words_and_spaces(text, tokenize(text), set())
    return Doc(nlp.vocab, words=words, spaces=spaces)


def training_docs(store: Store, schema: Any, annotator: str | None, lang: str) -> list[Any]:
    """Docs with `doc.ents` from the DocBin export: `annotator`'s done sets, or (None) one done
    set per document preferring `gold`, people only (suggestion sets never train the model)."""
    spacy = require_spacy()
    from spacy.tokens import DocBin

    people = tuple(a for a in store.annotators() if not is_suggestion_set(a))
    if annotator is not None:
        if is_suggestion_set(annotator):
            raise StoreError(f"{annotator!r} is a suggestion source; train on people's work")
        people = (annotator,)
    if not people:
        raise StoreError("nothing to train on: no finished annotations in this project")
    options = ExportOptions(status="done", annotators=people, layers=("entity",), lang=lang,
                            prefer="gold" if annotator is None else None)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "all.spacy"
        run_export(store, schema, "spacy", out, options, lambda done, total: None)
        if not out.exists():
            return []
        nlp = spacy.blank(lang)
        # Above 500 records the export writes a folder of shards (part-00001.spacy, ...)
        # where one file was asked for: read them all, in order.
        files = sorted(out.glob("*.spacy")) if out.is_dir() else [out]
        return [doc for file in files for doc in DocBin().from_disk(file).get_docs(nlp.vocab)]


def train(store: Store, schema: Any, out_dir: Path, *, annotator: str | None = None,
          lang: str = "xx", iterations: int = 20, heldout: float = 0.2, seed: int = 0
          ) -> TrainReport:
    """Train and save a blank `lang` + `ner` pipeline; scores on the held-out documents."""
    spacy = require_spacy()
    from spacy.training import Example
    from spacy.util import minibatch

    began = time.perf_counter()
    docs = [d for d in training_docs(store, schema, annotator, lang) if len(d)]
    if len(docs) < 2:
        raise StoreError(f"need at least 2 finished documents with entities to train and hold "
                         f"one out; found {len(docs)}")
    rng = random.Random(seed)
    rng.shuffle(docs)
    n_held = max(1, round(len(docs) * heldout))
    held, train_docs = docs[:n_held], docs[n_held:]
    nlp = spacy.blank(lang)
    ner = nlp.add_pipe("ner")
    labels = sorted({ent.label_ for d in docs for ent in d.ents})
    if not labels:
        raise StoreError("the finished documents have no entity spans to learn from")
    for label in labels:
        ner.add_label(label)

    def example(doc: Any) -> Any:
        from spacy.tokens import Doc

        pred = Doc(nlp.vocab, words=[t.text for t in doc],
                   spaces=[bool(t.whitespace_) for t in doc])
        ents = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
        return Example.from_dict(pred, {"entities": ents})

    train_examples = [example(d) for d in train_docs]
    held_examples = [example(d) for d in held]
    optimizer = nlp.initialize(lambda: train_examples, sgd=None)
    report = TrainReport(train_docs=len(train_docs), heldout_docs=len(held), labels=labels)
    for _ in range(iterations):
        rng.shuffle(train_examples)
        losses: dict[str, float] = {}
        for batch in minibatch(train_examples, size=8):
            nlp.update(batch, sgd=optimizer, drop=0.2, losses=losses)
        report.losses.append(float(losses.get("ner", 0.0)))
    scores = nlp.evaluate(held_examples)
    report.scores = {"precision": scores.get("ents_p"), "recall": scores.get("ents_r"),
                     "f1": scores.get("ents_f"), "per_label": scores.get("ents_per_type", {})}
    nlp.meta["copydesk"] = {"heldout": report.scores, "train_docs": report.train_docs,
                            "heldout_docs": report.heldout_docs, "seed": seed}
    out_dir.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(out_dir)
    report.seconds = time.perf_counter() - began
    return report


def load_model(model_dir: str | Path) -> Any:
    spacy = require_spacy()
    path = Path(model_dir)
    if not (path / "meta.json").is_file():
        raise StoreError(f"{path}: not a spaCy pipeline folder (no meta.json); make one with "
                         "`copydesk train OUT_DIR`")
    try:
        return spacy.load(path)
    except Exception as exc:  # spaCy raises many kinds for a broken folder
        raise StoreError(f"{path}: cannot load the pipeline ({exc})") from exc


def model_proposals(store: Store, nlp: Any, doc_ids: Sequence[int]
                    ) -> Iterator[tuple[int, Proposal]]:
    """Predicted entities per document (`nlp` from `load_model`), on our tokens; labels the
    schema lacks are dropped."""
    for doc_id, text in document_texts(store, doc_ids):
        doc = nlp(_our_doc(nlp, text))
        spans = []
        for ent in doc.ents:
            spec = store.schema.label(ent.label_)
            if spec is None or spec.merged_into:
                continue
            spans.append(NewSpan(spec.layer, ent.label_, ent.start_char, ent.end_char))
        yield doc_id, Proposal(spans)
