"""Property tests of the store: undo/redo as exact inverses, and offsets checked on every write.

(The offset mapping itself — TextIndex, Layout — has its own properties in test_textutil.py and
test_layout.py; these are the store's side of the contract: what it accepts and what it keeps.)

Each example works on a copy of one template database, so hypothesis can run many examples
without paying for a new project each time.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import regex
from e2e_helpers import Mirror, doc_text, run_op, word_keys
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from copydesk.projects.errors import StoreError
from copydesk.projects.importers import content_hash
from copydesk.projects.project import Project
from copydesk.projects.store import Store

ANN = "prop"
HOSTILE_TEXT = (
    "Café ñ e\u0301 👨\u200d👩\u200d👧 🇮🇶🇰🇷 قال هەولێر 官员\r\nx\u200dy\tz \x00\x1b[2J "
    "a\u0308\u0323 ﷺ \U0001f44d\U0001f3fd end"
)
_GRAPHEMES = regex.compile(r"\X")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[int]]]:
    """A project with three documents and another annotator's spans already present."""
    root = tmp_path_factory.mktemp("template") / "proj"
    texts = [doc_text(0, 40), doc_text(1, 40), HOSTILE_TEXT]
    with Project.init(root) as project:
        ids = [i for i in project.store.add_documents(
            [{"text": t, "content_hash": content_hash(t)} for t in texts]) if i is not None]
        for start, end in word_keys(texts[0])[:5]:
            project.store.add_span(ids[0], "someone-else", "ORG", start, end)
        project.store.add_span(ids[2], ANN, "PERSON", 0, 4)  # the annotator's other document
    yield root, ids


def fresh(template: tuple[Path, list[int]], tmp: Path) -> tuple[Project, list[int]]:
    root, ids = template
    target = tmp / f"p{uuid.uuid4().hex}"  # not `random`: hypothesis seeds it
    shutil.copytree(root, target)
    return Project.open(target), ids


def snapshot(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every span and link row, all columns, plus the annotation sets' statuses."""
    conn = sqlite3.connect(db)
    try:
        return {
            "span": conn.execute("SELECT * FROM span ORDER BY id").fetchall(),
            "link": conn.execute("SELECT * FROM link ORDER BY id").fetchall(),
        }
    finally:
        conn.close()


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), steps=st.integers(1, 40))
def test_undo_all_restores_start_and_redo_all_restores_end(
        template: tuple[Path, list[int]], tmp_path: Path, seed: int, steps: int) -> None:
    """Random edits (spans, links, attributes, status, with undo/redo mixed in), then undo
    everything: every span and link row is back exactly; redo everything: exactly the end."""
    project, ids = fresh(template, tmp_path)
    try:
        store = project.store
        db = store.db.path
        texts = {d: store.document(d).text for d in ids[:2]}
        start = snapshot(db)
        mirror = Mirror()
        rng = random.Random(seed)
        for _ in range(steps):
            op = mirror.next_op(rng, texts)
            run_op(store, ANN, op)
            mirror.apply(op)
        end = snapshot(db)
        undone = {d: 0 for d in texts}
        for d in texts:
            for _ in range(500):  # bounded: at most `steps` edits can be undone
                if store.undo(d, ANN) is None:
                    break
                undone[d] += 1
        assert snapshot(db) == start
        assert sum(undone.values()) == sum(len(s.undo) for s in mirror.docs.values())
        for d in texts:
            for _ in range(undone[d]):
                assert store.redo(d, ANN) is not None
            # (edits undone inside the sequence may still wait on the redo stack: not ours)
        assert snapshot(db) == end
        assert store.db.integrity_check() == "ok"
    finally:
        project.close()


def _boundaries(text: str) -> set[int]:
    out = {0}
    for match in _GRAPHEMES.finditer(text):
        out.add(match.end())
    return out


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_add_span_accepts_exactly_whole_grapheme_ranges(
        template: tuple[Path, list[int]], tmp_path_factory: pytest.TempPathFactory,
        data: st.DataObject) -> None:
    """Over text with ZWJ families, flags, combining marks, CRLF, NUL and escapes: a span is
    stored iff it is a non-empty range on grapheme boundaries, and then its text is exactly
    the document's slice; anything else is a one-line StoreError, never another exception."""
    store = _shared_store(template, tmp_path_factory)
    doc = template[1][2]
    n = len(HOSTILE_TEXT)
    start = data.draw(st.integers(-2, n + 2), label="start")
    end = data.draw(st.integers(-2, n + 2), label="end")
    ok_bounds = _boundaries(HOSTILE_TEXT)
    valid = 0 <= start < end <= n and start in ok_bounds and end in ok_bounds
    try:
        span = store.add_span(doc, "offsets", "PERSON", start, end)
    except StoreError as exc:
        assert not valid or "already labelled" in str(exc), (start, end, str(exc))
        assert "\n" not in str(exc)
        return
    assert valid, (start, end)
    assert span.text == HOSTILE_TEXT[start:end]
    stored = store.span(int(span.id))  # type: ignore[arg-type]
    assert (stored.start, stored.end, stored.text) == (start, end, HOSTILE_TEXT[start:end])


_STORES: dict[str, Store] = {}


def _shared_store(template: tuple[Path, list[int]],
                  factory: pytest.TempPathFactory) -> Store:
    """One store for all examples of the offsets property (its checks do not depend on state,
    apart from refusing an exact duplicate, which the test allows)."""
    if "offsets" not in _STORES:
        project, _ = fresh(template, factory.mktemp("offsets"))
        _STORES["offsets"] = project.store
    return _STORES["offsets"]


def teardown_module() -> None:
    for store in _STORES.values():
        store.close()
    _STORES.clear()
