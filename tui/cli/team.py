"""`copydesk team grant|revoke NAME ROLE` and `copydesk team list`: people as PostgreSQL roles."""

from __future__ import annotations

import argparse

from copydesk.tui.cli.common import add_project_arg, open_project, say, table


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("team", help="who may do what, enforced by PostgreSQL")
    team_sub = parser.add_subparsers(dest="team_command", metavar="ACTION")
    team_sub.required = True
    grant = team_sub.add_parser(
        "grant", help="create or update a person's database role",
        description="Creates the LOGIN role NAME if it does not exist and adds it to the team "
                    "role (roles add up: grant reviewer to an annotator to make them both). "
                    "Run it as the project's database owner or another role with CREATEROLE. "
                    "Set a password with psql's \\password NAME, or use ~/.pgpass / certificates.")
    add_project_arg(grant)
    grant.add_argument("name", help="the person's database role (their login name)")
    grant.add_argument("role", choices=["annotator", "reviewer", "lead", "ml"])
    grant.set_defaults(func=run_grant)
    take = team_sub.add_parser(
        "revoke", help="take a team role (or all of them) from a person",
        description="Removes NAME from the team role's group (every team role when ROLE is "
                    "left out). The login role itself is kept.")
    add_project_arg(take)
    take.add_argument("name", help="the person's database role")
    take.add_argument("role", nargs="?", choices=["annotator", "reviewer", "lead", "ml"])
    take.set_defaults(func=run_revoke)
    listing = team_sub.add_parser("list", help="every person and their team roles")
    add_project_arg(listing)
    listing.set_defaults(func=run_list)


def _server(project):  # type: ignore[no-untyped-def]
    from copydesk.projects.project import ProjectError

    if project.store.db.path is not None:
        raise ProjectError(f"{project.root}: this project is stored in SQLite, where the team "
                           "policy is `annotators`/`reviewers` in copydesk.yaml; roles need a "
                           "PostgreSQL project (`copydesk db copy postgresql://...`)")


def run_grant(args: argparse.Namespace) -> int:
    from copydesk.projects.security import grant

    with open_project(args) as project:
        _server(project)
        created = project.store.db.run_write(
            lambda session: grant(session.connection(), args.name, args.role))
        verb = "created role" if created else "updated role"
        say(f"{verb} {args.name!r}: {args.role} in {project.database}")
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    from copydesk.projects.security import revoke

    with open_project(args) as project:
        _server(project)
        removed = project.store.db.run_write(
            lambda session: revoke(session.connection(), args.name, args.role))
        say(f"revoked {', '.join(removed)} from {args.name!r} in {project.database}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from copydesk.projects.security import team

    with open_project(args) as project:
        _server(project)
        with project.store.db.read() as session:
            rows = team(session.connection())
    if not rows:
        say("nobody yet: add people with `copydesk team grant NAME ROLE`")
        return 0
    say(table(["name", "roles"], [[name, ", ".join(roles)] for name, roles in rows]))
    return 0
