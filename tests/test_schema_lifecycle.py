"""Schema lifecycle on a real project: apply each kind of change, count rows in the database
before and after, undo an apply exactly, dry runs that change nothing, stale rows in stats."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import add_text, find
from sqlalchemy import create_engine, text

from copydesk.projects.errors import StoreError
from copydesk.projects.migrate import reload_schema, schema_changed, undo_apply
from copydesk.projects.project import Project
from copydesk.schema import default_schema_path
from copydesk.tui.cli.main import main

ANN = "ann"
TEXT = (
    "Leyla Aziz said the Ministry of Water Resources and Yazidi fighters struck Mosul near the "
    "Qandil Mountains with mortar rounds on Tuesday. \"We will rebuild,\" Omar Haddad said."
)
NEWSROOM = default_schema_path().read_text(encoding="utf-8")


@pytest.fixture
def project(any_project: Project) -> Project:
    """Every test here runs on SQLite and on PostgreSQL."""
    return any_project


class _Rows(list):
    """Fetched rows as tuples, with the sqlite3 cursor calls the helpers below use."""

    def fetchone(self) -> tuple | None:
        return self[0] if self else None

    def fetchall(self) -> list[tuple]:
        return list(self)


class _Raw:
    """The database read on a connection of our own (not through the store), on either
    engine; takes the `?` parameters sqlite3 does."""

    def __init__(self, project: Project) -> None:
        self._engine = create_engine(project.store.db.engine.url)
        self._conn = self._engine.connect()

    def execute(self, sql: str, params: tuple = ()) -> Any:
        names = iter(range(len(params)))
        named = re.sub(r"\?", lambda _m: f":p{next(names)}", sql)
        result = self._conn.execute(text(named), {f"p{i}": v for i, v in enumerate(params)})
        return _Rows(tuple(row) for row in result)

    def close(self) -> None:
        self._conn.close()
        self._engine.dispose()


def variant(*edits: tuple[str, str], version: str = "2.0") -> str:
    """The newsroom schema with exact text replacements (each must match once)."""
    text = NEWSROOM.replace('version: "1.0"', f'version: "{version}"')
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


RENAME_PERSON = [("  PERSON:\n    hotkey: p",
                  "  HUMAN:\n    renamed_from: [PERSON]\n    hotkey: p")]
MERGE_NORP = [("  NORP:\n    hotkey: k", "  NORP:\n    merged_into: ORG\n    hotkey: k")]


def rename_person_text() -> str:
    text = variant(*RENAME_PERSON)
    # every role that accepted PERSON now accepts HUMAN (the validator checks accepts)
    return text.replace("[PERSON,", "[HUMAN,")


def remove_loc_text() -> str:
    text = variant(("  LOC:\n", "  LOCX:\n"))
    start = text.index("  LOCX:\n")
    end = text.index("  FAC:\n")
    text = text[:start] + text[end:]
    return text.replace(", LOC]", "]").replace(", LOC,", ",")


@pytest.fixture
def annotated(project: Project) -> dict[str, int]:
    """One article with entities, an attack with six arguments and a quote; ids by name."""
    store = project.store
    doc = add_text(project, TEXT, "t")
    ids: dict[str, int] = {"doc": doc}

    def span(name: str, label: str, needle: str, nth: int = 0, **attrs: str) -> None:
        start, end = find(TEXT, needle, nth)
        ids[name] = int(store.add_span(doc, ANN, label, start, end,
                                       attributes=attrs or None).id)  # type: ignore[arg-type]

    span("leyla", "PERSON", "Leyla Aziz")
    span("ministry", "ORG", "Ministry of Water Resources")
    span("yazidi", "NORP", "Yazidi")
    span("mosul", "GPE", "Mosul")
    span("qandil", "LOC", "Qandil Mountains")
    span("mortar", "WEAPON", "mortar rounds")
    span("tuesday", "DATE", "Tuesday")
    span("struck", "Conflict.Attack", "struck")
    span("omar", "PERSON", "Omar Haddad")
    span("content", "CONTENT", "We will rebuild", type="mixed")
    span("source", "SOURCE", "Omar Haddad")
    span("cue", "CUE", "said", 1)

    def link(name: str, head: str, tail: str, role: str) -> None:
        ids[name] = int(store.add_link(ids[head], ids[tail], role, ANN).id)  # type: ignore[arg-type]

    link("attacker1", "struck", "ministry", "Attacker")
    link("attacker2", "struck", "yazidi", "Attacker")
    link("target", "struck", "mosul", "Target")
    link("place", "struck", "qandil", "Place")
    link("instrument", "struck", "mortar", "Instrument")
    link("time", "struck", "tuesday", "Time")
    link("src", "content", "source", "source")
    link("cuelink", "content", "cue", "cue")
    return ids


def rows(project: Project) -> tuple[dict[int, tuple], dict[int, tuple]]:
    """Spans and links straight from the database file (not through the store)."""
    con = _Raw(project)
    try:
        spans = {r[0]: r[1:] for r in con.execute(
            "SELECT id, label, layer, stale, schema_id, attributes FROM span ORDER BY id")}
        links = {r[0]: r[1:] for r in con.execute(
            "SELECT id, role, stale, schema_id FROM link ORDER BY id")}
    finally:
        con.close()
    return spans, links


def label_counts(project: Project, *, stale: bool | None = None) -> dict[str, int]:
    con = _Raw(project)
    where = "" if stale is None else ("WHERE stale != ''" if stale else "WHERE stale = ''")
    try:
        return dict(con.execute(f"SELECT label, count(*) FROM span {where} GROUP BY label"))
    finally:
        con.close()


def stale_links(project: Project) -> dict[int, str]:
    con = _Raw(project)
    try:
        return dict(con.execute("SELECT id, stale FROM link WHERE stale != ''"))
    finally:
        con.close()


def apply(project: Project, tmp_path: Path, text: str, *extra: str,
          capsys: pytest.CaptureFixture[str] | None = None) -> tuple[int, str, str]:
    new = tmp_path / "new.yaml"
    new.write_text(text, encoding="utf-8")
    code = main(["schema", "apply", str(new), "-p", str(project.root), *extra])
    out, err = capsys.readouterr() if capsys is not None else ("", "")
    if "--dry-run" not in extra and code == 0:
        reload_schema(project)  # what the TUI does when schema_changed() says so
    return code, out, err


def snapshot_version(project: Project, schema_id: int) -> str:
    con = _Raw(project)
    try:
        return con.execute("SELECT version FROM schema_snapshot WHERE id = ?",
                           (schema_id,)).fetchone()[0]
    finally:
        con.close()


# --------------------------------------------------------------------------- each change
def test_rename_relabels_every_span_and_confirms_version(project, annotated, tmp_path,
                                                         capsys) -> None:
    before = label_counts(project)
    assert before["PERSON"] == 2
    code, out, _ = apply(project, tmp_path, rename_person_text(), capsys=capsys)
    assert code == 0, out
    assert "label PERSON renamed to HUMAN  [2 span(s), 0 link(s)]" in out
    after = label_counts(project)
    assert "PERSON" not in after and after["HUMAN"] == 2
    assert {k: v for k, v in after.items() if k != "HUMAN"} == \
        {k: v for k, v in before.items() if k != "PERSON"}
    spans, links = rows(project)
    assert all(stale == "" for _, _, stale, _, _ in spans.values())
    assert all(stale == "" for _, stale, _ in links.values())
    # every span now says it was confirmed under 2.0
    assert {snapshot_version(project, sid) for _, _, _, sid, _ in spans.values()} == {"2.0"}
    assert project.schema.version == "2.0" and project.store.schema.label("HUMAN")
    assert (project.root / "schema.yaml").read_text(encoding="utf-8") == rename_person_text()
    # new writes are validated against the new schema
    start, end = find(TEXT, "Leyla")
    with pytest.raises(ValueError, match="unknown label 'PERSON'"):
        project.store.add_span(annotated["doc"], ANN, "PERSON", start, end)


def test_merge_relabels_into_target_and_keeps_links(project, annotated, tmp_path,
                                                    capsys) -> None:
    code, out, _ = apply(project, tmp_path, variant(*MERGE_NORP), capsys=capsys)
    assert code == 0
    assert "label NORP merged into ORG (merged_into)  [1 span(s), 1 link(s)]" in out
    counts = label_counts(project)
    assert "NORP" not in counts and counts["ORG"] == 2
    spans, links = rows(project)
    assert spans[annotated["yazidi"]][:3] == ("ORG", "entity", "")
    # the Attacker link now points at an ORG, which Attacker accepts: still fine
    assert links[annotated["attacker2"]][:2] == ("Attacker", "")


def test_merge_onto_an_existing_span_marks_the_duplicate(project, annotated, tmp_path) -> None:
    start, end = find(TEXT, "Yazidi")
    dup = project.store.add_span(annotated["doc"], ANN, "ORG", start, end)
    apply(project, tmp_path, variant(*MERGE_NORP))
    spans, _ = rows(project)
    assert spans[dup.id][:3] == ("ORG", "entity", "")  # the span that already had the label
    label, _, stale, _, _ = spans[annotated["yazidi"]]
    assert label == "ORG" and stale == (f"duplicate of span {dup.id} once NORP became ORG in "
                                        "schema newsroom 2.0")
    assert stale_links(project) == {
        annotated["attacker2"]: f"its tail span {annotated['yazidi']} is stale"}


def test_removed_label_keeps_spans_stale_and_their_links(project, annotated, tmp_path,
                                                         capsys) -> None:
    total = sum(label_counts(project).values())
    code, out, _ = apply(project, tmp_path, remove_loc_text(), capsys=capsys)
    assert code == 0
    assert "label LOC (entity) removed" in out and "[1 span(s), 1 link(s)]" in out
    assert sum(label_counts(project).values()) == total  # nothing deleted
    assert label_counts(project, stale=True) == {"LOC": 1}
    spans, _ = rows(project)
    assert spans[annotated["qandil"]][2] == "label LOC removed in schema newsroom 2.0"
    assert stale_links(project) == {annotated["place"]: f"its tail span {annotated['qandil']} "
                                                        "is stale"}
    # stale rows are what the store hides when asked, and what stats counts
    fresh = project.store.spans(annotated["doc"], ANN, include_stale=False)
    assert annotated["qandil"] not in {s.id for s in fresh}
    code = main(["stats", "-p", str(project.root)])
    out = capsys.readouterr().out
    assert code == 0
    assert "stale (kept for review, left out of exports): 1 span(s), 1 link(s)" in out
    assert any(line.split()[:2] == ["span", "1"] and "label LOC removed" in line
               for line in out.splitlines())


def test_role_constraint_changes_mark_links_stale(project, annotated, tmp_path,
                                                  capsys) -> None:
    text = variant(
        # Attacker may no longer repeat; Instrument is gone; Target no longer takes GPE
        ("      Attacker: {accepts: [PERSON, ORG, NORP, GPE], repeat: true, "
         "guideline: \"Who carried out the attack.\"}",
         "      Attacker: {accepts: [PERSON, ORG, NORP, GPE], "
         "guideline: \"Who carried out the attack.\"}"),
        ("      Instrument: {accepts: [WEAPON, VEHICLE], repeat: true, guideline: \"What the "
         "attack was carried out with.\"}\n", ""),
        ("      Target: {accepts: [PERSON, ORG, NORP, FAC, VEHICLE, GPE, LOC]",
         "      Target: {accepts: [PERSON, ORG, NORP, FAC, VEHICLE, LOC]"),
    )
    code, out, _ = apply(project, tmp_path, text, capsys=capsys)
    assert code == 0
    assert "role Attacker takes one filler only (repeat True -> False)  [0 span(s), 1 link(s)]" \
        in out
    assert "role Instrument removed  [0 span(s), 1 link(s)]" in out
    assert "role Target no longer accepts GPE  [0 span(s), 1 link(s)]" in out
    assert stale_links(project) == {
        annotated["attacker2"]: (f"role Attacker of Conflict.Attack takes one filler in schema "
                                 f"newsroom 2.0 (link {annotated['attacker1']} kept)"),
        annotated["instrument"]: ("role Instrument of Conflict.Attack removed in schema "
                                  "newsroom 2.0"),
        annotated["target"]: "role Target of Conflict.Attack does not accept GPE in schema "
                             "newsroom 2.0",
    }
    assert label_counts(project, stale=True) == {}  # spans are untouched
    # the store's own duplicate-role check ignores the stale link, as before
    assert len(project.store.links(annotated["doc"], ANN, include_stale=False)) == 5


def test_hotkey_and_colour_change_touch_no_rows(project, annotated, tmp_path, capsys) -> None:
    spans_before, links_before = rows(project)
    text = variant(("    hotkey: g\n    color: \"#56b6c2\"", "    hotkey: z\n    color: teal"))
    code, out, _ = apply(project, tmp_path, text, capsys=capsys)
    assert code == 0
    assert "GPE: hotkey g -> z" in out and "GPE: colour #56b6c2 -> #2bbbad" in out
    spans, links = rows(project)
    # only the confirmation of the version moved
    strip = lambda table: {k: v[:2] + v[2:3] for k, v in table.items()}  # noqa: E731
    assert strip(spans) == strip(spans_before)
    assert {k: v[:2] for k, v in links.items()} == {k: v[:2] for k, v in links_before.items()}
    assert project.store.schema.hotkeys()["z"].name == "GPE"


def test_attribute_value_removed_marks_span_stale(project, annotated, tmp_path) -> None:
    text = variant(("values: [direct, indirect, mixed], default: direct",
                    "values: [direct, indirect], default: direct"))
    apply(project, tmp_path, text)
    spans, _ = rows(project)
    assert spans[annotated["content"]][2] == ("attribute type=mixed of CONTENT is not allowed "
                                              "in schema newsroom 2.0")
    assert set(stale_links(project)) == {annotated["src"], annotated["cuelink"]}


# --------------------------------------------------------------------------- undo
def test_undo_of_an_apply_restores_every_row_and_the_schema_file(project, annotated, tmp_path,
                                                                 capsys) -> None:
    spans_before, links_before = rows(project)
    schema_file = (project.root / "schema.yaml").read_bytes()
    text = remove_loc_text().replace("  NORP:\n    hotkey: k",
                                     "  NORP:\n    merged_into: ORG\n    hotkey: k")
    text = text.replace("  PERSON:\n    hotkey: p",
                        "  HUMAN:\n    renamed_from: [PERSON]\n    hotkey: p")
    text = text.replace("[PERSON,", "[HUMAN,")
    assert apply(project, tmp_path, text)[0] == 0
    assert rows(project) != (spans_before, links_before)

    code = main(["schema", "undo", "-p", str(project.root)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "restored" in out and "is newsroom 1.0 again" in out
    assert rows(project) == (spans_before, links_before)
    assert (project.root / "schema.yaml").read_bytes() == schema_file
    assert schema_changed(project)  # the open project notices, as the TUI would
    reload_schema(project)
    assert project.store.schema.version == "1.0" and not schema_changed(project)
    # nothing left to undo
    assert main(["schema", "undo", "-p", str(project.root)]) == 1
    assert "no schema apply to undo" in capsys.readouterr().err


def test_undo_refuses_when_rows_were_edited_since_and_force_rechecks(project, annotated,
                                                                     tmp_path, capsys) -> None:
    apply(project, tmp_path, rename_person_text())
    store = project.store
    store.relabel_span(annotated["leyla"], ANN, "ORG")  # edited after the apply
    start, end = find(TEXT, "Leyla")
    new_span = store.add_span(annotated["doc"], ANN, "HUMAN", start, end)  # made after it
    before = rows(project)
    code = main(["schema", "undo", "-p", str(project.root)])
    assert code == 1
    err = capsys.readouterr().err
    assert f"span {annotated['leyla']} was edited" in err and err.count("\n") == 1
    assert rows(project) == before  # refused: nothing changed

    report = undo_apply(project, force=True)
    assert report.conflicts and report.restored > 0
    spans, _ = rows(project)
    assert spans[annotated["omar"]][0] == "PERSON"  # restored
    assert spans[annotated["leyla"]][:3] == ("ORG", "entity", "")  # kept as edited
    assert spans[new_span.id][0] == "HUMAN"
    assert spans[new_span.id][2] == "label HUMAN is not in schema newsroom 1.0"


def test_annotator_undo_does_not_cross_an_apply(project, annotated, tmp_path) -> None:
    store = project.store
    store.relabel_span(annotated["omar"], ANN, "ORG")
    store.relabel_span(annotated["omar"], ANN, "PERSON")
    apply(project, tmp_path, rename_person_text())
    # undoing the relabel would bring back PERSON, which schema 2.0 no longer has
    assert store.can_undo(annotated["doc"], ANN) == (False, False)
    assert store.undo(annotated["doc"], ANN) is None
    # edits after the apply undo as usual
    store.relabel_span(annotated["omar"], ANN, "ORG")
    assert store.undo(annotated["doc"], ANN) is not None
    assert rows(project)[0][annotated["omar"]][0] == "HUMAN"


def test_apply_is_logged_per_set_and_overall(project, annotated, tmp_path) -> None:
    apply(project, tmp_path, rename_person_text())
    con = _Raw(project)
    kinds = con.execute("SELECT set_id, kind, payload FROM action WHERE kind = 'schema_apply'"
                        " ORDER BY id").fetchall()
    con.close()
    overall, per_set = kinds[0], kinds[1:]
    assert overall[0] is None and json.loads(overall[2])["to_version"] == "2.0"
    [(_set_id, _, payload)] = per_set
    data = json.loads(payload)
    relabelled = [(sid, b["label"], a["label"]) for sid, b, a in data["spans"]
                  if b["label"] != a["label"]]
    assert sorted(relabelled) == sorted([(annotated["leyla"], "PERSON", "HUMAN"),
                                         (annotated["omar"], "PERSON", "HUMAN")])


# --------------------------------------------------------------------------- dry run, errors
def _files(root: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.iterdir()) if p.is_file()}


def test_dry_run_changes_nothing(project, annotated, tmp_path, capsys) -> None:
    root = project.root
    spans_before, links_before = rows(project)
    project.close()  # checkpoint the WAL so the files on disk are the whole state
    files_before = _files(root)
    new = tmp_path / "new.yaml"
    new.write_text(remove_loc_text(), encoding="utf-8")
    code = main(["schema", "apply", str(new), "-p", str(root), "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0
    assert "label LOC (entity) removed" in out and "dry run: nothing was changed" in out
    assert "spans newly stale 1" in out and "links newly stale 1" in out
    assert _files(root) == files_before
    with Project.open(root) as again:
        assert rows(again) == (spans_before, links_before)
        assert again.schema.version == "1.0"


def test_invalid_new_schema_is_refused_with_lines(project, annotated, tmp_path,
                                                  capsys) -> None:
    before = rows(project)
    bad = variant(("  LOC:\n    hotkey: l", "  LOC:\n    hotkey: q"))  # q is reserved
    code, _, err = apply(project, tmp_path, bad, capsys=capsys)
    assert code == 1
    lines = err.strip().splitlines()
    assert any(":" in line and "hotkey" in line and "new.yaml:" in line for line in lines)
    assert lines[-1].endswith("nothing was changed")
    assert rows(project) == before
    assert (project.root / "schema.yaml").read_text(encoding="utf-8") == NEWSROOM


def test_reapplying_the_same_schema_changes_nothing(project, annotated, tmp_path) -> None:
    text = rename_person_text()
    apply(project, tmp_path, text)
    after_first = rows(project)
    apply(project, tmp_path, text)
    assert rows(project) == after_first


def test_a_hand_edited_schema_file_is_not_the_schema_until_applied(project, tmp_path,
                                                                    capsys) -> None:
    assert not schema_changed(project)
    edited = rename_person_text()
    (project.root / "schema.yaml").write_text(edited, encoding="utf-8")
    assert not schema_changed(project)  # the database is the source of truth
    with Project.open(project.root) as again:
        assert again.schema.version == "1.0"
        [notice] = again.notices
        assert "differs from the project's schema in the database" in notice
        assert "copydesk schema apply schema.yaml" in notice
    # never overwritten: the edit is the user's work
    assert (project.root / "schema.yaml").read_text(encoding="utf-8") == edited
    # the CLI says it once on stderr and carries on
    assert main(["stats", "-p", str(project.root)]) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "differs from the project's schema" in err
    # applying the edited file itself adopts it
    assert main(["schema", "apply", str(project.root / "schema.yaml"),
                 "-p", str(project.root)]) == 0
    assert schema_changed(project)
    assert reload_schema(project).version == "2.0"
    assert not schema_changed(project)


def test_a_crash_between_commit_and_file_replace_is_repaired_on_open(project, annotated,
                                                                    tmp_path, monkeypatch
                                                                    ) -> None:
    import os

    from copydesk.projects import migrate

    before = (project.root / "schema.yaml").read_bytes()
    new = tmp_path / "new.yaml"
    new.write_text(rename_person_text(), encoding="utf-8")

    class PowerCut(BaseException):
        pass

    real_replace = os.replace

    def crash(src: object, dst: object) -> None:
        if str(dst).endswith("schema.yaml"):
            raise PowerCut
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(migrate.os, "replace", crash)
    with pytest.raises(PowerCut):
        migrate.apply_schema(project, new)
    monkeypatch.setattr(migrate.os, "replace", real_replace)
    # the database was committed (spans relabelled), the file still holds the old schema
    assert (project.root / "schema.yaml").read_bytes() == before
    assert label_counts(project).get("HUMAN", 0) > 0
    with Project.open(project.root) as again:
        assert again.schema.version == "2.0"
        [notice] = again.notices
        assert "earlier schema of this project" in notice and "rewritten" in notice
    assert (project.root / "schema.yaml").read_text(encoding="utf-8") == rename_person_text()


def test_a_write_from_a_process_with_an_older_schema_is_checked_against_the_current_one(
        project, annotated, tmp_path) -> None:
    """The open TUI's store loaded 1.0; the lead applies 2.0 (NORP merged into ORG) from
    another process; the TUI's next write must be refused before its schema poll runs."""
    store = project.store
    new = tmp_path / "new.yaml"
    new.write_text(variant(*MERGE_NORP), encoding="utf-8")
    with Project.open(project.root) as lead:
        from copydesk.projects.migrate import apply_schema

        apply_schema(lead, new)
    assert store.schema.version == "1.0"  # this process has not looked yet
    start, end = find(TEXT, "Yazidi")
    with pytest.raises(StoreError) as err:
        store.add_span(annotated["doc"], "late", "NORP", start, end)
    assert "retired" in str(err.value) and "ORG" in str(err.value)
    assert store.schema.version == "2.0"  # the write caught this process up
    assert label_counts(project, stale=False).get("NORP", 0) == 0


def test_diff_against_a_project_counts_rows_and_speaks_json(project, annotated, tmp_path,
                                                            capsys) -> None:
    new = tmp_path / "new.yaml"
    new.write_text(remove_loc_text(), encoding="utf-8")
    code = main(["schema", "diff", str(new), "-p", str(project.root), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["to"]["version"] == "2.0"
    [removed] = [c for c in data["changes"] if c["kind"] == "label_removed"]
    assert (removed["label"], removed["spans"], removed["links"]) == ("LOC", 1, 1)
    code = main(["schema", "diff", str(default_schema_path()), str(new)])
    out = capsys.readouterr().out
    assert code == 0 and "label LOC (entity) removed" in out and "span(s)" not in out
    assert rows(project)[0][annotated["qandil"]][2] == ""  # diff never writes
