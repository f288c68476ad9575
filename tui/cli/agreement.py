"""`copydesk agreement [-p DIR] [--layer L] [--per-document] [--json]`, and the lead's views:
`--confusion [--pair A,B]` (the label confusion matrix) and `--svg FILE` / `--html FILE`.

Figures and their sources are documented in `projects.agreement`; the confusion matrix and how
it pairs spans in `projects.dashboard`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from copydesk.tui.cli.common import add_project_arg, open_project, say, table


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "agreement", help="inter-annotator agreement on documents two or more finished",
        description="Span P/R/F1 (exact and overlap), token Cohen's kappa per pair, "
                    "Krippendorff's alpha and Fleiss' kappa, event-argument and attribution "
                    "link F1, over documents with status done by two or more annotators.",
    )
    add_project_arg(parser)
    parser.add_argument("--layer", default=None, metavar="L",
                        help="only this layer (entity, event, attribution, ...)")
    parser.add_argument("--per-document", action="store_true",
                        help="also list every document, the most disagreed-on first")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--annotator", action="append", default=[], metavar="NAME",
                        help="only these annotators (repeatable); naming a suggestion source "
                             "(suggest:patterns) brings it in")
    parser.add_argument("--include-suggestions", action="store_true",
                        help="also compare machine suggestion sets (suggest:*), left out by "
                             "default")
    parser.add_argument("--confusion", action="store_true",
                        help="the label confusion matrix: rows the first annotator's labels, "
                             "columns the second's, 'none' for a span only one marked, "
                             "boundary-only disagreements apart; every pair summed")
    parser.add_argument("--pair", type=parse_pair, default=None, metavar="A,B",
                        help="compare only these two annotators (A gives the rows)")
    parser.add_argument("--svg", type=Path, default=None, metavar="FILE",
                        help="also write agreement per label, the confusion heat map and the "
                             "lowest-agreement documents as a standalone SVG picture")
    parser.add_argument("--html", type=Path, default=None, metavar="FILE",
                        help="the same picture as a standalone HTML page")
    parser.set_defaults(func=run)


def parse_pair(value: str) -> tuple[str, str]:
    names = [n.strip() for n in value.split(",")]
    if len(names) != 2 or not all(names):
        raise argparse.ArgumentTypeError(f"--pair takes two names as A,B, not {value!r}")
    return names[0], names[1]


def run(args: argparse.Namespace) -> int:
    from copydesk.projects.agreement import agreement

    if args.confusion or args.svg or args.html or args.pair:
        return run_lead_views(args)
    with open_project(args) as project:
        report = agreement(project.store, layer=args.layer, per_document=args.per_document,
                           annotators=tuple(args.annotator),
                           include_suggestions=args.include_suggestions)
    if args.json:
        from copydesk.tui.engine.text import safe_json

        print(safe_json(json.dumps(report.to_dict(), ensure_ascii=False, indent=2)))
        return 0
    say(render(report))
    return 0


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"



def render(report) -> str:  # type: ignore[no-untyped-def]
    """The report as plain tables (the JSON holds the same figures, unrounded to 4 places)."""
    from copydesk.projects.agreement import micro
    from copydesk.tui.engine.text import safe_line

    waiting = ""
    if report.unreviewed_documents:
        waiting = (f"\n({len(report.unreviewed_documents)} document(s) left out: a correction "
                   "left spans needing review in their done sets: "
                   f"{', '.join(map(str, report.unreviewed_documents[:10]))})")
    if report.documents == 0:
        return ("no document is done by two or more annotators yet; agreement needs "
                "overlapping finished work (see `copydesk assign --k 2`)" + waiting)
    out = [f"{report.documents} documents, annotators: {', '.join(report.annotators)}; "
           f"layers: {', '.join(report.layers)}", ""]

    def prf(c) -> list[str]:  # type: ignore[no-untyped-def]
        return [str(c.tp), str(c.fp), str(c.fn), _num(c.precision), _num(c.recall),
                _num(c.f1)]

    head = ["tp", "fp", "fn", "P", "R", "F1"]
    for attr, title in (("exact", "exact match"), ("overlap", "overlap match")):
        counts = report.pooled(attr)
        rows = [[layer, label, *prf(c)] for (layer, label), c in sorted(counts.items())]
        rows.append(["all", "(micro)", *prf(micro(counts.values()))])
        out += [f"spans, {title} (all pairs pooled)",
                table(["layer", "label", *head], rows), ""]
    links = report.pooled("links")
    if links:
        rows = [[kind, role, *prf(c)] for (kind, role), c in sorted(links.items())]
        rows.append(["all", "(micro)", *prf(micro(links.values()))])
        out += ["links (head, tail and role; spans exact)",
                table(["kind", "role", *head], rows), ""]
    rows = []
    for pair in report.pairs:
        ex, ov = micro(pair.exact.values()), micro(pair.overlap.values())
        rows.append([f"{pair.a} / {pair.b}", str(pair.documents), _num(ex.f1), _num(ov.f1),
                     *(_num(pair.kappa[layer]) for layer in report.layers)])
    out += ["pairs (P and R take the first name as reference)",
            table(["pair", "docs", "exact F1", "overlap F1",
                    *(f"kappa {layer}" for layer in report.layers)], rows), ""]
    rows = [[layer, _num(report.alpha[layer]), _num(report.fleiss[layer])]
            for layer in report.layers]
    out += ["token level, all annotators",
            table(["layer", "Krippendorff alpha", "Fleiss kappa"], rows)]
    if report.fleiss_note:
        out.append(f"({report.fleiss_note})")
    if waiting:
        out.append(waiting.strip())
    if report.per_document:
        rows = [[f"{d.doc_id}" + (f" v{d.version}" if d.version > 1 else ""),
                 safe_line(d.title or "", max_cells=40), ",".join(d.annotators),
                 _num(d.exact.f1), _num(d.overlap.f1),
                 *(_num(d.alpha[layer]) for layer in report.layers)]
                for d in report.per_document]
        out += ["", "documents, worst agreement first",
                table(["#", "title", "annotators", "exact F1", "overlap F1",
                        *(f"alpha {layer}" for layer in report.layers)], rows)]
    return "\n".join(out)


def run_lead_views(args: argparse.Namespace) -> int:
    """`--confusion`, `--pair`, `--svg`, `--html`: the matrix and the pictures."""
    from copydesk.projects.agreement import project_layers
    from copydesk.projects.dashboard import full_figures
    from copydesk.projects.errors import StoreError

    with open_project(args) as project:
        store = project.store
        if args.layer is not None and args.layer not in project_layers(store):
            raise StoreError(f"no layer {args.layer!r} in schema {store.schema.name!r}; "
                             f"layers: {', '.join(project_layers(store))}")
        board = full_figures(store, pair=args.pair, layer=args.layer)
        name = project.config.name
    for target in (args.svg, args.html):
        if target is not None:
            from copydesk.tui.engine.charts import agreement_report, write_picture

            write_picture(agreement_report(board, project=name, pair=args.pair), target,
                          title=f"copydesk agreement · {name}")
            say(f"wrote {target}", err=True)
    if args.json:
        from copydesk.tui.engine.text import safe_json

        print(safe_json(json.dumps(board.confusion.to_dict(), ensure_ascii=False, indent=2)))
        return 0
    if args.confusion or not (args.svg or args.html):
        say(render_confusion(board.confusion, args.pair, board.documents_compared))
    return 0


def render_confusion(conf, pair: tuple[str, str] | None,  # type: ignore[no-untyped-def]
                     documents: int) -> str:
    """The matrix as a plain table, then what its cells mean."""
    labels = conf.labels
    if documents == 0 or len(labels) <= 1:
        return ("no document is done by two or more annotators yet; the confusion matrix "
                "needs overlapping finished work (see `copydesk assign --k 2`)")
    corner = f"{pair[0]} \\ {pair[1]}" if pair else "rows \\ columns"
    rows = [[row, *(str(conf.count(row, col)) for col in labels),
             str(conf.boundary.get(row, 0)) if row != "none" else "-"] for row in labels]
    who = f"{pair[0]} (rows) against {pair[1]} (columns)" if pair else \
        "every pair summed, the name first in order as rows"
    return "\n".join([
        f"label confusion over {documents} documents, {who}",
        table([corner, *labels, "boundary"], rows),
        "",
        "diagonal: same label and extent; other cells: same extent, other label; "
        "none: a span only one annotator marked; boundary: same label, overlapping, "
        "other extent",
    ])
