"""`agreement --confusion` and the SVG/HTML reports, end to end through `tui.cli.main`."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from copydesk.projects.project import Project
from copydesk.tui.cli.main import main

TEXT = "Ann of Acme met Bob in Paris ."
# Ann 0-3, Acme 7-11, Bob 16-19, in 20-22, Paris 23-28
ALICE = [("PERSON", 0, 3), ("ORG", 7, 11), ("PERSON", 16, 19), ("GPE", 23, 28)]
BOB = [("PERSON", 0, 3), ("ORG", 16, 19), ("GPE", 20, 28)]  # one confusion, one boundary,
# Acme missed


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "proj"
    with Project.init(root) as proj:
        store = proj.store
        store.add_documents([{"text": TEXT, "content_hash": "h1", "title": "Acme story"},
                             {"text": "Zed spoke .", "content_hash": "h2"}])
        for who, spans in (("alice", ALICE), ("bob", BOB)):
            for label, start, end in spans:
                store.add_span(1, who, label, start, end)
            store.set_status(1, who, "done")
        store.add_span(2, "carol", "PERSON", 0, 3)  # started, not done
        store.add_span(1, "suggest:patterns", "LOC", 23, 28)
        store.set_status(1, "suggest:patterns", "done")
    monkeypatch.setenv("COPYDESK_ANNOTATOR", "alice")
    return root


def test_confusion_json_is_the_hand_computed_matrix(project: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["agreement", "-p", str(project), "--confusion", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["labels"] == ["GPE", "ORG", "PERSON", "none"]  # no LOC: suggestions left out
    m = data["matrix"]
    assert m["PERSON"] == {"GPE": 0, "ORG": 1, "PERSON": 1, "none": 0}
    assert m["ORG"] == {"GPE": 0, "ORG": 0, "PERSON": 0, "none": 1}
    assert m["GPE"] == {"GPE": 0, "ORG": 0, "PERSON": 0, "none": 0}
    assert m["none"] == {"GPE": 0, "ORG": 0, "PERSON": 0, "none": 0}
    assert data["boundary"] == {"GPE": 1, "ORG": 0, "PERSON": 0}


def test_confusion_table_and_pair_order(project: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["agreement", "-p", str(project), "--confusion", "--pair", "bob,alice"]) == 0
    out = capsys.readouterr().out
    assert "bob \\ alice" in out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()
            if line.split() and line.split()[0] in ("GPE", "ORG", "PERSON", "none")}
    # columns GPE ORG PERSON none boundary; bob's ORG on alice's PERSON, alice's Acme -> none.
    assert rows["ORG"] == ["0", "0", "1", "0", "0"]
    assert rows["none"] == ["0", "1", "0", "0", "-"]
    assert rows["GPE"][-1] == "1"


def test_bad_pair_is_one_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["agreement", "-p", str(project), "--confusion", "--pair", "alice,zoe"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("copydesk: error:") and "'zoe'" in err and "\n" not in err


def _svg_text(path: Path) -> str:
    root = ET.parse(path).getroot()  # well-formed XML, or this raises
    assert root.tag.endswith("svg")
    return "".join(root.itertext()).replace("\xa0", " ")


def test_stats_svg_holds_every_annotator_and_label(project: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report.svg"
    assert main(["stats", "-p", str(project), "--svg", str(out)]) == 0
    text = _svg_text(out)
    for name in ("alice", "bob", "carol"):
        assert name in text
    assert "suggest:patterns" not in text
    for label in ("PERSON", "ORG", "GPE"):
        assert label in text
    assert "Acme story" in text  # the lowest-agreement document
    assert "wrote" in capsys.readouterr().err


def test_agreement_svg_and_html(project: Path, tmp_path: Path) -> None:
    svg, html = tmp_path / "agree.svg", tmp_path / "agree.html"
    assert main(["agreement", "-p", str(project), "--svg", str(svg), "--html", str(html)]) == 0
    text = _svg_text(svg)
    for word in ("alice", "bob", "PERSON", "ORG", "GPE", "none"):
        assert word in text
    page = html.read_text(encoding="utf-8")
    assert page.lstrip().lower().startswith("<!doctype html") and "PERSON" in page


def test_svg_into_missing_folder_is_one_line(project: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "nowhere" / "r.svg"
    assert main(["stats", "-p", str(project), "--svg", str(target)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("copydesk: error:") and "\n" not in err
    assert not target.exists()


def test_hostile_names_never_reach_the_terminal_raw(project: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    evil = "eve\x1b]0;owned\x07\u202e"
    with Project.open(project) as proj:
        for label, start, end in ALICE:
            proj.store.add_span(1, evil, label, start, end)
        proj.store.set_status(1, evil, "done")
    assert main(["agreement", "-p", str(project), "--confusion", "--pair", f"alice,{evil}"]) == 0
    assert main(["stats", "-p", str(project), "--svg", str(tmp_path / "r.svg")]) == 0
    out = capsys.readouterr()
    for text in (out.out, out.err, (tmp_path / "r.svg").read_text(encoding="utf-8")):
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "eve" in _svg_text(tmp_path / "r.svg")
