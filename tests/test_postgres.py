"""A project in PostgreSQL: init, the same commands, moving between engines, roles and faults.

All of it runs on a real server (tests/pg_server.py); without the PostgreSQL 15 binaries the
tests are skipped with that reason.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
import yaml
from conftest import add_text, find
from pg_server import PgServer
from sqlalchemy import create_engine, text

from copydesk.projects.errors import PermissionDenied, StoreError, StoreUnavailable
from copydesk.projects.project import Project
from copydesk.projects.security import grant
from copydesk.tui.cli.main import main

TEXT = "Police detained Irena Kostava in Valmora on Tuesday, officials said."


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def as_role(url: str, role: str) -> str:
    """The same database, connecting as `role` (the test server trusts 127.0.0.1)."""
    rest = url.split("@", 1)[1]
    return f"postgresql://{role}@{rest}"


# --------------------------------------------------------------------------- init and commands
def test_init_with_database_keeps_the_url_without_password(tmp_path: Path, pg_url: str,
                                                           capsys) -> None:
    proj = tmp_path / "proj"
    code, out, err = run(capsys, "init", str(proj), "--database", pg_url)
    assert code == 0, err
    assert "created project 'proj'" in out and "copydesk team grant" in out
    config = yaml.safe_load((proj / "copydesk.yaml").read_text())
    assert config["database"] == pg_url
    assert not (proj / "copydesk.db").exists()
    with psycopg.connect(pg_url) as conn:
        version = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        tables = {r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert version is not None
    assert {"document", "span", "link", "annotation_set", "action"} <= tables


def test_a_password_in_the_url_is_refused_and_nothing_is_made(tmp_path: Path, pg_url: str,
                                                              capsys) -> None:
    with_password = pg_url.replace("postgres@", "postgres:secret@")
    code, _, err = run(capsys, "init", str(tmp_path / "proj"), "--database", with_password)
    assert code == 1
    assert "password" in err and "PGPASSWORD" in err and "secret" not in err
    assert err.count("\n") == 1
    assert not (tmp_path / "proj").exists()


def test_unreachable_server_is_one_line(tmp_path: Path, pg_server: PgServer, capsys) -> None:
    dead = f"postgresql://postgres@127.0.0.1:{pg_server.port + 1}/nothing"
    code, _, err = run(capsys, "init", str(tmp_path / "proj"), "--database", dead)
    assert code == 1
    assert "database unavailable" in err and err.count("\n") == 1
    assert not (tmp_path / "proj").exists()


def test_the_same_commands_give_the_same_exports_on_both_engines(
        tmp_path: Path, pg_url: str, sample_path: Path, capsys) -> None:
    """import, stats, annotate through the store, assign, export: byte-identical outputs."""
    outputs = {}
    for name, database in (("sqlite", None), ("pg", pg_url)):
        proj = tmp_path / name
        args = ["init", str(proj), "--name", "same"] + (
            ["--database", database] if database else [])
        assert run(capsys, *args)[0] == 0
        code, _, err = run(capsys, "import", str(sample_path), "-p", str(proj))
        assert code == 0, err
        with Project.open(proj) as project:
            [doc] = project.store.document_ids()
            body = project.store.document(doc).text
            store = project.store
            store.add_span(doc, "ann", "GPE", *find(body, "Kirkuk"))
            trigger = store.add_span(doc, "ann", "Conflict.Attack", *find(body, "offensive"))
            store.set_status(doc, "ann", "done")
            store.undo(doc, "ann")  # the status change is not undoable: removes the trigger
            assert [s.id for s in store.spans(doc, "ann")] != [trigger.id]
        assert run(capsys, "assign", "-p", str(proj), "--annotators", "ann,bob", "--k", "2")[0] == 0
        code, stats, err = run(capsys, "stats", "-p", str(proj))
        assert code == 0, err
        for fmt, out_name in (("jsonl", "out.jsonl"), ("conll", "out.conll")):
            code, _, err = run(capsys, "export", fmt, str(tmp_path / f"{name}-{out_name}"),
                               "-p", str(proj), "--status", "all")
            assert code == 0, err
        outputs[name] = (stats,
                         (tmp_path / f"{name}-out.jsonl").read_bytes(),
                         (tmp_path / f"{name}-out.conll").read_bytes())
    assert outputs["sqlite"] == outputs["pg"]
    assert b"Kirkuk" in outputs["pg"][1]


# --------------------------------------------------------------------------- db copy
def test_db_copy_moves_a_project_both_ways_verified(tmp_path: Path, pg_url: str,
                                                    capsys) -> None:
    proj = tmp_path / "proj"
    with Project.init(proj) as project:
        doc = add_text(project, TEXT, "t")
        store = project.store
        person = store.add_span(doc, "ann", "PERSON", *find(TEXT, "Irena Kostava"))
        trigger = store.add_span(doc, "ann", "Justice.Arrest", *find(TEXT, "detained"))
        store.add_link(trigger.id, person.id, "Person", "ann")
        gone = store.add_span(doc, "ann", "DATE", *find(TEXT, "Tuesday"))
        store.remove_span(gone.id, "ann")  # the highest span id is now only in the log
        store.set_status(doc, "ann", "done", "checked")
    code, out, err = run(capsys, "db", "copy", "-p", str(proj), pg_url)
    assert code == 0, err
    assert "verified:" in out and "byte-identical" in out
    assert yaml.safe_load((proj / "copydesk.yaml").read_text())["database"] == pg_url

    with Project.open(proj) as project:
        assert project.store.db.path is None  # now on the server
        store = project.store
        # A new span must not take the removed span's id: undo of the removal needs it.
        fresh = store.add_span(doc, "ann", "GPE", *find(TEXT, "Valmora"))
        assert fresh.id > gone.id
        store.undo(doc, "ann")  # the GPE
        assert store.undo(doc, "ann").kind == "remove_span"  # the DATE is back, same id
        assert gone.id in {s.id for s in store.spans(doc, "ann")}
        store.redo(doc, "ann")

    (proj / "copydesk.db").rename(proj / "old.db")
    code, out, err = run(capsys, "db", "copy", "-p", str(proj), "sqlite")
    assert code == 0, err
    assert "verified:" in out
    assert "database" not in yaml.safe_load((proj / "copydesk.yaml").read_text())
    with Project.open(proj) as project:
        assert project.store.db.path == proj / "copydesk.db"
        assert [s.text for s in project.store.spans(doc, "ann")] == ["detained", "Irena Kostava"]
        assert project.store.add_span(doc, "ann", "DATE", *find(TEXT, "Tuesday")).id > gone.id


def test_db_copy_keeps_counters_of_tables_emptied_by_deletes(tmp_path: Path, pg_url: str,
                                                            capsys) -> None:
    """Every link was removed: the link table is empty, but undo still names the old ids."""
    proj = tmp_path / "proj"
    with Project.init(proj, database=pg_url) as project:
        doc = add_text(project, TEXT, "t")
        store = project.store
        person = store.add_span(doc, "ann", "PERSON", *find(TEXT, "Irena Kostava"))
        trigger = store.add_span(doc, "ann", "Justice.Arrest", *find(TEXT, "detained"))
        link = store.add_link(trigger.id, person.id, "Person", "ann")
        store.remove_link(link.id, "ann")
    code, _, err = run(capsys, "db", "copy", "-p", str(proj), "sqlite")
    assert code == 0, err
    with Project.open(proj) as project:
        store = project.store
        place = store.add_span(doc, "ann", "GPE", *find(TEXT, "Valmora"))
        assert store.add_link(trigger.id, place.id, "Place", "ann").id > link.id
        store.undo(doc, "ann")  # the Place link
        store.undo(doc, "ann")  # the GPE
        store.undo(doc, "ann")  # the removal: the Person link is back under its old id
        assert [lk.id for lk in store.links(doc, "ann")] == [link.id]


def test_db_copy_refuses_a_database_that_holds_data(tmp_path: Path, pg_url: str,
                                                   capsys) -> None:
    with Project.init(tmp_path / "other", database=pg_url) as other:
        add_text(other, "Already here.")
    with Project.init(tmp_path / "proj") as project:
        add_text(project, TEXT)
    code, _, err = run(capsys, "db", "copy", "-p", str(tmp_path / "proj"), pg_url)
    assert code == 1 and "already holds data" in err
    assert "database" not in yaml.safe_load((tmp_path / "proj" / "copydesk.yaml").read_text())


# --------------------------------------------------------------------------- roles and RLS
@pytest.fixture
def team_project(tmp_path: Path, pg_url: str, capsys) -> tuple[Path, str, int]:
    """A PostgreSQL project with annotators ann and bob, reviewer rev and ml reader."""
    proj = tmp_path / "proj"
    assert run(capsys, "init", str(proj), "--database", pg_url)[0] == 0
    for name, role in (("ann", "annotator"), ("bob", "annotator"), ("rev", "reviewer"),
                       ("mlteam", "ml")):
        code, out, err = run(capsys, "team", "grant", "-p", str(proj), name, role)
        assert code == 0, err
        assert f"'{name}': {role}" in out
    with Project.open(proj) as project:
        doc = add_text(project, TEXT, "t")
        other = add_text(project, "A second story about Valmora.", "second")
        project.store.add_span(doc, "bob", "PERSON", *find(TEXT, "Irena Kostava"))
        project.store.set_status(other, "ann", "in_progress")
    return proj, pg_url, doc


def _open_as(proj: Path, url: str, role: str) -> Project:
    config = proj / "copydesk.yaml"
    data = yaml.safe_load(config.read_text())
    data["database"] = as_role(url, role)
    config.write_text(yaml.safe_dump(data))
    return Project.open(proj)


def test_a_crafted_update_of_another_annotators_span_changes_no_row(
        team_project: tuple[Path, str, int]) -> None:
    _, url, _ = team_project
    with psycopg.connect(as_role(url, "ann"), autocommit=True) as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("ann",)
        cur = conn.execute("UPDATE span SET label = 'ORG' WHERE label = 'PERSON'")
        assert cur.rowcount == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # deletes: copydesk_delete
            conn.execute("DELETE FROM span")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="may not change"):
            conn.execute("SELECT copydesk_delete('span', 1)")  # bob's, by its id
        assert conn.execute("SELECT count(*) FROM span").fetchone() == (0,)  # cannot even see
        cur = conn.execute("UPDATE annotation_set SET status = 'done' WHERE annotator = 'bob'")
        assert cur.rowcount == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute("INSERT INTO annotation_set (document_id, annotator, status, comment, "
                         "created_at, updated_at) VALUES (2, 'bob', 'done', '', '', '')")
    with psycopg.connect(url) as conn:  # the owner sees bob's span untouched
        assert conn.execute("SELECT label, text FROM span").fetchall() == [
            ("PERSON", "Irena Kostava")]


def test_roles_write_only_what_they_may(team_project: tuple[Path, str, int]) -> None:
    proj, url, doc = team_project
    with _open_as(proj, url, "ann") as project:
        store = project.store
        assert store.db.acting_user() == "ann"
        mine = store.add_span(doc, "ann", "GPE", *find(TEXT, "Valmora"))
        store.relabel_span(mine.id, "ann", "LOC")
        store.undo(doc, "ann")
        assert [s.label for s in store.spans(doc, "ann")] == ["GPE"]
        assert store.spans(doc, "bob") == []  # blind: bob's work is invisible to ann
        with pytest.raises(PermissionDenied, match="row-level security"):
            store.add_span(doc, "bob", "DATE", *find(TEXT, "Tuesday"))
        with pytest.raises(PermissionDenied):
            store.add_span(doc, "gold", "DATE", *find(TEXT, "Tuesday"))
        store.set_status(doc, "ann", "done")
    with _open_as(proj, url, "rev") as project:
        store = project.store
        assert [s.text for s in store.spans(doc, "bob")] == ["Irena Kostava"]  # reads all
        store.add_span(doc, "gold", "PERSON", *find(TEXT, "Irena Kostava"))
        with pytest.raises(PermissionDenied):
            store.set_status(doc, "bob", "done")
    with _open_as(proj, url, "postgres") as owner:  # the owner makes a lead
        owner.store.db.run_write(lambda session: grant(session.connection(), "lena", "lead"))
    with _open_as(proj, url, "lena") as project:
        store = project.store
        assert store.db.acting_user() == "lena"
        [bobs] = store.spans(doc, "bob")
        store.relabel_span(bobs.id, "bob", "ORG")  # a lead may correct anyone's set
        store.undo(doc, "bob")
    with _open_as(proj, url, "mlteam") as project:
        store = project.store
        # ml reads done sets and gold, nothing else, and writes nothing
        assert store.annotators(doc) == ["ann", "gold"]
        assert [s.label for s in store.spans(doc, "ann")] == ["GPE"]
        assert store.spans(doc, "bob") == []
        with pytest.raises(PermissionDenied):
            store.add_span(doc, "mlteam", "DATE", *find(TEXT, "Tuesday"))


def test_the_acting_annotator_is_the_database_role(team_project: tuple[Path, str, int],
                                                   capsys, monkeypatch) -> None:
    from copydesk.tui.cli.annotate import resolve_annotator

    proj, url, _ = team_project
    monkeypatch.setenv("COPYDESK_ANNOTATOR", "bob")  # an environment variable names nobody
    with _open_as(proj, url, "ann") as project:
        assert resolve_annotator(project, None) == "ann"
        with pytest.raises(PermissionDenied, match="database role 'ann'"):
            resolve_annotator(project, "bob")
    code, _, err = run(capsys, "team", "grant", "-p", str(proj), "gold", "annotator")
    assert code == 1 and "cannot be a team role name" in err


def test_db_copy_refuses_a_role_that_sees_only_its_own_sets(
        team_project: tuple[Path, str, int], tmp_path: Path, capsys) -> None:
    proj, url, _ = team_project
    _open_as(proj, url, "ann").close()  # copydesk.yaml now connects as ann
    code, _, err = run(capsys, "db", "copy", "-p", str(proj), str(tmp_path / "copy.db"))
    assert code == 1 and "copy as the database owner" in err
    assert not (tmp_path / "copy.db").exists()


def test_team_commands_on_sqlite_say_what_to_do(project: Project, capsys) -> None:
    code, _, err = run(capsys, "team", "grant", "-p", str(project.root), "ann", "annotator")
    assert code == 1 and "PostgreSQL" in err and err.count("\n") == 1


# --------------------------------------------------------------------------- faults
def test_server_restart_and_outage_refuse_in_one_line_then_reconnect(
        pg_server: PgServer, tmp_path: Path, pg_url: str) -> None:
    with Project.init(tmp_path / "proj", database=pg_url) as project:
        doc = add_text(project, TEXT)
        store = project.store
        store.add_span(doc, "ann", "PERSON", *find(TEXT, "Irena Kostava"))
        pg_server.restart()  # every pooled connection is now dead
        store.add_span(doc, "ann", "GPE", *find(TEXT, "Valmora"))  # pre-ping reconnects
        pg_server.stop()
        try:
            with pytest.raises(StoreUnavailable) as info:
                store.add_span(doc, "ann", "DATE", *find(TEXT, "Tuesday"))
            assert str(info.value).startswith("database unavailable")
            assert "\n" not in str(info.value)
            with pytest.raises(StoreUnavailable):
                store.spans(doc, "ann")
        finally:
            pg_server.start()
        store.add_span(doc, "ann", "DATE", *find(TEXT, "Tuesday"))
        assert [s.label for s in store.spans(doc, "ann")] == ["PERSON", "GPE", "DATE"]
        assert store.db.integrity_check() == "ok"


def test_a_connection_dropped_mid_session_is_replaced(tmp_path: Path, pg_url: str) -> None:
    with Project.init(tmp_path / "proj", database=pg_url) as project:
        doc = add_text(project, TEXT)
        project.store.add_span(doc, "ann", "PERSON", *find(TEXT, "Irena Kostava"))
        engine = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"))
        with engine.connect() as conn:  # an administrator kills every copydesk session
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE application_name = 'copydesk'"))
        engine.dispose()
        project.store.add_span(doc, "ann", "GPE", *find(TEXT, "Valmora"))
        assert len(project.store.spans(doc, "ann")) == 2


async def poll_schema(app, pilot) -> None:  # type: ignore[no-untyped-def]
    """What the app's 3-second timer does, and wait (bounded) for its worker's answer: the
    check reads the database in a thread, off the UI thread (issue 27)."""
    app.check_schema()
    for _ in range(200):
        if not any(w.is_running for w in app.workers if w.group == "schema-check"):
            break
        await pilot.pause(0.05)
    await pilot.pause()


async def until_true(pilot, condition) -> None:  # type: ignore[no-untyped-def]
    for _ in range(200):  # bounded: a worker's read comes back as a message
        if condition():
            return
        await pilot.pause(0.05)
    assert condition()


async def test_tui_survives_an_outage_queues_edits_in_order_and_saves_them_once(
        pg_server: PgServer, tmp_path: Path, pg_url: str) -> None:
    """Issue 24: the server stops under an open annotation screen. The periodic schema check,
    labelling and idling all go on; the edits made meanwhile wait in order with their count
    on screen, and are saved once, in order, when the server is back."""
    from test_faults_tui import ANNOTATOR, _status_line

    from copydesk.projects.importers import content_hash
    from copydesk.tui.app.application import CopydeskApp
    from copydesk.tui.app.screens.annotate import AnnotateScreen

    body = " ".join(f"w{i}" for i in range(60))
    with Project.init(tmp_path / "proj", database=pg_url) as project:
        [doc] = project.store.add_documents([{"text": body, "content_hash": content_hash(body)}])
    project = Project.open(tmp_path / "proj")
    app = CopydeskApp(project, ANNOTATOR, open_document=doc)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(100):  # bounded: the screen opens after the first refresh
                if isinstance(app.screen, AnnotateScreen) and app.screen.loaded:
                    break
                await pilot.pause(0.05)
            assert isinstance(app.screen, AnnotateScreen)
            app.writes.retry_delays = (0.1,)
            await pilot.press("p")  # the word under the cursor: saved
            await pilot.pause()
            assert len(project.store.spans(doc, ANNOTATOR)) == 1
            pg_server.stop()
            try:
                await poll_schema(app, pilot)  # the 3-second poll, while idle: no crash
                assert app.is_running
                assert _status_line(app).startswith("Waiting for the database (the server "
                                                    "is unreachable)"), _status_line(app)
                await pilot.press("w", "o")  # labelling while it is down: queued, in order
                await pilot.pause()
                await pilot.press("w", "g")
                await pilot.pause()
                line = _status_line(app)
                assert "Waiting for the database" in line and "2 edits queued" in line, line
                assert "\n" not in line
                assert app.writes.pending == 2
                await pilot.press("n")  # a key that reads the store: said, not fatal
                await pilot.pause()
                assert app.is_running and isinstance(app.screen, AnnotateScreen)
                assert app.screen.doc_id == doc  # the annotator's place is kept
                await poll_schema(app, pilot)
                await pilot.pause(0.3)  # retries keep failing; nothing is lost or refused
                assert app.is_running and app.writes.pending == 2
            finally:
                pg_server.start()
            for _ in range(100):  # the worker's next retry saves the queue
                if app.writes.pending == 0:
                    break
                await pilot.pause(0.05)
            assert app.writes.pending == 0
            assert _status_line(app).startswith("Saved"), _status_line(app)
            await poll_schema(app, pilot)  # the poll notices the server is back
            assert app.database_down is None
        spans = project.store.spans(doc, ANNOTATOR)
        assert [(s.label, s.text) for s in spans] == [("PERSON", "w0"), ("ORG", "w1"),
                                                       ("GPE", "w2")]
        with project.store.db.read() as session:  # each edit logged exactly once
            kinds = [r[0] for r in session.execute(text(
                "SELECT kind FROM action ORDER BY id")).all()]
        assert kinds.count("add_span") == 3
    finally:
        project.close()


def test_store_error_types_are_store_errors() -> None:
    assert issubclass(StoreUnavailable, StoreError) and issubclass(PermissionDenied, StoreError)


# --------------------------------------------------------------------------- one set, two writers
def test_two_writers_on_one_set_are_serialised(tmp_path: Path, pg_url: str) -> None:
    """The same annotator in two terminals (two processes' worth of connections): every undo
    must find its own target, so the log replays to exactly what the tables hold."""
    import threading

    from copydesk.projects.importers import content_hash

    words = [f"w{i}" for i in range(80)]
    body = " ".join(words)
    with Project.init(tmp_path / "proj", database=pg_url) as project:
        [doc] = project.store.add_documents([{"text": body, "content_hash": content_hash(body)}])
    projects = [Project.open(tmp_path / "proj") for _ in range(2)]
    undone: list[list[int]] = [[], []]
    errors: list[BaseException] = []
    barrier = threading.Barrier(2, timeout=120)
    offsets, pos = [], 0
    for word in words:
        offsets.append((pos, pos + len(word)))
        pos += len(word) + 1

    def work(n: int) -> None:
        store = projects[n].store
        try:
            barrier.wait()
            for start, end in offsets[n::2]:
                store.add_span(doc, "ann", "ORG", start, end)
            barrier.wait()
            while (action := store.undo(doc, "ann")) is not None:
                undone[n].append(int(action.id))  # type: ignore[arg-type]
        except BaseException as exc:  # reported below, with the thread's own traceback
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    try:
        assert not errors, errors
        every = undone[0] + undone[1]
        assert len(every) == len(words) and len(set(every)) == len(words)
        store = projects[0].store
        assert store.spans(doc, "ann") == []
        assert store.can_undo(doc, "ann") == (False, True)
        assert store.db.integrity_check() == "ok"
    finally:
        for project in projects:
            project.close()


def test_two_openers_of_a_new_database_create_it_once(pg_url: str) -> None:
    """The layout is created (or upgraded) under an advisory lock: the second opener waits,
    then finds the tables at the current revision instead of creating them again."""
    import threading

    from copydesk.projects.db import Database
    from copydesk.projects.migrations import HEAD

    errors: list[BaseException] = []
    barrier = threading.Barrier(3, timeout=60)

    def open_it() -> None:
        try:
            barrier.wait()
            Database(pg_url).close()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]


def test_review_and_agreement_commands_on_postgres(tmp_path: Path, pg_url: str,
                                                   capsys) -> None:
    proj = tmp_path / "proj"
    assert run(capsys, "init", str(proj), "--database", pg_url)[0] == 0
    config = yaml.safe_load((proj / "copydesk.yaml").read_text())
    config["reviewers"] = ["postgres"]  # the acting role of this test's connection
    (proj / "copydesk.yaml").write_text(yaml.safe_dump(config))
    with Project.open(proj) as project:
        doc = add_text(project, TEXT)
        for who in ("ann", "bob"):
            project.store.add_span(doc, who, "PERSON", *find(TEXT, "Irena Kostava"))
            project.store.set_status(doc, who, "done")
    code, out, err = run(capsys, "agreement", "-p", str(proj))
    assert code == 0, err
    assert "ann" in out and "bob" in out
    code, out, err = run(capsys, "review", "-p", str(proj), "--accept-unanimous")
    assert code == 0, err
    assert "accepted 1 unanimous spans" in out
    with Project.open(proj) as project:
        assert [s.text for s in project.store.spans(doc, "gold")] == ["Irena Kostava"]


def test_a_serialisation_failure_is_retried(tmp_path: Path, pg_url: str) -> None:
    """The server reports 40001 on the first attempt: the whole transaction runs again."""
    with Project.init(tmp_path / "proj", database=pg_url) as project:
        doc = add_text(project, TEXT)
        attempts = []

        def write(session) -> None:  # type: ignore[no-untyped-def]
            attempts.append(1)
            project.store.db.lock_set(session, doc, "ann")
            session.execute(text("INSERT INTO assignment (document_id, annotator, assigned_by, "
                                 "created_at) VALUES (:d, 'ann', 'lead', '')"), {"d": doc})
            if len(attempts) == 1:
                session.execute(text("DO $$ BEGIN RAISE EXCEPTION 'conflict' "
                                     "USING ERRCODE = 'serialization_failure'; END $$"))

        project.store.db.run_write(write)
        assert len(attempts) == 2
        with project.store.db.read() as session:
            assert session.execute(text("SELECT count(*) FROM assignment")).scalar() == 1


def test_libpq_parameters_pass_through_and_passwords_stay_out(tmp_path: Path, pg_url: str,
                                                             capsys) -> None:
    code, _, err = run(capsys, "init", str(tmp_path / "a"), "--database",
                       pg_url + "?sslmode=require")
    assert code == 1  # the test server has no TLS: libpq itself refused, in one line
    assert "SSL" in err and err.count("\n") == 1
    code, _, err = run(capsys, "init", str(tmp_path / "b"), "--database",
                       pg_url + "?sslmode=disable&connect_timeout=5")
    assert code == 0, err
    config = tmp_path / "b" / "copydesk.yaml"
    data = yaml.safe_load(config.read_text())
    data["database"] = data["database"].replace("postgres@", "postgres:hunter2@")
    config.write_text(yaml.safe_dump(data))
    code, _, err = run(capsys, "stats", "-p", str(tmp_path / "b"))
    assert code == 1 and "PGPASSWORD" in err and "hunter2" not in err


# --------------------------------------------------------------------------- db copy, rerun
def _sqlite_project_with_a_span(tmp_path: Path) -> tuple[Path, int]:
    proj = tmp_path / "proj"
    with Project.init(proj) as project:
        doc = add_text(project, TEXT, "t")
        project.store.add_span(doc, "ann", "PERSON", *find(TEXT, "Irena Kostava"))
    return proj, doc


def test_db_copy_killed_after_its_commit_is_resumed_by_the_rerun(tmp_path: Path, pg_url: str,
                                                                 capsys) -> None:
    from copydesk.projects.db import Database
    from copydesk.projects.dbcopy import copy_database

    proj, doc = _sqlite_project_with_a_span(tmp_path)
    with Project.open(proj) as project:  # what a run killed right after its commit leaves
        target = Database(pg_url)
        copy_database(project.store.db, target)
        target.close()
    code, out, err = run(capsys, "db", "copy", "-p", str(proj), pg_url)
    assert code == 0, err
    assert "already holds this project's copy" in out and "verified:" in out
    assert yaml.safe_load((proj / "copydesk.yaml").read_text())["database"] == pg_url
    with Project.open(proj) as project:
        assert [s.text for s in project.store.spans(doc, "ann")] == ["Irena Kostava"]


def test_db_copy_replace_clears_only_an_outdated_copy_it_made(tmp_path: Path, pg_url: str,
                                                              capsys) -> None:
    from copydesk.projects.db import Database
    from copydesk.projects.dbcopy import copy_database

    proj, doc = _sqlite_project_with_a_span(tmp_path)
    with Project.open(proj) as project:
        target = Database(pg_url)
        copy_database(project.store.db, target)
        target.close()
        project.store.add_span(doc, "ann", "GPE", *find(TEXT, "Valmora"))  # work went on
    code, _, err = run(capsys, "db", "copy", "-p", str(proj), pg_url)
    assert code == 1 and "--replace" in err and err.count("\n") == 1
    code, out, err = run(capsys, "db", "copy", "-p", str(proj), pg_url, "--replace")
    assert code == 0, err
    assert "outdated copy cleared" in out
    with Project.open(proj) as project:
        assert [s.label for s in project.store.spans(doc, "ann")] == ["PERSON", "GPE"]
    # Data no copy of this project put there is never cleared, --replace or not.
    other_proj, _ = _sqlite_project_with_a_span(tmp_path / "other")
    code, _, err = run(capsys, "db", "copy", "-p", str(other_proj), pg_url, "--replace")
    assert code == 1 and "no copy of this project put there" in err


def test_db_copy_to_sqlite_killed_midway_leaves_no_project_file_and_reruns(
        tmp_path: Path, pg_url: str, capsys, monkeypatch) -> None:
    from copydesk.projects import dbcopy

    proj = tmp_path / "proj"
    with Project.init(proj, database=pg_url) as project:
        doc = add_text(project, TEXT, "t")
        project.store.add_span(doc, "ann", "PERSON", *find(TEXT, "Irena Kostava"))
    # A kill -9 of an earlier run left its half-written file behind.
    (proj / "copydesk.db.partial").write_bytes(b"SQLite format 3\x00 half a page")
    real = dbcopy.copy_database

    def killed(*args, **kwargs):  # type: ignore[no-untyped-def]
        real(*args, **kwargs)
        raise KeyboardInterrupt  # stopped before verification and the rename

    monkeypatch.setattr(dbcopy, "copy_database", killed)
    code, _, err = run(capsys, "db", "copy", "-p", str(proj), "sqlite")
    assert code != 0 and "interrupted" in err
    assert not (proj / "copydesk.db").exists()  # nothing that looks like the project's db
    monkeypatch.setattr(dbcopy, "copy_database", real)
    code, _, err = run(capsys, "db", "copy", "-p", str(proj), "sqlite")
    assert code == 0, err
    assert not (proj / "copydesk.db.partial").exists()
    with Project.open(proj) as project:
        assert project.store.db.path == proj / "copydesk.db"
        assert [s.text for s in project.store.spans(doc, "ann")] == ["Irena Kostava"]


async def test_tui_opens_and_leaves_documents_while_the_server_is_away(
        pg_server: PgServer, tmp_path: Path, pg_url: str) -> None:
    """Opening a document or going back to the queue reads the store: while the server is
    away the screen says so and fills in when it is back, instead of the app dying."""
    from copydesk.tui.app.application import CopydeskApp
    from copydesk.tui.app.screens.annotate import AnnotateScreen
    from copydesk.tui.app.screens.queue import QueueScreen

    with Project.init(tmp_path / "proj", database=pg_url) as project:
        add_text(project, TEXT, "t")
    project = Project.open(tmp_path / "proj")
    app = CopydeskApp(project, "ann")
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(100):
                if isinstance(app.screen, QueueScreen):
                    break
                await pilot.pause(0.05)
            await pilot.pause()
            pg_server.stop()
            try:
                await pilot.press("enter")  # open the document while the server is down
                await until_true(pilot, lambda: app.database_down is not None)
                assert app.is_running and isinstance(app.screen, AnnotateScreen)
                assert app.database_down is not None
                assert getattr(app.screen, "text", "") == ""
            finally:
                pg_server.start()
            await poll_schema(app, pilot)  # the poll sees the server back: the page fills in
            assert app.database_down is None
            await until_true(pilot, lambda: app.screen.text == TEXT)
            pg_server.stop()
            try:
                await pilot.press("q")  # back to the queue, which re-reads its rows
                await until_true(pilot, lambda: app.database_down is not None)
                assert app.is_running and isinstance(app.screen, QueueScreen)
            finally:
                pg_server.start()
            await poll_schema(app, pilot)
            assert app.is_running and app.database_down is None
    finally:
        project.close()


def test_integrity_check_reads_a_span_in_pieces_by_its_pieces(tmp_path: Path,
                                                                pg_url: str) -> None:
    """A split quote stores its pieces' texts joined: the server-side check must compare that,
    not the outer bounds' text (which holds the cue and source between the pieces)."""
    text_ = '"We stay," Colonel Aziz said, "until the road is safe."\n'
    first, second = find(text_, "We stay,"), find(text_, "until the road is safe.")
    with Project.init(tmp_path / "p", database=pg_url) as project:
        doc = add_text(project, text_)
        quote = project.store.add_span(doc, "ana", "CONTENT", first[0], second[1],
                                       fragments=[first, second])
        assert project.store.db.integrity_check() == "ok"
        with project.store.db.engine.begin() as conn:
            conn.execute(text("UPDATE span SET text = 'We stay, until the road is sa' "
                              "WHERE id = :i"), {"i": int(quote.id)})
        assert project.store.db.integrity_check().startswith("1 span(s) whose text differs")
