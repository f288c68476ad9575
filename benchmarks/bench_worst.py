"""The worst shapes users produce, with a plain limit measured in the same run (issue 16).

    .venv/bin/python benchmarks/bench_worst.py [--quick] [--only addspan,label,import,export]

Used by `run.py` (sections `addspan`, `longlabel`, `preimport`, `exports`); also runs alone.

- addspan: `Store.add_span` on a 100k-word article stored as ONE line, near its start and near
  its end (a flat cost means the offset does not matter).
- longlabel: label key -> "Saved" in the app (`AnnotateScreen.apply_label` + repainting the
  screen), cursor near the END of the article, the same 100k words as one line and as 100-word
  paragraphs, 5,000 stored spans.
- import: `copydesk import` through the real command line (a child process: interpreter start
  included), pre-annotated one-line JSONL documents (~12 and ~38 spans each) and plain ones; peak
  memory is the child's max RSS. Plain limit: the same file read with `json` and its documents and
  spans inserted with `sqlite3.executemany` into the same tables (same pragmas), in this process.
- export: each format in a child process (`run_export` timed inside it, so interpreter start is
  not counted; peak memory is the child's max RSS) over 10,000 documents / ~400k spans. Plain
  limit: `sqlite3` reading the same documents and spans, plus writing the export's exact bytes.

The ratio column is our time / plain limit time (1.0 would be as fast as the floor).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from run import _label_samples  # noqa: E402  (the same label loop as run.py's label section)

Row = tuple[str, str, str, str, str]
LABELS = ("PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "DATE")


def _median(samples: list[float]) -> float:
    return statistics.median(samples)


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def one_line(words: int) -> str:
    """The benchmark article's words as one line (JSONL corpora often have no newlines)."""
    import bench_article_view as bav

    text, _ = bav.make_article(words)
    return text.replace("\n\n", " ")


def paragraphs(words: int) -> str:
    import bench_article_view as bav

    return bav.make_article(words)[0]


def _word_tokens(text: str) -> list[tuple[int, int]]:
    from copydesk.projects.textutil import tokenize

    return [t for t in tokenize(text) if text[t[0]:t[1]].isalnum()]


def _seed(root: Path, text: str, spans: int) -> tuple[Any, int]:
    """A project with `text` and `spans` PERSON..LOC spans by 'bench' (bulk insert)."""
    from copydesk.projects.bulk import NewDocument, NewSet, NewSpan, insert_documents
    from copydesk.projects.importers import content_hash
    from copydesk.projects.project import Project

    tokens = _word_tokens(text)
    stride = max(1, len(tokens) // spans)
    chosen = {}
    for j in range(spans):
        first = (j * stride) % len(tokens)
        chosen[(tokens[first][0], tokens[first][1])] = NewSpan(
            "entity", LABELS[j % 4], tokens[first][0], tokens[first][1])
    project = Project.init(root)
    insert_documents(project.store, [NewDocument(
        text=text, content_hash=content_hash(text), title="bench",
        sets=[NewSet(annotator="bench", status="in_progress", spans=list(chosen.values()))])])
    [doc_id] = project.store.document_ids()
    return project, doc_id


# ------------------------------------------------------------------ Store.add_span, one line
def bench_add_span(quick: bool) -> list[Row]:
    from copydesk.projects.project import Project

    n = 15 if quick else 40
    text = one_line(100_000)
    tokens = _word_tokens(text)
    out: dict[str, list[float]] = {"start": [], "end": []}
    with tempfile.TemporaryDirectory() as tmp:
        project = Project.init(Path(tmp) / "p")
        try:
            [doc_id] = project.store.add_documents([{
                "text": text, "content_hash": hashlib.sha256(text.encode()).hexdigest()}])
            project.store.add_span(doc_id, "warm", "PERSON", *tokens[0])  # text cache, schema
            for i in range(n):
                for where, tok in (("start", tokens[2 + i]), ("end", tokens[-2 - i])):
                    t0 = time.perf_counter()
                    project.store.add_span(doc_id, "bench", "PERSON", tok[0], tok[1])
                    out[where].append(time.perf_counter() - t0)
        finally:
            project.close()
    rows: list[Row] = []
    for where in ("start", "end"):
        s = out[where]
        rows.append((f"Store.add_span, 100k words on ONE line ({len(text):,} chars), near the "
                     f"{where}", f"{_median(s) * 1000:.2f} ms", f"{_p95(s) * 1000:.2f} ms", "", ""))
    ratio = _median(out["end"]) / _median(out["start"])
    rows.append(("add_span end/start ratio (flat in the offset)", f"x{ratio:.2f}", "", "< 1.5",
                 "yes" if ratio < 1.5 else "NO"))
    return rows


# ------------------------------------------------------------------ label key -> Saved
def bench_label_shapes(quick: bool) -> list[Row]:
    n = 15 if quick else 40
    rows: list[Row] = []
    medians = {}
    for shape, text in (("ONE line", one_line(100_000)), ("paragraphs", paragraphs(100_000))):
        with tempfile.TemporaryDirectory() as tmp:
            project, doc_id = _seed(Path(tmp) / "p", text, 5_000)
            try:
                samples = asyncio.run(_label_samples(project, doc_id, text, n, from_end=True))
            finally:
                project.close()
        medians[shape] = _median(samples)
        rows.append((f"label key -> Saved, 100k words as {shape}, 5k spans, near the end",
                     f"{_median(samples) * 1000:.2f} ms", f"{_p95(samples) * 1000:.2f} ms",
                     "< 16 ms", "yes" if _median(samples) < 0.016 else "NO"))
    ratio = medians["ONE line"] / medians["paragraphs"]
    rows.append(("label one-line/paragraphs ratio (median)", f"x{ratio:.2f}", "", "< 1.5",
                 "yes" if ratio < 1.5 else "NO"))
    return rows


# ------------------------------------------------------------------ import through the CLI
def _corpus_texts(n: int, seed: int = 5) -> list[str]:
    """One-line news-like documents (~3,000 characters) from the sample article's paragraphs."""
    import bench_export as be

    base = be.SAMPLE.read_text(encoding="utf-8") if be.SAMPLE.exists() else be.FALLBACK * 20
    paras = [p for p in base.split("\n") if len(p) > 40]
    rng = random.Random(seed)
    return [f"Report {i}. " + " ".join(rng.sample(paras, k=min(6, len(paras))))
            for i in range(n)]


def write_feed(path: Path, n: int, spans_per_doc: int, seed: int = 5) -> int:
    """A JSONL file of `n` one-line documents with ~`spans_per_doc` spans each; returns spans."""
    from copydesk.projects.textutil import tokenize

    rng = random.Random(seed)
    total = 0
    with path.open("w", encoding="utf-8") as out:
        for i, text in enumerate(_corpus_texts(n, seed)):
            record: dict[str, Any] = {"text": text, "id": f"n{i:05d}"}
            if spans_per_doc:
                words = [t for t in tokenize(text) if text[t[0]:t[1]].isalnum()]
                picks = sorted(rng.sample(range(len(words)), k=min(spans_per_doc, len(words))))
                record["spans"] = [{"start": words[j][0], "end": words[j][1],
                                    "label": rng.choice(LABELS)} for j in picks]
                total += len(picks)
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return total


def run_child(argv: list[str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MiB, stdout) of one child process.

    Peak memory comes from GNU time (`%M`), which forks from its own tiny process: a child
    forked straight from this one would report this process's peak as its own (Linux keeps
    the larger of the two across exec).
    """
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        wrapper = (["/usr/bin/time", "-f", "%M", "-o", rss.name]
                   if Path("/usr/bin/time").exists() else [])
        t0 = time.perf_counter()
        proc = subprocess.run([*wrapper, *argv], capture_output=True, text=True, check=False)
        dt = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}): "
                               f"{proc.stderr.strip()[-500:]}")
        text = Path(rss.name).read_text().strip().splitlines()
        peak = int(text[-1]) / 1024 if text and text[-1].isdigit() else float("nan")
    return dt, peak, proc.stdout


def _copydesk(*args: str) -> list[str]:
    return [sys.executable, "-m", "copydesk.tui.cli.main", *args]


def plain_import(feed: Path, schema_db: Path, out: Path) -> float:
    """The floor: json + sqlite3 executemany of the same documents, sets and spans, into the
    same tables and indexes (created from the project's own database)."""
    tables = [r[0] for r in sqlite3.connect(schema_db).execute(
        "SELECT sql FROM sqlite_master WHERE type IN ('table', 'index') AND sql IS NOT NULL "
        "AND name NOT LIKE 'sqlite_%' ORDER BY type DESC")]
    conn = sqlite3.connect(out, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    for sql in tables:
        conn.execute(sql)
    t0 = time.perf_counter()
    now = "2026-01-01 00:00:00.000000"
    conn.execute("BEGIN IMMEDIATE")
    docs, sets, spans = [], [], []
    with feed.open(encoding="utf-8") as fh:
        for doc_id, line in enumerate(fh, start=1):
            rec = json.loads(line)
            text = rec["text"]
            docs.append((doc_id, rec.get("id"), "", text,
                         hashlib.sha256(text.encode()).hexdigest(), "", "{}", now))
            if rec.get("spans"):
                sets.append((doc_id, doc_id, "import", "todo", "", now, now))
                spans.extend((doc_id, doc_id, "entity", s["label"], s["start"], s["end"],
                              text[s["start"]:s["end"]], "{}", 1, "", now)
                             for s in rec["spans"])
    conn.executemany("INSERT INTO document (id, external_id, title, text, content_hash, "
                     "source, meta, created_at) VALUES (?,?,?,?,?,?,?,?)", docs)
    conn.executemany("INSERT INTO annotation_set (id, document_id, annotator, status, comment, "
                     "created_at, updated_at) VALUES (?,?,?,?,?,?,?)", sets)
    conn.executemany('INSERT INTO span (set_id, document_id, layer, label, start, "end", text, '
                     "attributes, schema_id, stale, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                     spans)
    conn.execute("COMMIT")
    dt = time.perf_counter() - t0
    conn.close()
    return dt


def bench_import(quick: bool) -> list[Row]:
    shapes = ([("pre-annotated", 1_000, 12), ("plain", 1_000, 0)] if quick else
              [("pre-annotated", 2_000, 12), ("pre-annotated", 10_000, 38), ("plain", 2_000, 0),
               ("plain", 10_000, 0)])
    rows: list[Row] = []
    # the fixed cost of any command: interpreter, imports, argument parsing (median of 3)
    startup = sorted(run_child(_copydesk("--help"))[0] for _ in range(3))[1]
    rows.append(("copydesk start-up (`copydesk --help`, wall)", f"{startup:.2f} s", "", "",
                 ""))
    with tempfile.TemporaryDirectory() as tmp:
        for k, (kind, n, per_doc) in enumerate(shapes):
            feed = Path(tmp) / f"feed{k}.jsonl"
            total = write_feed(feed, n, per_doc)
            proj = Path(tmp) / f"p{k}"
            run_child(_copydesk("init", str(proj)))
            dt, peak, out = run_child(_copydesk("import", str(feed), "-p", str(proj)))
            if f"imported {n}" not in out:
                raise RuntimeError(f"import did not import {n}: {out}")
            plain = plain_import(feed, proj / "copydesk.db", Path(tmp) / f"plain{k}.db")
            what = (f"{n:,} docs / {total:,} spans" if per_doc else f"{n:,} docs")
            rate = f"{total / dt:,.0f} spans/s" if per_doc else f"{n / dt:,.0f} docs/s"
            target = ("< 10 s" if n == 10_000 and per_doc else ">= 100,000 spans/s" if per_doc
                      else ">= 5,000 docs/s")
            ok = (dt < 10 if n == 10_000 and per_doc else total / dt >= 100_000 if per_doc
                  else n / dt >= 5_000)
            work = max(dt - startup, 1e-3)
            rate += (f" ({total / work:,.0f} spans/s" if per_doc else f" ({n / work:,.0f} docs/s"
                     ) + " after start-up)"
            rows.append((f"copydesk import (CLI) {kind} one-line JSONL, {what}",
                         f"{dt:.2f} s = {rate}, {peak:.0f} MiB",
                         f"plain {plain:.2f} s, ratio x{dt / plain:.1f}", target,
                         "yes" if ok else "NO"))
    return rows


# ------------------------------------------------------------------ exports, peak memory
_EXPORT_CHILD = """
import sys, time
from copydesk.projects.project import Project
from copydesk.exports import ExportOptions, run_export
project = Project.open(sys.argv[1])
t0 = time.perf_counter()
summary = run_export(project.store, project.schema, sys.argv[2], sys.argv[3], ExportOptions())
print(time.perf_counter() - t0, summary.spans)
"""


def plain_export(db: Path, out: Path, produced: Path) -> float:
    """The floor: sqlite3 reads the documents and spans, then the export's bytes are written."""
    files = [produced] if produced.is_file() else sorted(
        p for p in produced.rglob("*") if p.is_file())
    blobs = [p.read_bytes() for p in files]
    t0 = time.perf_counter()
    conn = sqlite3.connect(db)
    n = 0
    for _row in conn.execute("SELECT s.id, d.text FROM annotation_set s JOIN document d "
                             "ON d.id = s.document_id ORDER BY s.document_id"):
        n += 1
    for _row in conn.execute('SELECT set_id, layer, label, start, "end", text, attributes '
                             "FROM span ORDER BY set_id, start"):
        n += 1
    conn.close()
    with out.open("wb") as fh:
        for blob in blobs:
            fh.write(blob)
    return time.perf_counter() - t0


_SPACY_FLOOR_CHILD = """
import sys, time
from pathlib import Path
import spacy
from spacy.tokens import DocBin
nlp = spacy.blank("en")
out = Path(sys.argv[1])
files = [out] if out.is_file() else sorted(out.rglob("*.spacy"))
docs = [d for f in files for d in DocBin().from_disk(f).get_docs(nlp.vocab)]
from copydesk.exports.spacy_bin import msgpack_encoders_looked_up_once
t0 = time.perf_counter()
with msgpack_encoders_looked_up_once():  # as the export does: srsly's lookup taken once
    for first in range(0, len(docs), 500):  # the same shards, in one process
        bin_ = DocBin(store_user_data=True)
        for doc in docs[first:first + 500]:
            bin_.add(doc)
        bin_.to_bytes()
print(time.perf_counter() - t0)
"""


def spacy_floor(produced: Path) -> float:
    """spaCy's own share: DocBin.add + to_bytes of the exported Docs, in one process (what
    any spaCy export pays after building its Docs)."""
    _dt, _peak, printed = run_child([sys.executable, "-c", _SPACY_FLOOR_CHILD, str(produced)])
    return float(printed.split()[0])


def bench_exports(quick: bool) -> list[Row]:
    import bench_export as be

    n = 1_000 if quick else 10_000
    targets = {"jsonl": 250_000, "brat": 300_000, "conll": 150_000, "hf": 150_000,
               "spacy": 100_000}
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        project, total = be.build(Path(tmp) / "proj", n)
        root = project.root
        project.close()
        for fmt, target in targets.items():
            out = Path(tmp) / f"out-{fmt}"
            try:
                _dt, peak, printed = run_child([sys.executable, "-c", _EXPORT_CHILD, str(root),
                                                fmt, str(out)])
            except RuntimeError as exc:
                rows.append((f"export {fmt}", f"failed: {str(exc)[-200:]}", "", "", ""))
                continue
            secs = float(printed.split()[0])
            plain = plain_export(root / "copydesk.db", Path(tmp) / f"plain-{fmt}", out)
            rate = total / secs
            ok = rate >= target and peak < 300
            floor = ""
            if fmt == "spacy":
                try:
                    spent = spacy_floor(out)
                    floor = (f"; spaCy's DocBin.add + to_bytes alone {spent:.2f} s "
                             f"= {total / spent:,.0f} spans/s on one core")
                except RuntimeError as exc:
                    floor = f"; spaCy floor failed: {str(exc)[-100:]}"
            rows.append((f"export {fmt}, {n:,} docs / {total:,} spans",
                         f"{rate:,.0f} spans/s, {peak:.0f} MiB peak (largest process)",
                         f"plain {plain:.2f} s vs {secs:.2f} s, ratio x{secs / plain:.1f}{floor}",
                         f">= {target:,} spans/s, < 300 MiB", "yes" if ok else "NO"))
    return rows


PARTS = {"addspan": bench_add_span, "longlabel": bench_label_shapes, "import": bench_import,
         "export": bench_exports}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default=",".join(PARTS))
    args = parser.parse_args()
    print("| figure | median / result | p95 / plain limit | target | met |")
    print("| --- | ---: | ---: | --- | --- |")
    for name in args.only.split(","):
        for row in PARTS[name](args.quick):
            print("| " + " | ".join(row) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
