"""`copydesk train` + `copydesk suggest --model` on a small project (needs spaCy; CI has it)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from copydesk.projects.bulk import NewDocument, NewSet, NewSpan, insert_documents
from copydesk.projects.importers import content_hash
from copydesk.projects.project import Project
from copydesk.projects.textutil import tokenize
from copydesk.tui.cli.main import main

spacy = pytest.importorskip("spacy")

PLACES = ["Kirkuk", "Erbil", "Mosul", "Duhok", "Halabja", "Zakho"]
PEOPLE = ["Leyla Aziz", "Omar Haddad", "Dara Mehrin", "Sara Kamal"]


def gold_docs() -> list[NewDocument]:
    docs = []
    for i in range(12):
        place, person = PLACES[i % len(PLACES)], PEOPLE[i % len(PEOPLE)]
        text = f"{person} visited {place} on day {i}. Officials in {place} welcomed {person}."
        spans = []
        for name, label in ((person, "PERSON"), (place, "GPE")):
            start = -1
            while (start := text.find(name, start + 1)) >= 0:
                spans.append(NewSpan("entity", label, start, start + len(name)))
        docs.append(NewDocument(text=text, content_hash=content_hash(text), external_id=f"d{i}",
                                sets=[NewSet("gold", "done", spans)]))
    return docs


def test_train_then_suggest_with_the_model(project: Project, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    insert_documents(project.store, gold_docs())
    new = "Sara Kamal visited Zakho on day 40. Officials in Zakho welcomed Sara Kamal."
    insert_documents(project.store, [NewDocument(text=new, content_hash=content_hash(new))])
    out = tmp_path / "model"
    assert main(["train", "-p", str(project.root), "--iterations", "12", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "held out 2" in printed and "held-out scores" in printed
    meta = json.loads((out / "meta.json").read_text("utf-8"))
    assert meta["copydesk"]["heldout_docs"] == 2
    assert set(meta["labels"]["ner"]) == {"GPE", "PERSON"}

    assert main(["suggest", "-p", str(project.root), "--model", str(out)]) == 0
    with sqlite3.connect(project.store.db.path) as conn:
        found = conn.execute(
            'SELECT s.label, s.start, s."end", s.text FROM span s JOIN annotation_set a '
            "ON a.id = s.set_id WHERE a.annotator = 'suggest:model'").fetchall()
    edges = {e for t in tokenize(new) for e in t}
    assert found, "the model suggested nothing on a document like its training data"
    for label, start, end, text in found:
        assert label in {"GPE", "PERSON"} and start in edges and end in edges
        assert new[start:end] == text
    capsys.readouterr()
    assert main(["suggest", "-p", str(project.root), "--model", str(out)]) == 0
    assert "0 updated" in capsys.readouterr().out


def test_train_refuses_what_it_cannot_use(project: Project, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "-p", str(project.root), str(tmp_path / "m")]) == 1
    assert "nothing to train on" in capsys.readouterr().err
    assert main(["suggest", "-p", str(project.root), "--model", str(tmp_path)]) == 1
    assert "not a spaCy pipeline folder" in capsys.readouterr().err
    assert main(["train", "-p", str(project.root), "--annotator", "suggest:model",
                 str(tmp_path / "m")]) == 1
    assert "suggestion source" in capsys.readouterr().err


def test_train_on_more_than_500_finished_documents(project: Project, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """The DocBin export shards above 500 records (a folder, not `all.spacy`): training must
    read every shard instead of failing with `all.spacy: Is a directory`."""
    docs = []
    for i in range(520):
        person, place = PEOPLE[i % len(PEOPLE)], PLACES[i % len(PLACES)]
        text = f"{person} reached {place} on day {i}."
        spans = [NewSpan("entity", "PERSON", 0, len(person)),
                 NewSpan("entity", "GPE", text.index(place), text.index(place) + len(place))]
        docs.append(NewDocument(text=text, content_hash=content_hash(text), external_id=f"d{i}",
                                sets=[NewSet("gold", "done", spans)]))
    insert_documents(project.store, docs)
    out = tmp_path / "model"
    assert main(["train", "-p", str(project.root), "--iterations", "1", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "trained on 416 documents, held out 104" in printed
