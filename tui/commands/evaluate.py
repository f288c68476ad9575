"""`copydesk evaluate --annotator A --against B [-p DIR] [--layer L] [--status done|all] [--json]`.

Precision, recall and F1 of A's spans and links with B as the reference (see
`projects.suggest.evaluate`), per label, per attribution part and per link role, exact and overlap.
"""

from __future__ import annotations

import argparse
import json

from copydesk.tui.commands.common import add_project_arg, open_project, say, table


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "evaluate", help="precision/recall/F1 of one annotator (e.g. suggest:attribution) "
                         "against another (e.g. gold)",
        description="Score annotator A against reference B on the documents both annotated: "
                    "per label, per attribution part (content, cue, source) and per link role, "
                    "exact and overlap match.",
    )
    add_project_arg(parser)
    parser.add_argument("--annotator", required=True, metavar="A",
                        help="the annotations to score, e.g. suggest:attribution")
    parser.add_argument("--against", required=True, metavar="B",
                        help="the reference, e.g. gold")
    parser.add_argument("--layer", default=None, help="only this layer")
    parser.add_argument("--status", choices=("done", "all"), default="done",
                        help="reference sets counted: done (default) or all")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from copydesk.projects.suggest.evaluate import evaluate

    with open_project(args) as project:
        result = evaluate(project.store, args.annotator, args.against, status=args.status,
                          layer=args.layer)
    if args.json:  # annotator names and labels are untrusted: no raw U+202E or U+009B
        from copydesk.tui.text import safe_json

        print(safe_json(json.dumps(result.to_dict(), ensure_ascii=False, indent=2)))
        return 0
    say(render(result))
    return 0


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def render(result) -> str:  # type: ignore[no-untyped-def]
    from copydesk.projects.agreement import micro

    if result.documents == 0:
        return (f"no document has sets by both {result.annotator} and {result.against} "
                "(with the reference done; --status all counts unfinished ones)")
    out = [f"{result.annotator} against {result.against}: {result.documents} documents "
           "(P = share of A's that B has, R = share of B's that A found)", ""]
    head = ["tp", "fp", "fn", "P", "R", "F1"]

    def prf(c) -> list[str]:  # type: ignore[no-untyped-def]
        return [str(c.tp), str(c.fp), str(c.fn), _num(c.precision), _num(c.recall), _num(c.f1)]

    for exact, overlap, names, title in (
            (result.exact, result.overlap, ["layer", "label"], "spans"),
            (result.parts_exact, result.parts_overlap, ["part"], "attribution parts"),
            (result.links_exact, result.links_overlap, ["kind", "role"], "links")):
        if not exact and not overlap:
            continue
        rows = []
        for key in sorted(set(exact) | set(overlap)):
            cells = list(key) if isinstance(key, tuple) else [key]
            for match, counts in (("exact", exact), ("overlap", overlap)):
                c = counts.get(key)
                if c is not None:
                    rows.append([*cells, match, *prf(c)])
        for match, counts in (("exact", exact), ("overlap", overlap)):
            rows.append(["all", *([""] * (len(names) - 1)), match, *prf(micro(counts.values()))])
        out += [title, table([*names, "match", *head], rows), ""]
    return "\n".join(out).rstrip()
