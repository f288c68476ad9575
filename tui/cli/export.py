"""`copydesk export FORMAT OUT [-p DIR] [filters] [--split 80,10,10 --seed N]`."""

from __future__ import annotations

import argparse

from copydesk.tui.cli.common import add_project_arg, open_project, say
from copydesk.tui.engine.wording import count_of


def _epilog() -> str:
    """The format list, from the registry (exports.formats.TABLE): one place names them."""
    import textwrap

    from copydesk.exports.formats import TABLE

    rows = [textwrap.fill(f"  {f.name:<12} {f.title}: {f.out}" + (
        f" (needs: pip install 'copydesk[{f.extra}]')" if f.extra else ""), width=92,
        subsequent_indent=" " * 15) for f in TABLE if f.exports]
    return "formats and where they go (OUT):\n" + "\n".join(rows) + """

--split 80,10,10 splits by document (train,dev,test; two numbers: train,test) with a seeded
shuffle: the same project and --seed always give byte-identical files.
An OUT that exists (a file, or a folder that is not empty) is replaced only with --force.
"""


def register(sub: argparse._SubParsersAction) -> None:
    from copydesk.exports.formats import export_names

    names = export_names()
    parser = sub.add_parser(
        "export", help="write training data or another tool's files: " + ", ".join(names),
        epilog=_epilog(), formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("format", choices=names, metavar="FORMAT", help=" | ".join(names))
    parser.add_argument("out", metavar="OUT", help="output file or folder (see below)")
    add_project_arg(parser)
    parser.add_argument("--status", default="done",
                        help="export sets with this status (default: done; 'all' for every "
                             "status)")
    parser.add_argument("--annotator", action="append", default=[], metavar="NAME",
                        help="only this annotator's sets (repeatable; default: every "
                             "person; a suggestion set such as suggest:patterns only when "
                             "named)")
    parser.add_argument("--include-suggestions", action="store_true",
                        help="also export machine suggestion sets (suggest:*), which are left "
                             "out by default, even with --status all")
    parser.add_argument("--prefer", default=None, metavar="NAME",
                        help="one set per document: NAME's (e.g. gold) where it exists, else "
                             "the first --annotator with one, else the alphabetically first")
    parser.add_argument("--layer", action="append", default=[], metavar="LAYER",
                        help="only spans of this layer (repeatable); conll/hf tag this one "
                             "layer (default: entity)")
    parser.add_argument("--label", action="append", default=[], metavar="LABEL",
                        help="only spans with this label (repeatable)")
    parser.add_argument("--split", default=None, metavar="TRAIN,DEV,TEST",
                        help="split by document, e.g. 80,10,10 (OUT becomes a folder)")
    parser.add_argument("--seed", type=int, default=0, help="shuffle seed for --split "
                        "(default: 0)")
    parser.add_argument("--lang", default="en",
                        help="spacy: language of spacy.blank() (default: en; xx = multilingual)")
    parser.add_argument("--hf-format", choices=("jsonl", "parquet"), default="jsonl",
                        help="hf: file format per split (default: jsonl)")
    parser.add_argument("--map", action="append", default=[], metavar="OURS=THEIRS",
                        help="brat: write our label, role, attribute or event type under a "
                             "foreign name (repeatable); mapping the cue label writes "
                             "attribution PARC-style (trigger + Cue argument)")
    parser.add_argument("--force", action="store_true",
                        help="replace an existing OUT file or non-empty OUT folder")
    parser.add_argument("--jobs", type=int, default=0, metavar="N",
                        help="worker processes for jsonl, conll, hf and spacy (default: one "
                             "per core; 1 = none); the output is the same either way")
    parser.add_argument("--include-unreviewed", action="store_true",
                        help="keep spans a corrected article moved to a best guess (left out "
                             "and counted by default); they are listed in each record's meta "
                             "as unreviewed_spans")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print every warning, not just the first ten")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from copydesk.exports import ExportOptions, run_export
    from copydesk.exports.reader import parse_split
    from copydesk.projects.models import STATUSES

    if args.status != "all" and args.status not in STATUSES:
        say(f"copydesk: error: --status {args.status!r}: use one of "
              f"{', '.join(STATUSES)} or all", err=True)
        return 1
    from copydesk.exports.brat import parse_mapping

    rename = parse_mapping(args.map)
    options = ExportOptions(
        status=args.status, annotators=tuple(args.annotator), layers=tuple(args.layer),
        labels=tuple(args.label), split=parse_split(args.split) if args.split else None,
        seed=args.seed, lang=args.lang, hf_format=args.hf_format, force=args.force,
        prefer=args.prefer, rename=rename, jobs=max(0, args.jobs),
        include_suggestions=args.include_suggestions,
        include_unreviewed=args.include_unreviewed,
    )
    console = Console(stderr=True)
    with open_project(args) as project, Progress(
        TextColumn(f"exporting {args.format}"), BarColumn(), MofNCompleteColumn(),
        console=console, transient=True, disable=not console.is_terminal,
        # no refresh thread: worker processes are forked only from a single-threaded process
        auto_refresh=False,
    ) as bar:
        task = bar.add_task("export", total=None)

        def progress(done: int, total: int) -> None:
            if done % 200 == 0 or done == total:
                bar.update(task, completed=done, total=total)
                bar.refresh()

        summary = run_export(project.store, project.schema, args.format, args.out, options,
                             progress)
    shown = summary.warnings if args.verbose else summary.warnings[:10]
    for warning in shown:
        say(f"copydesk: warning: {warning}", err=True)
    if len(summary.warnings) > len(shown):
        say(f"copydesk: ... and {len(summary.warnings) - len(shown)} more warnings "
              "(-v shows all)", err=True)
    say(summary.line())
    left_out = _left_out_by_status(args)
    if left_out:
        counts = ", ".join(f"{n} {status}" for status, n in sorted(left_out.items()))
        total = sum(left_out.values())
        say(f"copydesk: note: {count_of(total, 'annotation set')} left out because "
            f"--status is {args.status} ({counts}); --status all includes them", err=True)
    return 0


def _left_out_by_status(args: argparse.Namespace) -> dict[str, int]:
    """Sets with spans that the --status filter left out, per status (suggestion sets are
    not people's work and are not counted). A plain export on a project where nothing is
    `done` wrote 0 documents without a word; this is that word."""
    from sqlalchemy import func
    from sqlmodel import col, select

    from copydesk.projects.models import AnnotationSet, Span
    from copydesk.projects.suggest import PREFIX

    if args.status == "all":
        return {}
    with open_project(args) as project, project.store.db.read() as session:
        query = (select(AnnotationSet.status, func.count(func.distinct(AnnotationSet.id)))
                 .join(Span, col(Span.set_id) == AnnotationSet.id)
                 .where(AnnotationSet.status != args.status,
                        ~col(AnnotationSet.annotator).startswith(PREFIX))
                 .group_by(AnnotationSet.status))
        if args.annotator:
            query = query.where(col(AnnotationSet.annotator).in_(args.annotator))
        return {str(status): int(n) for status, n in session.exec(query).all()}
