"""`copydesk agreement [-p DIR] [--layer L] [--per-document] [--json]`.

Figures and their sources are documented in `projects.agreement`.
"""

from __future__ import annotations

import argparse
import json

from copydesk.tui.commands.common import add_project_arg, open_project, say, table


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
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from copydesk.projects.agreement import agreement

    with open_project(args) as project:
        report = agreement(project.store, layer=args.layer, per_document=args.per_document,
                           annotators=tuple(args.annotator),
                           include_suggestions=args.include_suggestions)
    if args.json:
        from copydesk.tui.text import safe_json

        print(safe_json(json.dumps(report.to_dict(), ensure_ascii=False, indent=2)))
        return 0
    say(render(report))
    return 0


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"



def render(report) -> str:  # type: ignore[no-untyped-def]
    """The report as plain tables (the JSON holds the same figures, unrounded to 4 places)."""
    from copydesk.projects.agreement import micro
    from copydesk.tui.text import safe_line

    if report.documents == 0:
        return ("no document is done by two or more annotators yet; agreement needs "
                "overlapping finished work (see `copydesk assign --k 2`)")
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
    if report.per_document:
        rows = [[str(d.doc_id), safe_line(d.title or "", max_cells=40), ",".join(d.annotators),
                 _num(d.exact.f1), _num(d.overlap.f1),
                 *(_num(d.alpha[layer]) for layer in report.layers)]
                for d in report.per_document]
        out += ["", "documents, worst agreement first",
                table(["#", "title", "annotators", "exact F1", "overlap F1",
                        *(f"alpha {layer}" for layer in report.layers)], rows)]
    return "\n".join(out)
