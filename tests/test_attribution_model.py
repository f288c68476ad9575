"""`copydesk train --attribution` + `copydesk suggest --model` (issue 22), on our own news
corpus (tests/data/attribution-news): the CRF learns from the train split's gold."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from copydesk.projects.bulk import NewDocument, insert_documents
from copydesk.projects.importers import content_hash
from copydesk.projects.project import Project
from copydesk.projects.suggest.evaluate import import_gold, read_gold_files, score_proposals
from copydesk.tui.cli.main import main

pytest.importorskip("pycrfsuite")

CORPUS = Path(__file__).parent / "data" / "attribution-news"


def test_train_then_suggest_whole_attributions(project: Project, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from copydesk.projects.suggest.crf import AttributionCRF

    train = read_gold_files([CORPUS / "train"])
    test = read_gold_files([CORPUS / "test"])
    import_gold(project.store, train)
    insert_documents(project.store, [NewDocument(text=t, content_hash=content_hash(t),
                                                 external_id=i) for i, t, _ in test])
    out = tmp_path / "attr-model"
    assert main(["train", "-p", str(project.root), "--attribution", "--time-budget", "120",
                 str(out)]) == 0
    printed = capsys.readouterr().out
    assert "trained on 30 documents, held out 8" in printed
    for part in ("cue exact", "source overlap", "content overlap", "attribution exact"):
        assert part in printed
    meta = json.loads((out / "copydesk-model.json").read_text("utf-8"))
    assert meta["report"]["heldout_docs"] == 8 and meta["report"]["best_iteration"] >= 1

    model = AttributionCRF.load(out, project.schema)  # what suggest --model reads
    ev = score_proposals(project.schema, [(p, model.predict(t)) for _, t, p in test])
    assert ev.parts_exact["cue"].f1 >= 0.85 and ev.parts_overlap["source"].f1 >= 0.85
    assert ev.whole_overlap.f1 >= 0.8

    assert main(["suggest", "-p", str(project.root), "--model", str(out)]) == 0
    assert f"suggest:model: {len(test)} documents" in capsys.readouterr().out
    with sqlite3.connect(project.store.db.path) as conn:
        rows = conn.execute(
            "SELECT s.label, s.start, s.\"end\", s.text, d.text FROM span s JOIN annotation_set"
            " a ON a.id = s.set_id JOIN document d ON d.id = s.document_id "
            "WHERE a.annotator = 'suggest:model'").fetchall()
        roles = {r for (r,) in conn.execute(
            "SELECT l.role FROM link l JOIN annotation_set a ON a.id = l.set_id "
            "WHERE a.annotator = 'suggest:model'")}
    assert {label for label, *_ in rows} == {"CONTENT", "CUE", "SOURCE"}
    assert roles == {"cue", "source"}
    for label, start, end, text, doc in rows:
        if label != "CONTENT" or doc[start:end] == text:  # a split content joins its pieces
            assert doc[start:end] == text and text.strip() == text and text


def test_train_and_model_refuse_what_they_cannot_use(project: Project, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "-p", str(project.root), "--attribution", str(tmp_path / "m")]) == 1
    assert "found 0" in capsys.readouterr().err
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "copydesk-model.json").write_text("{not json", "utf-8")
    assert main(["suggest", "-p", str(project.root), "--model", str(broken)]) == 1
    err = capsys.readouterr().err
    assert "not an attribution model" in err and "Traceback" not in err
    assert main(["train", "-p", str(project.root), "--attribution", "--time-budget", "0",
                 str(tmp_path / "m")]) == 1
    assert "--time-budget" in capsys.readouterr().err


def test_the_model_learns_event_triggers_from_gold(project: Project, tmp_path: Path) -> None:
    """Triggers of one event type, written many times in gold, are suggested on new text."""
    from copydesk.projects.suggest.evaluate import parse_markup

    towns = ["Varno", "Kessel", "Solm", "Tolva", "Alva", "Pera", "Hollin", "Dornfeld"]
    gold = []
    for i, town in enumerate(towns * 3):
        marked = (f"Workers in {town} will {{E1:Conflict.Demonstrate|strike}} on day {i}. "
                  f'"{{C1|We have waited long enough for a fair offer}}," {{S1|a union leader}}'
                  f" {{Q1|said}}.\n")
        text, proposal = parse_markup(marked)
        gold.append((f"d{i}", text, proposal))
    import_gold(project.store, gold)
    new = "Nurses in Ardel will strike on day 90."
    insert_documents(project.store, [NewDocument(text=new, content_hash=content_hash(new))])
    out = tmp_path / "m"
    assert main(["train", "-p", str(project.root), "--attribution", str(out)]) == 0
    assert main(["suggest", "-p", str(project.root), "--model", str(out)]) == 0
    with sqlite3.connect(project.store.db.path) as conn:
        found = conn.execute(
            "SELECT s.layer, s.label, s.text FROM span s JOIN annotation_set a ON a.id = s.set_id"
            " WHERE a.annotator = 'suggest:model'").fetchall()
    assert ("event", "Conflict.Demonstrate", "strike") in found


def test_the_model_learns_the_teams_cue_extent(project: Project, tmp_path: Path) -> None:
    """Gold that marks "has repeatedly insisted" (not the bare verb) teaches the model that
    extent, on a verb it never saw in that frame."""
    from copydesk.projects.suggest.crf import AttributionCRF
    from copydesk.projects.suggest.evaluate import parse_markup

    verbs = ["insisted", "warned", "argued", "said", "denied", "claimed"]
    names = ["The ministry", "The union", "The council", "The company"]
    gold = []
    for i in range(24):
        marked = (f"{{S1|{names[i % 4]}}} {{Q1|has repeatedly {verbs[i % 6]}}} "
                  f"{{C1:indirect|that the plan number {i} is safe}}.\n")
        text, proposal = parse_markup(marked)
        gold.append((f"d{i}", text, proposal))
    import_gold(project.store, gold)
    out = tmp_path / "m"
    assert main(["train", "-p", str(project.root), "--attribution", str(out)]) == 0
    model = AttributionCRF.load(out, project.schema)
    text = "The agency has repeatedly stressed that the dam is safe."
    cues = [text[s.start:s.end] for s in model.predict(text).spans if s.label == "CUE"]
    assert cues == ["has repeatedly stressed"]


def test_the_time_budget_ends_training_early(project: Project, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    import_gold(project.store, read_gold_files([CORPUS / "train"]))
    out = tmp_path / "m"
    assert main(["train", "-p", str(project.root), "--attribution", "--time-budget", "0.001",
                 str(out)]) == 0
    printed = capsys.readouterr().out
    assert "1 iterations (first pass stopped: budget)" in printed
    assert (out / "attribution.crfsuite").is_file()
