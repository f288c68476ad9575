"""`copydesk import PATH... [-p DIR]`."""

from __future__ import annotations

import argparse

from copydesk.exports.formats import TABLE, import_names
from copydesk.tui.cli.common import add_project_arg, open_project, say


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "import", help="import text files, folders and annotated corpora (" +
        ", ".join(import_names()) + ")",
        description="Documents come in once (same text = same document). Each file is "
        "recognised by its content (" + ", ".join(f.title for f in TABLE if f.imports) +
        "); the summary says which format each was read as. Annotations come in under the "
        "annotator and status the file gives, else --annotator/--status. A file with a label "
        "the schema lacks, or a broken annotation, is rejected whole, naming it (--map "
        "THEIRS=OURS reads a foreign name as ours, --drop THEIRS skips it, --skip-invalid "
        "skips only the broken annotations). For a document already here, an annotator's "
        "annotations are attached only if they have none on it yet.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH")
    add_project_arg(parser)
    parser.add_argument("--annotator", default=None, metavar="NAME",
                        help="annotator for annotations whose file names none "
                             "(default: 'import', keeping pre-annotations apart)")
    parser.add_argument("--status", default=None, metavar="STATUS",
                        help="status for annotation sets whose file gives none (default: todo)")
    parser.add_argument("--map", action="append", default=[], metavar="THEIRS=OURS",
                        help="read a foreign label, event type, role or attribute as ours, "
                             "e.g. --map Speaker=SOURCE (repeatable)")
    parser.add_argument("--drop", action="append", default=[], metavar="THEIRS",
                        help="skip annotations of this foreign label, type, role or attribute; "
                             "counted in the summary line (repeatable)")
    parser.add_argument("--skip-invalid", action="store_true",
                        help="import every valid annotation of a file and skip only the broken "
                             "ones, listing each as FILE:LINE: REASON (default: a file with a "
                             "broken annotation is rejected whole)")
    parser.add_argument("--update", action="store_true",
                        help="corrected articles: a document whose id is already here (JSONL "
                             "\"id\", else the file name) gets the new text as a new version, "
                             "every annotation carried over; identical text is left unchanged")
    parser.set_defaults(func=run)


def run_update(args: argparse.Namespace) -> int:
    """`import --update`: one summary line per document, then the totals."""
    from copydesk.projects.docversions import update_paths
    from copydesk.tui.cli.common import default_annotator

    if args.map or args.drop or args.annotator or args.status:
        say("copydesk: error: --update carries the project's own annotations over; "
            "--annotator, --status, --map and --drop do not apply to it", err=True)
        return 1
    with open_project(args) as project:
        report = update_paths(project.store, args.paths, who=default_annotator(project))
    for rejected in report.rejected:
        say(f"copydesk: rejected {rejected}", err=True)
    for note in report.notes:
        say(f"copydesk: note: {note}", err=True)
    for line in report.lines():
        say(line)
    say(report.summary())
    return 1 if report.rejected else 0


def run(args: argparse.Namespace) -> int:
    if args.update:
        return run_update(args)
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from copydesk.exports.brat import parse_mapping
    from copydesk.exports.importing import import_annotated

    mapping = parse_mapping(args.map)

    console = Console(stderr=True)
    with open_project(args) as project, Progress(
        TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=console, transient=True, disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task("import", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        report = import_annotated(project.store, project.schema, args.paths,
                                  annotator=args.annotator, status=args.status,
                                  progress=progress, mapping=mapping, drop=args.drop,
                                  skip_invalid=args.skip_invalid)
    for rejected in report.rejected:
        say(f"copydesk: rejected {rejected}", err=True)
    for note in report.notes:
        say(f"copydesk: note: {note}", err=True)
    for skipped in report.skipped:
        say(str(skipped), err=True)
    if report.skipped_line:
        say(f"copydesk: {report.skipped_line}", err=True)
    say(report.summary())
    return 1 if report.rejected else 0

