"""Article view cost: time to first frame and per-keystroke latency, 1k vs 100k words.

Run: ``.venv/bin/python benchmarks/bench_article_view.py``. Not a test: it prints a table.

"Per keystroke" is the app's own work, measured without Pilot's fixed round trip (~60 ms):
the key's action handler (``action_cursor_down()`` etc.) plus painting the rows it would
repaint. Rows are painted through ``render_line`` on the visible window (cache hits for rows
that did not change, misses for the cursor/selection rows), which is what the compositor asks
for after ``refresh_line``. A flat 100k/1k ratio means the cost is per screen, not per document.
"""

from __future__ import annotations

import asyncio
import os
import platform
import random
import statistics
import time
from collections.abc import Callable

from textual.app import App, ComposeResult

from copydesk.tui.app.widgets.article_view import ArticleView
from copydesk.tui.engine.layout import SpanView

SIZE = (120, 40)
VOCAB = [
    "Kirkuk",
    "Erbil",
    "police",
    "said",
    "on",
    "Monday",
    "that",
    "ISIS",
    "fighters",
    "were",
    "arrested",
    "near",
    "the",
    "border",
    "according",
    "to",
    "officials",
    ".",
    ",",
    "who",
    "spoke",
    "on",
    "condition",
    "of",
    "anonymity",
    "کوردستان",
    "هەولێر",
    "قال",
    "المتحدث",
    "中文",
    "👨\u200d👩\u200d👧",
    '"quoted"',
    "statement",
    "army",
]
LAYERS = [("entity", "#d08770"), ("event", "#a3be8c"), ("attribution", "#81a1c1")]


def make_article(words: int, seed: int = 7) -> tuple[str, list[SpanView]]:
    """Paragraphs of 100 words; spans every ~20 words on mixed layers, some overlapping."""
    rng = random.Random(seed)
    paras = []
    for p in range(0, words, 100):
        paras.append(" ".join(rng.choice(VOCAB) for _ in range(min(100, words - p))))
    text = "\n\n".join(paras)
    spans: list[SpanView] = []
    pos = 0
    sid = 0
    while pos < len(text) - 200:
        layer, color = LAYERS[sid % 3]
        length = 8 if layer != "attribution" else rng.randint(40, 160)
        spans.append(SpanView(sid, pos, pos + length, layer.upper(), layer, color))
        sid += 1
        pos += rng.randint(60, 140)
    return text, spans


class BenchApp(App[None]):
    def __init__(self, text: str, spans: list[SpanView]) -> None:
        super().__init__()
        self.text, self.spans = text, spans

    def compose(self) -> ComposeResult:
        yield ArticleView(self.text, self.spans)


def paint_visible(view: ArticleView) -> None:
    """What the compositor does after a refresh: ask for every visible row."""
    for y in range(view.scrollable_content_region.height):
        view.render_line(y)


async def measure(words: int, keys: int = 400) -> dict[str, float]:
    text, spans = make_article(words)
    t0 = time.perf_counter()
    view = ArticleView(text, spans)
    construct = time.perf_counter() - t0

    app = BenchApp(text, spans)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(ArticleView)
        # time to first frame, app-side: new document -> index, spans, wrap -> paint one screen
        t0 = time.perf_counter()
        view.load(text, spans)  # mounted: indexes, wraps at the current width
        paint_visible(view)
        first_frame = construct + (time.perf_counter() - t0)
        await pilot.pause()

        actions: list[Callable[[], None]] = [
            view.action_cursor_down,
            view.action_cursor_right,
            view.action_cursor_next_word,
            view.action_select_right,
            view.action_cursor_down,
            view.action_cursor_next_sentence,
        ]
        samples: list[float] = []
        for i in range(keys):
            action = actions[i % len(actions)]
            t0 = time.perf_counter()
            action()
            paint_visible(view)
            samples.append(time.perf_counter() - t0)
        samples.sort()
    return {
        "words": words,
        "chars": len(text),
        "spans": len(spans),
        "first_frame_ms": first_frame * 1000,
        "key_median_ms": statistics.median(samples) * 1000,
        "key_p95_ms": samples[int(len(samples) * 0.95)] * 1000,
    }


async def main() -> None:
    results = [await measure(1_000), await measure(100_000)]
    print(
        f"machine: {platform.platform()}  python {platform.python_version()}  "
        f"cpus={os.cpu_count()}  processor={platform.processor() or platform.machine()}"
    )
    print(f"terminal size {SIZE[0]}x{SIZE[1]} (headless)")
    header = f"{'words':>8} {'chars':>8} {'spans':>6} {'first frame':>12} {'key median':>11} "
    print(header + f"{'key p95':>9}")
    for r in results:
        print(
            f"{r['words']:>8} {r['chars']:>8} {r['spans']:>6} {r['first_frame_ms']:>10.1f}ms "
            f"{r['key_median_ms']:>9.3f}ms {r['key_p95_ms']:>7.3f}ms"
        )
    small, big = results
    print(
        "100k/1k ratio: first frame x{:.1f}, key median x{:.2f}, key p95 x{:.2f}".format(
            big["first_frame_ms"] / small["first_frame_ms"],
            big["key_median_ms"] / small["key_median_ms"],
            big["key_p95_ms"] / small["key_p95_ms"],
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
