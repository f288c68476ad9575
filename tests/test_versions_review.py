"""`agreement` and `review` after a correction: sets compared on one version, guesses left out."""

from __future__ import annotations

from pathlib import Path

from conftest import add_text, find

from copydesk.projects.adjudicate import OPEN, REJECTED, candidates, reject
from copydesk.projects.agreement import agreement
from copydesk.projects.docversions import update_document
from copydesk.projects.permissions import Policy
from copydesk.projects.project import Project
from copydesk.tui.cli.main import main

CKB = (Path(__file__).parent / "data" / "versions" / "ckb.txt").read_text(encoding="utf-8")
POLICY = Policy(annotators=("ann", "bob"), reviewers=("rita",))


def _two_done(project: Project) -> tuple[int, dict[str, int]]:
    s = project.store
    doc = add_text(project, CKB, "flood")
    ids = {}
    for who in ("ann", "bob"):
        ids[who] = s.add_span(doc, who, "PERSON", *find(CKB, "پاڤێل سترونین")).id
        s.add_span(doc, who, "GPE", *find(CKB, "تارڤێل"))
        s.set_status(doc, who, "done")
    s.add_span(doc, "bob", "DATE", *find(CKB, "شەوی یەکشەممە"))
    return doc, ids


def test_agreement_leaves_out_a_document_with_guesses_until_reviewed(project: Project,
                                                                      capsys) -> None:
    doc, ids = _two_done(project)
    assert agreement(project.store).documents == 1
    update_document(project.store, doc, CKB.replace("پاڤێل", "پاوێل"))
    report = agreement(project.store, per_document=True)
    assert report.documents == 0 and report.unreviewed_documents == [doc]
    assert main(["agreement", "-p", str(project.root)]) == 0
    out = capsys.readouterr().out
    assert "1 document(s) left out" in out
    for who in ("ann", "bob"):
        project.store.confirm_review(ids[who], who)
    report = agreement(project.store, per_document=True)
    assert report.documents == 1 and report.unreviewed_documents == []
    [row] = report.per_document
    assert row.version == 2
    assert report.to_dict()["per_document"][0]["version"] == 2


def test_review_forgets_decisions_made_on_the_old_text_and_skips_guesses(
        project: Project) -> None:
    doc, ids = _two_done(project)
    date = next(c for c in candidates(project.store, doc).candidates if c.label == "DATE")
    reject(project.store, doc, "rita", date, policy=POLICY)
    assert next(c for c in candidates(project.store, doc).candidates
                if c.label == "DATE").status == REJECTED
    new = "ڕاستکردنەوە: ناوێک بە هەڵە نووسرابوو.\n\n" + CKB.replace("پاڤێل", "پاوێل")
    update_document(project.store, doc, new)
    review = candidates(project.store, doc)
    labels = {c.label: c for c in review.candidates}
    # the rejection was decided on offsets of the old text: asked again on the new one
    assert labels["DATE"].status == OPEN
    assert labels["DATE"].key.start == find(new, "شەوی یەکشەممە")[0]
    # the name both annotators marked now needs review: not a candidate until confirmed
    assert "PERSON" not in labels
    project.store.confirm_review(ids["ann"], "ann")
    assert "PERSON" in {c.label for c in candidates(project.store, doc).candidates}
