"""Make this folder's project with the copydesk of commit de588be (before projects.actions).

Run once, with the OLD code first on the path (never regenerate with newer code: the point is
a log the previous code wrote):

    PYTHONPATH=/path/to/old-copydesk-package python tests/data/undo-log/make.py

It writes `project/` (copydesk.yaml, schema.yaml, copydesk.db) holding every undoable action
kind, an undo, a status change, suggestion decisions and a corrected text, and `expected.json`:
what the old code did, on a throwaway copy, when it then undid every step and redid them all
(the rows after each step, the spans each step touched, its words on the screen, and the log
rows it appended). tests/test_actions.py replays the same steps with the current code.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from copydesk.projects.docversions import update_document
from copydesk.projects.importers import content_hash
from copydesk.projects.project import Project
from copydesk.projects.suggest.decisions import accept, pending, reject
from copydesk.tui.cli import main as cli  # the old layout: tui/cli.py

HERE = Path(__file__).resolve().parent
EN = ('Gunmen attacked a police convoy near Valmora on Tuesday. "We will rebuild the bridge '
      'by spring," the governor said, "and the road will reopen." Residents of Valmora '
      "welcomed the pledge.")
AR = ("قال المتحدث باسم بلدية الموصل أحمد الجبوري إن الجسر سيفتح الأسبوع المقبل. "
      "وأضاف أن فرق الصيانة تعمل ليلاً في حي الزهور.")
AR_CORRECTED = AR.replace("أحمد الجبوري", "أحمد الجبّوري").replace("حي الزهور", "حيّ الزهور")
WHO = (("alice", 1), ("bob", 2))


def at(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


def build(root: Path) -> None:
    project = Project.init(root)
    s = project.store
    doc1, doc2 = s.add_documents([{"text": t, "content_hash": content_hash(t), "title": n}
                                  for t, n in ((EN, "convoy"), (AR, "bridge"))])
    assert doc1 == 1 and doc2 == 2
    places = root.parent / "places.txt"
    places.write_text("# label: GPE\nValmora\n", "utf-8")
    assert cli(["suggest", "-p", str(root), "--docs", "all", "--attribution",
                "--patterns", str(places)]) == 0
    a = "alice"
    attack = s.add_span(doc1, a, "Conflict.Attack", *at(EN, "attacked"))
    gunmen = s.add_span(doc1, a, "NORP", *at(EN, "Gunmen"))
    link = s.add_link(attack.id, gunmen.id, "Attacker", a)
    s.set_role(link.id, a, "Target")
    s.set_attributes(attack.id, a, {"realis": "generic"})
    s.relabel_span(gunmen.id, a, "ORG")
    place, _ = s.add_span_and_link(doc1, a, "GPE", *at(EN, "Valmora"), attack.id, "Place")
    s.remove_link(link.id, a)
    residents = s.add_span(doc1, a, "NORP", *at(EN, "Residents"))
    s.add_fragment(residents.id, a, *at(EN, "Valmora", 1))
    s.remove_fragment(residents.id, a, at(EN, "Valmora", 1)[0])
    s.remove_span(place.id, a)
    [quote] = [g for g in pending(s, doc1, a) if g.head.label == "CONTENT"]
    ids, refused = accept(s, doc1, a, [quote])
    assert ids and not refused
    gpe = next(g for g in pending(s, doc1, a) if g.head.label == "GPE")
    reject(s, doc1, a, gpe)
    s.set_status(doc1, a, "in_progress", "the bridge quote: check the second half")
    s.undo(doc1, a)  # the rejection: one step on the redo stack
    b = "bob"
    spokesman = s.add_span(doc2, b, "PERSON", *at(AR, "أحمد الجبوري"))
    district = s.add_span(doc2, b, "LOC", *at(AR, "حي الزهور"))
    s.add_span(doc2, b, "GPE", *at(AR, "الموصل"))
    update_document(s, doc2, AR_CORRECTED, who="desk")
    moved = {sp.id: sp for sp in s.spans(doc2, b)}
    assert moved[spokesman.id].needs_review and moved[district.id].needs_review, moved
    s.confirm_review(spokesman.id, b)
    s.reselect_span(district.id, b, *at(AR_CORRECTED, "حيّ الزهور"))
    project.close()


def state(project: Project, doc: int, who: str) -> dict[str, Any]:
    from sqlmodel import select

    from copydesk.projects.models import SuggestionDecision

    s = project.store
    spans = [[sp.id, sp.label, sp.start, sp.end, sp.text, sp.fragments, sp.attributes,
              bool(sp.needs_review), sp.review_reason, sp.review_old_text]
             for sp in s.spans(doc, who)]
    links = [[lk.id, lk.head_id, lk.tail_id, lk.role] for lk in s.links(doc, who)]
    with s.db.read() as session:
        decisions = [[d.id, d.source, d.label, d.decision, d.span_id]
                     for d in session.exec(select(SuggestionDecision).where(
                         SuggestionDecision.document_id == doc,
                         SuggestionDecision.annotator == who).order_by(SuggestionDecision.id))]
    status = s.annotation_set(doc, who)
    return {"spans": spans, "links": links, "decisions": decisions,
            "status": [status.status, status.comment] if status else None,
            "can_undo": list(s.can_undo(doc, who))}


def replay(root: Path) -> dict[str, Any]:
    """Undo every step this app can, then redo them all, recording what each did."""
    from copydesk.tui.history_text import describe_action

    out: dict[str, Any] = {}
    project = Project.open(root)
    s = project.store
    for who, doc in WHO:
        texts = {sp.id: sp.text for sp in s.spans(doc, who)}
        steps = [{"state": state(project, doc, who)}]
        for redo in (False, True):
            while True:
                before = {sp.id: sp.text for sp in s.spans(doc, who)}
                texts.update(before)
                step = (s.redo if redo else s.undo)(doc, who)
                if step is None:
                    break
                log = s.actions(doc, who)[-1]
                steps.append({
                    "redo": redo, "target": step.id, "kind": step.kind,
                    "touched": s.touched_spans(step),
                    "words": describe_action(step.kind, step.payload, texts.get),
                    "logged": [log.kind, log.payload],
                    "state": state(project, doc, who)})
        out[who] = steps
    project.close()
    return out


def run() -> None:
    target = HERE / "project"
    if target.exists():
        sys.exit(f"{target} exists: this fixture is made once, by the old code")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "project"
        build(work)
        shutil.copytree(work, target, ignore=shutil.ignore_patterns("*.bak-*", "*-wal",
                                                                    "*-shm"))
        expected = replay(work)
    (HERE / "expected.json").write_text(
        json.dumps(expected, ensure_ascii=False, indent=1) + "\n", "utf-8")


if __name__ == "__main__":
    run()
