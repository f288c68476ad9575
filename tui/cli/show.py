"""`copydesk show DOC [--versions]`: one document's facts, and the history of its text."""

from __future__ import annotations

import argparse

from copydesk.tui.cli.common import add_project_arg, open_project, say


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "show", help="one document: id, title, version, spans needing review; --versions for "
        "its corrected texts",
        description="DOC is the document number or its id from import (JSONL \"id\", file "
        "name). --versions lists every version of the text with its date and a diff against "
        "the one before.")
    parser.add_argument("doc", metavar="DOC")
    add_project_arg(parser)
    parser.add_argument("--versions", action="store_true",
                        help="every version of the text, with dates and a diff")
    parser.add_argument("--no-diff", action="store_true", help="with --versions: dates only")
    parser.set_defaults(func=run)


def resolve_doc(project: object, name: str) -> int:
    """A document number, else the one document whose external id is `name`."""
    from copydesk.projects.docversions import find_by_external_id
    from copydesk.projects.errors import StoreError

    store = project.store  # type: ignore[attr-defined]
    with store.db.read() as session:
        found = [int(d.id) for d in find_by_external_id(session, name)]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise StoreError(f"id {name!r} names documents {', '.join(map(str, found))}; "
                         "give the number")
    if name.isdigit():
        store.document(int(name))  # a clear "no document with id N"
        return int(name)
    raise StoreError(f"no document with id {name!r}")


def run(args: argparse.Namespace) -> int:
    from copydesk.projects.docversions import versions
    from copydesk.projects.models import Span
    from copydesk.projects.permissions import readable_owners
    from copydesk.tui.cli.common import default_annotator

    with open_project(args) as project:
        doc_id = resolve_doc(project, args.doc)
        doc = project.store.document(doc_id)
        me = default_annotator(project)
        say(f"document {doc_id}  id {doc.external_id or '-'}  version {doc.version}  "
            f"{len(doc.text)} characters")
        say(f"title: {doc.title}")
        for owner in readable_owners(project.config, me, project.store.annotators(doc_id)):
            spans: list[Span] = project.store.spans(doc_id, owner)
            waiting = [s for s in spans if s.needs_review]
            say(f"  {owner}: {len(spans)} span(s), {len(waiting)} needing review")
            for span in waiting:
                now = f"now {span.text!r}" if span.text else "text deleted"
                say(f"    {span.id} {span.label} {span.review_reason}: "
                    f"was {span.review_old_text!r}, {now}")
        if args.versions:
            for info in versions(project.store, doc_id, diff=not args.no_diff):
                flag = " (current)" if info.current else f" replaced by {info.replaced_by or '-'}"
                say(f"version {info.number}  {info.created_at}  {info.chars} characters{flag}")
                for line in info.diff:
                    say(f"    {line}")
    return 0
