"""`copydesk review [-p DIR] [--reviewer NAME] [--doc ID] [--list] [--accept-unanimous]`.

Opens the adjudication screen (`tui.screens.review`) for a reviewer listed in copydesk.yaml;
`--list` and `--accept-unanimous` work without a terminal UI (batch use over SSH or cron).
"""

from __future__ import annotations

import argparse

from copydesk.tui.cli.common import (
    add_project_arg,
    default_annotator,
    open_project,
    say,
)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("review", help="adjudicate finished annotation into the gold set")
    add_project_arg(parser)
    parser.add_argument("--reviewer", default=None,
                        help="reviewer name (default: the OS user; must be in `reviewers`)")
    parser.add_argument("--doc", type=int, default=None, help="start at this document id")
    parser.add_argument("--min-annotators", type=int, default=1, metavar="N",
                        help="only documents with at least N done sets (default 1)")
    parser.add_argument("--list", action="store_true",
                        help="print the documents waiting for review and exit")
    parser.add_argument("--accept-unanimous", action="store_true",
                        help="accept every span all done annotators agree on, then exit")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from copydesk.projects.adjudicate import review_queue
    from copydesk.projects.errors import StoreError
    from copydesk.projects.permissions import Policy, check_review, resolve_annotator

    project = open_project(args)
    try:
        policy = Policy.from_config(project.config)
        reviewer = resolve_annotator(policy, args.reviewer, default_annotator(project))
        queue = review_queue(project.store, min_annotators=args.min_annotators)
        if args.list:
            for doc_id, title, done, gold in queue:
                say(f"{doc_id}\t{done} done\tgold {gold}\t{title}")
            if not queue:
                say("nothing to review: no document has a done annotation set")
            return 0
        check_review(policy, reviewer)
        doc_ids = [row[0] for row in queue]
        start = 0
        if args.doc is not None:
            if args.doc not in doc_ids:
                raise StoreError(f"document {args.doc} has no done annotation set to review")
            start = doc_ids.index(args.doc)
        if args.accept_unanimous:
            total, changed = _accept_with_progress(project.store, doc_ids, reviewer, policy)
            say(f"accepted {total} unanimous spans into gold over {len(doc_ids)} documents "
                f"({changed} changed)")
            return 0
        from copydesk.tui.app.screens.review import ReviewApp

        ReviewApp(project.store, reviewer, doc_ids, policy=policy, start=start).run()
        return 0
    finally:
        project.close()


def _accept_with_progress(store, doc_ids, reviewer, policy):  # type: ignore[no-untyped-def]
    """`accept_unanimous` with a progress bar on stderr (when it is a terminal)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from copydesk.projects.adjudicate import accept_unanimous

    console = Console(stderr=True)
    with Progress(TextColumn("accepting unanimous spans"), BarColumn(), MofNCompleteColumn(),
                  console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task("documents", total=len(doc_ids))
        return accept_unanimous(store, doc_ids, reviewer, policy=policy,
                                progress=lambda done, _total: bar.update(task, completed=done))
