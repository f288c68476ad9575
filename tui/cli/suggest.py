"""`copydesk suggest [-p DIR] [--patterns FILE]... [--attribution] [--model DIR] [--docs todo|all]`
and `copydesk suggest --clear [--source NAME]...`.

Suggestions are written under `suggest:patterns`, `suggest:attribution` and `suggest:model`
(see `projects.suggest`); re-running is idempotent, and `--clear` removes them without touching
anybody's annotations or decisions.
"""

from __future__ import annotations

import argparse
import sys

from copydesk.tui.cli.common import add_project_arg, open_project, say


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "suggest", help="pre-annotate: patterns, gazetteers, quote attribution, a trained model",
        description="Write machine suggestions that annotators accept or reject in the TUI. "
                    "Each source has its own annotator name (suggest:patterns, "
                    "suggest:attribution, suggest:model), so suggestions can be exported, "
                    "evaluated or cleared apart from human work. Re-running replaces a "
                    "document's suggestions only where they changed.",
    )
    add_project_arg(parser)
    parser.add_argument("--patterns", action="append", default=[], metavar="FILE",
                        help="spaCy EntityRuler .jsonl, or a gazetteer (one name per line) as "
                             "LABEL=FILE or a file starting `# label: LABEL`; repeatable")
    parser.add_argument("--ignore-case", action="store_true",
                        help="patterns: match regardless of letter case")
    parser.add_argument("--normalize", action="store_true",
                        help="patterns: NFC and NFD spellings of a name match each other")
    parser.add_argument("--ignore-marks", action="store_true",
                        help="patterns: ignore combining marks (Arabic harakat, accents); "
                             "implies --normalize")
    parser.add_argument("--attribution", action="store_true",
                        help="suggest quotes with their cue and source (English, Arabic, "
                             "Kurdish; cue words extendable in copydesk.yaml settings)")
    parser.add_argument("--model", metavar="DIR", default=None,
                        help="a model made by `copydesk train` (spaCy NER, needs copydesk[spacy]) "
                             "or `copydesk train --attribution` (needs copydesk[train])")
    parser.add_argument("--docs", choices=("todo", "all"), default="todo",
                        help="todo (default): documents nobody has finished; all: every one")
    parser.add_argument("--clear", action="store_true",
                        help="remove suggestions (every source, or those named by --source)")
    parser.add_argument("--source", action="append", default=[], metavar="NAME",
                        help="with --clear: suggest:patterns, suggest:attribution or "
                             "suggest:model (repeatable)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from copydesk.projects.suggest import SOURCES
    from copydesk.projects.suggest.patterns import Fold, load_patterns
    from copydesk.projects.suggest.run import run_suggest
    from copydesk.projects.suggest.write import clear_suggestions, select_documents

    if args.clear:
        if args.patterns or args.attribution or args.model:
            print("copydesk: error: --clear removes suggestions; run it on its own",
                  file=sys.stderr)
            return 1
        sources = args.source or list(SOURCES)
        unknown = [s for s in sources if s not in SOURCES]
        if unknown:
            print(f"copydesk: error: unknown source {unknown[0]!r}; use one of "
                  f"{', '.join(SOURCES)}", file=sys.stderr)
            return 1
        with open_project(args) as project:
            removed = clear_suggestions(project.store, sources)
        print("cleared " + ", ".join(f"{n} {s} suggestions" for s, n in removed.items()))
        return 0
    if not (args.patterns or args.attribution or args.model):
        print("copydesk: error: nothing to suggest with: give --patterns FILE, --attribution "
              "or --model DIR", file=sys.stderr)
        return 1
    console = Console(stderr=True)
    with open_project(args) as project:
        patterns = None
        if args.patterns:
            fold = Fold(nfc=args.normalize, case=args.ignore_case, marks=args.ignore_marks)
            patterns = load_patterns(args.patterns, fold=fold,
                                     known_labels=[lb.name for lb in
                                                   project.schema.active_labels])
        model = None
        unsure: dict[int, float] = {}  # per document, from an attribution model
        if args.model:
            from copydesk.projects.suggest import crf

            if crf.is_attribution_model(args.model):
                learned = crf.AttributionCRF.load(args.model, project.schema)

                def model(store, ids):  # type: ignore[no-untyped-def]
                    return crf.model_proposals(store, learned, ids, unsure)
            else:
                from copydesk.exports.suggest_model import load_model, model_proposals

                nlp = load_model(args.model)  # a bad folder fails here, before any work

                def model(store, ids):  # type: ignore[no-untyped-def]
                    return model_proposals(store, nlp, ids)
        doc_ids = select_documents(project.store, args.docs)
        left_out = 0 if args.docs == "all" else len(
            select_documents(project.store, "all")) - len(doc_ids)
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      console=console, transient=True,
                      disable=not console.is_terminal) as bar:
            tasks: dict[str, object] = {}

            def progress(source: str, done: int, total: int) -> None:
                if source not in tasks:
                    tasks[source] = bar.add_task(source, total=total)
                bar.update(tasks[source], completed=done)  # type: ignore[arg-type]

            report = run_suggest(project, doc_ids, patterns=patterns,
                                 attribution=args.attribution, model=model,
                                 progress=progress)
        if unsure:
            from copydesk.projects.suggest import MODEL
            from copydesk.projects.suggest.uncertainty import save_uncertainty

            save_uncertainty(project.store, MODEL, unsure)
    for source, result in report.sources.items():
        seconds = report.seconds[source]
        rate = f", {result.documents / seconds:.0f} docs/s" if seconds > 0 else ""
        print(f"{source}: {result.documents} documents, {result.written} updated "
              f"({result.spans} spans, {result.links} links), {result.unchanged} unchanged"
              f"{rate}")
    for warning in report.warnings:
        say(f"copydesk: warning: {warning}", err=True)
    if not doc_ids:
        print(f"no documents to suggest on (--docs {args.docs})")
    if left_out:
        print(f"{left_out} documents finished by a person (done, skipped or flagged, e.g. "
              "imported gold) were left out; add --docs all to suggest on them too")
    return 0
