"""CoNLL-2003-style IOB2 (`conll`) and Hugging Face `datasets` folders (`hf`).

Both tag one layer (entities unless `--layer` says otherwise) over our tokens, sentence by
sentence (the same rule-based sentences the annotation screen uses). A token with a span edge
inside it is split there (`Kurdistan` `24-based` when GPE ends after `Kurdistan`), as the spaCy
export does, so a span is never silently widened to whole tokens: every entity's tokens are
exactly its text. A discontinuous span is tagged per piece, `B-` at the start of each.
Overlapping spans cannot share IOB tags: the first-starting, longest span is kept and each
dropped span is reported.

CoNLL lines are `TOKEN _ _ TAG` (four columns like CoNLL-2003's word/POS/chunk/NER, the middle
two unused), `-DOCSTART- -X- -X- O` and a blank line open each (document, annotator) set, and a
blank line ends each sentence.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from copydesk.exports.common import iob_tags, split_tokens
from copydesk.exports.model import ExportError, ExportSummary, Record
from copydesk.projects.textutil import TextIndex
from copydesk.schema.model import Schema

HF_SPLITS = {"": "train", "train": "train", "dev": "validation", "test": "test"}


def sentences(rec: Record, layer: str, summary: ExportSummary
              ) -> Iterator[tuple[list[str], list[str]]]:
    """(tokens, IOB2 tags) per sentence of one record."""
    yield from ((toks, tags) for toks, tags, _ in tagged_sentences(rec, layer, summary))


def tagged_sentences(rec: Record, layer: str, summary: ExportSummary
                     ) -> Iterator[tuple[list[str], list[str], list[tuple[int, int]]]]:
    """(tokens, IOB2 tags, token offsets) per sentence, tokens split at the layer's span edges."""
    index = TextIndex(rec.text)
    spans = [s for s in rec.spans if s.layer == layer]
    starts, ends = split_tokens(index.token_starts, index.token_ends,
                                (p for s in spans for piece in s.parts for p in piece))
    tags = iob_tags(rec, spans, starts, ends, summary)
    sent_starts = index.sentence_starts
    groups: list[list[int]] = [[] for _ in sent_starts] or [[]]
    for i, start in enumerate(starts):
        groups[max(0, bisect_right(sent_starts, start) - 1)].append(i)
    text = rec.text
    for group in groups:
        if not group:
            continue
        toks = [text[starts[i]:ends[i]] for i in group]
        sent_tags = [tags[i] for i in group]
        if sent_tags[0].startswith("I-"):  # a span crossing a sentence break: restart it
            sent_tags[0] = "B-" + sent_tags[0][2:]
        yield toks, sent_tags, [(starts[i], ends[i]) for i in group]


def write_conll(records: list[Record], path: Path, layer: str, summary: ExportSummary,
                tick: Callable[[], None]) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for rec in records:
            fh.write("-DOCSTART- -X- -X- O\n\n")
            for toks, tags in sentences(rec, layer, summary):
                fh.write("".join(f"{t} _ _ {g}\n" for t, g in zip(toks, tags, strict=True)))
                fh.write("\n")
            tick()


def hf_rows(records: list[Record], layer: str, summary: ExportSummary,
            tick: Callable[[], None], counts: Counter[str]) -> list[dict[str, Any]]:
    """Rows with `ner_tags` as IOB2 strings (`hf_tag_names` and `write_hf` turn them into ids)."""
    rows = []
    for rec in records:
        for n, (toks, tags) in enumerate(sentences(rec, layer, summary)):
            rows.append({"id": f"{rec.key}/{rec.annotator}/{n}", "document": rec.key,
                         "annotator": rec.annotator, "tokens": toks, "ner_tags": tags})
            counts.update(t[2:] for t in tags if t.startswith("B-"))
        tick()
    return rows


def hf_tag_names(schema: Schema, layer: str, rows: Iterable[dict[str, Any]]) -> list[str]:
    """The ClassLabel names: "O", then B-/I- for each label of the layer in schema order (as
    conll2003 lists them), then any other label the rows hold (sorted), so ids are stable for
    a schema and every tag has one."""
    names = ["O"]
    for label in schema.layer(layer):
        names += [f"B-{label.name}", f"I-{label.name}"]
    known = set(names)
    extra = sorted({t for row in rows for t in row["ner_tags"]} - known,
                   key=lambda t: (t[2:], t[:2]))
    return names + extra


def hf_features(names: list[str]) -> dict[str, Any]:
    """The `datasets` features, as `Features.to_dict()` writes them (parquet metadata)."""
    def string() -> dict[str, str]:
        return {"dtype": "string", "_type": "Value"}

    return {"id": string(), "document": string(), "annotator": string(),
            "tokens": {"feature": string(), "_type": "Sequence"},
            "ner_tags": {"feature": {"names": names, "_type": "ClassLabel"},
                         "_type": "Sequence"}}


def write_hf(groups: dict[str, list[Record]], root: Path, layer: str, schema: Schema,
             fmt: str, summary: ExportSummary, tick: Callable[[], None]) -> None:
    """One file per split (`train`, `validation`, `test`) plus a dataset card README.md.

    `datasets` names the dev split `validation`, so that is the file name here. An empty split
    is left out (`load_dataset` fails on an empty file) and so not listed in the card.
    `ner_tags` are class ids; their names are declared as a `Sequence(ClassLabel)` feature in
    the card's `dataset_info` (and in parquet's own metadata), as conll2003 does, so
    `transformers` token-classification scripts read `features["ner_tags"].feature.names`.
    """
    if fmt not in ("jsonl", "parquet"):
        raise ExportError(f"--hf-format {fmt!r}: use jsonl or parquet")
    made: list[tuple[str, str, list[dict[str, Any]], Counter[str]]] = []
    for split in sorted(groups, key=lambda s: ("train", "dev", "test", "").index(s)):
        name = HF_SPLITS[split]
        counts: Counter[str] = Counter()
        rows = hf_rows(groups[split], layer, summary, tick, counts)
        if not rows and split:
            continue  # `datasets` cannot load an empty JSON file: an empty split is left out
        made.append((name, f"{name}.{fmt}", rows, counts))
    names = hf_tag_names(schema, layer, (row for _n, _f, rows, _c in made for row in rows))
    ids = {tag: i for i, tag in enumerate(names)}
    files: list[tuple[str, str, int, Counter[str]]] = []
    for name, fname, rows, counts in made:
        for row in rows:
            row["ner_tags"] = [ids[tag] for tag in row["ner_tags"]]
        if fmt == "jsonl":
            with open(root / fname, "w", encoding="utf-8", newline="\n") as fh:
                for row in rows:
                    fh.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            arrow = pa.schema([
                ("id", pa.string()), ("document", pa.string()), ("annotator", pa.string()),
                ("tokens", pa.list_(pa.string())), ("ner_tags", pa.list_(pa.int64())),
            ], metadata={"huggingface": json.dumps({"info": {"features": hf_features(names)}})})
            pq.write_table(pa.Table.from_pylist(rows, schema=arrow), root / fname)
        files.append((name, fname, len(rows), counts))
    (root / "README.md").write_text(dataset_card(files, layer, schema, names), encoding="utf-8")


def dataset_card(files: list[tuple[str, str, int, Counter[str]]], layer: str,
                 schema: Schema, names: list[str]) -> str:
    labels = [lab.name for lab in schema.layer(layer)]
    lines = ["---", "configs:", "- config_name: default", "  data_files:"]
    for name, fname, _n, _c in files:
        lines += [f"  - split: {name}", f"    path: {fname}"]
    lines += ["dataset_info:", "  features:"]
    for column in ("id", "document", "annotator"):
        lines += [f"  - name: {column}", "    dtype: string"]
    lines += ["  - name: tokens", "    sequence: string", "  - name: ner_tags", "    sequence:",
              "      class_label:", "        names:"]
    lines += [f"          '{i}': {json.dumps(tag)}" for i, tag in enumerate(names)]
    lines += ["task_categories:", "- token-classification", "tags:", "- ner", "- copydesk",
              "---", "", f"# {schema.name} {layer} spans (copydesk export)", "",
              f"Schema: **{schema.name}** version **{schema.version}**; layer `{layer}`. "
              "One row per sentence: `tokens` and `ner_tags` (IOB2 class ids; the names, e.g. "
              "`B-PERSON`, are the `ClassLabel` feature declared above), "
              "`id` = `document/annotator/sentence`.", "",
              "Tokens are split at span edges, so an entity's tokens are exactly its text "
              "(`Kurdistan` `24-based` when only `Kurdistan` is a GPE). A discontinuous span "
              "(one annotated in several pieces, such as a split quote) is tagged piece by "
              "piece: each piece starts with `B-`, so it reads as several spans here; the "
              "JSONL and brat exports keep the pieces together.", "",
              f"Labels: {', '.join(f'`{label}`' for label in labels)}", "",
              "| split | rows | " + " | ".join(labels) + " |",
              "|---|---|" + "---|" * len(labels)]
    for name, _f, n, counts in files:
        lines.append(f"| {name} | {n} | " + " | ".join(str(counts.get(lab, 0))
                                                      for lab in labels) + " |")
    return "\n".join(lines) + "\n"
