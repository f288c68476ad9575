"""`copydesk train [-p DIR] [--annotator NAME] [--lang xx] [--iterations N] OUT_DIR` and
`copydesk train --attribution [--time-budget S] [--max-iterations N] [--patience N] OUT_DIR`.

Trains a blank spaCy NER pipeline on the project's finished entity spans (see
`exports.suggest_model`), or with `--attribution` a CRF on its finished attributions (see
`projects.suggest.crf`); `copydesk suggest --model OUT_DIR` then suggests with either.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from copydesk.tui.cli.common import add_project_arg, open_project, table


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
    parser.add_argument("--attribution", action="store_true",
                        help="train the attribution model (cue, source, content and their "
                             "links) on finished attributions instead; needs copydesk[train]")
    parser.add_argument("--time-budget", type=float, default=1200, metavar="SECONDS",
                        help="--attribution: stop training by about this time (default 1200)")
    parser.add_argument("--max-iterations", type=int, default=150,
                        help="--attribution: most L-BFGS iterations (default 150)")
    parser.add_argument("--patience", type=int, default=10,
                        help="--attribution: stop after this many iterations without a "
                             "better held-out F1 (default 10)")
    parser.set_defaults(func=run)


def _num(value: object) -> str:
    return "-" if value is None else f"{float(value):.3f}"  # type: ignore[arg-type]


def run(args: argparse.Namespace) -> int:
    from copydesk.exports.suggest_model import require_spacy, train
    from copydesk.projects.errors import StoreError

    if args.iterations < 1 or not 0 < args.heldout < 1:
        raise StoreError("--iterations must be 1 or more and --heldout between 0 and 1")
    if args.attribution:
        return run_attribution(args)
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


def run_attribution(args: argparse.Namespace) -> int:
    from copydesk.projects.errors import StoreError
    from copydesk.projects.suggest.attribution import AttributionSettings
    from copydesk.projects.suggest.crf import require_crfsuite, train_from_store

    if args.time_budget <= 0 or args.max_iterations < 1 or args.patience < 1:
        raise StoreError("--time-budget must be positive, --max-iterations and --patience "
                         "1 or more")
    require_crfsuite()
    with open_project(args) as project:
        model = train_from_store(
            project.store, Path(args.out), annotator=args.annotator,
            settings=AttributionSettings.from_settings(project.config.settings),
            heldout=args.heldout, seed=args.seed, max_iterations=args.max_iterations,
            budget=args.time_budget, patience=args.patience)
    r = model.report
    print(f"trained on {r.train_docs} documents, held out {r.heldout_docs}; "
          f"{r.best_iteration} iterations (first pass stopped: {r.stopped or 'n/a'}), "
          f"{r.seconds:.1f} s")
    rows = [[name, _num(s.get("p")), _num(s.get("r")), _num(s.get("f"))]
            for name, s in sorted(r.scores.items())]
    print("held-out scores")
    print(table(["part", "P", "R", "F1"], rows))
    print(f"saved to {args.out}; suggest with: copydesk suggest --model {args.out}")
    return 0
