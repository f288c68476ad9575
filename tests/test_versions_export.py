"""Exports after a correction: the latest text, unreviewed spans out by default and counted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import add_text, find

from copydesk.projects.docversions import update_document
from copydesk.projects.project import Project
from copydesk.tui.cli.main import main

EN = (Path(__file__).parent / "data" / "versions" / "en.txt").read_text(encoding="utf-8")


@pytest.fixture
def corrected(project: Project) -> tuple[Project, str]:
    s = project.store
    doc = add_text(project, EN, "flood")
    s.add_span(doc, "ann", "PERSON", *find(EN, "Marta Oyelaran"))
    s.add_span(doc, "ann", "GPE", *find(EN, "Tarvel"))
    s.add_span(doc, "ann", "PERSON", *find(EN, "Pavel Strunin"))
    s.set_status(doc, "ann", "done")
    new = "Correction appended.\n" + EN.replace("Oyelaran", "Oyelaram").replace(
        "The regional governor, Pavel Strunin, promised repairs by March.", "")
    update_document(s, doc, new)
    return project, new


def _export(project: Project, out: Path, capsys, *extra: str) -> tuple[list[dict], str]:
    code = main(["export", "jsonl", str(out), "-p", str(project.root), "--jobs", "1", *extra])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()], \
        captured.out + captured.err


def test_export_uses_the_new_text_and_leaves_unreviewed_spans_out(
        corrected: tuple[Project, str], tmp_path: Path, capsys) -> None:
    project, new = corrected
    [record], said = _export(project, tmp_path / "out.jsonl", capsys)
    assert record["text"] == new
    assert [(sp["label"], new[sp["start"]:sp["end"]]) for sp in record["spans"]] == [
        ("GPE", "Tarvel")]
    assert "1 spans needing review" in said
    assert "1 spans whose text a correction deleted (need review)" in said
    assert "unreviewed_spans" not in record["meta"]


def test_include_unreviewed_keeps_edited_spans_marked_in_meta(
        corrected: tuple[Project, str], tmp_path: Path, capsys) -> None:
    project, new = corrected
    [record], said = _export(project, tmp_path / "out.jsonl", capsys, "--include-unreviewed")
    texts = [new[sp["start"]:sp["end"]] for sp in record["spans"]]
    assert texts == ["Tarvel", "Marta Oyelaram"]
    [marked] = record["meta"]["unreviewed_spans"]
    assert marked == {"id": 1, "reason": "edited", "old_text": "Marta Oyelaran"}
    # the deleted one has no text to export, and is still counted
    assert "1 spans whose text a correction deleted (need review)" in said
