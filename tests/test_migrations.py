"""Database layout versions: an old project opens, upgrades in place, keeps every row and its undo.

`tests/data/legacy-v0.1/` was made by copydesk 0.1.0 (before versions were recorded); it is copied
to a temporary folder for each test and never regenerated.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from copydesk.projects.migrations import HEAD, script_head
from copydesk.projects.project import Project

LEGACY = Path(__file__).parent / "data" / "legacy-v0.1"


@pytest.fixture
def legacy(tmp_path: Path) -> Path:
    folder = tmp_path / "legacy"
    shutil.copytree(LEGACY, folder)
    return folder


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_head_constant_matches_the_scripts() -> None:
    assert script_head() == HEAD


def test_legacy_project_upgrades_in_place_with_a_backup(legacy: Path) -> None:
    db = legacy / "copydesk.db"
    spans_before = _rows(db, "SELECT id, label, start, \"end\", text FROM span ORDER BY id")
    actions_before = _rows(db, "SELECT id, kind, payload FROM action ORDER BY id")
    assert _rows(db, "SELECT name FROM sqlite_master WHERE name = 'alembic_version'") == []

    with Project.open(legacy) as project:
        assert project.store.db.upgrade_backup is not None
        backup = Path(project.store.db.upgrade_backup)
        doc = project.store.document_ids()[0]
        alice = [(s.label, s.text) for s in project.store.spans(doc, "alice")]
        assert ("SOURCE", "Irena Kostava") in alice
        assert project.store.annotation_set(doc, "alice").status == "done"
        # the undo history written by 0.1.0 still works: the removal of Tomas Reyl was undone,
        # so redo removes him again
        assert project.store.can_undo(doc, "alice") == (True, True)
        assert ("PERSON", "Tomas Reyl") in alice
        project.store.redo(doc, "alice")
        assert ("PERSON", "Tomas Reyl") not in [
            (s.label, s.text) for s in project.store.spans(doc, "alice")]

    assert backup.exists() and backup.name.startswith("copydesk.db.bak-v0.1-")
    # the backup is the untouched 0.1 database
    assert _rows(backup, "SELECT name FROM sqlite_master WHERE name = 'alembic_version'") == []
    assert _rows(db, "SELECT version_num FROM alembic_version") == [(HEAD,)]
    span_cols = "id, label, start, \"end\", text"
    assert _rows(backup, f"SELECT {span_cols} FROM span ORDER BY id") == spans_before
    after = _rows(db, f"SELECT {span_cols} FROM span ORDER BY id")
    # every row kept, but for the one the redo above removed
    assert [r for r in spans_before if r not in after] == [
        r for r in spans_before if r[1:] == ("PERSON", 1120, 1130, "Tomas Reyl")][:1]
    assert _rows(db, "SELECT id, kind, payload FROM action ORDER BY id")[:len(actions_before)] \
        == actions_before
    # 0010: the 0.1 snapshot's labels are rows the database checks spans against, and a span
    # row whose label its snapshot lacks is refused from now on (the old rows all pass)
    labels = {name for (name,) in _rows(db, "SELECT name FROM schema_label WHERE snapshot_id = 1")}
    assert {"PERSON", "SOURCE", "Conflict.Attack"} <= labels
    assert _rows(db, "SELECT count(*) FROM span s WHERE NOT EXISTS (SELECT 1 FROM schema_label "
                     "l WHERE l.snapshot_id = s.schema_id AND l.layer = s.layer "
                     "AND l.name = s.label)") == [(0,)]
    con = sqlite3.connect(db)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="not in its schema snapshot"):
            con.execute("UPDATE span SET label = 'NOT_A_LABEL' WHERE id = 1")
    finally:
        con.close()
    assert _rows(db, "SELECT name FROM pragma_table_info('action') WHERE name = 'client_key'") \
        == [("client_key",)]


def test_second_open_does_not_upgrade_or_back_up_again(legacy: Path) -> None:
    with Project.open(legacy):
        pass
    backups = sorted(legacy.glob("copydesk.db.bak-*"))
    with Project.open(legacy) as project:
        assert project.store.db.upgrade_backup is None
    assert sorted(legacy.glob("copydesk.db.bak-*")) == backups


def test_new_project_is_stamped_at_head(tmp_path: Path) -> None:
    with Project.init(tmp_path / "p") as project:
        assert project.store.db.upgrade_backup is None
    assert _rows(tmp_path / "p" / "copydesk.db", "SELECT version_num FROM alembic_version") \
        == [(HEAD,)]
    assert list((tmp_path / "p").glob("copydesk.db.bak-*")) == []


def test_unknown_newer_revision_is_refused_with_one_line(legacy: Path) -> None:
    from copydesk.projects.errors import StoreError

    with Project.open(legacy):
        pass
    con = sqlite3.connect(legacy / "copydesk.db")
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    with pytest.raises(StoreError) as err:
        Project.open(legacy)
    assert "\n" not in str(err.value)
    assert "upgrade" in str(err.value)
