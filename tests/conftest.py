"""Shared fixtures: a real project on disk with the default schema, and the sample article."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pg_server import PgServer, running_server
from pg_server import missing_reason as pg_missing_reason

from copydesk.projects.project import Project

# Under CI=true a skipped test fails the run unless its reason is allowed (see ci_skips.py);
# pytester runs the plugin's own tests in a scratch folder.
pytest_plugins = ["ci_skips", "pytester"]

REPO = Path(__file__).resolve().parents[1]
# The article the tests annotate: our own writing in news style (a headline, a duplicated photo
# caption, direct quotes with their sources and cues, a split quote, an attack and deaths as
# events, a non-breaking space, then Arabic and Sorani paragraphs). The suite never needs
# ../shared: it runs from a bare clone.
ARTICLE = REPO / "tests" / "data" / "articles" / "kirkuk-hamrin-patrols.txt"
ARTICLE_TITLE = "ISIS cells keep Iraq on edge years after their defeat"
# The real article beside the repository, for the optional tests that read it.
REAL_SAMPLE = REPO.parent / "shared" / "samples" / "kurdistan24-kirkuk-isis.txt"
REAL_SAMPLE_MISSING = "../shared/samples is not beside the repository"


@pytest.fixture(autouse=True)
def _no_user_settings(tmp_path_factory: pytest.TempPathFactory,
                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The person running the suite may have their own ~/.config/copydesk/config.yaml (a
    keymap, a display mode): point every test at an empty config folder instead."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg-config")))


@pytest.fixture
def sample_path() -> Path:
    return ARTICLE


@pytest.fixture
def real_sample_path() -> Path:
    """The real article in ../shared/samples (never copied into the repository); optional."""
    if not REAL_SAMPLE.exists():
        pytest.skip(REAL_SAMPLE_MISSING)
    return REAL_SAMPLE


@pytest.fixture
def sample_text(sample_path: Path) -> str:
    return sample_path.read_bytes().decode("utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    proj = Project.init(tmp_path / "proj")
    try:
        yield proj
    finally:
        proj.close()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One throwaway PostgreSQL 15 for the whole run (tests/pg_server.py), stopped at the end."""
    reason = pg_missing_reason()
    if reason is not None:
        pytest.skip(reason)
    with running_server() as server:
        yield server


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """A fresh, empty database on the throwaway server, dropped after the test."""
    url = pg_server.database()
    try:
        yield url
    finally:
        pg_server.drop(url)


# The engines a project can live on; tests that take `any_project` run once on each.
BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database(backend: str, request: pytest.FixtureRequest) -> str | None:
    """None for SQLite (copydesk.db in the folder), else a fresh PostgreSQL URL."""
    if backend == "sqlite":
        return None
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def any_project(tmp_path: Path, database: str | None) -> Iterator[Project]:
    proj = Project.init(tmp_path / "proj", database=database)
    try:
        yield proj
    finally:
        proj.close()


@pytest.fixture(autouse=True)
def _isolate_annotator(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never depend on who runs them."""
    monkeypatch.setenv("COPYDESK_ANNOTATOR", "tester")


def add_text(project: Project, text: str, title: str = "") -> int:
    from copydesk.projects.importers import content_hash

    [doc_id] = project.store.add_documents(
        [{"text": text, "content_hash": content_hash(text), "title": title}]
    )
    assert doc_id is not None
    return doc_id


def find(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """Offsets of the nth occurrence of needle (tests locate spans by content, not by number)."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)
