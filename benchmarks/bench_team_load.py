"""N annotator processes labelling at once: throughput, latency, and nothing lost or doubled.

    .venv/bin/python benchmarks/bench_team_load.py [--processes 50] [--seconds 15]
                                                   [--engines postgresql,sqlite]

Each annotator is its own OS process with its own store (on PostgreSQL its own database role,
so row-level security, the per-set row lock and the action-log trigger are all in the path).
All of them label one shared article, each in their own annotation set, as fast as they can for
`--seconds`: every action adds a span on a word chosen at random, and every 10th action is an
undo instead. Each process records what it was told was saved (the span ids added and not undone,
and the latency of every action); afterwards the database is compared with those records:

- lost: a span a process was told was saved, and is not in the database;
- duplicated: a span in the database that no process was told was saved (or saved twice);
- log: the action-log entries per set equal the actions that process saw succeed.

PostgreSQL is a throwaway durable PostgreSQL 15 on 127.0.0.1 (tests/pg_server.py, fsync on);
SQLite is one file in WAL mode. Client and server share the machine, so on 2 cores the processes
and the server compete for the same CPUs: the figures are a floor, not a server's capacity.
Prints one Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

WORDS = ("Police detained two men in Valmora on Tuesday after the strike at the port, officials "
         "said, while union leaders in Kirkuk called the arrests a warning to every dock worker "
         "who walked out last week. ") * 20


def _word_starts(text: str) -> list[tuple[int, int]]:
    out, start = [], None
    for i, ch in enumerate(text + " "):
        if ch.isalnum() and start is None:
            start = i
        elif not ch.isalnum() and start is not None:
            out.append((start, i))
            start = None
    return out


# ----------------------------------------------------------------------------- one annotator
def worker(location: str, annotator: str, doc: int, seconds: float, out: Path,
           seed: int) -> None:
    """Label until the time is up; write what was confirmed to `out` (JSON)."""
    from copydesk.projects.errors import StoreError
    from copydesk.projects.store import Store
    from copydesk.schema import load_schema

    schema = load_schema(REPO / "schema" / "newsroom.yaml")
    store = Store(location, schema)
    words = _word_starts(WORDS)
    rng = random.Random(seed)
    saved: list[int] = []  # span ids confirmed saved and not undone, in order
    used: list[tuple[int, int]] = []  # their words: a word is labelled once per set
    latencies: list[float] = []
    actions = errors = 0
    error_lines: list[str] = []
    labels = ("PERSON", "ORG", "GPE", "LOC", "DATE")
    # Ready (imported, connected, schema read); then everyone starts at the same moment.
    out.with_suffix(".ready").touch()
    go = out.parent / "go"
    while not go.exists():
        time.sleep(0.01)
    start_at = float(go.read_text() or 0)
    while time.time() < start_at:
        time.sleep(0.002)
    end = start_at + seconds
    while time.time() < end:
        began = time.perf_counter()
        try:
            if actions % 10 == 9 and saved:
                step = store.undo(doc, annotator)
                if step is not None:
                    saved.pop()
                    used.pop()
            else:
                a, b = rng.choice([w for w in words if w not in used] or words)
                span = store.add_span(doc, annotator, rng.choice(labels), a, b)
                saved.append(int(span.id))  # type: ignore[arg-type]
                used.append((a, b))
        except StoreError as exc:
            errors += 1
            if len(error_lines) < 3:
                error_lines.append(str(exc)[:200])
            actions += 1
            continue
        latencies.append(time.perf_counter() - began)
        actions += 1
    store.close()
    out.write_text(json.dumps({"annotator": annotator, "saved": saved, "latencies": latencies,
                               "actions": actions, "errors": errors,
                               "error_lines": error_lines}))


# ----------------------------------------------------------------------------- one engine
def run_engine(engine: str, processes: int, seconds: float, work: Path) -> dict[str, object]:
    from copydesk.projects.importers import content_hash
    from copydesk.projects.project import Project

    server = None
    if engine == "postgresql":
        from pg_server import PgServer, missing_reason

        reason = missing_reason()
        if reason:
            return {"engine": engine, "skipped": reason}
        server = PgServer(durable=True)
        admin = server.database()
        role_url = lambda role: admin.replace("postgres@", f"{role}@", 1)  # noqa: E731
    try:
        root = work / engine
        project = Project.init(root, database=admin if server else None)
        [doc] = project.store.add_documents([{"text": WORDS, "content_hash":
                                              content_hash(WORDS)}])
        names = [f"a{i:02d}" for i in range(processes)]
        if server is not None:
            from copydesk.projects.security import grant

            for name in names:
                project.store.db.run_write(
                    lambda session, n=name: grant(session.connection(), n, "annotator"))
        location = admin if server else str(root / "copydesk.db")
        project.close()
        (work / "go").unlink(missing_ok=True)
        procs = []
        outs = []
        for i, name in enumerate(names):
            out = work / f"{engine}-{name}.json"
            outs.append(out)
            where = role_url(name) if server else location
            procs.append(subprocess.Popen(
                [sys.executable, __file__, "--worker", where, name, str(doc),
                 str(seconds), str(out), str(i)]))
        deadline = time.time() + 600
        while time.time() < deadline and not all(o.with_suffix(".ready").exists() for o in outs):
            if any(proc.poll() not in (None, 0) for proc in procs):
                raise SystemExit(f"{engine}: an annotator process failed to start")
            time.sleep(0.1)
        tmp_go = work / "go.tmp"
        tmp_go.write_text(str(time.time() + 0.5))
        tmp_go.replace(work / "go")
        for proc in procs:
            proc.wait(timeout=seconds + 600)
        results = [json.loads(out.read_text()) for out in outs]
        latencies = sorted(x for r in results for x in r["latencies"])
        ok = len(latencies)
        errors = sum(r["errors"] for r in results)
        # What the database holds, per annotator, against what each process was told.
        from sqlalchemy import text

        from copydesk.projects.db import Database

        db = Database(location)
        with db.engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT a.annotator, s.id FROM span s JOIN annotation_set a ON a.id = s.set_id"
            )).all()
            logged = dict(conn.execute(text(
                "SELECT a.annotator, count(*) FROM action l JOIN annotation_set a "
                "ON a.id = l.set_id GROUP BY a.annotator")).all())
        db.close()
        held: dict[str, list[int]] = {}
        for who, span_id in rows:
            held.setdefault(str(who), []).append(int(span_id))
        lost = duplicated = log_mismatch = 0
        for r in results:
            told = sorted(r["saved"])
            there = sorted(held.get(r["annotator"], []))
            lost += len(set(told) - set(there))
            duplicated += len(there) - len(set(there)) + len(set(there) - set(told))
            confirmed = len(r["latencies"])
            if logged.get(r["annotator"], 0) != confirmed:
                log_mismatch += 1
        return {
            "engine": engine, "processes": processes, "seconds": seconds,
            "actions": ok, "per_second": ok / seconds, "errors": errors,
            "p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
            "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))] if latencies
            else float("nan"),
            "lost": lost, "duplicated": duplicated, "log_mismatch": log_mismatch,
            "error_lines": [line for r in results for line in r["error_lines"]][:3],
        }
    finally:
        if server is not None:
            server.close()


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        location, annotator, doc, seconds, out, seed = sys.argv[2:8]
        worker(location, annotator, int(doc), float(seconds), Path(out), int(seed))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--engines", default="postgresql,sqlite")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="copydesk-load-") as tmp:
        for engine in args.engines.split(","):
            print(f"{engine}: {args.processes} processes for {args.seconds:g} s…",
                  file=sys.stderr)
            rows.append(run_engine(engine, args.processes, args.seconds, Path(tmp)))
    print(f"{platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    print("| engine | processes | actions | actions/s | p50 ms | p99 ms | errors | lost | "
          "duplicated | log ≠ actions |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        if "skipped" in r:
            print(f"| {r['engine']} | skipped: {r['skipped']} |")
            continue
        print(f"| {r['engine']} | {r['processes']} | {r['actions']} | {r['per_second']:.0f} | "
              f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']} | {r['lost']} | "
              f"{r['duplicated']} | {r['log_mismatch']} |")
        for line in r.get("error_lines", []):  # type: ignore[union-attr]
            print(f"  error: {line}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
