"""Attribution on the test split of tests/data/attribution-news (issue 22): P/R/F1 per part for
a bare reporting-verb regex (the floor), the rules, and (with copydesk[train]) the CRF learned
from the train split; training time and suggestion throughput.

    .venv/bin/python benchmarks/bench_attribution.py [--no-model]

The floor marks every match of 43 reporting-verb forms as a CUE (no source, no content), as
the issue's "bare regular expression" does; its content and source rows are zero by design.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import regex

from copydesk.projects.bulk import NewSpan
from copydesk.projects.suggest.attribution import DEFAULT_VERBS_43, AttributionDetector
from copydesk.projects.suggest.evaluate import Evaluation, read_gold_files, score_proposals
from copydesk.projects.suggest.write import Proposal
from copydesk.schema import default_schema_path, load_schema
from copydesk.schema.model import ATTRIBUTION

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "attribution-news"
FLOOR = regex.compile(r"\b(?:" + "|".join(map(regex.escape, DEFAULT_VERBS_43)) + r")\b",
                      regex.IGNORECASE)


def floor(text: str) -> Proposal:
    return Proposal([NewSpan(ATTRIBUTION, "CUE", m.start(), m.end())
                     for m in FLOOR.finditer(text)])


def rows(name: str, ev: Evaluation) -> list[str]:
    out = []
    for part, match, counts in (("cue", "exact", ev.parts_exact),
                                ("cue", "overlap", ev.parts_overlap),
                                ("source", "overlap", ev.parts_overlap),
                                ("content", "overlap", ev.parts_overlap),
                                ("content", "exact", ev.parts_exact)):
        c = counts.get(part)
        if c is None:
            out.append(f"| {name} | {part}, {match} | - | - | - |")
            continue
        out.append(f"| {name} | {part}, {match} | {c.precision or 0:.2f} | {c.recall or 0:.2f}"
                   f" | {c.f1 or 0:.2f} |")
    for match, c in (("exact", ev.whole_exact), ("overlap", ev.whole_overlap)):
        out.append(f"| {name} | whole attribution, {match} | {c.precision or 0:.2f} | "
                   f"{c.recall or 0:.2f} | {c.f1 or 0:.2f} |")
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-model", action="store_true")
    parser.add_argument("--split", default="test")
    parser.add_argument("--scale", type=int, default=0, metavar="N",
                        help="only time training on N long synthetic articles (each 12 train "
                             "pieces joined) with a fifth held out, as `train --attribution` "
                             "does; the issue's corpus size is about 800")
    parser.add_argument("--patience", type=int, default=10,
                        help="with --scale: a large value times the full 150 iterations")
    args = parser.parse_args()
    if args.scale:
        return scale(args.scale, args.patience)
    schema = load_schema(default_schema_path())
    gold = read_gold_files([CORPUS / args.split])
    train = read_gold_files([CORPUS / "train"])
    print(f"{len(gold)} {args.split} documents, "
          f"{sum(s.label == 'CONTENT' for _, _, p in gold for s in p.spans)} attributions")
    detector = AttributionDetector(schema)
    lines = ["| system | part | P | R | F1 |", "|---|---|---|---|---|"]
    lines += rows("regex floor (43 verb forms)",
                  score_proposals(schema, [(p, floor(t)) for _, t, p in gold]))
    began = time.perf_counter()
    ruled = [(p, detector.detect(t)) for _, t, p in gold]
    rules_s = time.perf_counter() - began
    lines += rows("rules", score_proposals(schema, ruled))
    texts = [t for _, t, _ in gold] * 50
    chars = sum(map(len, texts))
    began = time.perf_counter()
    for t in texts:
        detector.detect(t)
    spent = time.perf_counter() - began
    notes = [f"rules: {len(texts) / spent:,.0f} documents/s, {chars / spent / 1e6:.2f} M chars/s "
             f"({len(texts)} documents; first pass {rules_s * 1000:.0f} ms)"]
    if not args.no_model:
        try:
            from copydesk.projects.suggest.crf import AttributionCRF
        except ImportError as exc:
            print(f"no model row: {exc}", file=sys.stderr)
        else:
            began = time.perf_counter()
            model = AttributionCRF.fit([(t, p) for _, t, p in train], schema=schema)
            train_s = time.perf_counter() - began
            lines += rows("CRF (rules as features)",
                          score_proposals(schema, [(p, model.predict(t)) for _, t, p in gold]))
            bare = AttributionCRF.fit([(t, p) for _, t, p in train], schema=schema,
                                      rule_features=False)
            lines += rows("CRF without the rules' tags",
                          score_proposals(schema, [(p, bare.predict(t)) for _, t, p in gold]))
            began = time.perf_counter()
            for t in texts[: len(gold) * 10]:
                model.predict(t)
            spent = time.perf_counter() - began
            notes.append(f"CRF: trained on {len(train)} documents in {train_s:.1f} s; "
                         f"{len(gold) * 10 / spent:,.0f} documents/s suggesting")
    print("\n".join(lines))
    print("\n".join(notes))
    return 0


def combine(pieces: list[tuple[str, str, Proposal]]) -> tuple[str, Proposal]:
    """One long article from several short ones: texts joined by a blank line, spans shifted."""
    text, out = "", Proposal()
    for _, t, p in pieces:
        shift, base = len(text), len(out.spans)
        for s in p.spans:
            out.spans.append(NewSpan(s.layer, s.label, s.start + shift, s.end + shift,
                                     dict(s.attributes),
                                     tuple((a + shift, b + shift) for a, b in s.fragments)))
        out.links += [(h + base, t_ + base, r) for h, t_, r in p.links]
        text += t + "\n"
    return text, out


def scale(n: int, patience: int = 10) -> int:
    import random

    from copydesk.projects.suggest.crf import AttributionCRF

    schema = load_schema(default_schema_path())
    train = read_gold_files([CORPUS / "train"])
    rng = random.Random(0)
    docs = [combine(rng.sample(train, 12)) for _ in range(n)]
    held = docs[: n // 5]
    chars = sum(len(t) for t, _ in docs)
    print(f"{n} synthetic articles, {chars / n:,.0f} characters each on average "
          f"({chars / 1e6:.1f} M in all)")
    began = time.perf_counter()
    model = AttributionCRF.fit(docs[n // 5:], schema=schema, heldout=held, budget=1200,
                               patience=patience)
    r = model.report
    print(f"trained in {time.perf_counter() - began:.0f} s: best iteration {r.best_iteration},"
          f" first pass stopped by {r.stopped}; held-out cue exact F1 "
          f"{r.scores.get('cue exact', {}).get('f')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
