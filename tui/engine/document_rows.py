"""What the annotation screen shows of one document, read in one go, off the UI thread.

Every read the screen needs to open a document (its text, this annotator's spans and links,
the suggestions still to decide, the set's status, the queue's progress) is one call here, so
the screen can run it in a worker thread and take the result back as one message: on a slow or
remote database (PostgreSQL over a network) the keys keep working while it reads. Nothing here
touches a widget, so it is tested without a terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from copydesk.projects.models import Document, Link, Span
    from copydesk.projects.store import DocumentRow, Store
    from copydesk.projects.suggest.decisions import Suggestion


@dataclass(frozen=True)
class DocumentRows:
    """One document's rows for one annotator, as read at one moment."""

    doc_id: int
    # The text, when the screen asked for it (it has none yet); else None.
    document: Document | None
    # (version, content hash) of the current text: the screen checks the text it shows is it.
    version: tuple[int, str]
    queue_ids: list[int] | None
    spans: list[Span]
    links: list[Link]
    suggestions: list[Suggestion]
    status: str
    progress: tuple[int, int]


def read_rows(store: Store, doc_id: int, annotator: str,
              queue_ids: Callable[[], list[int] | None], *,
              with_document: bool) -> DocumentRows:
    """Everything the annotation screen shows of `doc_id`; raises the store's errors
    (`StoreUnavailable` while the server is away) for the caller to show."""
    # Imported here: this loads SQLAlchemy, which a first frame does without.
    from copydesk.projects.suggest import is_suggestion_set

    document = store.document(doc_id) if with_document else None
    version = store.document_version(doc_id)
    ids = queue_ids()
    spans = store.spans(doc_id, annotator)
    links = store.links(doc_id, annotator)
    if is_suggestion_set(annotator):
        suggestions: list[Suggestion] = []  # a suggestion source does not review itself
    else:
        from copydesk.projects.suggest.decisions import pending

        suggestions = pending(store, doc_id, annotator)
    aset = store.annotation_set(doc_id, annotator)
    return DocumentRows(doc_id=doc_id, document=document, version=version, queue_ids=ids,
                        spans=spans, links=links, suggestions=suggestions,
                        status=aset.status if aset else "todo",
                        progress=store.progress(annotator, ids))


def next_undone(rows: Sequence[DocumentRow], doc_id: int, step: int,
                undone: tuple[str, ...] = ("todo", "in_progress")) -> int | None:
    """The next (step 1) or previous (step -1) undone document after `doc_id` in the queue,
    wrapping round; None when there is none, or `doc_id` is not in the queue."""
    ids = [r.id for r in rows]
    if doc_id not in ids:
        return None
    here = ids.index(doc_id)
    order = ids[here + 1:] + ids[:here] if step > 0 else ids[:here][::-1] + ids[here + 1:][::-1]
    waiting = {r.id for r in rows if r.status in undone}
    return next((i for i in order if i in waiting), None)
