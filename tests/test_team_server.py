"""The team server holds against its own annotators (issue 24), on a real PostgreSQL 15.

Unlike tests/test_postgres.py this server demands a password for every login (scram-sha-256):
the lead is an ordinary role with CREATEDB and CREATEROLE (not the superuser), each annotator
logs in as herself with her own password (read from a PGPASSFILE, as libpq reads ~/.pgpass),
and the attacks are the raw SQL an annotator could type into `psql`.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import yaml
from conftest import add_text, find
from pg_server import PgServer
from pg_server import missing_reason as pg_missing_reason

from copydesk.projects.errors import StoreBusy
from copydesk.projects.project import Project
from copydesk.tui.cli.main import main

TEXT = "Police detained Irena Kostava in Valmora on Tuesday, officials said."
PASSWORDS = {"postgres": "root-pw", "lena": "lena-pw", "ann": "ann-pw", "bob": "bob-pw",
             # the README's set-up (test_the_readme_set_up_works_as_written_on_a_fresh_server)
             "lead": "lead-secret", "leyla": "leyla-secret", "omar": "omar-secret"}
REPO = Path(__file__).resolve().parents[1]
PROJECT_LOCK = 0x636F7079  # the advisory key older versions serialised every writer on


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgServer]:
    reason = pg_missing_reason()
    if reason:
        pytest.skip(reason)
    srv = PgServer(password=PASSWORDS["postgres"])
    pgpass = tmp_path_factory.mktemp("pgpass") / "pgpass"
    pgpass.write_text("".join(f"127.0.0.1:{srv.port}:*:{role}:{pw}\n"
                              for role, pw in PASSWORDS.items()))
    pgpass.chmod(0o600)
    old = os.environ.get("PGPASSFILE")
    os.environ["PGPASSFILE"] = str(pgpass)
    # The lead: an ordinary login that may create databases and roles, as the README says.
    srv.execute("CREATE ROLE lena LOGIN CREATEDB CREATEROLE PASSWORD 'lena-pw'")
    try:
        yield srv
    finally:
        if old is None:
            os.environ.pop("PGPASSFILE", None)
        else:
            os.environ["PGPASSFILE"] = old
        srv.close()


def connect(server: PgServer, role: str, dbname: str) -> psycopg.Connection:
    return psycopg.connect(host="127.0.0.1", port=server.port, user=role, dbname=dbname,
                           autocommit=True)


def url(server: PgServer, role: str, dbname: str, query: str = "") -> str:
    return f"postgresql://{role}@127.0.0.1:{server.port}/{dbname}{query}"


def open_as(proj: Path, address: str) -> Project:
    config = proj / "copydesk.yaml"
    data = yaml.safe_load(config.read_text())
    data["database"] = address
    config.write_text(yaml.safe_dump(data))
    return Project.open(proj)


@pytest.fixture
def team(server: PgServer, tmp_path: Path, capsys) -> tuple[Path, str, int, int]:
    """lena's project with annotators ann and bob; bob has a span. (dir, db, doc, bob's span)"""
    dbname = "news_" + uuid.uuid4().hex[:8]
    with connect(server, "lena", "postgres") as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')  # type: ignore[arg-type]
    proj = tmp_path / "proj"
    code, _, err = run(capsys, "init", str(proj), "--database", url(server, "lena", dbname))
    assert code == 0, err
    for name in ("ann", "bob"):
        code, _, err = run(capsys, "team", "grant", "-p", str(proj), name, "annotator")
        assert code == 0, err
        with connect(server, "lena", dbname) as conn:  # CREATEROLE may set passwords
            conn.execute(f"ALTER ROLE {name} PASSWORD '{PASSWORDS[name]}'")  # type: ignore
    with Project.open(proj) as project:
        doc = add_text(project, TEXT, "t")
    with open_as(proj, url(server, "bob", dbname)) as project:
        span = project.store.add_span(doc, "bob", "PERSON", *find(TEXT, "Irena Kostava"))
    with open_as(proj, url(server, "ann", dbname)) as project:
        project.store.add_span(doc, "ann", "GPE", *find(TEXT, "Valmora"))
    open_as(proj, url(server, "lena", dbname)).close()
    return proj, dbname, doc, int(span.id)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- schema tables
def test_annotators_write_no_schema_tables(server: PgServer, team) -> None:
    _, dbname, _, _ = team
    with connect(server, "ann", dbname) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO schema_snapshot (name, version, sha256, text, "
                         "created_at) VALUES ('x', '1', 'abc', 'labels: []', '')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute('UPDATE "current_schema" SET snapshot_id = 1')
    # Even the owner cannot store a snapshot whose text is not what its hash names.
    with connect(server, "lena", dbname) as conn, \
            pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("INSERT INTO schema_snapshot (name, version, sha256, text, "
                     "created_at) VALUES ('x', '1', repeat('0', 64), 'labels: []', '')")


def test_schema_apply_never_reuses_a_planted_snapshot(project: Project, tmp_path: Path,
                                                       capsys) -> None:
    """The attack of issue 24 where it still works (SQLite: anyone who can write the file):
    a row holding the hash of the file the lead is about to apply, and another text."""
    import hashlib

    from sqlalchemy import text

    root = project.root
    new_text = project.schema.text.replace("version:", "# next\nversion:", 1)
    new_file = tmp_path / "next.yaml"
    new_file.write_text(new_text, encoding="utf-8")
    planted = project.schema.text.replace("PERSON", "PERSONA")
    with project.store.db.engine.begin() as conn:
        conn.execute(text("INSERT INTO schema_snapshot (name, version, sha256, text, "
                          "created_at) VALUES ('x', '9', :h, :t, '')"),
                     {"h": hashlib.sha256(new_text.encode()).hexdigest(), "t": planted})
    before = (root / "schema.yaml").read_bytes()
    code, _, err = run(capsys, "schema", "apply", str(new_file), "-p", str(root))
    assert code == 1
    assert "does not match its sha256" in err and err.count("\n") == 1
    assert (root / "schema.yaml").read_bytes() == before
    assert "PERSONA" not in (root / "schema.yaml").read_text()


def test_a_tampered_current_snapshot_is_refused_where_read(project: Project, capsys) -> None:
    from sqlalchemy import text

    with project.store.db.engine.begin() as conn:
        conn.execute(text("UPDATE schema_snapshot SET text = text || '# planted' "))
    root = project.root
    project.close()
    code, _, err = run(capsys, "stats", "-p", str(root))
    assert code == 1 and "does not match its sha256" in err and err.count("\n") == 1


# --------------------------------------------------------------------------- links and log
def test_a_link_cannot_join_another_annotators_spans(server: PgServer, team) -> None:
    proj, dbname, doc, bobs = team
    with connect(server, "ann", dbname) as conn:
        [(ann_set,)] = conn.execute("SELECT id FROM annotation_set").fetchall()
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            conn.execute("INSERT INTO link (set_id, head_id, tail_id, role, stale, "
                         "created_at) VALUES (%s, %s, %s, 'Person', '', '')",
                         (ann_set, bobs, bobs))
    with open_as(proj, url(server, "bob", dbname)) as project:  # bob's span is his to delete
        project.store.remove_span(bobs, "bob")
        assert project.store.spans(doc, "bob") == []


def test_the_action_log_is_append_only_and_names_its_author(server: PgServer, team) -> None:
    _proj, dbname, _doc, _ = team
    with connect(server, "ann", dbname) as conn:
        [(ann_set,)] = conn.execute("SELECT id FROM annotation_set").fetchall()
        for sql in ("UPDATE action SET payload = '{}'", "DELETE FROM action"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql)  # type: ignore[arg-type]
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="author"):
            conn.execute("INSERT INTO action (set_id, annotator, at, kind, payload) "
                         "VALUES (%s, 'bob', '', 'note', '{}')", (ann_set,))
        conn.execute("INSERT INTO action (set_id, annotator, at, kind, payload, author) "
                     "VALUES (%s, 'ann', '', 'note', '{}', 'bob')", (ann_set,))
        authors = {r[0] for r in conn.execute("SELECT author FROM action")}
    assert authors == {"ann"}  # the store's own entry and the forged one: both ann's


def test_ids_are_bigint_and_no_sequence_is_open(server: PgServer, team) -> None:
    _, dbname, _, _ = team
    with connect(server, "ann", dbname) as conn:
        kinds = dict(conn.execute(
            "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'public' AND (column_name = 'id' OR column_name LIKE '%%_id')"
        ).fetchall())
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT nextval(pg_get_serial_sequence('span', 'id'))")
    assert kinds["span.id"] == kinds["action.id"] == kinds["link.head_id"] == "bigint"
    assert "integer" not in {v for k, v in kinds.items() if not k.startswith("current_schema.id")}


def test_database_checks_refuse_garbage_rows(server: PgServer, team) -> None:
    _, dbname, doc, _ = team
    with connect(server, "ann", dbname) as conn:
        [(ann_set,)] = conn.execute("SELECT id FROM annotation_set").fetchall()
        insert = ("INSERT INTO span (set_id, document_id, layer, label, start, \"end\", text, "
                  "attributes, stale, created_at) VALUES (%s, %s, 'entity', 'GPE', %s, %s, "
                  "'x', %s, '', '')")
        for start, end, attributes in ((-3, 2, "{}"), (5, 5, "{}"), (0, 1, "not json"),
                                       (0, 1, "[1]")):
            with pytest.raises(psycopg.errors.CheckViolation):
                conn.execute(insert, (ann_set, doc, start, end, attributes))


# --------------------------------------------------------------------------- locks
def test_no_lock_an_annotator_can_take_stalls_another_annotators_save(server: PgServer,
                                                                      team) -> None:
    proj, dbname, doc, _ = team
    with connect(server, "ann", dbname) as ann:
        for sql in ('LOCK TABLE "current_schema" IN ACCESS EXCLUSIVE MODE',
                    "LOCK TABLE document IN EXCLUSIVE MODE",
                    "LOCK TABLE action IN SHARE MODE",
                    "LOCK TABLE span IN ACCESS EXCLUSIVE MODE",
                    "LOCK TABLE link IN SHARE ROW EXCLUSIVE MODE",
                    "LOCK TABLE annotation_set IN EXCLUSIVE MODE",
                    "LOCK TABLE suggestion_decision IN SHARE MODE"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege), ann.transaction():
                ann.execute(sql)  # type: ignore[arg-type]
        # The advisory keys every writer once waited on are no longer anyone's gate.
        ann.execute("SELECT pg_advisory_lock(%s), pg_advisory_lock(%s, hashtext('bob'))",
                    (PROJECT_LOCK, doc))
        with open_as(proj, url(server, "lena", dbname)) as project:  # a document nobody began
            fresh = add_text(project, "Tuesday in Valmora.", "fresh")
        ann.execute("SELECT pg_advisory_lock(%s, hashtext('bob'))", (fresh,))
        with open_as(proj, url(server, "bob", dbname)) as project:
            started = time.monotonic()
            project.store.add_span(doc, "bob", "DATE", *find(TEXT, "Tuesday"))
            project.store.add_span(fresh, "bob", "DATE", 0, len("Tuesday"))  # a new set
            assert time.monotonic() - started < 2
        # What she may still take (INSERT's ROW EXCLUSIVE) blocks no writer.
        with ann.transaction():
            ann.execute("LOCK TABLE span IN ROW EXCLUSIVE MODE")
            with open_as(proj, url(server, "bob", dbname)) as project:
                project.store.add_span(doc, "bob", "LOC", *find(TEXT, "officials"))
    # A lock only the owner can take (a long upgrade, say) holds a writer for the lock
    # timeout, not forever: the edit is refused as busy, to be retried by the write queue.
    with connect(server, "lena", dbname) as lena, lena.transaction():
        lena.execute("LOCK TABLE span IN ACCESS EXCLUSIVE MODE")
        quick = url(server, "bob", dbname, "?options=-c%20lock_timeout%3D400ms")
        with open_as(proj, quick) as project:
            started = time.monotonic()
            with pytest.raises(StoreBusy, match="waiting for the database"):
                project.store.add_span(doc, "bob", "GPE", *find(TEXT, "Valmora"))
            assert time.monotonic() - started < 3


def test_every_connection_has_a_lock_and_a_statement_timeout(server: PgServer, team) -> None:
    from sqlalchemy import text

    proj, dbname, _, _ = team
    with open_as(proj, url(server, "ann", dbname)) as project, \
            project.store.db.read() as session:
        assert session.execute(text("SHOW lock_timeout")).scalar() == "5s"
        assert session.execute(text("SHOW statement_timeout")).scalar() == "5min"
    own = url(server, "ann", dbname, "?options=-c%20lock_timeout%3D2s")  # the URL's own wins
    with open_as(proj, own) as project, project.store.db.read() as session:
        assert session.execute(text("SHOW lock_timeout")).scalar() == "2s"
        assert session.execute(text("SHOW statement_timeout")).scalar() == "5min"


# --------------------------------------------------------------------------- roles
def test_team_grant_refuses_group_system_and_superuser_roles(server: PgServer, team,
                                                             capsys) -> None:
    proj, _, _, _ = team
    server.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'root2') "
                   "THEN CREATE ROLE root2 LOGIN SUPERUSER; END IF; END $$")
    server.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'desk') "
                   "THEN CREATE ROLE desk NOLOGIN; END IF; END $$")
    for name, role, why in (("copydesk_annotator", "lead", "group or system role"),
                            ("postgres", "annotator", "group or system role"),
                            ("pg_monitor", "annotator", "group or system role"),
                            ("root2", "annotator", "superuser"),
                            ("desk", "reviewer", "group role")):
        code, _, err = run(capsys, "team", "grant", "-p", str(proj), name, role)
        assert code == 1 and why in err and err.count("\n") == 1, (name, err)
    code, out, _ = run(capsys, "team", "list", "-p", str(proj))
    assert "root2" not in out and "desk" not in out and "ann" in out
    code, out, err = run(capsys, "team", "revoke", "-p", str(proj), "bob", "annotator")
    assert code == 0 and "revoked annotator from 'bob'" in out, err
    code, out, _ = run(capsys, "team", "list", "-p", str(proj))
    assert "bob" not in out and "ann" in out
    code, _, err = run(capsys, "team", "revoke", "-p", str(proj), "bob")
    assert code == 1 and "does not hold any team role" in err


def test_a_revoked_annotator_writes_nothing(server: PgServer, team, capsys) -> None:
    proj, dbname, _doc, _ = team
    assert run(capsys, "team", "revoke", "-p", str(proj), "ann")[0] == 0
    with connect(server, "ann", dbname) as conn, \
            pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("DELETE FROM span")
    assert run(capsys, "team", "grant", "-p", str(proj), "ann", "annotator")[0] == 0


# --------------------------------------------------------------------------- connections
def test_a_wrong_password_says_the_login_was_refused(server: PgServer, team, tmp_path: Path,
                                                     capsys, monkeypatch) -> None:
    proj, dbname, _, _ = team
    open_as(proj, url(server, "ann", dbname)).close()
    wrong = tmp_path / "wrong-pgpass"
    wrong.write_text(f"127.0.0.1:{server.port}:*:ann:not-her-password\n")
    wrong.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(wrong))
    code, _, err = run(capsys, "stats", "-p", str(proj))
    assert code == 1 and "refused the login" in err and "password" in err
    assert "unavailable" not in err and err.count("\n") == 1


def test_connect_timeout_in_the_url_reaches_libpq(tmp_path: Path, capsys) -> None:
    """A server that accepts the connection and never answers: the URL's 1 s is what waits."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        silent.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(silent.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        port = silent.getsockname()[1]
        started = time.monotonic()
        code, _, err = run(capsys, "init", str(tmp_path / "p"), "--database",
                           f"postgresql://ann@127.0.0.1:{port}/x?connect_timeout=1")
        took = time.monotonic() - started
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        silent.close()
    assert code == 1 and "database unavailable" in err
    assert took < 5, took  # the default would wait 10 s


# --------------------------------------------------------------------------- the README
def test_the_readme_set_up_works_as_written_on_a_fresh_server(server: PgServer,
                                                             tmp_path: Path) -> None:
    """The README's PostgreSQL block, run by bash line for line; only the host and port are
    this test server's. The lead is no superuser: CREATEDB and CREATEROLE are what it needs."""
    if shutil.which("psql") is None or shutil.which("createdb") is None:
        pytest.skip("psql/createdb are not installed (apt-get install postgresql-client)")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- postgres-setup:[^>]*-->\n```sh\n(.*?)```", readme, re.S)
    assert found, "the README's PostgreSQL set-up block is marked postgres-setup"
    script = (found.group(1).replace("db.newsroom.internal", "127.0.0.1")
              .replace(":5432/", f":{server.port}/"))
    env = {**os.environ, "PGPORT": str(server.port),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr + done.stdout
    assert re.search(r"leyla\s+.*annotator", done.stdout), done.stdout
    assert re.search(r"omar\s+.*reviewer", done.stdout), done.stdout
    with connect(server, "leyla", "news") as conn:  # her own login, her own password
        assert conn.execute("SELECT current_user").fetchone() == ("leyla",)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO schema_snapshot (name, version, sha256, text, "
                         "created_at) VALUES ('x', '1', 'abc', 'labels: []', '')")
    with connect(server, "lead", "postgres") as conn:
        assert conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = 'lead'"
                            ).fetchone() == (False,)


def test_an_annotator_undoes_suggestion_decisions_without_delete_rights(
        server: PgServer, team, tmp_path: Path, capsys) -> None:
    """Undo of a rejected or accepted suggestion deletes rows: through copydesk_delete, as
    the annotator's own role, who holds no DELETE on any table."""
    from copydesk.projects.suggest.decisions import accept, pending, reject

    proj, dbname, doc, _ = team
    places = tmp_path / "places.txt"
    places.write_text("# label: DATE\nTuesday\nofficials\n", "utf-8")
    code, _, err = run(capsys, "suggest", "-p", str(proj), "--docs", "all", "--patterns",
                       str(places))
    assert code == 0, err
    with open_as(proj, url(server, "ann", dbname)) as project:
        store = project.store
        shown = {s.head.text: s for s in pending(store, doc, "ann")}
        reject(store, doc, "ann", shown["Tuesday"])
        accept(store, doc, "ann", [shown["officials"]])
        assert [s.text for s in store.spans(doc, "ann")] == ["Valmora", "officials"]
        assert not {s.head.text for s in pending(store, doc, "ann")} & {"Tuesday", "officials"}
        assert store.undo(doc, "ann") is not None  # the accept: its span is deleted
        assert store.undo(doc, "ann") is not None  # the rejection: its decision is deleted
        assert [s.text for s in store.spans(doc, "ann")] == ["Valmora"]
        assert {"Tuesday", "officials"} <= {s.head.text for s in pending(store, doc, "ann")}
    with connect(server, "ann", dbname) as conn:
        assert conn.execute("SELECT count(*) FROM suggestion_decision").fetchone() == (0,)
