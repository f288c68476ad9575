"""`copydesk train [-p DIR] [--annotator NAME] [--lang xx] [--iterations N] OUT_DIR`.

Trains a blank spaCy NER pipeline on the project's finished entity spans (see
`exports.suggest_model`); `copydesk suggest --model OUT_DIR` then suggests with it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from copydesk.tui.commands.common import add_project_arg, open_project, table


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "train", help="train a spaCy NER model on finished work (needs copydesk[spacy])",
        description="Train spacy.blank(LANG) + ner on CPU from done entity spans (by default "
                    "one set per document, gold preferred; suggestion sets never count), hold "
                    "out a share of the documents and print the scores on them. Nothing is "
                    "downloaded.",
    )
    add_project_arg(parser)
    parser.add_argument("out", metavar="OUT_DIR", help="folder for the trained pipeline")
    parser.add_argument("--annotator", default=None,
                        help="train on this annotator's done sets only (e.g. gold)")
    parser.add_argument("--lang", default="xx",
                        help="spaCy language code of the blank pipeline (default xx: any)")
    parser.add_argument("--iterations", type=int, default=20, help="passes over the data")
    parser.add_argument("--heldout", type=float, default=0.2,
                        help="share of documents held out for scoring (default 0.2)")
    parser.add_argument("--seed", type=int, default=0, help="shuffle seed")
    parser.set_defaults(func=run)


def _num(value: object) -> str:
    return "-" if value is None else f"{float(value):.3f}"  # type: ignore[arg-type]


def run(args: argparse.Namespace) -> int:
    from copydesk.exports.suggest_model import require_spacy, train
    from copydesk.projects.db import StoreError

    if args.iterations < 1 or not 0 < args.heldout < 1:
        raise StoreError("--iterations must be 1 or more and --heldout between 0 and 1")
    require_spacy()
    with open_project(args) as project:
        report = train(project.store, project.schema, Path(args.out), annotator=args.annotator,
                       lang=args.lang, iterations=args.iterations, heldout=args.heldout,
                       seed=args.seed)
    print(f"trained on {report.train_docs} documents, held out {report.heldout_docs}; "
          f"labels: {', '.join(report.labels)}; {args.iterations} iterations, "
          f"{report.seconds:.1f} s; final loss {report.losses[-1]:.1f}")
    scores = report.scores
    rows = [["all", _num(scores["precision"]), _num(scores["recall"]), _num(scores["f1"])]]
    for label, s in sorted((scores.get("per_label") or {}).items()):
        rows.append([label, _num(s.get("p")), _num(s.get("r")), _num(s.get("f"))])
    print("held-out scores")
    print(table(["label", "P", "R", "F1"], rows))
    print(f"saved to {args.out}; suggest with: copydesk suggest --model {args.out}")
    return 0
