"""Exports are byte-identical to what copydesk wrote before they streamed (issue 16).

The files in tests/data/export-golden/ were written by commit 03a4801 (whole-corpus lists, the
standard JSON encoder; the hf ones by main's writer at 66d17fc, after `ner_tags` became ids;
brat's `annotation.conf` and the hf card since then take issue 11's two intended changes:
`Content+` (an attribution may have several contents) and the card's paragraph on pieces)
for the project `export_golden.build` makes; today's streaming reader, fast token quoting and
orjson rows must write exactly the same bytes, splits and filters too.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from export_golden import EXPORTS, build, export_all, files_of

GOLDEN = Path(__file__).parent / "data" / "export-golden"


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("golden")
    project = build(root / "p")
    try:
        export_all(project, root / "out")
    finally:
        project.close()
    return root / "out"


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_export_bytes_unchanged(exported: Path, name: str) -> None:
    want = files_of(GOLDEN / name) if (GOLDEN / name).is_dir() else {
        "": (GOLDEN / name).read_bytes()}
    got = files_of(exported / name) if (exported / name).is_dir() else {
        "": (exported / name).read_bytes()}
    assert sorted(got) == sorted(want)
    for file, data in want.items():
        assert got[file] == data, f"{name}/{file} differs"
