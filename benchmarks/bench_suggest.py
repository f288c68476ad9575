"""Suggestions: throughput, detector precision/recall, and keys per accepted suggestion.

    .venv/bin/python benchmarks/bench_suggest.py           # 10,000 articles, 5,000 names
    .venv/bin/python benchmarks/bench_suggest.py --quick   # 1,000 articles

Not a test: it prints figures. Articles and names are generated from a fixed seed (our own
synthetic text: English, Arabic and Sorani words, quotes with speech verbs), so runs compare.

- patterns: a 5,000-name gazetteer (a third multi-word, a third Arabic script) over N articles;
  "match" is `PatternSet.match` alone (then `match_tokens`, the tokenize-everything algorithm it
  replaced, on the same articles), "suggest" the whole `copydesk suggest` path (read, match,
  compare, bulk write), "re-run" the idempotent second run that writes nothing.
- token patterns: the gazetteer plus five EntityRuler token patterns over 2,000 articles, against
  the per-start search it replaced, and a 200,000-word title-case line.
- attribution: the detector alone, then the whole suggest path.
- detector: precision/recall per PARC part on tests/data/suggest/attribution-gold.txt.
- keys: a Pilot session on the sample article pressing `.` once and then `+` for every
  suggestion (every key counted), and the same with every fourth suggestion rejected (`-`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import random
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from copydesk.projects.bulk import NewDocument, insert_documents  # noqa: E402
from copydesk.projects.importers import content_hash  # noqa: E402
from copydesk.projects.project import Project  # noqa: E402
from copydesk.projects.suggest import ATTRIBUTION, PATTERNS  # noqa: E402
from copydesk.projects.suggest.attribution import AttributionDetector  # noqa: E402
from copydesk.projects.suggest.evaluate import evaluate, import_gold, read_gold  # noqa: E402
from copydesk.projects.suggest.patterns import (  # noqa: E402
    PatternSet,
    _longest_match,
    _token_spec,
)
from copydesk.projects.suggest.run import run_suggest  # noqa: E402
from copydesk.projects.suggest.write import select_documents  # noqa: E402
from copydesk.projects.textutil import tokenize  # noqa: E402

GOLD = REPO / "tests" / "data" / "suggest" / "attribution-gold.txt"
SAMPLE = REPO / "tests" / "data" / "articles" / "kirkuk-hamrin-patrols.txt"
LATIN = ["ka", "ro", "mi", "dan", "sel", "vor", "tu", "al", "ben", "har", "is", "lo", "nar"]
ARABIC = ["كر", "مو", "سل", "بغ", "دا", "ري", "نا", "حم", "قا", "زي"]
SENTENCE = ("the council said on monday that water prices would rise after floods in the "
            "north while farmers and traders waited for the ministry to publish its report")
WORDS = SENTENCE.split(" ")


def make_names(rng: random.Random, n: int) -> list[str]:
    names: set[str] = set()
    while len(names) < n:
        kind = len(names) % 3
        if kind == 2:
            names.add("".join(rng.choice(ARABIC) for _ in range(rng.randint(3, 4))))
        else:
            first = "".join(rng.choice(LATIN) for _ in range(rng.randint(2, 4))).title()
            names.add(first if kind == 0 else
                      f"{first} {''.join(rng.choice(LATIN) for _ in range(2)).title()}")
    return sorted(names)


def make_article(rng: random.Random, names: list[str], words: int = 300) -> str:
    out: list[str] = []
    while len(out) < words:
        roll = rng.random()
        if roll < 0.04:
            out.append(rng.choice(names))
        elif roll < 0.05:
            out.append(f'"{" ".join(rng.choice(WORDS) for _ in range(8))}," '
                       f"{rng.choice(names)} said.")
        else:
            out.append(rng.choice(WORDS))
    return " ".join(out) + "."


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f} docs/s ({seconds:.2f} s for {n:,})"


def bench_throughput(n_docs: int, n_names: int) -> None:
    rng = random.Random(13)
    names = make_names(rng, n_names)
    texts = [make_article(rng, names) for _ in range(n_docs)]
    with tempfile.TemporaryDirectory() as tmp:
        project = Project.init(Path(tmp) / "p")
        insert_documents(project.store, [NewDocument(text=t, content_hash=content_hash(t))
                                         for t in texts])
        gazetteer = Path(tmp) / "names.txt"
        gazetteer.write_text("\n".join(names), "utf-8")
        patterns = PatternSet()
        for name in names:
            patterns.add_phrase("GPE", name)
        began = time.perf_counter()
        hits = sum(len(patterns.match(t)) for t in texts)
        print(f"patterns, match only ({n_names:,} names): "
              f"{rate(n_docs, time.perf_counter() - began)}, {hits:,} matches")
        # The algorithm before the compiled matcher (tokenize every article, walk every
        # token), kept as the reference the fast path is tested against: same load, same run.
        began = time.perf_counter()
        same = sum(len(patterns.match_tokens(t)) for t in texts)
        print(f"patterns, match over every token (the previous algorithm): "
              f"{rate(n_docs, time.perf_counter() - began)}, {same:,} matches")
        bench_token_patterns(patterns, texts[:2_000])
        ids = select_documents(project.store, "all")
        began = time.perf_counter()
        report = run_suggest(project, ids, patterns=patterns)
        print(f"patterns, copydesk suggest path: {rate(n_docs, time.perf_counter() - began)}, "
              f"{report.sources[PATTERNS].spans:,} spans written")
        began = time.perf_counter()
        report = run_suggest(project, ids, patterns=patterns)
        print(f"patterns, idempotent re-run: {rate(n_docs, time.perf_counter() - began)}, "
              f"{report.sources[PATTERNS].written} documents rewritten")
        detector = AttributionDetector(project.store.schema)
        began = time.perf_counter()
        found = sum(len(detector.detect(t).spans) for t in texts)
        print(f"attribution, detect only: {rate(n_docs, time.perf_counter() - began)}, "
              f"{found:,} spans")
        began = time.perf_counter()
        report = run_suggest(project, ids, attribution=True)
        print(f"attribution, copydesk suggest path: "
              f"{rate(n_docs, time.perf_counter() - began)}, "
              f"{report.sources[ATTRIBUTION].spans:,} spans written")
        longest = "Kirkuk " * 200_000
        began = time.perf_counter()
        patterns.match(longest)
        detector.detect(longest)
        print(f"one 200,000-word line, patterns + attribution: "
              f"{time.perf_counter() - began:.2f} s")
        dense = " ".join(names) * 20  # every word a name: the matcher's worst case
        began = time.perf_counter()
        found = len(patterns.match(dense))
        print(f"one line of {len(dense):,} characters that is all names ({found:,} matches): "
              f"{time.perf_counter() - began:.2f} s")
        project.close()


TOKEN_PATTERNS = [
    [{"LOWER": "colonel"}, {"IS_TITLE": True, "OP": "+"}],
    [{"TEXT": "Ministry"}, {"LOWER": "of"}, {"IS_TITLE": True, "OP": "*"}, {"LOWER": "affairs"}],
    [{"LOWER": {"IN": ["wadi", "jabal"]}}, {"IS_TITLE": True, "OP": "?"}, {"IS_TITLE": True}],
    [{"SHAPE": "Xxxxx"}, {"SHAPE": "dddd"}],
    [{"IS_TITLE": True, "OP": "?"}, {"LOWER": "council"}],
]


def bench_token_patterns(gazetteer: PatternSet, texts: list[str]) -> None:
    """The gazetteer plus five EntityRuler token patterns: all starts at once (`match`) against
    the search from each start that it replaced, and a long title-case run."""
    patterns = PatternSet()
    patterns.trie = gazetteer.trie
    for i, pattern in enumerate(TOKEN_PATTERNS):
        patterns.token_patterns.append(("ORG", tuple(_token_spec(t, f"bench:{i}")
                                                     for t in pattern)))
    began = time.perf_counter()
    hits = sum(len(patterns.match(t)) for t in texts)
    print(f"patterns + 5 token patterns, match: {rate(len(texts), time.perf_counter() - began)}"
          f", {hits:,} matches")
    began = time.perf_counter()
    starts = 0
    for text in texts:
        raw = [text[s:e] for s, e in tokenize(text)]
        for _, specs in patterns.token_patterns:
            starts += sum(1 for i in range(len(raw)) if _longest_match(specs, raw, i))
    print(f"  the 5 token patterns alone (tokenize + search from each start, the previous "
          f"algorithm, no phrases): {rate(len(texts), time.perf_counter() - began)}")
    title_run = PatternSet()
    title_run.token_patterns.append(("ORG", (_token_spec({"IS_TITLE": True, "OP": "+"}, "b"),
                                             _token_spec({"LOWER": "council"}, "b"))))
    for words in (2_000, 200_000):
        line = "Kirkuk " * words + "council"
        began = time.perf_counter()
        [(_, start, end)] = title_run.match(line)
        print(f"  one {words:,}-word title-case line, [IS_TITLE +, council]: "
              f"{time.perf_counter() - began:.2f} s (one match of {end - start:,} characters)")
    raw = ["Kirkuk"] * 2_000 + ["council"]
    began = time.perf_counter()
    for i in range(len(raw)):
        _longest_match(title_run.token_patterns[0][1], raw, i)
    print(f"  the same 2,000-word line searched from each start (previous algorithm): "
          f"{time.perf_counter() - began:.2f} s (quadratic: each start walks the whole run)")


def bench_detector() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project = Project.init(Path(tmp) / "p")
        docs = read_gold(GOLD.read_text("utf-8"))
        import_gold(project.store, docs)
        run_suggest(project, select_documents(project.store, "all"), attribution=True)
        result = evaluate(project.store, ATTRIBUTION, "gold")
        print(f"detector on {result.documents} gold documents "
              f"({sum(1 for _, _, p in docs for s in p.spans if s.label == 'CONTENT')} contents)")
        print("part     match    tp  fp  fn  P      R      F1")
        for part in ("content", "cue", "source"):
            for match, table in (("exact", result.parts_exact),
                                 ("overlap", result.parts_overlap)):
                c = table[part]
                print(f"{part:8} {match:8} {c.tp:3} {c.fp:3} {c.fn:3}  {c.precision:.3f}  "
                      f"{c.recall:.3f}  {c.f1:.3f}")
        for (kind, role), c in sorted(result.links_exact.items()):
            o = result.links_overlap[(kind, role)]
            print(f"link {role:7} exact P {c.precision:.3f} R {c.recall:.3f}; "
                  f"overlap P {o.precision:.3f} R {o.recall:.3f}")
        project.close()


async def keys_session(source_args: list[str], reject_every: int) -> tuple[int, int, int]:
    """(keys pressed, suggestions accepted, quotes accepted) in a Pilot session."""
    from copydesk.tui.app.application import CopydeskApp
    from copydesk.tui.app.screens.annotate import AnnotateScreen
    from copydesk.tui.cli.main import main

    with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(io.StringIO()):
        root = Path(tmp) / "p"
        main(["init", str(root)])
        main(["import", str(SAMPLE), "-p", str(root)])
        main(["suggest", "-p", str(root), *source_args])
        project = Project.open(root)
        app = CopydeskApp(project, "bench", open_document=1)
        keys = accepted = quotes = 0
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, AnnotateScreen)
            await pilot.press("full_stop")
            keys += 1
            n = 0
            while screen.suggestions:
                here = screen.suggestion_here()
                n += 1
                if reject_every and n % reject_every == 0:
                    await pilot.press("minus")
                else:
                    await pilot.press("plus")
                    accepted += 1
                    quotes += bool(here is not None and here.head.label == "CONTENT")
                keys += 1
                await pilot.pause()
        project.close()
    return keys, accepted, quotes


def bench_keys() -> None:
    if not SAMPLE.exists():
        print("keys: the test article is missing; skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        gaz = Path(tmp) / "gpe.txt"
        gaz.write_text("# label: GPE\nKirkuk\nIraq\nSyria\nKurdistan\nHaija\n", "utf-8")
        for label, args in (("entities (gazetteer)", ["--patterns", str(gaz)]),
                            ("quotes (attribution)", ["--attribution"])):
            for reject in (0, 4):
                keys, accepted, quotes = asyncio.run(keys_session(args, reject))
                what = f"{keys} keys, {accepted} accepted" + (
                    f" ({quotes} quotes with cue+source)" if quotes else "")
                per = keys / accepted if accepted else float("nan")
                note = "all good" if not reject else "every 4th rejected"
                print(f"keys, {label}, {note}: {what} -> {per:.2f} keys per accepted")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    bench_throughput(1_000 if args.quick else 10_000, 5_000)
    bench_detector()
    bench_keys()


if __name__ == "__main__":
    main()
