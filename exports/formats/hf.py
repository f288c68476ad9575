"""The Hugging Face `datasets` folder (`copydesk export hf OUT`): one layer's IOB2 tags.

OUT/train.jsonl (with --split also validation.jsonl and test.jsonl), or .parquet with
`--hf-format parquet`, and a README.md dataset card declaring the features (`ner_tags` as a
ClassLabel), so `datasets.load_dataset(OUT)` reads it with its labels. Rows are the sentences of
`exports.conll` (same tokens, same tags, same overlap rule).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TextIO

from copydesk.exports.common import fast_json
from copydesk.exports.conll import _IndexCache, sentences
from copydesk.exports.formats.base import ExportJob
from copydesk.exports.model import ExportError, ExportOptions, ExportSummary, Stream
from copydesk.schema.model import Schema

HF_SPLITS = {"": "train", "train": "train", "dev": "validation", "test": "test"}
OUTPUT = "folder"


def check_export(schema: Schema, options: ExportOptions) -> None:
    if len(options.layers) > 1:
        raise ExportError("hf tags one layer at a time; give one --layer")


def detect(path: Path, head: bytes) -> bool:
    return False


def write(job: ExportJob) -> None:
    if not (job.options.hf_format == "jsonl" and _in_parallel(job)):
        write_hf(job.stream, job.names, job.root, job.tag_layer, job.schema,
                 job.options.hf_format, job.summary, job.tick)


def _in_parallel(job: ExportJob) -> bool:
    """hf rows by worker processes, then the split files and the card; False (nothing
    written) when the work stays in this process, or when a label outside the schema's layer
    would need a class id numbered in reading order."""
    from copydesk.exports import parallel
    from copydesk.exports.reader import labels_in_layer

    root, names, layer = job.root, job.names, job.tag_layer
    tag_names = hf_tag_names(job.schema, layer, [])

    def schema_labels_only() -> bool:  # a read of every span label: only if it may pay
        return labels_in_layer(job.store, job.options, layer) <= {
            name[2:] for name in tag_names[1:]}

    with parallel.parts_folder(root) as parts:
        results = job.run_parts(parallel.part_names(parts), hf_part_writer(layer, tag_names),
                                allowed=schema_labels_only)
        if results is None:
            return False
        totals: dict[str, tuple[int, Counter[str]]] = {name: (0, Counter()) for name in names}
        for chunk, (rows, counts) in results:
            n, c = totals[chunk.split]
            totals[chunk.split] = (n + rows, c + counts)
        written = {name: root / f"{HF_SPLITS[name]}.jsonl" for name in names
                   if totals[name][0] or not name}
        parallel.join_parts([chunk for chunk, _ in results], written)
        write_hf_card(root, [(name, root / f"{HF_SPLITS[name]}.jsonl", *totals[name])
                             for name in names], layer, job.schema, tag_names)
    return True


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


_HF_COLUMNS = ("id", "document", "annotator", "tokens", "ner_tags")


class _HfSplit:
    """One split's output, opened on its first row (`datasets` cannot load an empty file, so
    an empty split gets no file) and written row by row (jsonl) or in row groups (parquet)."""

    ROW_GROUP = 2_000

    def __init__(self, path: Path, fmt: str, names: list[str]) -> None:
        self.path, self.fmt = path, fmt
        self.names = names  # shared by every split: tag -> class id, grown for a stray label
        self.ids = {tag: i for i, tag in enumerate(names)}
        self.rows = 0
        self.counts: Counter[str] = Counter()
        self._fh: TextIO | None = None
        self._writer: Any = None
        self._batch: list[dict[str, Any]] = []

    def add(self, row: dict[str, Any]) -> None:
        self.rows += 1
        self.counts.update(t[2:] for t in row["ner_tags"] if t.startswith("B-"))
        for tag in row["ner_tags"]:
            if tag not in self.ids:  # a label the schema's layer lacks: appended, never renumbered
                self.names.append(tag)
                self.ids[tag] = len(self.names) - 1
        row["ner_tags"] = [self.ids[tag] for tag in row["ner_tags"]]
        if self.fmt == "jsonl":
            if self._fh is None:
                self._fh = open(self.path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
            self._fh.write(fast_json(row) + "\n")
        else:
            self._batch.append(row)
            if len(self._batch) >= self.ROW_GROUP:
                self._flush()

    def _arrow(self) -> Any:
        import pyarrow as pa

        return pa.schema([
            ("id", pa.string()), ("document", pa.string()), ("annotator", pa.string()),
            ("tokens", pa.list_(pa.string())), ("ner_tags", pa.list_(pa.int64())),
        ], metadata={"huggingface": json.dumps({"info": {"features": hf_features(self.names)}})})

    def _flush(self) -> None:
        if not self._batch:
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = self._arrow()
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, schema)
        self._writer.write_table(pa.Table.from_pylist(self._batch, schema=schema))
        self._batch = []

    def close(self, *, keep_empty: bool) -> None:
        if self.fmt == "jsonl":
            if self._fh is None and keep_empty:
                self._fh = open(self.path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
            if self._fh is not None:
                self._fh.close()
        else:
            if self.rows or keep_empty:
                if self._writer is None and not self._batch:
                    import pyarrow as pa
                    import pyarrow.parquet as pq

                    pq.write_table(pa.Table.from_pylist([], schema=self._arrow()), self.path)
                self._flush()
            if self._writer is not None:
                self._writer.close()


def write_hf(stream: Stream, names: tuple[str, ...], root: Path, layer: str, schema: Schema,
             fmt: str, summary: ExportSummary, tick: Callable[[], None]) -> None:
    """One file per split (`train`, `validation`, `test`) plus a dataset card README.md.

    `datasets` names the dev split `validation`, so that is the file name here. An empty split
    is left out (`load_dataset` fails on an empty file) and so not listed in the card. Rows are
    written as they come: memory holds one record, not the split.
    """
    if fmt not in ("jsonl", "parquet"):
        raise ExportError(f"--hf-format {fmt!r}: use jsonl or parquet")
    tag_names = hf_tag_names(schema, layer, [])
    outputs = {split: _HfSplit(root / f"{HF_SPLITS[split]}.{fmt}", fmt, tag_names)
               for split in names}
    try:
        add_hf_rows(stream, outputs, layer, summary, tick)
    finally:
        for split, out in outputs.items():
            out.close(keep_empty=not split)
    write_hf_card(root, [(split, out.path, out.rows, out.counts)
                         for split, out in outputs.items()], layer, schema, tag_names)


def add_hf_rows(stream: Stream, outputs: dict[str, _HfSplit], layer: str,
                summary: ExportSummary, tick: Callable[[], None]) -> None:
    """Each record's sentences as rows of its split's output."""
    cache = _IndexCache()
    for split, rec in stream:
        out = outputs[split]
        for n, (toks, tags) in enumerate(sentences(rec, layer, summary, cache)):
            out.add({"id": f"{rec.key}/{rec.annotator}/{n}", "document": rec.key,
                     "annotator": rec.annotator, "tokens": toks, "ner_tags": tags})
        tick()


def hf_part_writer(layer: str, tag_names: list[str]) -> Callable[..., Any]:
    """An `exports.parallel` part writer: one chunk's rows as JSONL (row count and label
    counts come back). The class ids must be the schema's (no stray label), which the caller
    checks before choosing parallel work."""
    def write(stream: Stream, chunk: Any, summary: ExportSummary) -> tuple[int, Counter[str]]:
        out = _HfSplit(chunk.part, "jsonl", list(tag_names))
        try:
            add_hf_rows(stream, {chunk.split: out}, layer, summary, lambda: None)
        finally:
            out.close(keep_empty=False)
        return out.rows, out.counts
    return write


def write_hf_card(root: Path, outputs: list[tuple[str, Path, int, Counter[str]]], layer: str,
                  schema: Schema, tag_names: list[str]) -> None:
    """README.md listing each written split (an empty named split has no file, so no entry)."""
    order = ("train", "dev", "test", "")
    files = [(HF_SPLITS[split], path.name, rows, counts)
             for split, path, rows, counts in sorted(outputs, key=lambda o: order.index(o[0]))
             if rows or not split]
    (root / "README.md").write_text(dataset_card(files, layer, schema, tag_names),
                                    encoding="utf-8")


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
