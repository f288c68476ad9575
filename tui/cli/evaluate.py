"""`copydesk evaluate --annotator A --against B [-p DIR] [--layer L] [--status done|all] [--json]`
and `copydesk evaluate --brat DIR [--response rules|MODEL_DIR|BRAT_DIR] [--map THEIRS=OURS]`.

Precision, recall and F1 of A's spans and links with B as the reference (see
`projects.suggest.evaluate`), per label, per attribution part and per link role, exact and overlap,
and per whole attribution. Every document B annotated counts. `--brat` takes the reference from a
brat folder (PARC style) and needs no project: held-out corpora are scored where they lie.
"""

from __future__ import annotations

import argparse
import json

from copydesk.tui.cli.common import add_project_arg, open_project, say, table


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "evaluate", help="precision/recall/F1 of one annotator (e.g. suggest:attribution) "
                         "against another (e.g. gold)",
        description="Score annotator A against reference B on the documents both annotated: "
                    "per label, per attribution part (content, cue, source) and per link role, "
                    "exact and overlap match.",
    )
    add_project_arg(parser)
    parser.add_argument("--annotator", metavar="A",
                        help="the annotations to score, e.g. suggest:attribution")
    parser.add_argument("--against", metavar="B",
                        help="the reference, e.g. gold")
    parser.add_argument("--brat", metavar="DIR", default=None,
                        help="score against this brat folder (.txt + .ann) instead of a "
                             "project's annotator; no project needed")
    parser.add_argument("--response", default="rules", metavar="rules|MODEL_DIR|BRAT_DIR",
                        help="with --brat: what to score: the attribution rules (default), "
                             "a model folder from `train --attribution`, or a brat folder "
                             "with the same file names")
    parser.add_argument("--map", action="append", default=[], metavar="THEIRS=OURS",
                        help="with --brat: read a foreign type as a schema label (Source, Cue "
                             "and Content map to the attribution parts by themselves; other "
                             "unknown types are left out of the scores)")
    parser.add_argument("--layer", default=None, help="only this layer")
    parser.add_argument("--status", choices=("done", "all"), default="done",
                        help="reference sets counted: done (default) or all")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from copydesk.projects.errors import StoreError
    from copydesk.projects.suggest.evaluate import evaluate

    if args.brat is not None:
        result = score_brat(args)
    else:
        if not (args.annotator and args.against):
            raise StoreError("give --annotator A --against B (or --brat DIR to score a brat "
                             "folder)")
        with open_project(args) as project:
            result = evaluate(project.store, args.annotator, args.against,
                              status=args.status, layer=args.layer)
    if args.json:  # annotator names and labels are untrusted: no raw U+202E or U+009B
        from copydesk.tui.engine.text import safe_json

        print(safe_json(json.dumps(result.to_dict(), ensure_ascii=False, indent=2)))
        return 0
    say(render(result))
    return 0


def score_brat(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """Reference from a brat folder; response from the rules, a model or another folder."""
    from pathlib import Path

    from copydesk.exports.brat_import import parse_brat
    from copydesk.projects.errors import StoreError
    from copydesk.projects.importers import SourceError
    from copydesk.projects.suggest.attribution import AttributionDetector, AttributionSettings
    from copydesk.projects.suggest.evaluate import score_proposals
    from copydesk.projects.suggest.write import Proposal
    from copydesk.schema import default_schema_path, load_schema

    settings = None
    if args.project:
        with open_project(args) as project:
            schema, settings = project.schema, project.config.settings
    else:
        schema = load_schema(default_schema_path())
    folder = Path(args.brat)
    anns = sorted(folder.rglob("*.ann")) if folder.is_dir() else []
    if not anns:
        raise StoreError(f"{folder}: no brat .ann files in this folder")

    from copydesk.exports.brat import brat_name, parse_mapping
    from copydesk.exports.interop import Interop

    mapping = {"Source": schema.part_label("source"), "Cue": schema.part_label("cue"),
               "Content": schema.part_label("content")}
    given = {k: v for k, v in ((k, getattr(v, "name", None)) for k, v in mapping.items()) if v}
    given.update(parse_mapping(args.map))
    known = {brat_name(lb.name) for lb in schema.labels} | {lb.name for lb in schema.labels}
    seen: set[str] = set()
    for ann in anns:
        try:
            lines = ann.read_text("utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise StoreError(f"{ann}: cannot read it ({exc})") from exc
        for line in lines:
            kind, _, rest = line.partition("\t")
            if kind[:1] in ("T", "E"):
                seen.add(rest.split(" ", 1)[0].split(":", 1)[0])
    drop = frozenset(t for t in seen if t not in given and t not in known and t != "Attribution")

    class _As:
        @staticmethod
        def pick(annotator: object, status: object, line: object) -> tuple[str, str]:
            return "brat", "done"

    def read(ann: Path) -> tuple[str, Proposal]:
        try:
            doc = parse_brat(ann, schema, _As(), folder, Interop(mapping=given, drop=drop))
        except (SourceError, OSError, UnicodeDecodeError) as exc:
            where = f":{exc.line}" if isinstance(exc, SourceError) and exc.line else ""
            raise StoreError(f"{ann}{where}: {exc}") from exc
        s = doc.sets[0]
        return doc.text, Proposal(list(s.spans), list(s.links))

    response = Path(args.response)
    predict = None
    if args.response == "rules":
        predict = AttributionDetector(schema, AttributionSettings.from_settings(settings)).detect
    elif (response / "copydesk-model.json").is_file():
        from copydesk.projects.suggest.crf import AttributionCRF

        predict = AttributionCRF.load(response, schema).predict
    elif not response.is_dir():
        raise StoreError(f"--response {args.response!r}: give rules, a model folder or a brat "
                         "folder")
    pairs = []
    for ann in anns:
        text, reference = read(ann)
        if predict is not None:
            pairs.append((reference, predict(text)))
        else:  # a brat folder: the file of the same name, or nothing found for this one
            twin = response / ann.relative_to(folder)
            pairs.append((reference, read(twin)[1] if twin.is_file() else Proposal()))
    name = args.response
    return score_proposals(schema, pairs, annotator=name, against=str(folder), layer=args.layer)


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def render(result) -> str:  # type: ignore[no-untyped-def]
    from copydesk.projects.agreement import micro

    if result.documents == 0:
        return (f"no document has sets by both {result.annotator} and {result.against} "
                "(with the reference done; --status all counts unfinished ones)")
    out = [f"{result.annotator} against {result.against}: {result.documents} documents "
           "(P = share of A's that B has, R = share of B's that A found)"]
    if result.unanswered:
        out.append(f"{result.unanswered} of them have nothing by {result.annotator}: their "
                   "reference spans count as missed")
    out.append("")
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
    whole = [(m, c) for m, c in (("exact", result.whole_exact), ("overlap", result.whole_overlap))
             if c.tp or c.fp or c.fn]
    if whole:
        out += ["whole attributions (content, cue and source all matched)",
                table(["match", *head], [[m, *prf(c)] for m, c in whole]), ""]
    return "\n".join(out).rstrip()
