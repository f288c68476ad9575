"""Machine suggestions never pose as human work: export, stats and agreement leave `suggest:*`
sets out unless one is named or `--include-suggestions` is given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import add_text, find

from copydesk.projects.project import Project
from copydesk.projects.suggest import PATTERNS
from copydesk.tui.cli.main import main

TEXT = ("Flooding hit Kirkuk and Erbil on Monday, the governor of Kirkuk said. "
        "Aid from Baghdad arrived by Tuesday.")


@pytest.fixture
def mixed(project: Project, tmp_path: Path) -> Project:
    """Two people done on one document, and the pattern suggester's set on it too."""
    doc = add_text(project, TEXT, "Floods")
    for who in ("alice", "bob"):
        project.store.add_span(doc, who, "GPE", *find(TEXT, "Kirkuk"))
        project.store.set_status(doc, who, "done")
    places = tmp_path / "places.txt"
    places.write_text("# label: GPE\nKirkuk\nErbil\nBaghdad\n", "utf-8")
    assert main(["suggest", "-p", str(project.root), "--docs", "all", "--patterns",
                 str(places)]) == 0
    return project


def exported(project: Project, out: Path, *args: str) -> set[str]:
    assert main(["export", "jsonl", str(out), "-p", str(project.root), "--force", *args]) == 0
    return {json.loads(line)["meta"]["annotator"] for line in out.read_text("utf-8").splitlines()}


def test_export_leaves_suggestions_out_even_with_status_all(mixed: Project,
                                                            tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    assert exported(mixed, out) == {"alice", "bob"}
    assert exported(mixed, out, "--status", "all") == {"alice", "bob"}
    assert exported(mixed, out, "--status", "all", "--include-suggestions") == {
        "alice", "bob", PATTERNS}
    assert exported(mixed, out, "--annotator", PATTERNS) == {PATTERNS}
    assert exported(mixed, out, "--annotator", "alice", "--annotator", PATTERNS) == {
        "alice", PATTERNS}


def test_export_in_worker_processes_leaves_suggestions_out(mixed: Project,
                                                           tmp_path: Path) -> None:
    for i in range(3):  # enough documents for several chunks
        doc = add_text(mixed, f"{TEXT} Report {i}.")
        mixed.store.set_status(doc, "alice", "done")
    assert main(["suggest", "-p", str(mixed.root), "--docs", "all", "--patterns",
                 str(tmp_path / "places.txt")]) == 0
    out = tmp_path / "out.jsonl"
    assert PATTERNS not in exported(mixed, out, "--status", "all", "--jobs", "2")


def test_stats_counts_people_and_shows_suggestions_apart(mixed: Project,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    assert main(["stats", "-p", str(mixed.root)]) == 0
    out = capsys.readouterr().out
    people, _, machine = out.partition("machine suggestions")
    assert machine, out
    assert PATTERNS not in people
    # people marked Kirkuk twice (alice, bob); the suggester 4 places, shown in its own section
    gpe = next(line for line in people.splitlines() if line.split()[:2] == ["entity", "GPE"])
    assert gpe.split()[-1] == "2"
    row = next(line for line in machine.splitlines() if line.startswith(PATTERNS))
    assert row.split() == [PATTERNS, "1", "entity", "GPE", "4"]

    assert main(["stats", "-p", str(mixed.root), "--include-suggestions"]) == 0
    out = capsys.readouterr().out
    assert "machine suggestions" not in out
    assert PATTERNS in out
    gpe = next(line for line in out.splitlines() if line.split()[:2] == ["entity", "GPE"])
    assert gpe.split()[-1] == "6"

    assert main(["stats", "-p", str(mixed.root), "--annotator", PATTERNS]) == 0
    out = capsys.readouterr().out
    rows = [line.split()[0] for line in out.splitlines()[3:] if line.strip()]
    assert PATTERNS in rows and "alice" not in rows


def test_agreement_compares_people_not_the_suggester(mixed: Project,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    def names(*args: str) -> list[str]:
        assert main(["agreement", "-p", str(mixed.root), "--json", *args]) == 0
        return json.loads(capsys.readouterr().out)["annotators"]

    assert names() == ["alice", "bob"]
    assert names("--include-suggestions") == ["alice", "bob", PATTERNS]
    assert names("--annotator", "alice", "--annotator", PATTERNS) == ["alice", PATTERNS]
    assert main(["agreement", "-p", str(mixed.root)]) == 0
    assert PATTERNS not in capsys.readouterr().out
