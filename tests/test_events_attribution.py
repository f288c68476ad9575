"""Events and attribution in the store and in `copydesk stats`, on the sample article."""

from __future__ import annotations

import pytest
from conftest import find

from copydesk.projects.errors import StoreError
from copydesk.projects.importers import import_paths
from copydesk.projects.project import Project
from copydesk.projects.stats import project_stats
from copydesk.tui.cli.main import main

QUOTE = "This shows ISIS still holds a wide stretch of ground despite the ongoing operations,"


@pytest.fixture
def built(project: Project, sample_path) -> tuple[Project, int, dict[str, int]]:
    """Two events and two attributions on the sample article, as an annotator would make."""
    doc = import_paths(project.store, [sample_path]).document_ids[0]
    text = project.store.document(doc).text
    s = project.store

    def span(label: str, needle: str, nth: int = 0, **attrs: str) -> int:
        return s.add_span(doc, "ann", label, *find(text, needle, nth), attributes=attrs).id

    ids = {
        "bombing": span("Conflict.Attack", "bombing"),
        "forces": span("ORG", "security forces", 1),
        "targets": span("ORG", "ISIS targets"),
        "wadi": span("LOC", "Wadi Tamur", 1),
        "deaths": span("Life.Die", "deaths"),
        "fighters": span("NORP", "ISIS fighters", 1),
        "areas": span("LOC", "Hawija and Hamrin areas"),
        "q1": span("CONTENT", "Hardly a night passes without security forces bombing ISIS "
                              "targets in Wadi Tamur,", type="direct"),
        "shawes": span("SOURCE", "Barzinji", 1),
        "told": span("CUE", "told"),
        "q2": span("CONTENT", QUOTE, type="direct"),
        "mohammed": span("SOURCE", "Rasul", 1),
        "said": span("CUE", "said"),
    }
    for head, tail, role in [("bombing", "forces", "Attacker"), ("bombing", "targets", "Target"),
                             ("bombing", "wadi", "Place"), ("deaths", "fighters", "Victim"),
                             ("deaths", "areas", "Place"), ("q1", "shawes", "source"),
                             ("q1", "told", "cue"), ("q2", "mohammed", "source"),
                             ("q2", "said", "cue")]:
        s.add_link(ids[head], ids[tail], role, "ann")
    return project, doc, ids


def test_stats_count_events_roles_and_attributions(built, capsys) -> None:
    project, _, ids = built
    project.store.set_attributes(ids["q2"], "ann", {"type": "indirect"})
    stats = project_stats(project.store)
    assert stats.events == {"Conflict.Attack": 1, "Life.Die": 1}
    assert stats.roles == {"Attacker": 1, "Target": 1, "Place": 2, "Victim": 1}
    assert stats.attributions == {"direct": 1, "indirect": 1}
    assert main(["stats", "-p", str(project.root)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert any(line.split() == ["Place", "2"] for line in out)
    assert any(line.split() == ["indirect", "1"] for line in out)


def test_one_source_may_speak_many_contents_and_a_source_may_be_missing(built) -> None:
    project, doc, ids = built
    s = project.store
    text = s.document(doc).text
    claim = s.add_span(doc, "ann", "CONTENT", *find(text, "ISIS cells keep Iraq on edge"))
    # an unattributed claim is valid on its own; the same source may back a second content
    s.add_link(claim.id, ids["shawes"], "source", "ann")
    with pytest.raises(StoreError, match="already has a 'source'"):
        s.add_link(claim.id, ids["mohammed"], "source", "ann")
    with pytest.raises(StoreError, match="cannot be the 'cue'"):
        s.add_link(claim.id, ids["shawes"], "cue", "ann")


def test_re_role_is_checked_and_undoable(built) -> None:
    project, doc, ids = built
    s = project.store
    link = next(lk for lk in s.links(doc, "ann") if lk.role == "Target")
    with pytest.raises(StoreError, match="cannot be the 'Time'"):
        s.set_role(link.id, "ann", "Time")
    s.set_role(link.id, "ann", "Attacker")  # Attacker repeats: a second one is allowed
    assert sorted(lk.role for lk in s.links(doc, "ann") if lk.head_id == ids["bombing"]) == \
        ["Attacker", "Attacker", "Place"]
    s.undo(doc, "ann")
    assert sorted(lk.role for lk in s.links(doc, "ann") if lk.head_id == ids["bombing"]) == \
        ["Attacker", "Place", "Target"]


def test_relabel_that_would_break_a_link_is_refused(built) -> None:
    project, _, ids = built
    with pytest.raises(StoreError, match="remove the link first"):
        project.store.relabel_span(ids["wadi"], "ann", "DATE")  # Place cannot be a DATE
    assert project.store.span(ids["wadi"]).label == "LOC"
