"""Carrying 1,000 spans over a correction of a 100,000-word article, per correction shape.

    .venv/bin/python benchmarks/bench_versions.py [--words 100000] [--spans 1000] [--repeat 3]

The worst shapes for a diff (projects.versions.TextMap):
- one-line: the whole article on one line, ten words respelt at spread-out places;
- paragraph-top: an editor's note paragraph inserted before the first line;
- reflow: every line break moved (the text re-wrapped at a different width);
- store: the same, end to end through `projects.docversions.update_document` on a SQLite
  project (old text kept, every span row rewritten, one transaction), with --store;
- difflib: for comparison, `difflib.SequenceMatcher` on the one-line article's characters (the
  alternative the issue names), stopped after a time limit.
Prints the time to build the map and carry every span (median of --repeat), and how many spans
came out moved / edited / removed. Not a test.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from copydesk.projects.versions import carry_spans

VOCAB = (
    "minister", "council", "flood", "bridge", "market", "said", "reported", "police",
    "village", "governor", "army", "Tuesday", "families", "homes", "province", "officials",
    "border", "talks", "election", "water", "aid", "the", "a", "of", "in", "on", "and", "to",
    "by", "for", "with",
)


def article(words: int, seed: int = 7) -> list[str]:
    rnd = random.Random(seed)
    return [rnd.choice(VOCAB) + (str(rnd.randrange(50)) if rnd.random() < 0.3 else "")
            for _ in range(words)]


def wrap(words: list[str], width: int) -> str:
    lines, line, size = [], [], 0
    for word in words:
        if size + len(word) > width and line:
            lines.append(" ".join(line))
            line, size = [], 0
        line.append(word)
        size += len(word) + 1
    lines.append(" ".join(line))
    return "\n".join(lines)


def spans_on(text: str, count: int, seed: int = 3) -> list[tuple[object, tuple, str]]:
    rnd = random.Random(seed)
    starts = sorted(rnd.sample(range(len(text) - 40), count))
    out = []
    for k, pos in enumerate(starts):
        a = text.rfind(" ", 0, pos) + 1
        b = text.find(" ", a + 10)
        b = len(text) if b < 0 else b
        out.append((k, ((a, b),), text[a:b]))
    return out


def shapes(words: int) -> dict[str, tuple[str, str]]:
    base = article(words)
    one_old = " ".join(base)
    fixed = list(base)
    for k in range(10):
        i = (k + 1) * words // 11
        fixed[i] = fixed[i] + "x"
    one_new = " ".join(fixed)
    para_old = wrap(base, 72)
    note = "Editor's note: this article was updated to correct the name of the province. " * 3
    para_new = note.strip() + "\n\n" + para_old
    return {"one-line": (one_old, one_new), "paragraph-top": (para_old, para_new),
            "reflow": (para_old, wrap(base, 61))}


def timed(old: str, new: str, spans: list, repeat: int) -> tuple[float, dict[str, int]]:
    times, counts = [], {}
    for _ in range(repeat):
        t0 = time.perf_counter()
        carried = carry_spans(old, new, spans)
        times.append(time.perf_counter() - t0)
        counts = {}
        for c in carried:
            counts[c.status] = counts.get(c.status, 0) + 1
    return statistics.median(times), counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--words", type=int, default=100_000)
    parser.add_argument("--spans", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--difflib-limit", type=float, default=30.0)
    parser.add_argument("--store", action="store_true",
                        help="also time update_document on a SQLite project")
    args = parser.parse_args()
    print(f"{args.words:,} words, {args.spans:,} spans, median of {args.repeat}")
    for name, (old, new) in shapes(args.words).items():
        spans = spans_on(old, args.spans)
        seconds, counts = timed(old, new, spans, args.repeat)
        longest = max(len(line) for line in old.split("\n"))
        print(f"{name:14} {len(old):>9,} chars, longest line {longest:>9,}: "
              f"{seconds * 1000:8.1f} ms  {counts}")
    if args.store:
        for name, (old, new) in shapes(args.words).items():
            print(f"store {name:8} {store_update(old, new, spans_on(old, args.spans)):8.1f} ms "
                  "(update_document, SQLite)")
    # difflib on characters, for comparison (run in a child so it can be stopped)
    import multiprocessing as mp

    old, new = shapes(args.words)["one-line"]
    ctx = mp.get_context("fork")
    proc = ctx.Process(target=_difflib, args=(old, new))
    t0 = time.perf_counter()
    proc.start()
    proc.join(args.difflib_limit)
    if proc.is_alive():
        proc.terminate()
        proc.join()
        print(f"difflib chars  one-line: not finished after {args.difflib_limit:.0f} s")
    else:
        print(f"difflib chars  one-line: {time.perf_counter() - t0:8.1f} s (opcodes only)")


def store_update(old: str, new: str, spans: list) -> float:
    import tempfile

    from copydesk.projects.docversions import update_document
    from copydesk.projects.importers import content_hash
    from copydesk.projects.project import Project

    with tempfile.TemporaryDirectory() as tmp, Project.init(Path(tmp) / "p") as project:
        store = project.store
        [doc] = store.add_documents([{"text": old, "content_hash": content_hash(old)}])
        for a, b in sorted({parts[0] for _key, parts, _text in spans}):
            store.add_span(doc, "ann", "PERSON", a, b)
        t0 = time.perf_counter()
        update_document(store, doc, new, who="bench")
        return (time.perf_counter() - t0) * 1000


def _difflib(old: str, new: str) -> None:
    import difflib

    difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()


if __name__ == "__main__":
    main()
