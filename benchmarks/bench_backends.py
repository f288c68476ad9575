"""SQLite beside PostgreSQL: label latency, import and export throughput on each engine.

    .venv/bin/python benchmarks/bench_backends.py [--quick]

PostgreSQL is a throwaway PostgreSQL 15 on 127.0.0.1 started the way the tests start one
(tests/pg_server.py) but durable: fsync and synchronous_commit on, as a real server runs. Client
and server share the machine, so the network cost is loopback only; a server across a LAN adds
its round trips (a label is ~8 statements).

- label: `Store.add_span` on a 10k-word article that already holds 2,000 spans, plus the
  `spans_by_id` re-read the annotate screen does after a save (the database part of what an
  annotator waits for after a label key); undo the same way.
- import: documents/s for N plain-text articles in one JSONL file through `import_paths`.
- export: spans/s for JSONL and brat over the corpus of `bench_export.build` (~44 spans/doc).
Prints one Markdown table: figure, SQLite, PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests"))

import bench_export as be  # noqa: E402
from pg_server import PgServer, missing_reason, running_server  # noqa: E402

from copydesk.exports import ExportOptions, run_export  # noqa: E402
from copydesk.projects.importers import content_hash, import_paths  # noqa: E402
from copydesk.projects.project import Project  # noqa: E402
from copydesk.projects.textutil import tokenize  # noqa: E402

Location = Callable[[], str | None]  # a fresh database per measurement (None: SQLite)


def ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"{statistics.median(ordered) * 1000:.2f} ms (p95 {p95 * 1000:.2f})"


def label_latency(root: Path, database: str | None, n: int) -> tuple[str, str]:
    words = "Officials in Valmora said the harbour strike ended on Tuesday after talks.\n" * 900
    tokens = [t for t in tokenize(words) if words[t[0]:t[1]].isalpha()]
    with Project.init(root, database=database) as project:
        store = project.store
        [doc] = store.add_documents([{"text": words, "content_hash": content_hash(words)}])
        assert doc is not None
        for start, end in tokens[:2000]:  # an article already well annotated
            store.add_span(doc, "other", "ORG", start, end)
        adds, undos = [], []
        for start, end in tokens[2000:2000 + n]:
            t0 = time.perf_counter()
            span = store.add_span(doc, "bench", "PERSON", start, end)
            store.spans_by_id([int(span.id)])  # type: ignore[arg-type]
            adds.append(time.perf_counter() - t0)
        for _ in range(n // 2):
            t0 = time.perf_counter()
            action = store.undo(doc, "bench")
            assert action is not None
            store.spans_by_id(store.touched_spans(action))
            undos.append(time.perf_counter() - t0)
    return ms(adds), ms(undos)


def import_rate(root: Path, database: str | None, n: int) -> float:
    base = (be.SAMPLE.read_text(encoding="utf-8") if be.SAMPLE.exists() else be.FALLBACK * 20)
    feed = root.parent / f"{root.name}-feed.jsonl"
    with feed.open("w", encoding="utf-8") as out:
        for i in range(n):
            out.write(json.dumps({"text": f"Report {i}\n\n{base}", "id": f"a{i}"},
                                 ensure_ascii=False) + "\n")
    with Project.init(root, database=database) as project:
        t0 = time.perf_counter()
        report = import_paths(project.store, [feed])
        dt = time.perf_counter() - t0
    assert report.imported == n, report.summary()
    return n / dt


def export_rates(root: Path, database: str | None, n: int) -> dict[str, float]:
    project, total = be.build(root, n, database=database)
    rates = {}
    try:
        for fmt in ("jsonl", "brat"):
            t0 = time.perf_counter()
            run_export(project.store, project.schema, fmt, root.parent / f"{root.name}-{fmt}",
                       ExportOptions(status="all"))
            rates[fmt] = total / (time.perf_counter() - t0)
    finally:
        project.close()
    return rates


@contextmanager
def engines() -> Iterator[tuple[Location, Location, PgServer]]:
    reason = missing_reason()
    if reason:
        raise SystemExit(f"cannot benchmark PostgreSQL: {reason}")
    with running_server(durable=True) as server:
        yield (lambda: None), server.database, server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    args = parser.parse_args()
    labels = 100 if args.quick else 400
    n_import = 500 if args.quick else 2000
    n_export = 200 if args.quick else 1000
    rows: list[tuple[str, str, str]] = []
    with engines() as (sqlite, postgres, _server), tempfile.TemporaryDirectory() as tmp:
        results: dict[str, dict[str, object]] = {}
        for name, location in (("sqlite", sqlite), ("postgresql", postgres)):
            base = Path(tmp) / name
            base.mkdir()
            add, undo = label_latency(base / "label", location(), labels)
            rate = import_rate(base / "import", location(), n_import)
            exports = export_rates(base / "export", location(), n_export)
            results[name] = {"add": add, "undo": undo, "import": rate, **exports}
            print(f"{name}: done", file=sys.stderr)
    s, p = results["sqlite"], results["postgresql"]
    rows.append((f"label (add_span + re-read), 10k words, 2,000 spans; {labels} samples",
                 str(s["add"]), str(p["add"])))
    rows.append((f"undo (+ re-read); {labels // 2} samples", str(s["undo"]), str(p["undo"])))
    rows.append((f"import, {n_import:,} articles JSONL, docs/s", f"{s['import']:,.0f}",
                 f"{p['import']:,.0f}"))
    for fmt in ("jsonl", "brat"):
        rows.append((f"export {fmt}, {n_export:,} docs (~44 spans each), spans/s",
                     f"{s[fmt]:,.0f}", f"{p[fmt]:,.0f}"))
    print(f"machine: {platform.platform()}; Python {platform.python_version()}")
    print()
    print("| figure | SQLite | PostgreSQL 15 |")
    print("| --- | ---: | ---: |")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
