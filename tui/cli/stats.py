"""`copydesk stats [-p DIR] [--svg FILE] [--html FILE]`: progress per annotator and counts per
label; with `--svg`/`--html` also the lead's report (the dashboard's pictures, tui.charts)."""

from __future__ import annotations

import argparse
from pathlib import Path

from copydesk.tui.cli.common import add_project_arg, open_project, say, table


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("stats", help="documents by status per annotator; spans per label")
    add_project_arg(parser)
    parser.add_argument("--annotator", action="append", default=[], metavar="NAME",
                        help="only this annotator's sets (repeatable); naming a suggestion "
                             "source (suggest:patterns) counts it in")
    parser.add_argument("--include-suggestions", action="store_true",
                        help="count machine suggestion sets (suggest:*) with people's work "
                             "(default: in a section of their own)")
    parser.add_argument("--svg", type=Path, default=None, metavar="FILE",
                        help="also write the lead's report (progress, throughput, agreement "
                             "per label, confusion heat map, lowest-agreement documents) as "
                             "a standalone SVG picture")
    parser.add_argument("--html", type=Path, default=None, metavar="FILE",
                        help="the same report as a standalone HTML page")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from copydesk.projects.models import STATUSES
    from copydesk.projects.stats import project_stats

    with open_project(args) as project:
        stats = project_stats(project.store, include_suggestions=args.include_suggestions,
                              annotators=tuple(args.annotator))
        if args.svg is not None or args.html is not None:
            write_report(project, args.svg, args.html)
    say(f"project {project.config.name}: {stats.documents} documents, "
          f"schema {project.schema.name} {project.schema.version}")
    say()
    header = ["annotator", *STATUSES]
    rows = [[name, *(str(by.get(s, 0)) for s in STATUSES)]
            for name, by in sorted(stats.status.items())]
    say(table(header, rows) if rows else "no annotation yet")
    say()
    label_rows = [[layer, label, str(n)] for (layer, label), n in sorted(stats.labels.items())]
    say(table(["layer", "label", "spans"], label_rows) if label_rows else "no spans yet")
    for title, counts in stats.sections():
        if counts:
            say()
            say(table([title, "count"], [[k, str(v)] for k, v in sorted(counts.items())]))
    if stats.reopened_gold:
        say()
        shown = ", ".join(str(d) for d in stats.reopened_gold[:20])
        more = f" (+{len(stats.reopened_gold) - 20} more)" if len(stats.reopened_gold) > 20 else ""
        say(f"gold reopened (new candidates after review; see `copydesk review --list`): "
              f"{len(stats.reopened_gold)} document(s): {shown}{more}")
    if stats.stale or stats.stale_links:
        say()
        say(f"stale (kept for review, left out of exports): {stats.stale} span(s), "
              f"{stats.stale_links} link(s)")
        reason_rows = [[kind, str(n), reason] for (kind, reason), n in
                       sorted(stats.stale_reasons.items(), key=lambda kv: (-kv[1], kv[0]))]
        say(table(["row", "count", "reason"], reason_rows))
    if stats.suggestions:
        say()
        say("machine suggestions (left out of every figure above; --include-suggestions "
            "counts them in)")
        say(table(["source", "documents", "layer", "label", "spans"],
                  [[source, str(counts.documents), layer, label, str(n)]
                   for source, counts in sorted(stats.suggestions.items())
                   for (layer, label), n in (sorted(counts.labels.items())
                                             or [(("-", "-"), 0)])]))
    return 0



def write_report(project, svg: Path | None, html: Path | None) -> None:  # type: ignore[no-untyped-def]
    """The dashboard's figures, drawn once, written to each file asked for."""
    from copydesk.projects.dashboard import full_figures
    from copydesk.tui.engine.charts import dashboard_report, write_picture

    board = full_figures(project.store)
    name = project.config.name
    for target in (svg, html):
        if target is not None:
            write_picture(dashboard_report(board, project=name), target,
                          title=f"copydesk · {name}")
            say(f"wrote {target}", err=True)
