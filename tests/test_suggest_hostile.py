"""Hostile pattern files and articles: a REGEX cannot hang `suggest`, an empty list cannot wipe."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest
from conftest import add_text

from copydesk.projects.project import Project
from copydesk.projects.suggest import PATTERNS
from copydesk.projects.suggest.patterns import load_patterns
from copydesk.tui.cli.main import main

LONG = "a" * 39 + "b"  # one 40-letter token
TEXT = f"Kirkuk police found the word {LONG} painted on a wall in Erbil.\nNothing else.\n"


def suggest(project: Project, *args: str) -> int:
    return main(["suggest", "-p", str(project.root), "--docs", "all", *args])


def suggested(project: Project) -> list[str]:
    with sqlite3.connect(project.store.db.path) as conn:
        return [row[0] for row in conn.execute(
            "SELECT s.text FROM span s JOIN annotation_set a ON a.id = s.set_id "
            "WHERE a.annotator = ? ORDER BY s.start", (PATTERNS,))]


def write_patterns(path: Path, *entries: dict) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in entries), "utf-8")
    return path


@pytest.mark.parametrize("expression", ["(a+)+$", "(a|aa)+$"])
def test_a_backtracking_regex_returns_quickly_and_the_rest_goes_on(
        project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        expression: str) -> None:
    add_text(project, TEXT)
    rules = write_patterns(tmp_path / "rules.jsonl",
                           {"label": "GPE", "pattern": "Erbil"},
                           {"label": "ORG", "pattern": [{"TEXT": {"REGEX": expression}}]})
    began = time.perf_counter()
    assert suggest(project, "--patterns", str(rules)) == 0
    assert time.perf_counter() - began < 10
    assert "Erbil" in suggested(project)  # the other pattern still ran
    err = capsys.readouterr().err
    if expression == "(a|aa)+$":  # the regex package does not backtrack on (a+)+$ at all
        [line] = err.splitlines()
        assert f"{rules}:2: REGEX '(a|aa)+$' ran out of time" in line
        assert "document 1, line 1" in line and LONG[:10] in line


def test_the_timeout_names_the_line_of_the_document(tmp_path: Path) -> None:
    rules = write_patterns(tmp_path / "r.jsonl",
                           {"label": "ORG", "pattern": [{"LOWER": {"REGEX": "(a|aa)+$"}}]})
    patterns = load_patterns([str(rules)])
    assert patterns.match(f"First line.\nSecond {LONG} line.\n") == []
    [timeout] = patterns.take_timeouts()
    assert (timeout.where, timeout.line, timeout.token) == (f"{rules}:1", 2, LONG)
    assert patterns.take_timeouts() == []


@pytest.mark.parametrize("content", ["# label: GPE\n", "# label: GPE\n\n   \n# none yet\n"])
def test_an_empty_gazetteer_is_refused_and_wipes_nothing(project: Project, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str],
                                                         content: str) -> None:
    add_text(project, TEXT)
    places = tmp_path / "places.txt"
    places.write_text("# label: GPE\nErbil\nKirkuk\n", "utf-8")
    assert suggest(project, "--patterns", str(places)) == 0
    assert suggested(project) == ["Kirkuk", "Erbil"]
    capsys.readouterr()
    places.write_text(content, "utf-8")
    assert suggest(project, "--patterns", str(places)) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(places) in err and "no names" in err
    assert "--clear" in err
    assert suggested(project) == ["Kirkuk", "Erbil"]
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", "utf-8")
    assert suggest(project, "--patterns", str(empty)) == 1
    assert "no patterns" in capsys.readouterr().err
    assert main(["suggest", "-p", str(project.root), "--clear", "--source", PATTERNS]) == 0
    assert suggested(project) == []
