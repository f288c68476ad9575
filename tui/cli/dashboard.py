"""`copydesk dashboard [-p DIR] [--refresh SECONDS] [--reviewer NAME]`: the lead's dashboard.

Progress, throughput, agreement per label, the label confusion heat map and the documents with
the lowest agreement (Enter opens review on one). See `tui.screens.dashboard`.
"""

from __future__ import annotations

import argparse

from copydesk.tui.cli.common import add_project_arg, default_annotator, open_project


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("dashboard", help="the lead's view: progress, throughput, "
                                              "agreement and label confusion as pictures")
    add_project_arg(parser)
    parser.add_argument("--refresh", type=_seconds, default=15.0, metavar="SECONDS",
                        help="read the project again this often (default 15)")
    parser.add_argument("--reviewer", default=None,
                        help="who adjudicates when Enter opens review (default: the OS user "
                             "or, on PostgreSQL, the database role)")
    parser.set_defaults(func=run)


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not seconds >= 1.0:
        raise argparse.ArgumentTypeError(f"--refresh takes seconds, 1 or more, not {value!r}")
    return seconds


def run(args: argparse.Namespace) -> int:
    from copydesk.projects.permissions import Policy, resolve_annotator
    from copydesk.tui.app.screens.dashboard import DashboardApp

    project = open_project(args)
    try:
        policy = Policy.from_config(project.config)
        reviewer = resolve_annotator(policy, args.reviewer, default_annotator(project))
        DashboardApp(project.store, project.config.name, reviewer, policy=policy,
                     refresh=args.refresh).run()
        return 0
    finally:
        project.close()
