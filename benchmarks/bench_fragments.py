"""Discontinuous spans cost nothing where they are not used, and little where they are.

    .venv/bin/python benchmarks/bench_fragments.py [--docs 2000] [--labels 40]

Two identical projects are built, and in the second far more spans are put in pieces than any
real corpus has (for export: every span of more than one word, split at its first space; for
labelling: every other span gets the next word as a second piece). Then:
- label: `AnnotateScreen.apply_label` in-process on a 100k-word article with 5,000 spans (the
  store write, re-reading the edited span, repainting the visible rows), as `run.py` measures
  it; plus `Store.add_fragment` (the `+` key's store write) in the project with pieces;
- export: each format over N news-like documents (`bench_export.build`), both projects
  exported alternately so the machine's other load falls on both alike.
Prints both projects side by side. Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from bench_export import build  # noqa: E402
from run import _label_samples, machine, seed_project  # noqa: E402

from copydesk.exports import ExportOptions, run_export  # noqa: E402
from copydesk.projects.project import Project  # noqa: E402


def split_multiword_spans(db: Path) -> tuple[int, int]:
    """Rewrite every span with a space inside as two pieces; returns (split, total)."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute('SELECT id, start, "end", text FROM span').fetchall()
        updates = []
        for span_id, start, _end, text in rows:
            cut = text.find(" ")
            if cut <= 0 or "\n" in text:
                continue
            pieces = [[start, start + cut], [start + cut + 1, start + len(text)]]
            updates.append((json.dumps(pieces, separators=(",", ":")), span_id))
        conn.executemany("UPDATE span SET fragments = ? WHERE id = ?", updates)
    return len(updates), len(rows)


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def add_second_pieces(db: Path, text: str, share: int = 2) -> tuple[int, int]:
    """Give every `share`-th span the next word after it as a second piece (its text becomes
    both words joined by a space, as the store writes it); returns (in pieces, total)."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute('SELECT id, start, "end" FROM span ORDER BY id').fetchall()
        updates = []
        for n, (span_id, start, end) in enumerate(rows):
            if n % share or end >= len(text) or text[end] != " ":
                continue
            nxt = end + 1
            stop = nxt
            while stop < len(text) and text[stop].isalnum():
                stop += 1
            if stop == nxt:
                continue
            pieces = [[start, end], [nxt, stop]]
            updates.append((stop, f"{text[start:end]} {text[nxt:stop]}",
                            json.dumps(pieces, separators=(",", ":")), span_id))
        conn.executemany('UPDATE span SET "end" = ?, text = ?, fragments = ? WHERE id = ?',
                         updates)
    return len(updates), len(rows)


def bench_label(n: int, rounds: int) -> None:
    """Both projects labelled alternately, `rounds` times each (the machine's other load falls
    on both alike); per project the median and p95 over all samples, and the best round."""
    print(f"\nlabelling, 100k-word article, 5,000 seeded spans, {rounds} alternating rounds "
          f"of {n} labels (ms)")
    print(f"{'':40s} {'median':>8s} {'p95':>8s} {'best round':>11s}")
    with tempfile.TemporaryDirectory() as tmp:
        plain, doc_id, text = seed_project(Path(tmp) / "plain", 100_000, 5_000)
        plain.close()
        shutil.copytree(Path(tmp) / "plain", Path(tmp) / "pieces")
        split, total = add_second_pieces(Path(tmp) / "pieces" / "copydesk.db", text)
        names = {"one piece each": Path(tmp) / "plain",
                 "half of them in 2 pieces": Path(tmp) / "pieces"}
        samples: dict[str, list[float]] = {name: [] for name in names}
        best: dict[str, float] = {name: float("inf") for name in names}
        for _ in range(rounds):
            for name, root in names.items():
                project = Project.open(root)
                try:
                    got = asyncio.run(_label_samples(project, doc_id, text, n))
                finally:
                    project.close()
                samples[name].extend(got)
                best[name] = min(best[name], statistics.median(got))
        project = Project.open(names["half of them in 2 pieces"])
        try:
            frag_samples = add_fragment_samples(project, doc_id, text, n)
        finally:
            project.close()
    for name, got in samples.items():
        print(f"label key, spans {name:23s} {statistics.median(got) * 1000:8.2f} "
              f"{p95(got) * 1000:8.2f} {best[name] * 1000:11.2f}")
    print(f"{'+ (Store.add_fragment), with pieces':40s} "
          f"{statistics.median(frag_samples) * 1000:8.2f} {p95(frag_samples) * 1000:8.2f}")
    print(f"  (with pieces: {split} of {total} spans in 2 pieces)")


def add_fragment_samples(project: Project, doc_id: int, text: str, n: int) -> list[float]:
    """Label a word, then add the word two words on as its second piece: `+` in the TUI."""
    store = project.store
    words = [i for i in range(1, len(text) - 1) if text[i - 1] == " " and text[i].isalpha()]
    samples: list[float] = []
    used = 0
    for i in words[::7]:
        if used >= n:
            break
        end = text.find(" ", i)
        later = [w for w in words if w > end + 1][:2]
        if end < 0 or len(later) < 2:
            continue
        later_end = text.find(" ", later[1])
        try:
            span = store.add_span(doc_id, "bench", "NORP", i, end)
        except Exception:  # a word the seeded spans make invalid (never expected): skip it
            continue
        t0 = time.perf_counter()
        store.add_fragment(int(span.id), "bench", later[1], later_end)  # type: ignore[arg-type]
        samples.append(time.perf_counter() - t0)
        used += 1
    return samples


def bench_export(docs: int, formats: list[str], repeats: int) -> None:
    """The two projects are exported alternately (A, B, A, B, ...) so that load from other work
    on the machine falls on both alike; best and median of `repeats` runs each."""
    print(f"\nexport, {docs} documents, best / median of {repeats} alternating runs (s)")
    with tempfile.TemporaryDirectory() as tmp:
        plain, total = build(Path(tmp) / "plain", docs)
        plain.close()
        shutil.copytree(Path(tmp) / "plain", Path(tmp) / "pieces")
        split, all_spans = split_multiword_spans(Path(tmp) / "pieces" / "copydesk.db")
        projects = {"one piece": Project.open(Path(tmp) / "plain"),
                    "pieces": Project.open(Path(tmp) / "pieces")}
        print(f"{'format':8s} {'one piece':>18s} {'with pieces':>18s} {'best ratio':>11s}")
        for fmt in formats:
            times: dict[str, list[float]] = {name: [] for name in projects}
            for rep in range(repeats):
                for name, proj in projects.items():
                    out = Path(tmp) / f"out-{fmt}-{name}-{rep}"
                    t0 = time.perf_counter()
                    run_export(proj.store, proj.schema, fmt, out, ExportOptions())
                    times[name].append(time.perf_counter() - t0)
            a, b = times["one piece"], times["pieces"]
            print(f"{fmt:8s} {min(a):7.2f} / {statistics.median(a):6.2f}   "
                  f"{min(b):7.2f} / {statistics.median(b):6.2f}   x{min(b) / min(a):.2f}")
        for proj in projects.values():
            proj.close()
    print(f"  ({total} spans; with pieces: {split} of {all_spans} spans in 2 pieces)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--labels", type=int, default=40)
    parser.add_argument("--formats", default="jsonl,brat,conll,hf,spacy")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(machine())
    bench_label(args.labels, args.rounds)
    bench_export(args.docs, args.formats.split(","), args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
