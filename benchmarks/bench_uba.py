"""Bidi levels: our UAX #9 (tui/engine/uba.py) against python-bidi's Rust engine, and linearity.

Prints, per shape, the time to resolve the levels of one paragraph with ours, and the time
python-bidi's ``get_display`` takes on the same text (its Rust engine: a floor that also does
the reordering, which ours leaves to tui.bidi.visual_order). ``tui.bidi`` resolves a paragraph in
chunks of ``LEVEL_CHUNK`` characters, so the 4,096-character rows are what a key or a first
frame pays; the long rows show the cost stays linear in the paragraph.

    python benchmarks/bench_uba.py
"""

from __future__ import annotations

import random
import time

from bidi import get_display

from copydesk.tui.engine.bidi import LEVEL_CHUNK
from copydesk.tui.engine.uba import resolve_levels

WORDS = ["قال", "المتحدث", "باسم", "الحكومة", "(", ")", "2024", "كەرکووک", "Kurdistan24", "،",
         "«", "»", "[", "]", "ڕایگەیاند", "12/3", "%", "بغداد", "news", "-"]


def article(n: int, seed: int = 3) -> str:
    rnd = random.Random(seed)
    out: list[str] = []
    size = 0
    while size < n:
        w = rnd.choice(WORDS)
        out.append(w)
        size += len(w) + 1
    return " ".join(out)[:n]


def best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    print(f"{'paragraph':>22} {'ours ms':>9} {'rust ms':>9} {'ratio':>6} {'us/char':>8}")
    for n in (LEVEL_CHUNK, 65_536, 600_000):
        text = article(n)
        repeats = 9 if n <= 65_536 else 3
        ours = best(lambda text=text: resolve_levels(text, 1), repeats)
        rust = best(lambda text=text: get_display(text, base_dir="R"), repeats)
        print(f"{n:>14,} chars RTL {ours * 1e3:9.2f} {rust * 1e3:9.2f} {ours / rust:6.1f} "
              f"{ours / n * 1e6:8.3f}")
    brackets = ("(" * 60 + "قال" + ")" * 60 + " ") * (600_000 // 124)
    t = best(lambda: resolve_levels(brackets, 1), 3)
    print(f"{len(brackets):>14,} chars of nested brackets: {t * 1e3:.1f} ms "
          f"({t / len(brackets) * 1e6:.3f} us/char)")


if __name__ == "__main__":
    main()
