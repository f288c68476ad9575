"""`copydesk schema check FILE` (and the other schema subcommands as they arrive)."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("schema", help="check, compare and apply label schemas")
    schema_sub = parser.add_subparsers(dest="schema_command", metavar="SUBCOMMAND")
    schema_sub.required = True
    check = schema_sub.add_parser("check", help="validate a schema; every problem with its line")
    check.add_argument("file")
    check.set_defaults(func=run_check)


def run_check(args: argparse.Namespace) -> int:
    from schema import check_schema_file

    problems = check_schema_file(args.file)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{args.file}: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"{args.file}: ok")
    return 0
