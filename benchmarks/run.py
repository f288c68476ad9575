"""copydesk benchmark suite: prints one table of figures with the machine they were measured on.

    .venv/bin/python benchmarks/run.py           # full run (a few minutes)
    .venv/bin/python benchmarks/run.py --quick   # smaller sizes and fewer repeats

Not a test: nothing here asserts. Every figure is a median and p95 over repeated samples, and
each scaling figure is a ratio of two sizes measured in the same run (absolute times move with
the machine and its load; ratios much less). Targets are printed beside the figures.

- keystroke: the article view's own work per key (action handler + repainting the visible rows),
  from `bench_article_view.py`, on a 1k- and a 100k-word article (the latter ~5,000 spans);
  "label" is `AnnotateScreen.apply_label` in-process: the store write, re-reading the spans,
  and repainting — what the annotator waits for after pressing a label key.
- first frame: `copydesk annotate --doc 1` in tmux, from launch until the article text shows in
  `capture-pane`; beside it the CPU time (user + system, /proc/PID/stat) the app had used by
  then, which moves far less with the machine's load; peak memory is VmHWM from /proc at that
  moment (before the store is open: `annotate --doc` opens it right after the first frame).
- import: documents/s for 10,000 articles in one JSONL file through `import_paths`.
- longlabel, addspan, preimport, export: the worst shapes and their plain limits, from
  `bench_worst.py` (one-line 100k-word article; `copydesk import` of pre-annotated one-line
  JSONL; every export format over 10,000 documents with its peak memory and the time raw
  `sqlite3` + writing the same bytes takes).
- database size: bytes per 1,000 spans written through the store (span row + action log row).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests"))

Row = tuple[str, str, str, str, str]  # figure, median, p95, target, met


def stats(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def machine() -> str:
    import textual

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{platform.platform()}; CPU {cpu} x{os.cpu_count()}; Python "
            f"{platform.python_version()}; Textual {textual.__version__}")


def met(value: float, target: float, *, below: bool = True) -> str:
    return "yes" if (value < target if below else value > target) else "NO"


# ------------------------------------------------------------------ keystrokes (article view)
def bench_keys(quick: bool) -> tuple[list[Row], dict[str, Any]]:
    import bench_article_view as bav

    keys = 150 if quick else 400
    small = asyncio.run(bav.measure(1_000, keys=keys))
    big = asyncio.run(bav.measure(100_000, keys=keys))
    ratio = big["key_median_ms"] / small["key_median_ms"]
    rows: list[Row] = []
    for r in (small, big):
        rows.append((f"key (move/select), {r['words'] // 1000}k words, {r['spans']} spans",
                     f"{r['key_median_ms']:.2f} ms", f"{r['key_p95_ms']:.2f} ms", "< 16 ms",
                     met(r["key_median_ms"], 16)))
    rows.append(("key 100k/1k ratio (median)", f"x{ratio:.2f}", "", "< 1.5", met(ratio, 1.5)))
    return rows, {"small": small, "big": big}


def seed_project(root: Path, words: int, spans: int,
                 one_line: bool = False) -> tuple[Any, int, str]:
    """A project holding one article of `words` words with `spans` stored spans (bulk insert);
    `one_line` joins its paragraphs into one line (the worst shape: JSONL corpora)."""
    import bench_article_view as bav

    from copydesk.projects.bulk import NewDocument, NewSet, NewSpan, insert_documents
    from copydesk.projects.importers import content_hash
    from copydesk.projects.project import Project
    from copydesk.projects.textutil import tokenize

    text, _ = bav.make_article(words)
    if one_line:
        text = text.replace("\n\n", " ")
    labels = ("PERSON", "ORG", "GPE", "LOC")
    tokens = [t for t in tokenize(text) if text[t[0]:t[1]].isalnum()]
    stride = max(1, len(tokens) // spans)
    new_spans = []
    for j in range(spans):  # windows of 1-5 words; on 1k words they overlap, all distinct
        first = (j * stride) % len(tokens)
        length = 1 + (j * stride // len(tokens)) % 5
        last = min(len(tokens) - 1, first + length - 1)
        new_spans.append(NewSpan("entity", labels[j % 4], tokens[first][0], tokens[last][1]))
    new_spans = list({(n.start, n.end, n.label): n for n in new_spans}.values())
    project = Project.init(root)
    insert_documents(project.store, [NewDocument(
        text=text, content_hash=content_hash(text), title="bench",
        sets=[NewSet(annotator="bench", status="in_progress", spans=new_spans)])])
    [doc_id] = project.store.document_ids()
    return project, doc_id, text


async def _label_samples(project: Any, doc_id: int, text: str, n: int, *,
                         from_end: bool = False) -> list[float]:
    """Label key -> row repainted, `n` times on free words from the top (or, `from_end`, from
    the end backwards: the far end of a one-line article)."""
    from copydesk.tui.app.application import CopydeskApp
    from copydesk.tui.app.screens.annotate import AnnotateScreen
    from copydesk.tui.app.widgets.article_view import ArticleView

    app = CopydeskApp(project, "bench", open_document=doc_id)
    samples: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        # wait for the composed screen, not just the pushed one: querying a screen that is
        # pushed but not yet composed raised NoMatches on some documents
        for _ in range(400):
            screen = app.screen
            if isinstance(screen, AnnotateScreen) and screen.query(ArticleView):
                break
            await pilot.pause(0.05)
        assert isinstance(screen, AnnotateScreen)
        view = screen.query_one(ArticleView)
        await pilot.pause()
        if from_end:
            view.action_cursor_doc_end()
            await pilot.pause()
        step = view.action_cursor_prev_word if from_end else view.action_cursor_next_word
        # NORP is not among the seeded labels, so every word is free for it
        taken = {(s.start, s.end) for s in screen.spans.values() if s.label == "NORP"}
        done = 0
        for _ in range(n * 20):  # bounded search for free words near the start (or end)
            if done >= n:
                break
            step()
            token = view.token_range_at(view.cursor)
            if token is None or token in taken or not text[token[0]:token[1]].isalnum():
                continue
            taken.add(token)
            t0 = time.perf_counter()
            screen.apply_label("NORP")
            for y in range(view.scrollable_content_region.height):
                view.render_line(y)
            samples.append(time.perf_counter() - t0)
            done += 1
            await pilot.pause()
    return samples


def bench_label(quick: bool) -> list[Row]:
    n = 20 if quick else 60
    out: dict[int, tuple[float, float, int]] = {}
    for words, spans in ((1_000, 5_000), (100_000, 5_000)):
        with tempfile.TemporaryDirectory() as tmp:
            project, doc_id, text = seed_project(Path(tmp) / "p", words, spans)
            count = len(project.store.spans(doc_id, "bench"))
            try:
                samples = asyncio.run(_label_samples(project, doc_id, text, n))
            finally:
                project.close()
        med, p95 = stats(samples)
        out[words] = (med * 1000, p95 * 1000, count)
    rows: list[Row] = [
        (f"key label (store write + refresh), {w // 1000}k words, {c} spans",
         f"{m:.2f} ms", f"{p:.2f} ms", "< 16 ms", met(m, 16))
        for w, (m, p, c) in out.items()
    ]
    ratio = out[100_000][0] / out[1_000][0]
    rows.append(("label 100k/1k ratio (median)", f"x{ratio:.2f}", "", "< 1.5", met(ratio, 1.5)))
    return rows


# ------------------------------------------------------------------ first frame, memory (tmux)
def bench_first_frame(quick: bool) -> list[Row]:
    if shutil.which("tmux") is None:
        return [("first frame", "n/a (no tmux)", "", "< 1 s", "")]
    from tmux import Tmux, copydesk_command

    repeats = 2 if quick else 5
    rows: list[Row] = []
    for words, one_line in ((1_000, False), (100_000, False), (100_000, True)):
        shape = " on ONE line" if one_line else ""
        with tempfile.TemporaryDirectory() as tmp:
            project, doc_id, text = seed_project(Path(tmp) / "p", words, 5_000, one_line)
            root = project.root
            project.close()
            needle = " ".join(text.split(" ")[:2])
            times, peaks, cpus = [], [], []
            for _ in range(repeats):
                t0 = time.perf_counter()
                tmux = Tmux(copydesk_command("annotate", "-p", str(root), "--doc", str(doc_id),
                                             "--annotator", "bench"), width=120, height=40)
                try:
                    deadline = t0 + 60
                    while time.perf_counter() < deadline:
                        if needle in tmux.capture():
                            break
                        time.sleep(0.01)
                    times.append(time.perf_counter() - t0)
                    cpus.append(_cpu_seconds(tmux.pid()))
                    status = Path(f"/proc/{tmux.pid()}/status").read_text()
                    hwm = next(ln for ln in status.splitlines() if ln.startswith("VmHWM"))
                    peaks.append(int(hwm.split()[1]) / 1024)
                    tmux.send("C-q")
                    tmux.wait_dead(timeout=30)
                finally:
                    tmux.close()
            med, p95 = stats(times)
            target = 0.5 if one_line else 1.0
            rows.append((f"first frame (launch -> text), {words // 1000}k words{shape}, 5k spans",
                         f"{med * 1000:.0f} ms", f"{p95 * 1000:.0f} ms",
                         f"< {target * 1000:.0f} ms", met(med, target)))
            cm, cp = stats(cpus)
            rows.append((f"CPU time to first frame (user+sys), {words // 1000}k words{shape}",
                         f"{cm * 1000:.0f} ms", f"{cp * 1000:.0f} ms", "", ""))
            pm, pp = stats(peaks)
            rows.append((f"peak memory (VmHWM), {words // 1000}k words{shape}", f"{pm:.0f} MB",
                         f"{pp:.0f} MB", "", ""))
    return rows


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc/PID/stat.

    Wall time to the first frame on a shared machine is mostly the other work's; the CPU the
    app itself spent up to then moves far less with the load, so it is printed beside it.
    """
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------------ import / export / size
def _articles(n: int) -> list[str]:
    import bench_article_view as bav

    base, _ = bav.make_article(600, seed=3)
    words = base.split(" ")
    return [f"Report {i}: " + " ".join(words[(i * 7) % 300:(i * 7) % 300 + 450]) for i in range(n)]


def bench_import(quick: bool) -> list[Row]:
    from copydesk.projects.importers import import_paths
    from copydesk.projects.project import Project

    n = 2_000 if quick else 10_000
    repeats = 2 if quick else 3
    articles = _articles(n)
    rates = []
    with tempfile.TemporaryDirectory() as tmp:
        feed = Path(tmp) / "feed.jsonl"
        with feed.open("w", encoding="utf-8") as out:
            for i, text in enumerate(articles):
                out.write(json.dumps({"text": text, "id": f"a{i}"}, ensure_ascii=False) + "\n")
        for r in range(repeats):
            with Project.init(Path(tmp) / f"p{r}") as project:
                t0 = time.perf_counter()
                report = import_paths(project.store, [feed])
                dt = time.perf_counter() - t0
            assert report.imported == n, report.summary()
            rates.append(n / dt)
    med, _ = stats(rates)
    return [(f"import, {n:,} articles (~{len(articles[0]):,} chars) JSONL, docs/s",
             f"{med:,.0f}", f"{min(rates):,.0f} (worst)", "> 2,000", met(med, 2000, below=False))]


def bench_db_size(quick: bool) -> list[Row]:
    """Bytes the file grows per 1,000 spans added through the store (with their action rows)."""
    import sqlite3

    import bench_article_view as bav

    from copydesk.projects.importers import content_hash
    from copydesk.projects.project import Project
    from copydesk.projects.textutil import tokenize

    n = 1_000 if quick else 3_000
    with tempfile.TemporaryDirectory() as tmp:
        text, _ = bav.make_article(20_000)
        with Project.init(Path(tmp) / "p") as project:
            [doc_id] = project.store.add_documents([{"text": text,
                                                     "content_hash": content_hash(text)}])
            db = project.store.db.path

            def size() -> int:
                conn = sqlite3.connect(db)
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                pages = conn.execute("PRAGMA page_count").fetchone()[0]
                free = conn.execute("PRAGMA freelist_count").fetchone()[0]
                page = conn.execute("PRAGMA page_size").fetchone()[0]
                conn.close()
                return int((pages - free) * page)

            before = size()
            words = [t for t in tokenize(text) if text[t[0]:t[1]].isalpha()]
            done = 0
            for start, end in words:
                if done >= n:
                    break
                try:
                    project.store.add_span(doc_id, "bench", "PERSON", start, end)  # type: ignore[arg-type]
                except Exception:  # a token the store refuses
                    continue
                done += 1
            after = size()
    per_k = (after - before) / done * 1000
    return [(f"database size per 1,000 spans (store path, {done:,} spans incl. action log)",
             f"{per_k / 1024:,.0f} KiB", "", "", "")]


# ------------------------------------------------------------------ table
def main() -> int:
    parser = argparse.ArgumentParser(description="copydesk benchmarks")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    parser.add_argument("--only", default="",
                        help="comma list of: keys,label,longlabel,addspan,frame,import,"
                             "preimport,export,size")
    args = parser.parse_args()
    import bench_worst as worst

    parts: dict[str, Callable[[bool], Any]] = {
        "keys": lambda q: bench_keys(q)[0], "label": bench_label,
        "longlabel": worst.bench_label_shapes, "addspan": worst.bench_add_span,
        "frame": bench_first_frame, "import": bench_import, "preimport": worst.bench_import,
        "export": worst.bench_exports, "size": bench_db_size,
    }
    chosen = [p for p in (args.only.split(",") if args.only else parts) if p]
    rows: list[Row] = []
    t_all = time.perf_counter()
    for name in chosen:
        t0 = time.perf_counter()
        try:
            rows.extend(parts[name](args.quick))
        except Exception as exc:  # one broken section must not lose the others' figures
            rows.append((f"{name}: failed", f"{type(exc).__name__}: {exc}"[:200], "", "", ""))
        print(f"# {name}: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    print(f"machine: {machine()}")
    print(f"command: .venv/bin/python benchmarks/run.py{' --quick' if args.quick else ''}"
          f"{' --only ' + args.only if args.only else ''}  ({time.perf_counter() - t_all:.0f} s)")
    print()
    print("| figure | median | p95 | target | met |")
    print("| --- | ---: | ---: | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
