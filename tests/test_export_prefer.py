"""`--prefer gold`: one set per document, the adjudicated one where it exists."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import add_text, find

from copydesk.projects.project import Project
from copydesk.tui.cli.main import main

TEXT = "Irena Kostava spoke in Valmora."


def test_prefer_gold_with_fallback(project: Project, tmp_path: Path) -> None:
    store = project.store
    first = add_text(project, TEXT, "one")
    second = add_text(project, "Tomas Reyl spoke in Saltmere.", "two")
    for annotator, label in (("alice", "PERSON"), ("bob", "NORP"), ("gold", "PERSON")):
        store.add_span(first, annotator, label, *find(TEXT, "Irena Kostava"))
        store.set_status(first, annotator, "done")
    for annotator in ("bob", "alice"):
        store.add_span(second, annotator, "GPE", *find("Tomas Reyl spoke in Saltmere.",
                                                       "Saltmere"))
        store.set_status(second, annotator, "done")

    def export(*extra: str) -> list[tuple[str, str]]:
        out = tmp_path / f"out{len(extra)}.jsonl"
        assert main(["export", "jsonl", str(out), "-p", str(project.root), *extra]) == 0
        lines = [json.loads(line) for line in out.read_text().splitlines()]
        return [(rec["meta"]["title"], rec["meta"]["annotator"]) for rec in lines]

    assert export("--prefer", "gold") == [("one", "gold"), ("two", "alice")]
    assert export("--prefer", "gold", "--annotator", "bob") == [("one", "gold"), ("two", "bob")]
    assert len(export()) == 5  # without --prefer every done set is a record
