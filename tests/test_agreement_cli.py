"""The team commands end to end through `tui.cli.main`: assign, agreement, review (batch)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from copydesk.projects.permissions import GOLD
from copydesk.projects.project import Project
from copydesk.tui.cli.main import main

TEXT = "Ann met Bob in Paris ."


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "proj"
    with Project.init(root) as proj:
        proj.store.add_documents([{"text": TEXT, "content_hash": "h1"},
                                  {"text": TEXT + " Again.", "content_hash": "h2"}])
    config = root / "copydesk.yaml"
    config.write_text(config.read_text().replace("reviewers: []", "reviewers: [rita]"))
    monkeypatch.setenv("COPYDESK_ANNOTATOR", "rita")
    return root


def annotate(root: Path) -> None:
    with Project.open(root) as proj:
        for doc in (1, 2):
            for who, spans in (("ann", [("PERSON", 0, 3), ("GPE", 15, 20)]),
                               ("bob", [("PERSON", 0, 3), ("PERSON", 8, 11)])):
                for label, start, end in spans:
                    proj.store.add_span(doc, who, label, start, end)
                proj.store.set_status(doc, who, "done")


def test_assign_command(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["assign", "-p", str(project), "--k", "2", "--annotators", "ann,bob"]) == 0
    assert "assigned 4" in capsys.readouterr().out
    assert main(["assign", "-p", str(project), "--k", "3", "--annotators", "ann,bob"]) == 1
    assert "needs at least 3 annotators" in capsys.readouterr().err


def test_agreement_json_and_tables(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["agreement", "-p", str(project)]) == 0
    assert "no document is done by two" in capsys.readouterr().out
    annotate(project)
    assert main(["agreement", "-p", str(project), "--layer", "entity", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    # per document: ann {Ann, Paris}, bob {Ann, Bob}: tp 1 of 2 + 2 -> F1 1/2; two documents
    assert data["documents"] == 2
    assert data["exact"]["micro"] == {"tp": 2, "fp": 2, "fn": 2, "precision": 0.5,
                                      "recall": 0.5, "f1": 0.5}
    assert main(["agreement", "-p", str(project), "--per-document"]) == 0
    out = capsys.readouterr().out
    assert "worst agreement first" in out and "Krippendorff" in out


def test_review_batch_accepts_unanimous(project: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    annotate(project)
    assert main(["review", "-p", str(project), "--list"]) == 0
    assert "2 done" in capsys.readouterr().out
    assert main(["review", "-p", str(project), "--accept-unanimous"]) == 0
    assert "accepted 2 unanimous" in capsys.readouterr().out
    with Project.open(project) as proj:
        assert [(s.label, s.start, s.end) for s in proj.store.spans(1, GOLD)] == [
            ("PERSON", 0, 3)]
    assert main(["review", "-p", str(project), "--reviewer", "ann", "--accept-unanimous"]) == 1
    assert "'ann' is not a reviewer" in capsys.readouterr().err
