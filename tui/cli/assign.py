"""`copydesk assign [-p DIR] --k K [--seed N] [--annotators a,b,c] [--dry-run]`."""

from __future__ import annotations

import argparse

from copydesk.tui.cli.common import (
    add_project_arg,
    default_annotator,
    open_project,
    say,
    table,
)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "assign", help="give each document to K annotators (overlap for agreement)",
        description="Give each document to K different annotators, loads balanced within one. "
                    "Re-running only adds: documents that already have K of the listed "
                    "annotators are kept, new or short documents are filled, nothing is removed.",
    )
    add_project_arg(parser)
    parser.add_argument("--k", type=int, required=True, metavar="K",
                        help="annotators per document (2 or more to measure agreement)")
    parser.add_argument("--seed", type=int, default=0, metavar="N",
                        help="seed for breaking ties; the same seed gives the same plan")
    parser.add_argument("--annotators", default=None, metavar="A,B,C",
                        help="comma-separated names (default: `annotators` in copydesk.yaml)")
    parser.add_argument("--dry-run", action="store_true", help="show the plan, save nothing")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from copydesk.projects.assign import assign

    with open_project(args) as project:
        names = ([n.strip() for n in args.annotators.split(",") if n.strip()]
                 if args.annotators else list(project.config.annotators))
        result = assign(project.store, names, args.k, seed=args.seed,
                        assigned_by=default_annotator(project), dry_run=args.dry_run)
    verb = "would assign" if args.dry_run else "assigned"
    say(f"{verb} {result.added_count} (document, annotator) pairs over "
          f"{len(result.added)} documents; {result.complete} of {result.documents} documents "
          f"have {args.k} annotators")
    say(table(["annotator", "documents"],
              [[name, str(load)] for name, load in result.loads.items()]))
    return 0
