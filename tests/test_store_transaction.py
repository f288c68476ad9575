"""The store's public unit of work: several edits commit together or not at all."""

from __future__ import annotations

import pytest
from conftest import add_text, find

from copydesk.projects.errors import StoreError
from copydesk.projects.project import Project
from copydesk.projects.store import StoreTransaction

TEXT = '"We hold the bridge," Colonel Aziz told reporters in Daquq.'


def test_a_failed_step_undoes_the_whole_transaction(project: Project) -> None:
    doc = add_text(project, TEXT)
    store = project.store
    with pytest.raises(StoreError, match="unknown label"), store.transaction() as tx:
        tx.add_span(doc, "ana", "PERSON", *find(TEXT, "Colonel Aziz"))
        tx.set_status(doc, "ana", "done")
        tx.add_span(doc, "ana", "NO_SUCH_LABEL", *find(TEXT, "Daquq"))
    assert store.spans(doc, "ana") == [] and store.annotation_set(doc, "ana") is None


def test_write_composes_spans_links_status_and_one_logged_action(project: Project) -> None:
    doc = add_text(project, TEXT)
    store = project.store

    def quote(tx: StoreTransaction) -> int:
        content = tx.add_span(doc, "ana", "CONTENT", *find(TEXT, "We hold the bridge,"),
                              attributes={"type": "direct"})
        source = tx.add_span(doc, "ana", "SOURCE", *find(TEXT, "Colonel Aziz"))
        tx.add_link(int(content.id), int(source.id), "source", "ana")
        with pytest.raises(StoreError), tx.savepoint():  # refused alone, the rest stays
            tx.add_link(int(content.id), int(source.id), "cue", "ana")
        tx.set_status(doc, "ana", "done")
        return int(content.id)

    content_id = store.write(quote)
    assert sorted(s.label for s in store.spans(doc, "ana")) == ["CONTENT", "SOURCE"]
    assert [(lk.head_id, lk.role) for lk in store.links(doc, "ana")] == [(content_id, "source")]
    assert store.annotation_set(doc, "ana").status == "done"
    kinds = [a.kind for a in store.actions(doc, "ana")]
    assert kinds == ["add_span", "add_span", "add_link", "set_status"]
    # each logged edit undoes on its own, newest first (a status change is not an edit)
    store.undo(doc, "ana")
    assert store.links(doc, "ana") == []
