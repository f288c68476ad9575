"""Exports are byte-identical to what copydesk wrote before they streamed (issue 16).

The files in tests/data/export-golden/ were written by commit 03a4801 (whole-corpus lists, the
standard JSON encoder; the hf ones by main's writer at 66d17fc, after `ner_tags` became ids;
brat's `annotation.conf` and the hf card since then take issue 11's two intended changes:
`Content+` (an attribution may have several contents) and the card's paragraph on pieces;
brat gained `visual.conf` in issue 23)
for the project `export_golden.build` makes; today's streaming reader, fast token quoting and
orjson rows must write exactly the same bytes, splits and filters too.
"""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest
from export_golden import EXPORTS, build, export_all, files_of
from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk.exports import parallel

GOLDEN = Path(__file__).parent / "data" / "export-golden"


@pytest.fixture(scope="module", params=["one process", "worker processes"])
def exported(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every export, written by this process, then by two worker processes with chunks of two
    records (so every split has several parts to join, in order)."""
    root = tmp_path_factory.mktemp("golden")
    project = build(root / "p")
    jobs = 1
    if request.param == "worker processes":
        if "fork" not in multiprocessing.get_all_start_methods():
            pytest.skip("worker processes need the fork start method")
        jobs = 2
    mp = pytest.MonkeyPatch()
    mp.setattr(parallel, "CHUNK", 2)
    # another test's leftover daemon thread (datasets' tqdm monitor) must not send the
    # exports back to one process here
    mp.setattr(parallel, "other_threads_running", lambda: False)
    used: list[int] = []
    real = parallel.run_chunks
    mp.setattr(parallel, "run_chunks",
               lambda *a, **k: used.append(len(a[2])) or real(*a, **k))
    try:
        export_all(project, root / "out", jobs=jobs)
    finally:
        mp.undo()
        project.close()
    # brat and parquet stay in one process; jsonl, conll and hf went to workers when asked
    assert (len(used) == 8) if jobs == 2 else (used == []), used
    assert all(n >= 2 for n in used)
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


@given(st.text(alphabet=st.characters(blacklist_categories=())))
@settings(max_examples=300, deadline=None)
def test_fast_json_strings_are_the_standard_encoders(value: str) -> None:
    """orjson writes the JSONL exports' strings; any text (controls, quotes, lone surrogates)
    must come out as `json.dumps(..., ensure_ascii=False)` writes it, alone or in rows."""
    from copydesk.exports.common import fast_json
    from copydesk.exports.jsonl import _string

    assert _string(value) == json.dumps(value, ensure_ascii=False)
    assert _string("a\ud800b") == json.dumps("a\ud800b", ensure_ascii=False)
    row = [{"text": value, "start": 0, "end": len(value), "id": 7}, {"tags": [value, "O"]}]
    assert fast_json(row) == json.dumps(row, ensure_ascii=False, separators=(",", ":"))
