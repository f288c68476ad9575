"""`copydesk schema check|diff|apply|undo|history|docs`: validate, compare and change schemas.

`apply` and `undo` change a live project, so both take `--dry-run` (print the same report,
write nothing) and both refuse with one line rather than half-apply; the rules for renames,
merges and stale annotations are in `schema.diff` and `projects.migrate`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from copydesk.tui.cli.common import add_project_arg, default_annotator, say
from copydesk.tui.engine.text import safe_block, safe_json


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("schema", help="check, compare, apply and document label schemas")
    schema_sub = parser.add_subparsers(dest="schema_command", metavar="SUBCOMMAND")
    schema_sub.required = True
    check = schema_sub.add_parser("check", help="validate a schema; every problem with its line")
    check.add_argument("file")
    check.set_defaults(func=run_check)

    diff = schema_sub.add_parser(
        "diff", help="what changes from OLD to NEW (with -p: how many spans and links each "
                     "change touches)")
    diff.add_argument("files", nargs="+", metavar="FILE",
                      help="OLD NEW, or just NEW to compare with the project's schema")
    add_project_arg(diff)
    diff.add_argument("--json", action="store_true", help="print JSON instead of lines")
    diff.set_defaults(func=run_diff)

    apply = schema_sub.add_parser(
        "apply", help="install NEW as the project's schema and carry annotations over")
    apply.add_argument("file", metavar="NEW")
    add_project_arg(apply)
    apply.add_argument("--dry-run", action="store_true",
                       help="print what would change; write nothing")
    apply.add_argument("--json", action="store_true", help="print the report as JSON")
    apply.set_defaults(func=run_apply)

    undo = schema_sub.add_parser(
        "undo", help="revert the last `schema apply`: labels, stale marks and the schema file")
    add_project_arg(undo)
    undo.add_argument("--dry-run", action="store_true",
                      help="print what would be restored; write nothing")
    undo.add_argument("--force", action="store_true",
                      help="restore what is untouched even if some rows were edited since")
    undo.set_defaults(func=run_undo)

    history = schema_sub.add_parser("history", help="every schema apply and undo, oldest first")
    add_project_arg(history)
    history.set_defaults(func=run_history)

    docs = schema_sub.add_parser("docs", help="write the annotation guidelines as Markdown")
    docs.add_argument("file", nargs="?", default=None,
                      help="schema file (default: the project's schema)")
    add_project_arg(docs)
    docs.add_argument("-o", "--output", metavar="OUT.md", default=None,
                      help="write here (default: standard output)")
    docs.set_defaults(func=run_docs)

    from_brat = schema_sub.add_parser(
        "from-brat", help="a copydesk schema from brat's annotation.conf (brat names kept)")
    from_brat.add_argument("conf", metavar="annotation.conf",
                           help="brat configuration; visual.conf and tools.conf beside it are "
                                "read too (colours, normalisation databases)")
    from_brat.add_argument("-o", "--output", metavar="schema.yaml", default=None,
                           help="write here (default: standard output)")
    from_brat.add_argument("--name", default=None, help="schema name (default: the folder's)")
    from_brat.set_defaults(func=run_from_brat)


def run_check(args: argparse.Namespace) -> int:
    from copydesk.schema import check_schema_file

    problems = check_schema_file(args.file)
    problems += _project_keymap_problems(Path(args.file), problems)
    for problem in problems:
        say(problem, err=True)
    if problems:
        say(f"{args.file}: {len(problems)} problem(s)", err=True)
        return 1
    say(f"{args.file}: ok")
    return 0


def _project_keymap_problems(path: Path, schema_problems: list[str]) -> list[str]:
    """When the schema sits in a project folder, that project's keymap must not collide with
    the app's keys or this schema's hotkeys (the same check `copydesk annotate` makes)."""
    from copydesk.projects.project import CONFIG_NAME, ProjectConfig
    from copydesk.schema import load_schema
    from copydesk.tui.app.keymap import settings_problems
    from copydesk.tui.app.keys_help import default_bindings

    config_path = path.resolve().parent / CONFIG_NAME
    if schema_problems or not config_path.is_file():
        return []
    config = ProjectConfig.read(config_path)
    hotkeys = {k: label.name for k, label in load_schema(path).hotkeys().items()}
    return settings_problems(config.settings, default_bindings(), hotkeys)  # file:line each


def _load_or_report(path: str):  # type: ignore[no-untyped-def]
    """The schema at `path`, or None after printing every problem (one line each)."""
    from copydesk.schema import SchemaError, load_schema

    try:
        return load_schema(path)
    except SchemaError as exc:
        for problem in exc.problems:
            say(problem, err=True)
        say(f"{path}: {len(exc.problems)} problem(s); nothing was changed", err=True)
        return None


def _project(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from copydesk.projects.project import Project, find_project

    return Project.open(find_project(Path(args.project) if args.project else None))


def run_diff(args: argparse.Namespace) -> int:
    from copydesk.projects.migrate import touched_counts
    from copydesk.schema.diff import diff_schemas

    if len(args.files) > 2:
        say("copydesk: error: schema diff takes OLD NEW, or NEW with a project",
              err=True)
        return 1
    project = _project(args) if (args.project or len(args.files) == 1) else None
    try:
        if len(args.files) == 2:
            old = _load_or_report(args.files[0])
            if old is None:
                return 1
        else:
            assert project is not None
            old = project.schema
        new = _load_or_report(args.files[-1])
        if new is None:
            return 1
        diff = diff_schemas(old, new)
        counts = touched_counts(project.store, diff) if project is not None else None
    finally:
        if project is not None:
            project.close()
    if args.json:
        changes = []
        for i, change in enumerate(diff.changes):
            row = change.to_json()
            if counts is not None:
                row["spans"], row["links"] = counts[i]
            changes.append(row)
        print(safe_json(json.dumps({"from": {"name": old.name, "version": old.version},
                          "to": {"name": new.name, "version": new.version},
                          "changes": changes}, ensure_ascii=False, indent=2)))
        return 0
    say(diff.header())
    for i, change in enumerate(diff.changes):
        suffix = ""
        if counts is not None and change.touches_data:
            spans, links = counts[i]
            suffix = f"  [{spans} span(s), {links} link(s)]"
        say(f"  {change.text}{suffix}")
    if diff.empty:
        say("  no differences")
    return 0


def run_apply(args: argparse.Namespace) -> int:
    from copydesk.projects.migrate import apply_schema

    if _load_or_report(args.file) is None:
        return 1
    with _project(args) as project:
        report = apply_schema(project, args.file, dry_run=args.dry_run,
                              who=default_annotator(project))
        if args.json:
            print(safe_json(json.dumps(report.to_json(), ensure_ascii=False, indent=2)))
            return 0
        for line in report.lines():
            say(line)
        if args.dry_run:
            say("dry run: nothing was changed")
        elif not report.unchanged:
            say(f"applied {report.diff.new.name} {report.diff.new.version} to "
                  f"{project.root}; `copydesk schema undo` reverts it")
    return 0


def run_undo(args: argparse.Namespace) -> int:
    from copydesk.projects.migrate import undo_apply

    with _project(args) as project:
        report = undo_apply(project, dry_run=args.dry_run, force=args.force,
                            who=default_annotator(project))
        for line in report.lines():
            say(line)
        if args.dry_run:
            say("dry run: nothing was changed")
        else:
            say(f"the project's schema is {project.schema.name} {project.schema.version} "
                  "again")
    return 0


def run_history(args: argparse.Namespace) -> int:
    from copydesk.projects.migrate import apply_history

    with _project(args) as project:
        rows = apply_history(project.store)
    if not rows:
        say("no schema applies yet")
    for row in rows:
        if row["kind"] == "schema_apply":
            mark = "  (undo reverts this)" if row["undoable"] else ""
            say(f"{row['at']}  {row['who']}: apply {row.get('from_version')} -> "
                  f"{row.get('to_version')} from {row.get('path')}{mark}")
        else:
            say(f"{row['at']}  {row['who']}: undo of apply #{row.get('target')} "
                  f"({row.get('restored', 0)} row(s) restored)")
    return 0


def run_docs(args: argparse.Namespace) -> int:
    from copydesk.schema.docs import schema_markdown

    if args.file is not None:
        schema = _load_or_report(args.file)
        if schema is None:
            return 1
    else:
        with _project(args) as project:
            schema = project.schema
    # Guidelines are free prose from a shared file: the Markdown (printed or written, and
    # likely `cat` later) keeps its lines but no character a terminal would act on.
    text = safe_block(schema_markdown(schema))
    out = _write_out(text, args.output)
    if out is not None:
        say(f"wrote the {schema.name} {schema.version} guidelines to {out}", err=True)
    return 0


def run_from_brat(args: argparse.Namespace) -> int:
    """Convert, then validate what we wrote exactly as `schema check` would: a brat
    configuration copydesk cannot hold is refused here, not at `init`."""
    from copydesk.schema import check_schema_text
    from copydesk.schema.from_brat import BratConfError, schema_from_brat

    try:
        text = schema_from_brat(args.conf, args.name)
    except BratConfError as exc:
        say(exc, err=True)
        return 1
    problems = check_schema_text(text, args.output or "<from-brat>")
    if problems:
        for problem in problems:
            say(f"{args.conf}: cannot be a copydesk schema: {problem.message}", err=True)
        return 1
    out = _write_out(text, args.output)
    if out is not None:
        say(f"wrote a schema from {args.conf} to {out}", err=True)
    return 0


def _write_out(text: str, output: str | None) -> Path | None:
    """`text` to stdout without `-o`, else into OUTPUT whole (written beside it, then renamed:
    a crash never leaves half a file); returns where it went."""
    if output is None:
        sys.stdout.write(text)
        return None
    out = Path(output)
    tmp = out.with_name(f".{out.name}.copydesk-tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, out)
    return out
