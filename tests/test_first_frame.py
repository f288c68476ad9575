"""`copydesk annotate --doc N` paints the document before it opens the store.

The first frame is read with the standard library (`projects.firstread`) and the store, with
SQLAlchemy, is opened right after it (`CopydeskApp.finish_opening`). What users rely on, and
what these tests hold without timing anything:
- the first frame shows what the store would show (same text, same spans, same pieces);
- nothing on the way to it loads SQLAlchemy (checked in a fresh interpreter via `sys.modules`);
- a key pressed before the store is open is not lost: it is handled once the store is open;
- anything unusual (an edited schema file, an older layout, a missing document) takes the usual
  path, which reports or repairs it exactly as before.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from copydesk.projects.firstread import read_first_screen
from copydesk.projects.project import Project
from copydesk.schema import default_schema_path, parse_schema
from copydesk.tui.app.application import CopydeskApp
from copydesk.tui.app.screens.annotate import AnnotateScreen, span_view
from copydesk.tui.app.screens.queue import QueueScreen
from copydesk.tui.cli.annotate import first_screen
from copydesk.tui.cli.main import QUICK_COMMANDS, build_parser

REPO = Path(__file__).resolve().parents[1]
SIZE = (100, 30)
ANNOTATOR = "rewan"
# Our own writing (never a copy of the shared sample).
TEXT = ("Officials in Kirkuk said on Monday that the border police arrested two men near "
        "Dibis.\n\n\"We will keep the road open,\" a spokesman told reporters, adding that "
        "the army would stay.\n")


def seed(project: Project) -> int:
    """One document with a whole span, a span in two pieces, and another annotator's span."""
    store = project.store
    [doc] = store.add_documents([{"text": TEXT, "content_hash": "first-frame", "title": "Kirkuk"}])
    assert doc is not None
    kirkuk = TEXT.index("Kirkuk")
    store.add_span(doc, ANNOTATOR, "GPE", kirkuk, kirkuk + len("Kirkuk"))
    quote = store.add_span(doc, ANNOTATOR, "CONTENT", TEXT.index("We will"),
                           TEXT.index(" open") + len(" open"))
    store.add_fragment(quote.id, ANNOTATOR, TEXT.index("the army"), TEXT.index(" stay"))
    store.add_span(doc, "someone-else", "GPE", TEXT.index("Dibis"), TEXT.index("Dibis") + 5)
    return doc


def test_the_first_read_shows_what_the_store_shows(project: Project) -> None:
    doc = seed(project)
    first = read_first_screen(project.root, project.config, doc, ANNOTATOR)
    assert first is not None
    stored = project.store.document(doc)
    assert (first.text, first.title, first.content_hash) == \
        (stored.text, stored.title, stored.content_hash)
    assert first.status == project.store.annotation_set(doc, ANNOTATOR).status
    assert first.schema.sha256 == project.store.schema.sha256
    rows = project.store.spans(doc, ANNOTATOR)
    assert len(rows) == 2 and any(row.fragments for row in rows)  # the piece is in the test
    schema = project.store.schema
    assert [span_view(s, schema.label(s.label)) for s in first.spans] == \
        [span_view(s, schema.label(s.label)) for s in rows]


def test_a_document_nobody_started_reads_as_todo_with_no_spans(project: Project) -> None:
    doc = seed(project)
    first = read_first_screen(project.root, project.config, doc, "newcomer")
    assert first is not None
    assert (first.status, first.spans) == ("todo", ())


def _edit_schema_file(project: Project) -> None:
    path = project.root / "schema.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# an edit\n", encoding="utf-8")


def _older_layout(project: Project) -> None:
    with sqlite3.connect(project.root / "copydesk.db") as con:
        con.execute("UPDATE alembic_version SET version_num = '0001'")


STEP_ASIDE = {
    "schema file edited by hand": _edit_schema_file,
    "schema file missing": lambda p: (p.root / "schema.yaml").unlink(),
    "database at an older layout": _older_layout,
    "database missing": lambda p: (p.root / "copydesk.db").rename(p.root / "elsewhere.db"),
}


@pytest.mark.parametrize("case", sorted(STEP_ASIDE))
def test_anything_unusual_takes_the_usual_path(project: Project, case: str) -> None:
    """The usual open repairs, upgrades or reports these; the first read must not hide that."""
    doc = seed(project)
    project.close()
    STEP_ASIDE[case](project)
    assert read_first_screen(project.root, project.config, doc, ANNOTATOR) is None


def test_a_missing_document_or_a_server_project_takes_the_usual_path(project: Project) -> None:
    doc = seed(project)
    assert read_first_screen(project.root, project.config, doc + 1, ANNOTATOR) is None
    server = dataclasses.replace(project.config, database="postgresql://ann@db.example/news")
    assert read_first_screen(project.root, server, doc, ANNOTATOR) is None


def test_a_refused_annotator_takes_the_usual_path(project: Project) -> None:
    """`--annotator` someone else where overrides are off: the usual path says no, in order."""
    doc = seed(project)
    path = project.root / "copydesk.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["settings"]["allow_annotator_override"] = False
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    args = argparse.Namespace(project=str(project.root), doc=doc, annotator="not-me-" + ANNOTATOR)
    assert first_screen(args) is None


FIRST_FRAME_SCRIPT = """
import argparse, asyncio, json, sys
from copydesk.tui.cli.annotate import first_screen
from copydesk.tui.app.application import CopydeskApp
from copydesk.tui.cli.main import QUICK_COMMANDS, build_parser
from copydesk.tui.app.screens.annotate import AnnotateScreen

HEAVY = ("sqlalchemy", "sqlmodel", "alembic")
seen = {}
opening = CopydeskApp.finish_opening

def finish_opening(self):
    if "before" not in seen:  # the first call: the document is on screen, the store not open
        screen = self.screen
        seen["before"] = sorted(m for m in sys.modules if m.split(".")[0] in HEAVY)
        seen["painted"] = isinstance(screen, AnnotateScreen) and hasattr(screen, "text")
        seen["spans_painted"] = len(screen.view.spans_at(int(sys.argv[3])))
    opening(self)

CopydeskApp.finish_opening = finish_opening

async def main():
    args = argparse.Namespace(project=sys.argv[1], doc=int(sys.argv[2]), annotator="rewan")
    first = first_screen(args)
    seen["first_read"] = first is not None
    import gc
    gc.disable()  # as `copydesk annotate --doc` does up to the first frame
    app = CopydeskApp(first, first.annotator)
    async with app.run_test(size=(100, 30)) as pilot:
        while not getattr(app.screen, "_loaded", False):
            await pilot.pause(0.05)
        seen["after"] = "sqlalchemy" in sys.modules
        seen["rows"] = len(app.screen.spans)
        seen["collector_on"] = gc.isenabled()  # back on once the store is open
    app.close_project()

asyncio.run(main())
print(json.dumps(seen))
"""


def test_nothing_before_the_first_frame_loads_sqlalchemy(project: Project) -> None:
    """In a fresh interpreter: the screen is painted with its spans before the store opens,
    and nothing imported or run up to then loaded SQLAlchemy, SQLModel or Alembic."""
    doc = seed(project)
    project.close()
    at = TEXT.index("Kirkuk") + 1
    out = subprocess.run([sys.executable, "-c", FIRST_FRAME_SCRIPT, str(project.root),
                          str(doc), str(at)], capture_output=True, text=True, timeout=300,
                         cwd=REPO, check=True)
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen == {"first_read": True, "before": [], "painted": True, "spans_painted": 1,
                    "after": True, "rows": 2, "collector_on": True}


async def test_a_key_pressed_before_the_store_opens_is_handled_once_it_is(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = seed(project)
    project.close()
    first = read_first_screen(project.root, project.config, doc, ANNOTATOR)
    assert first is not None
    # Only a key may open the store here: the open after the first frame is held back.
    monkeypatch.setattr(CopydeskApp, "open_after_first_frame", lambda self: None)
    app = CopydeskApp(first, ANNOTATOR)
    async with app.run_test(size=SIZE) as pilot:
        while not (isinstance(app.screen, AnnotateScreen) and hasattr(app.screen, "text")):
            await pilot.pause(0.05)
        assert app.first_screen(doc) is first  # painted, the store still closed
        await pilot.press("g")  # GPE's hotkey, on "Officials" under the cursor
        await pilot.pause()
        assert app.first_screen(doc) is None
        assert "Saved GPE" in str(app.screen.query_one("#status-line").render())
        assert [(s.label, s.start) for s in app.project.store.spans(doc, ANNOTATOR)] == \
            [("GPE", 0), ("GPE", TEXT.index("Kirkuk")), ("CONTENT", TEXT.index("We will"))]
        assert len(app.screen.spans) == 3  # the screen has the rows, the new one included
    app.close_project()


@pytest.mark.parametrize("started_from", ["project", "first read"])
async def test_back_from_the_document_started_on_goes_to_the_queue(
        project: Project, started_from: str) -> None:
    doc = seed(project)
    if started_from == "project":
        app = CopydeskApp(project, ANNOTATOR, open_document=doc)
    else:
        project.close()
        first = read_first_screen(project.root, project.config, doc, ANNOTATOR)
        assert first is not None
        app = CopydeskApp(first, ANNOTATOR)
    async with app.run_test(size=SIZE) as pilot:
        while not getattr(app.screen, "_loaded", False):
            await pilot.pause(0.05)
        await pilot.press("q")
        while not isinstance(app.screen, QueueScreen):
            await pilot.pause(0.05)
        table = app.screen.query_one("#queue-table")
        assert table.row_count == 1
    if started_from != "project":
        app.close_project()


def test_libyaml_and_pure_python_read_the_same_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    """The schema is composed by libyaml when it can be (start-up time); the result must be
    the very Schema the pure-Python composer builds."""
    text = default_schema_path().read_text(encoding="utf-8")
    fast = parse_schema(text, "newsroom.yaml")
    monkeypatch.delattr(yaml, "CSafeLoader", raising=False)
    assert parse_schema(text, "newsroom.yaml") == fast


@pytest.mark.parametrize("argv", [
    ["annotate", "-p", "news", "--doc", "3", "--annotator", "rewan"],
    ["annotate"],
    ["demo", "--fresh", "--no-tui"],
])
def test_the_quick_parser_reads_a_command_line_as_the_whole_one(argv: list[str]) -> None:
    """`copydesk annotate` builds its parser from one module (start-up time): same result."""
    quick = build_parser((QUICK_COMMANDS[argv[0]],)).parse_args(argv)
    assert vars(quick) == vars(build_parser().parse_args(argv))


async def test_a_project_gone_between_the_first_read_and_the_open_ends_in_one_line(
        project: Project) -> None:
    doc = seed(project)
    project.close()
    first = read_first_screen(project.root, project.config, doc, ANNOTATOR)
    assert first is not None
    (project.root / "copydesk.db").rename(project.root / "moved.db")  # someone moved it
    app = CopydeskApp(first, ANNOTATOR)
    async with app.run_test(size=SIZE) as pilot:
        while app.is_running and app.return_code is None:
            await pilot.pause(0.05)
    assert app.return_code == 1
    assert not (project.root / "copydesk.db").exists()  # nothing made in its place


def test_the_whole_command_line_parser_loads_no_database_code() -> None:
    """`copydesk --help`, a typo, `copydesk import --help`: each builds the parser of every
    command, and the format table the import and export commands list must not bring the
    store and SQLAlchemy with it (0.7 s of start-up where 0.15 s does)."""
    code = ("import sys\n"
            "from copydesk.tui.cli.main import COMMAND_MODULES, build_parser\n"
            "build_parser(COMMAND_MODULES).format_help()\n"
            "import copydesk.exports\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('sqlalchemy', 'sqlmodel', 'alembic', 'textual')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, cwd=REPO, check=True)
    assert out.stdout.strip() == "[]"
    # the package's run_export still comes when asked for
    code = ("import copydesk.exports as e, sys\n"
            "print(e.run_export.__module__, 'sqlalchemy' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, cwd=REPO, check=True)
    assert out.stdout.split() == ["copydesk.exports.run", "True"]
