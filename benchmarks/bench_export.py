"""Export throughput: a project of N news-like documents with realistic spans, every format.

    .venv/bin/python benchmarks/bench_export.py [--docs 10000] [--formats jsonl,brat,...]

Documents are built from the bundled sample article's sentences (about 3,000 characters each);
each gets ~40 entity spans, a few events with arguments and an attribution, inserted in bulk
with SQLAlchemy Core (as `projects.bulk` does), then each format is exported and timed.
Prints spans/s per format and the machine it ran on.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from copydesk.exports import ExportOptions, run_export
from copydesk.projects.bulk import NewDocument, NewSet, NewSpan, insert_documents
from copydesk.projects.importers import content_hash
from copydesk.projects.project import Project
from copydesk.projects.textutil import tokenize

SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "samples" / \
    "kurdistan24-kirkuk-isis.txt"
FALLBACK = ("Iraqi forces launched a military operation targeting ISIS positions in southern "
            "Kirkuk province. Nashat Shawes told Kurdistan24 that attacks continue.")
ENTITY_LABELS = ("PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "DATE")


def build(root: Path, n_docs: int, seed: int = 1,
          database: str | None = None) -> tuple[Project, int]:
    # (the older Project.init, which a before-and-after run also measures, has no `database`)
    proj = Project.init(root, database=database) if database else Project.init(root)
    base = SAMPLE.read_text(encoding="utf-8") if SAMPLE.exists() else FALLBACK * 20
    paras = [p for p in base.split("\n") if len(p) > 40]
    rng = random.Random(seed)
    total = 0
    batch: list[NewDocument] = []
    para_words = [[t for t in tokenize(p) if p[t[0]:t[1]].isalnum()] for p in paras]
    for i in range(n_docs):
        head = f"Report {i}\n\n"
        chosen = rng.sample(range(len(paras)), k=min(6, len(paras)))
        body = head + "\n\n".join(paras[k] for k in chosen)
        words, pos = [], len(head)
        for k in chosen:  # tokenize each paragraph once, shift its offsets
            words.extend((s + pos, e + pos) for s, e in para_words[k])
            pos += len(paras[k]) + 2
        spans: list[NewSpan] = []
        used: set[int] = set()
        picks = sorted(rng.sample(range(len(words) - 3), k=min(44, len(words) - 3)))
        for j in picks:
            if j in used or j + 1 in used:
                continue
            n = rng.choice((1, 1, 2))
            used.update((j, j + 1))
            start, end = words[j][0], words[j + n - 1][1]
            if j < 4:
                spans.append(NewSpan("event", "Conflict.Attack", start, end))
            else:
                spans.append(NewSpan("entity", rng.choice(ENTITY_LABELS), start, end))
        spans.sort(key=lambda s: (s.start, s.end))
        links = []
        events = [k for k, s in enumerate(spans) if s.layer == "event"]
        gpes = [k for k, s in enumerate(spans) if s.label == "GPE"]
        for k in events:
            if gpes:
                links.append((k, gpes[0], "Place"))
        # one attribution: the last sentence-ish stretch as content, a word as cue and source
        w = words[-12:]
        spans.append(NewSpan("attribution", "CONTENT", w[4][0], w[-1][1],
                             {"type": "indirect"}))
        spans.append(NewSpan("attribution", "SOURCE", w[0][0], w[0][1]))
        spans.append(NewSpan("attribution", "CUE", w[2][0], w[2][1]))
        c = len(spans) - 3
        links += [(c, c + 1, "source"), (c, c + 2, "cue")]
        total += len(spans)
        batch.append(NewDocument(text=body, content_hash=content_hash(body),
                                 external_id=f"news-{i:05d}", title=f"Report {i}",
                                 sets=[NewSet("alice", "done", spans, links)]))
        if len(batch) == 500:
            insert_documents(proj.store, batch)
            batch = []
    if batch:
        insert_documents(proj.store, batch)
    return proj, total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--formats", default="jsonl,brat,conll,hf,spacy")
    args = parser.parse_args()
    print(f"machine: {platform.machine()} {platform.processor() or ''} {os.cpu_count()} cpus, "
          f"{platform.system()} {platform.release()}, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        proj, total = build(Path(tmp) / "proj", args.docs)
        print(f"built {args.docs} documents, {total} spans in {time.perf_counter() - t0:.1f} s")
        for fmt in args.formats.split(","):
            out = Path(tmp) / f"out-{fmt}"
            t0 = time.perf_counter()
            try:
                summary = run_export(proj.store, proj.schema, fmt, out, ExportOptions())
            except Exception as exc:  # a missing optional extra: report and go on
                print(f"{fmt:6s} skipped: {exc}")
                continue
            dt = time.perf_counter() - t0
            print(f"{fmt:6s} {dt:6.2f} s  {total / dt:10,.0f} spans/s "
                  f"({summary.spans} spans written)")
        proj.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
