"""Shared fixtures: a real project on disk with the default schema, and the sample article."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from copydesk.projects.project import Project

# Under CI=true a skipped test fails the run unless its reason is allowed (see ci_skips.py);
# pytester runs the plugin's own tests in a scratch folder.
pytest_plugins = ["ci_skips", "pytester"]

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO.parent / "shared" / "samples"
SAMPLE_ARTICLE = SAMPLES / "kurdistan24-kirkuk-isis.txt"


@pytest.fixture
def sample_path() -> Path:
    if not SAMPLE_ARTICLE.exists():
        pytest.skip("../shared/samples is not beside the repository")
    return SAMPLE_ARTICLE


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
