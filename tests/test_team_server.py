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


# --------------------------------------------------------------------------- schema apply
def _next_schema(project_dir: Path, tmp_path: Path, name: str) -> Path:
    """The project's schema with one more label: an apply that writes a new snapshot."""
    text = (project_dir / "schema.yaml").read_text(encoding="utf-8")
    assert "\nentities:\n" in text
    new = tmp_path / f"{name}.yaml"
    new.write_text(text.replace("\nentities:\n", f"\nentities:\n  {name}:\n    color: blue\n",
                                1), encoding="utf-8")
    return new


def test_nothing_an_annotator_holds_delays_schema_apply(server: PgServer, team, tmp_path: Path,
                                                        capsys) -> None:
    """Every lock ann can take and keep in an open transaction, as she would type it into
    psql, while the lead applies a schema: the apply is not held up (it used to wait for the
    lock timeout, then fail). What she holds locked is left as it was, and said."""
    proj, dbname, _doc, _ = team
    with connect(server, "ann", dbname) as ann:
        for sql in ('SELECT * FROM "current_schema"',
                    'LOCK TABLE "current_schema" IN ACCESS SHARE MODE',
                    'SELECT * FROM "current_schema" FOR SHARE',
                    "LOCK TABLE copydesk_schema_gate IN ACCESS SHARE MODE"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege), ann.transaction():
                ann.execute(sql)  # type: ignore[arg-type]
    holds = [
        # the schema pointer as the store reads it, kept open
        (["SELECT copydesk_current_snapshot()"], False),
        # what the store's own save does first (her set's row locked), kept open
        (["WITH gate AS MATERIALIZED (SELECT copydesk_current_snapshot() AS s) "
          "SELECT gate.s, ARRAY(SELECT id FROM annotation_set WHERE annotator = 'ann' "
          "FOR UPDATE) FROM gate"], True),
        # a save half made: a span inserted under the schema she read, not committed
        (["INSERT INTO span (set_id, document_id, layer, label, start, \"end\", text, "
          "attributes, schema_id, stale, created_at) SELECT id, document_id, 'entity', "
          "'DATE', 44, 51, 'Tuesday', '{}', copydesk_current_snapshot(), '', '' "
          "FROM annotation_set WHERE annotator = 'ann'"], False),
        # her own span's row locked
        (["SELECT id FROM span FOR UPDATE"], True),
    ]
    for n, (statements, left) in enumerate(holds):
        new = _next_schema(proj, tmp_path, f"SHIP{n}")
        with connect(server, "ann", dbname) as ann, ann.transaction():
            for sql in statements:
                ann.execute(sql)  # type: ignore[arg-type]
            started = time.monotonic()
            code, out, err = run(capsys, "schema", "apply", str(new), "-p", str(proj))
            took = time.monotonic() - started
            assert code == 0, (statements, err)
            assert took < 3, (statements, took)
            assert ("left as they were: the annotation sets of ann" in out) == left, out
    with connect(server, "lena", dbname) as lena:
        snapshots = [r[0] for r in lena.execute("SELECT id FROM schema_snapshot ORDER BY id")]
        rows = lena.execute("SELECT a.annotator, s.label, s.schema_id FROM span s JOIN "
                            "annotation_set a ON a.id = s.set_id ORDER BY s.id").fetchall()
    # bob's span followed every apply; ann's first one was left by the last apply (she held
    # it), and the span she committed after the third apply began names the schema she
    # read: both valid under their own snapshot, brought in line by the next apply
    assert rows[0] == ("bob", "PERSON", snapshots[-1])
    assert rows[1] == ("ann", "GPE", snapshots[-2])
    assert rows[2] == ("ann", "DATE", snapshots[-3])
    code, out, err = run(capsys, "schema", "apply", str(tmp_path / "SHIP3.yaml"), "-p",
                         str(proj))
    assert code == 0, err
    with connect(server, "lena", dbname) as lena:
        assert {r[0] for r in lena.execute("SELECT schema_id FROM span")} == {snapshots[-1]}


def test_a_schema_apply_waits_for_a_save_that_read_the_schema_before_it(
        server: PgServer, team, tmp_path: Path, capsys) -> None:
    """The other side: a write in progress that read the schema before the apply began is
    waited for (briefly), so the apply sees and migrates what it saves."""
    proj, dbname, _doc, _ = team
    new = _next_schema(proj, tmp_path, "SHIP")
    with connect(server, "bob", dbname) as bob:
        with bob.transaction():
            bob.execute("INSERT INTO span (set_id, document_id, layer, label, start, \"end\", "
                        "text, attributes, schema_id, stale, created_at) SELECT id, "
                        "document_id, 'entity', 'DATE', 44, 51, 'Tuesday', '{}', "
                        "copydesk_current_snapshot(), '', '' FROM annotation_set "
                        "WHERE annotator = 'bob'")
            done: list[tuple[int, str, str]] = []
            apply = threading.Thread(target=lambda: done.append(run(
                capsys, "schema", "apply", str(new), "-p", str(proj))))
            apply.start()
            time.sleep(0.5)
            assert apply.is_alive()  # waiting for bob's save
        apply.join(timeout=30)
    assert done and done[0][0] == 0, done
    with connect(server, "lena", dbname) as lena:
        [(newest,)] = lena.execute("SELECT max(id) FROM schema_snapshot").fetchall()
        assert lena.execute("SELECT schema_id FROM span WHERE label = 'DATE'").fetchall() \
            == [(newest,)]


# --------------------------------------------------------------------------- labels
def test_a_span_label_the_schema_lacks_is_refused_by_the_database(server: PgServer,
                                                                  team) -> None:
    """ann types spans into psql: a label no snapshot has, one on the wrong layer, no
    snapshot named, and a relabel of her own span. The database refuses each; a label a
    later schema removed stays valid for the spans made under it."""
    _, dbname, doc, _ = team
    with connect(server, "ann", dbname) as ann:
        [(ann_set, snapshot)] = ann.execute(
            "SELECT id, copydesk_current_snapshot() FROM annotation_set").fetchall()
        [(own,)] = ann.execute("SELECT id FROM span").fetchall()
        insert = ("INSERT INTO span (set_id, document_id, layer, label, start, \"end\", text, "
                  "attributes, schema_id, stale, created_at) VALUES (%s, %s, %s, %s, 0, 6, "
                  "'Police', '{}', %s, '', '')")
        for layer, label, schema_id in (("entity", "WEAPONS_GRADE", snapshot),
                                        ("event", "GPE", snapshot),
                                        ("entity", "ORG", None),
                                        ("entity", "ORG", snapshot + 99)):
            with pytest.raises(psycopg.errors.ForeignKeyViolation):
                ann.execute(insert, (ann_set, doc, layer, label, schema_id))
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            ann.execute("UPDATE span SET label = 'WEAPONS_GRADE' WHERE id = %s", (own,))
        # nor can she add the label to the schema first
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            ann.execute("INSERT INTO schema_label (snapshot_id, layer, name) "
                        "VALUES (%s, 'entity', 'WEAPONS_GRADE')", (snapshot,))
        # what the store writes passes
        ann.execute(insert, (ann_set, doc, "entity", "ORG", snapshot))
        labels = ann.execute("SELECT label FROM span ORDER BY id").fetchall()
    assert labels == [("GPE",), ("ORG",)]


def test_an_existing_store_is_upgraded_in_place(server: PgServer, team, capsys) -> None:
    """A project at layout 0009 (the previous release: no schema_label, no edit keys), with a
    row typed in by hand before the check existed: opening it upgrades it, the row stays
    (export skips and names it), and new rows are checked."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from copydesk.projects.migrations import _alembic_config

    proj, dbname, _doc, _ = team
    engine = create_engine(url(server, "lena", dbname).replace("postgresql://",
                                                               "postgresql+psycopg://"))
    with engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0009")
        assert conn.execute(text("SELECT to_regclass('schema_label')")).scalar() is None
        conn.execute(text("UPDATE span SET label = 'WEAPONS_GRADE' WHERE label = 'GPE'"))
    engine.dispose()
    with Project.open(proj) as project:
        assert project.store.db.upgrade_backup is None  # PostgreSQL: no file copy
        with project.store.db.read() as session:
            version = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
            labels = session.execute(text("SELECT count(*) FROM schema_label")).scalar()
            kept = session.execute(text("SELECT label FROM span ORDER BY id")).scalars().all()
        assert version == "0010" and labels == len(project.schema.labels)
        assert kept == ["PERSON", "WEAPONS_GRADE"]
    code, out, err = run(capsys, "export", "jsonl", str(proj / "out.jsonl"), "-p", str(proj),
                         "--status", "all")
    assert code == 0, err
    assert "WEAPONS_GRADE" in out and "WEAPONS_GRADE" not in (proj / "out.jsonl").read_text()
    with connect(server, "bob", dbname) as bob, \
            pytest.raises(psycopg.errors.ForeignKeyViolation):
        bob.execute("UPDATE span SET label = 'NOT_A_LABEL'")


# --------------------------------------------------------------------------- lost commits
class _Threads:
    """What tui.writes.WriteQueue needs of an App: a thread worker and a hop back to it."""

    def run_worker(self, fn, **_kw) -> None:  # type: ignore[no-untyped-def]
        threading.Thread(target=fn, daemon=True).start()

    def call_from_thread(self, callback, *args) -> None:  # type: ignore[no-untyped-def]
        callback(*args)


def test_an_edit_whose_commit_answer_was_lost_is_saved_once(server: PgServer, team,
                                                             monkeypatch) -> None:
    """The server commits ann's edit, then her connection drops before the answer reaches
    her (the superuser terminates the backend right after COMMIT): the write queue retries,
    finds the edit's key in the log, and shows it saved. One span, one log entry."""
    from copydesk.tui.app.writes import WriteJob, WriteQueue

    proj, dbname, doc, _ = team
    with open_as(proj, url(server, "ann", dbname)) as project:
        store = project.store
        dialect = store.db.engine.dialect
        real_commit = dialect.do_commit
        dropped: list[int] = []

        def commit_then_drop(dbapi_conn) -> None:  # type: ignore[no-untyped-def]
            real_commit(dbapi_conn)
            if not dropped:
                pid = dbapi_conn.driver_connection.info.backend_pid
                dropped.append(pid)
                server.execute(f"SELECT pg_terminate_backend({pid})", dbname)
                raise psycopg.OperationalError("server closed the connection unexpectedly")

        monkeypatch.setattr(dialect, "do_commit", commit_then_drop)
        queue = WriteQueue(_Threads(), store.db)  # type: ignore[arg-type]
        queue.retry_delays = (0.1,)
        runs: list[int] = []
        outcome: list[str] = []

        def run_edit():  # type: ignore[no-untyped-def]
            runs.append(1)
            return store.add_span(doc, "ann", "DATE", *find(TEXT, "Tuesday"))

        queue.submit(WriteJob(run_edit, lambda _span: outcome.append("saved"),
                              lambda exc: outcome.append(f"failed: {exc}"), "DATE Tuesday",
                              already_saved=lambda: outcome.append("saved before")))
        deadline = time.monotonic() + 30
        while queue.pending and time.monotonic() < deadline:
            time.sleep(0.05)
        assert dropped and queue.pending == 0
        assert outcome == ["saved before"] and runs == [1]
        monkeypatch.undo()
        dates = [s for s in store.spans(doc, "ann") if s.label == "DATE"]
        keys = [a.client_key for a in store.actions(doc, "ann") if a.kind == "add_span"]
    assert len(dates) == 1
    assert keys[-1] is not None and keys.count(keys[-1]) == 1
    # the key is unique: a second save of it is refused
    with connect(server, "ann", dbname) as ann, pytest.raises(psycopg.errors.UniqueViolation):
        ann.execute("INSERT INTO action (set_id, annotator, at, kind, payload, client_key) "
                    "SELECT set_id, annotator, '', 'note', '{}', client_key FROM action "
                    "WHERE client_key = %s", (keys[-1],))


async def test_the_screen_shows_such_an_edit_saved_once(server: PgServer, team,
                                                         monkeypatch) -> None:
    from textual.widgets import Static

    from copydesk.tui.app.application import CopydeskApp
    from copydesk.tui.app.screens.annotate import AnnotateScreen
    from copydesk.tui.app.widgets.article_view import ArticleView

    proj, dbname, doc, _ = team
    with open_as(proj, url(server, "ann", dbname)) as project:
        dialect = project.store.db.engine.dialect
        real_commit = dialect.do_commit
        armed: list[bool] = []

        def commit_then_drop(dbapi_conn) -> None:  # type: ignore[no-untyped-def]
            real_commit(dbapi_conn)
            if armed and armed.pop():
                pid = dbapi_conn.driver_connection.info.backend_pid
                server.execute(f"SELECT pg_terminate_backend({pid})", dbname)
                raise psycopg.OperationalError("server closed the connection unexpectedly")

        monkeypatch.setattr(dialect, "do_commit", commit_then_drop)
        app = CopydeskApp(project, "ann", open_document=doc)
        async with app.run_test(size=(120, 40)) as pilot:
            deadline = time.monotonic() + 60
            while not isinstance(app.screen, AnnotateScreen):
                assert time.monotonic() < deadline
                await pilot.pause(0.05)
            await pilot.pause()
            view = app.screen.query_one(ArticleView)
            start, end = find(TEXT, "Tuesday")
            view.move_cursor(start)
            await pilot.pause()
            for _ in range(end - start):
                await pilot.press("shift+right")
            armed.append(True)
            await pilot.press("d")
            while app.writes.pending or armed:
                assert time.monotonic() < deadline
                await pilot.pause(0.05)
            await pilot.pause(0.2)
            status = str(app.screen.query_one("#status-line", Static).content)
            shown = [s.label for s in app.screen.spans.values()]  # type: ignore[attr-defined]
        monkeypatch.undo()
        stored = [s.label for s in project.store.spans(doc, "ann")]
    assert "Saved DATE" in status, status
    assert sorted(shown) == sorted(stored) == ["DATE", "GPE"]


def test_schema_undo_refuses_at_once_while_a_set_is_held(server: PgServer, team,
                                                        tmp_path: Path, capsys) -> None:
    """Undo restores rows exactly or not at all: with ann's set held locked it says so at
    once (one line, nothing undone) rather than wait; released, it goes through."""
    proj, dbname, _doc, _ = team
    renamed = tmp_path / "renamed.yaml"
    text = (proj / "schema.yaml").read_text(encoding="utf-8")
    renamed.write_text(text.replace("\n  GPE:\n", "\n  PLACE:\n    renamed_from: [GPE]\n", 1)
                       .replace("GPE", "PLACE").replace("renamed_from: [PLACE]",
                                                        "renamed_from: [GPE]"),
                       encoding="utf-8")
    code, _, err = run(capsys, "schema", "apply", str(renamed), "-p", str(proj))
    assert code == 0, err
    with connect(server, "ann", dbname) as ann, ann.transaction():
        ann.execute("SELECT id FROM annotation_set FOR UPDATE")
        started = time.monotonic()
        code, _, err = run(capsys, "schema", "undo", "-p", str(proj))
        assert time.monotonic() - started < 3
        assert code == 1 and "annotation sets of ann are held" in err
        assert "nothing was undone" in err
        assert err.count("\n") == 1
    code, _, err = run(capsys, "schema", "undo", "-p", str(proj))
    assert code == 0, err
    with connect(server, "ann", dbname) as ann:
        assert ann.execute("SELECT label FROM span").fetchall() == [("GPE",)]
