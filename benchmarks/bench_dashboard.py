"""The lead's dashboard on a big project: time to first paint and to full data.

    .venv/bin/python benchmarks/bench_dashboard.py [--docs 10000] [--spans 400000] [--runs 3]
    .venv/bin/python benchmarks/bench_dashboard.py --docs 300 --spans 12000 --build-only DIR

Builds a project of `--docs` generated newsroom-like documents, each finished by two of four
annotators (`--spans` spans in all, split between them), the second annotator's spans derived from
the first's with label swaps, boundary shifts, misses and extras, plus an action log spread over
30 days; inserted in bulk (`projects.bulk.insert_documents`, SQLAlchemy Core for the log). Then:

- the figures alone: `quick_figures` (progress, throughput: SQL aggregates) and `full_figures`
  (agreement, confusion, lowest documents), best of `--runs`;
- the screen headless at 80x24 (`DashboardApp.run_test`): first paint (the frame with the
  placeholders), quick figures shown, and full data shown, from the app's start.

Prints seconds per step and the machine it ran on.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert
from sqlmodel import select

from copydesk.projects.bulk import NewDocument, NewSet, NewSpan, insert_documents
from copydesk.projects.dashboard import fingerprint, full_figures, quick_figures
from copydesk.projects.importers import content_hash
from copydesk.projects.models import Action, AnnotationSet, Span
from copydesk.projects.project import Project

ANNOTATORS = ("alice", "bob", "chen", "dara")
LABELS = ("PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "DATE")
WORDS = ("officials", "said", "the", "ministry", "in", "Erbil", "on", "Tuesday", "forces",
         "police", "detained", "spokesman", "told", "reporters", "council", "city", "north",
         "province", "residents", "attack", "market", "governor", "statement", "border")


def _text(rng: random.Random, n_words: int) -> tuple[str, list[tuple[int, int]]]:
    words, spans, pos = [], [], 0
    for _ in range(n_words):
        w = rng.choice(WORDS)
        words.append(w)
        spans.append((pos, pos + len(w)))
        pos += len(w) + 1
    return " ".join(words), spans


def build(root: Path, n_docs: int, n_spans: int, seed: int = 28) -> Project:
    """The generated project (see the module docstring); returns it open."""
    proj = Project.init(root)
    rng = random.Random(seed)
    per_set = max(1, n_spans // (2 * n_docs))
    batch: list[NewDocument] = []
    for i in range(n_docs):
        text, words = _text(rng, per_set * 3 + 10)
        first: list[NewSpan] = []
        for k in range(per_set):
            j = k * 3 + rng.randrange(2)
            first.append(NewSpan("entity", rng.choice(LABELS), words[j][0], words[j][1]))
        second: list[NewSpan] = []
        for s in first:
            roll = rng.random()
            if roll < 0.06:  # a label confusion
                second.append(NewSpan("entity", rng.choice(LABELS), s.start, s.end))
            elif roll < 0.10:  # a boundary disagreement: one word more
                nxt = next((w for w in words if w[0] > s.end), None)
                second.append(NewSpan("entity", s.label, s.start, nxt[1] if nxt else s.end))
            elif roll < 0.13:  # missed; an extra one elsewhere keeps the count
                last = words[-1 - rng.randrange(5)]
                second.append(NewSpan("entity", rng.choice(LABELS), last[0], last[1]))
            else:
                second.append(NewSpan("entity", s.label, s.start, s.end))
        second = sorted({(s.start, s.end, s.label): s for s in second}.values(),
                        key=lambda s: (s.start, s.end, s.label))
        a, b = rng.sample(ANNOTATORS, 2)
        batch.append(NewDocument(text=text, content_hash=content_hash(text),
                                 external_id=f"wire-{i:05d}", title=f"Wire report {i}",
                                 sets=[NewSet(a, "done", first), NewSet(b, "done", second)]))
        if len(batch) == 1000:
            insert_documents(proj.store, batch)
            batch = []
    if batch:
        insert_documents(proj.store, batch)
    _log(proj, rng)
    return proj


def _log(proj: Project, rng: random.Random) -> None:
    """One add_span action per span and a set_status per set, spread over 30 days."""
    now = datetime.now(UTC)
    with proj.store.db.read() as session:
        sets = session.exec(AnnotationSet.__table__.select()).all()
    rows = []
    for s in sets:
        day = now - timedelta(days=rng.randrange(30), minutes=rng.randrange(600))
        rows.append({"set_id": s.id, "annotator": s.annotator, "kind": "set_status",
                     "at": day.isoformat(timespec="milliseconds"), "payload": "{}"})
        rows.extend({"set_id": s.id, "annotator": s.annotator, "kind": "add_span",
                     "at": day.isoformat(timespec="milliseconds"), "payload": "{}"}
                    for _ in range(20))
    proj.store.db.run_write(lambda session: session.connection().execute(
        insert(Action.__table__), rows))


async def screen_times(proj: Project) -> tuple[float, float, float]:
    from copydesk.tui.app.screens.dashboard import DashboardApp, DashboardScreen

    started = time.monotonic()
    app = DashboardApp(proj.store, "bench", "lead", refresh=600)
    quick_at = None
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        while screen.complete_at is None:
            await pilot.pause(0.02)
            if quick_at is None and screen.board is not None:
                quick_at = time.monotonic()
            if time.monotonic() - started > 120:
                raise RuntimeError("the dashboard never finished")
        first = (screen.first_paint_at or started) - started
        return first, (quick_at or screen.complete_at) - started, screen.complete_at - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--spans", type=int, default=400_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--build-only", type=Path, default=None, metavar="DIR",
                        help="only build the project in DIR (a new folder) and stop: a sample "
                             "for `copydesk dashboard -p DIR` or `copydesk stats --svg`")
    args = parser.parse_args()
    if args.build_only is not None:
        build(args.build_only, args.docs, args.spans).close()
        print(f"built {args.docs} documents in {args.build_only}")
        return 0
    print(f"machine: {platform.machine()} {platform.processor() or ''} {os.cpu_count()} cpus, "
          f"{platform.system()} {platform.release()}, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        proj = build(Path(tmp) / "proj", args.docs, args.spans)
        with proj.store.db.read() as session:
            spans = session.exec(select(func.count()).select_from(Span)).one()
            actions = session.exec(select(func.count()).select_from(Action)).one()
        print(f"built {args.docs} documents, {spans} spans, {actions} actions "
              f"in {time.perf_counter() - t0:.1f} s")
        for name, fn in (("fingerprint (refresh, no change)", lambda: fingerprint(proj.store)),
                         ("quick_figures (SQL aggregates)", lambda: quick_figures(proj.store)),
                         ("full_figures (agreement too)", lambda: full_figures(proj.store))):
            times = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t0)
            print(f"{name:34s} best {min(times):6.3f} s  worst {max(times):6.3f} s")
        for run in range(args.runs):
            first, quick, full = asyncio.run(screen_times(proj))
            print(f"screen 80x24 run {run + 1}: first paint {first:6.3f} s, progress and "
                  f"throughput {quick:6.3f} s, full data {full:6.3f} s")
        proj.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
