"""Right-to-left display cost: keystrokes and first frame on a 100k-word Arabic article, and
the left-to-right path checked for no slow-down.

Run: ``.venv/bin/python benchmarks/bench_bidi.py [--quick]``. Not a test: it prints a Markdown
table (the rows of the issue-14 section of RESULTS.md).

Keystrokes are measured as in ``bench_article_view.py`` (the action handler plus repainting
the visible rows, no Pilot round trip), here with the view's display mode set explicitly:
``visual`` (the default: right-to-left rows reordered by copydesk) and ``logical`` (stored
order: the code path every article took before bidi support). An all-left-to-right article
must cost the same in both. First frame is app-side (``load`` + painting one screen) and, with
tmux, launch -> article text visible, as ``run.py`` measures it.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

import bench_article_view as bav  # noqa: E402
from run import machine, stats  # noqa: E402

from copydesk.tui.app.widgets.article_view import ArticleView  # noqa: E402
from copydesk.tui.engine.bidi import BidiOptions  # noqa: E402
from copydesk.tui.engine.layout import SpanView  # noqa: E402

ARABIC_VOCAB = [
    "قال", "المتحدث", "باسم", "الحكومة", "إن", "الفيضانات", "غمرت", "الأحياء", "في", "مدينة",
    "كركوك", "يوم", "الأربعاء", "بعد", "أمطار", "غزيرة", "الشرطة", "اعتقلت", "ثلاثة", "رجال",
    "قرب", "الحدود", "وفق", "مسؤولين", "،", ".", "الدفاع", "المدني", "أجلت", "مئات", "العائلات",
    "وأضاف", "للصحفيين", "عاجلاً", "مُصمم", "Kurdistan24", "ISIS", "2024", "12/3", "(الموصل)",
    '"نعمل', 'الساعة"', "Erbil",
]
ENGLISH_VOCAB = [w for w in bav.VOCAB if w.isascii()]


def make_article(words: int, vocab: list[str], seed: int = 7) -> tuple[str, list[SpanView]]:
    """Paragraphs of 100 words, spans every ~100 characters, as ``bav.make_article`` does."""
    rng = random.Random(seed)
    paras = [" ".join(rng.choice(vocab) for _ in range(min(100, words - p)))
             for p in range(0, words, 100)]
    text = "\n\n".join(paras)
    spans: list[SpanView] = []
    pos, sid = 0, 0
    while pos < len(text) - 200:
        layer, color = bav.LAYERS[sid % 3]
        length = 8 if layer != "attribution" else rng.randint(40, 160)
        spans.append(SpanView(sid, pos, pos + length, layer.upper(), layer, color))
        sid += 1
        pos += rng.randint(60, 140)
    return text, spans


async def measure(text: str, spans: list[SpanView], bidi: BidiOptions,
                  keys: int) -> dict[str, float]:
    """First frame (app-side) and per-key cost in one display mode."""
    app = bav.BenchApp("", [])
    async with app.run_test(size=bav.SIZE) as pilot:
        view = app.query_one(ArticleView)
        view.bidi = bidi
        await pilot.pause()
        gc.collect()  # the previous row's article is garbage now: do not bill this row for it
        t0 = time.perf_counter()
        view.load(text, spans)
        bav.paint_visible(view)
        first_frame = time.perf_counter() - t0
        await pilot.pause()
        actions: list[Callable[[], None]] = [
            view.action_cursor_down,
            view.action_cursor_left,
            view.action_cursor_next_word,
            view.action_select_left,
            view.action_cursor_down,
            view.action_cursor_next_sentence,
            view.action_cursor_right,
        ]
        samples: list[float] = []
        for i in range(keys):
            action = actions[i % len(actions)]
            t0 = time.perf_counter()
            action()
            bav.paint_visible(view)
            samples.append(time.perf_counter() - t0)
    med, p95 = stats(samples)
    return {"first": first_frame * 1000, "med": med * 1000, "p95": p95 * 1000}


def launch_to_text(text: str, needle: str, repeats: int) -> tuple[float, float] | None:
    """``copydesk annotate`` in tmux until ``needle`` (as drawn) shows: median and p95, ms."""
    if shutil.which("tmux") is None:
        return None
    from tmux import Tmux, copydesk_command

    from copydesk.projects.importers import content_hash
    from copydesk.projects.project import Project

    with tempfile.TemporaryDirectory() as tmp:
        with Project.init(Path(tmp) / "p") as project:
            [doc_id] = project.store.add_documents(
                [{"text": text, "content_hash": content_hash(text), "title": "bench"}])
            root = project.root
        times: list[float] = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            term = Tmux(copydesk_command("annotate", "-p", str(root), "--doc", str(doc_id),
                                         "--annotator", "bench"), width=120, height=40)
            try:
                while time.perf_counter() < t0 + 60:
                    if needle in term.capture():
                        break
                    time.sleep(0.01)
                times.append(time.perf_counter() - t0)
                term.send("C-q")
                term.wait_dead(timeout=30)
            finally:
                term.close()
    med, p95 = stats(times)
    return med * 1000, p95 * 1000


def layout_ab(rounds: int = 12) -> None:
    """Layout + first screen of rows, logical vs visual, alternating, after a GC each time:
    the all-left-to-right path without the app (and its garbage) around it."""
    from copydesk.projects.textutil import TextIndex
    from copydesk.tui.engine.layout import Layout

    print("| layout + first 40 rows, 100k words, alternating, after gc | logical | visual |")
    print("| --- | ---: | ---: |")
    for name, vocab in (("all-LTR", ENGLISH_VOCAB), ("Arabic", ARABIC_VOCAB)):
        text, _ = make_article(100_000, vocab)
        index = TextIndex(text)
        times: dict[str, list[float]] = {"logical": [], "visual": []}
        for i in range(rounds):
            order = ("logical", "visual") if i % 2 else ("visual", "logical")
            for mode in order:
                gc.collect()
                t0 = time.perf_counter()
                layout = Layout(index, 115, BidiOptions(mode))
                for row in layout.rows[:40]:
                    _ = row.display
                times[mode].append((time.perf_counter() - t0) * 1000)
        print(f"| {name} (median of {rounds}) | {statistics.median(times['logical']):.0f} ms | "
              f"{statistics.median(times['visual']):.0f} ms |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer keys and launches")
    parser.add_argument("--layout-ab", action="store_true",
                        help="only the logical/visual layout comparison")
    args = parser.parse_args()
    if args.layout_ab:
        print(f"machine: {machine()}\n")
        layout_ab()
        return
    keys = 150 if args.quick else 400
    repeats = 2 if args.quick else 5
    rounds = 1 if args.quick else 3
    visual, logical = BidiOptions("visual"), BidiOptions("logical")

    ltr = make_article(100_000, ENGLISH_VOCAB)
    mixed = bav.make_article(100_000)
    arabic = make_article(100_000, ARABIC_VOCAB)
    arabic_1k = make_article(1_000, ARABIC_VOCAB)

    specs: list[tuple[str, tuple[str, list[SpanView]], BidiOptions]] = [
        ("all-LTR 100k words, logical (the pre-bidi path)", ltr, logical),
        ("all-LTR 100k words, visual (default)", ltr, visual),
        ("mixed 100k words (bench_article_view's: RTL words in LTR paragraphs), logical",
         mixed, logical),
        ("mixed 100k words, visual", mixed, visual),
        ("Arabic 1k words, visual", arabic_1k, visual),
        ("Arabic 100k words, logical", arabic, logical),
        ("Arabic 100k words, visual", arabic, visual),
        ("Arabic 100k words, visual + shaping", arabic, BidiOptions("visual", shaping=True)),
    ]
    # Every row is measured `rounds` times, interleaved, and the median round is reported:
    # on a shared machine a burst of load then hits all rows alike instead of one.
    results: dict[str, list[dict[str, float]]] = {name: [] for name, _, _ in specs}
    for _ in range(rounds):
        for name, (text, spans), options in specs:
            results[name].append(asyncio.run(measure(text, spans, options, keys)))

    print(f"machine: {machine()}")
    print(f"view {bav.SIZE[0]}x{bav.SIZE[1]} headless; {keys} keys per row (down, left, next "
          f"word, select left, down, next sentence, right); median of {rounds} interleaved "
          "rounds\n")
    print("| article, display mode | spans | key median | key p95 | first frame (app) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, (_text, spans), _options in specs:
        runs = results[name]
        med = statistics.median(r["med"] for r in runs)
        p95 = statistics.median(r["p95"] for r in runs)
        first = statistics.median(r["first"] for r in runs)
        print(f"| {name} | {len(spans)} | {med:.2f} ms | {p95:.2f} ms | {first:.0f} ms |")

    # the first Arabic word of the article, as drawn (letters only: reversed)
    ar_text = arabic[0]
    ar_word = next(w for w in ar_text.split(" ") if w.isalpha() and not w.isascii())
    print(f"\n| first frame, tmux launch -> text visible ({repeats} launches) | median | p95 |")
    print("| --- | ---: | ---: |")
    for label, text, needle in (
        ("Arabic 100k words, visual", ar_text, ar_word[::-1]),
        ("all-LTR 100k words, visual", ltr[0], " ".join(ltr[0].split(" ")[:2])),
    ):
        found = launch_to_text(text, needle, repeats)
        if found is None:
            print(f"| {label} | n/a (no tmux) | |")
        else:
            print(f"| {label} | {found[0]:.0f} ms | {found[1]:.0f} ms |")


if __name__ == "__main__":
    main()
