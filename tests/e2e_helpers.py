"""A model annotator for fault tests: a pure mirror of what the store should hold, and a worker.

The fault tests need to know, after killing a process at an arbitrary point, exactly what the
database must contain. `Mirror` is that knowledge: a plain-Python model of one annotator's spans,
links, attributes, status and undo/redo stacks per document, advanced by the same seeded
operation stream the worker sends to the real `Store`. Because every store write logs exactly one
`Action`, the number of actions in the database says how many operations committed, and the
database must then equal the mirror after that many operations — no more, no less.

Run as a script, this module is the worker process:
    python tests/e2e_helpers.py PROJECT_DIR ANNOTATOR SEED COUNT MIRROR_JSON_IN MIRROR_JSON_OUT
It prints each operation's index to stdout (flushed) only after the store call returned, and
writes its final mirror to MIRROR_JSON_OUT when it finishes.
"""

from __future__ import annotations

import copy
import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

ENTITY_LABELS = ("PERSON", "ORG", "NORP", "GPE")
EVENT_LABEL = "Conflict.Attack"
ROLES = ("Attacker", "Target")  # both accept PERSON/ORG/NORP/GPE and may repeat
REALIS = ("actual", "generic", "other")
STATUSES = ("in_progress", "done", "flagged", "skipped")
WORDS_PER_DOC = 120

Key = tuple[int, int]  # (start, end) of a one-word span


def doc_text(number: int, words: int = WORDS_PER_DOC) -> str:
    """A document of distinct words, so every word is a valid, unambiguous span target."""
    return " ".join(f"d{number}w{i}" for i in range(words))


def word_keys(text: str) -> list[Key]:
    keys: list[Key] = []
    pos = 0
    for word in text.split(" "):
        keys.append((pos, pos + len(word)))
        pos += len(word) + 1
    return keys


@dataclass
class DocState:
    """One (document, annotator) set: what the database should show, plus undo/redo stacks."""

    spans: dict[str, list[Any]] = field(default_factory=dict)  # "s:e" -> [label, attrs]
    links: list[list[Any]] = field(default_factory=list)  # [head "s:e", tail "s:e", role]
    status: str = "todo"
    undo: list[list[Any]] = field(default_factory=list)
    redo: list[list[Any]] = field(default_factory=list)

    def visible(self) -> dict[str, Any]:
        """What a database read can confirm (stacks are checked through undo/redo elsewhere)."""
        return {
            "spans": {k: [v[0], dict(sorted(v[1].items()))] for k, v in self.spans.items()},
            "links": sorted(tuple(x) for x in self.links),
            "status": self.status,
        }


def _k(key: Key) -> str:
    return f"{key[0]}:{key[1]}"


def _key(text: str) -> Key:
    a, b = text.split(":")
    return int(a), int(b)


class Mirror:
    """Every document's expected state for one annotator; JSON-serialisable."""

    def __init__(self, docs: dict[int, DocState] | None = None) -> None:
        self.docs: dict[int, DocState] = docs or {}

    # ---------------------------------------------------------------- (de)serialising
    def to_json(self) -> str:
        return json.dumps({str(d): s.__dict__ for d, s in self.docs.items()})

    @classmethod
    def from_json(cls, text: str) -> Mirror:
        data = json.loads(text)
        return cls({int(d): DocState(**s) for d, s in data.items()})

    def copy(self) -> Mirror:
        return Mirror(copy.deepcopy(self.docs))

    def visible(self) -> dict[int, dict[str, Any]]:
        return {d: s.visible() for d, s in self.docs.items() if s.spans or s.links
                or s.status != "todo"}

    # ---------------------------------------------------------------- applying one op
    def apply(self, op: list[Any]) -> None:
        """Advance the model by one operation, as the store would."""
        kind, doc = op[0], op[1]
        st = self.docs.setdefault(doc, DocState())
        if kind == "status":
            st.status = op[2]
            return
        if st.status == "todo":
            st.status = "in_progress"  # the store starts a set as in_progress on first write
        if kind == "undo":
            entry = st.undo.pop()
            self._revert(st, entry)
            st.redo.append(entry)
            return
        if kind == "redo":
            entry = st.redo.pop()
            self._forward(st, entry)
            st.undo.append(entry)
            return
        entry = self._entry(st, op)
        self._forward(st, entry)
        st.undo.append(entry)
        st.redo.clear()

    @staticmethod
    def _entry(st: DocState, op: list[Any]) -> list[Any]:
        """The undo record of an edit: enough to apply and revert it."""
        kind = op[0]
        if kind == "add":
            return ["add", op[2], op[3]]
        if kind == "remove":
            key = op[2]
            touching = [list(x) for x in st.links if key in (x[0], x[1])]
            return ["remove", key, copy.deepcopy(st.spans[key]), touching]
        if kind == "relabel":
            return ["relabel", op[2], st.spans[op[2]][0], op[3]]
        if kind == "attrs":
            return ["attrs", op[2], dict(st.spans[op[2]][1]), {"realis": op[3]}]
        if kind == "link":
            return ["link", [op[2], op[3], op[4]]]
        if kind == "unlink":
            return ["unlink", list(op[2])]
        raise ValueError(kind)

    @staticmethod
    def _forward(st: DocState, e: list[Any]) -> None:
        kind = e[0]
        if kind == "add":
            st.spans[e[1]] = [e[2], {}]
        elif kind == "remove":
            st.links = [x for x in st.links if x not in e[3]]
            del st.spans[e[1]]
        elif kind == "relabel":
            st.spans[e[1]][0] = e[3]
        elif kind == "attrs":
            st.spans[e[1]][1] = {**e[2], **e[3]}
        elif kind == "link":
            st.links.append(list(e[1]))
        elif kind == "unlink":
            st.links.remove(list(e[1]))

    @staticmethod
    def _revert(st: DocState, e: list[Any]) -> None:
        kind = e[0]
        if kind == "add":
            del st.spans[e[1]]
        elif kind == "remove":
            st.spans[e[1]] = copy.deepcopy(e[2])
            st.links.extend(list(x) for x in e[3])
        elif kind == "relabel":
            st.spans[e[1]][0] = e[2]
        elif kind == "attrs":
            st.spans[e[1]][1] = dict(e[2])
        elif kind == "link":
            st.links.remove(list(e[1]))
        elif kind == "unlink":
            st.links.append(list(e[1]))

    # ---------------------------------------------------------------- choosing ops
    def next_op(self, rng: random.Random, texts: dict[int, str]) -> list[Any]:
        """A random operation the store must accept in this state (never a refused write)."""
        doc = rng.choice(sorted(texts))
        st = self.docs.setdefault(doc, DocState())
        keys = [_k(k) for k in word_keys(texts[doc])]
        free = [k for k in keys if k not in st.spans]
        entities = [k for k, v in st.spans.items() if v[0] in ENTITY_LABELS]
        events = [k for k, v in st.spans.items() if v[0] == EVENT_LABEL]
        linked = {x[0] for x in st.links} | {x[1] for x in st.links}
        choices: list[tuple[str, int]] = [("add", 30), ("status", 3)]
        if st.spans:
            choices.append(("remove", 8))
        if [k for k in entities if k not in linked]:
            choices.append(("relabel", 8))
        if events:
            choices.append(("attrs", 6))
        if events and entities:
            choices.append(("link", 10))
        if st.links:
            choices.append(("unlink", 4))
        if st.undo:
            choices.append(("undo", 8))
        if st.redo:
            choices.append(("redo", 5))
        kind = rng.choices([c[0] for c in choices], weights=[c[1] for c in choices])[0]
        if kind == "add":
            if not free:
                return ["status", doc, rng.choice(STATUSES)]
            label = EVENT_LABEL if rng.random() < 0.25 else rng.choice(ENTITY_LABELS)
            return ["add", doc, rng.choice(free), label]
        if kind == "status":
            return ["status", doc, rng.choice(STATUSES)]
        if kind == "remove":
            return ["remove", doc, rng.choice(sorted(st.spans))]
        if kind == "relabel":
            key = rng.choice(sorted(k for k in entities if k not in linked))
            new = rng.choice([lb for lb in ENTITY_LABELS if lb != st.spans[key][0]])
            return ["relabel", doc, key, new]
        if kind == "attrs":
            key = rng.choice(sorted(events))
            current = st.spans[key][1].get("realis")
            return ["attrs", doc, key, rng.choice([v for v in REALIS if v != current])]
        if kind == "link":
            head, tail, role = rng.choice(sorted(events)), rng.choice(sorted(entities)), \
                rng.choice(ROLES)
            if [head, tail, role] in st.links:
                return ["status", doc, rng.choice(STATUSES)]
            return ["link", doc, head, tail, role]
        if kind == "unlink":
            return ["unlink", doc, rng.choice(sorted(st.links))]
        return [kind, doc]


def plan(mirror: Mirror, texts: dict[int, str], seed: int, count: int) -> list[Mirror]:
    """Mirrors after 0..count operations of the seeded stream (what the worker will do)."""
    rng = random.Random(seed)
    states = [mirror.copy()]
    current = mirror.copy()
    for _ in range(count):
        current.apply(current.next_op(rng, texts))
        states.append(current.copy())
    return states


# -------------------------------------------------------------------- against the real store
def run_op(store: Any, annotator: str, op: list[Any]) -> None:
    """Send one mirror operation to the store (ids looked up by offsets, as a user points)."""
    kind, doc = op[0], op[1]
    if kind == "status":
        store.set_status(doc, annotator, op[2])
        return
    if kind == "undo":
        assert store.undo(doc, annotator) is not None
        return
    if kind == "redo":
        assert store.redo(doc, annotator) is not None
        return
    if kind == "add":
        start, end = _key(op[2])
        store.add_span(doc, annotator, op[3], start, end)
        return
    ids = {_k((s.start, s.end)): int(s.id) for s in store.spans(doc, annotator)}
    if kind == "remove":
        store.remove_span(ids[op[2]], annotator)
    elif kind == "relabel":
        store.relabel_span(ids[op[2]], annotator, op[3])
    elif kind == "attrs":
        store.set_attributes(ids[op[2]], annotator, {"realis": op[3]})
    elif kind == "link":
        store.add_link(ids[op[2]], ids[op[3]], op[4], annotator)
    elif kind == "unlink":
        head, tail, role = op[2]
        [link] = [lk for lk in store.links(doc, annotator)
                  if (lk.head_id, lk.tail_id, lk.role) == (ids[head], ids[tail], role)]
        store.remove_link(int(link.id), annotator)
    else:  # pragma: no cover
        raise ValueError(kind)


def read_state(db_path: Path | str, annotator: str) -> tuple[dict[int, dict[str, Any]], int]:
    """(what the database holds for this annotator, as Mirror.visible(); its action count).

    Plain sqlite3 (read-only) or psycopg for a postgresql:// URL, so the check shares no code
    with the store it checks.
    """
    conn = _raw_connect(db_path)
    try:
        out: dict[int, dict[str, Any]] = {}
        sets = conn.execute("SELECT id, document_id, status FROM annotation_set "
                            "WHERE annotator = ? ORDER BY id", (annotator,)).fetchall()
        actions = 0
        for set_id, doc_id, status in sets:
            spans = conn.execute('SELECT id, start, "end", label, attributes FROM span '
                                 "WHERE set_id = ?", (set_id,)).fetchall()
            by_id = {sid: f"{s}:{e}" for sid, s, e, _, _ in spans}
            links = conn.execute("SELECT head_id, tail_id, role FROM link WHERE set_id = ?",
                                 (set_id,)).fetchall()
            out[doc_id] = {
                "spans": {f"{s}:{e}": [label, dict(sorted(json.loads(a or "{}").items()))]
                          for _, s, e, label, a in spans},
                "links": sorted((by_id[h], by_id[t], r) for h, t, r in links),
                "status": status,
            }
            actions += conn.execute("SELECT count(*) FROM action WHERE set_id = ?",
                                    (set_id,)).fetchone()[0]
        return out, actions
    finally:
        conn.close()


class _PgConn:
    """The few sqlite3 connection calls read_state makes, over psycopg (`?` -> `%s`)."""

    def __init__(self, url: str) -> None:
        import psycopg

        self._conn = psycopg.connect(url, autocommit=True)

    def execute(self, sql: str, params: tuple = ()):  # type: ignore[no-untyped-def]
        return self._conn.execute(sql.replace("?", "%s"), params)  # type: ignore[arg-type]

    def close(self) -> None:
        self._conn.close()


def _raw_connect(db: Path | str):  # type: ignore[no-untyped-def]
    if str(db).startswith("postgresql://"):
        return _PgConn(str(db))
    import sqlite3

    return sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)


def main(argv: list[str]) -> int:
    """The worker: COUNT seeded operations, each index printed once the store call returned."""
    sys.path.insert(0, str(REPO))
    from copydesk.projects.errors import StoreBusy
    from copydesk.projects.project import Project

    project_dir, annotator, seed, count, mirror_in, mirror_out = argv
    mirror = Mirror.from_json(Path(mirror_in).read_text()) if mirror_in != "-" else Mirror()
    rng = random.Random(int(seed))
    project = Project.open(project_dir)
    texts = {d: project.store.document(d).text for d in project.store.document_ids()}
    try:
        for index in range(1, int(count) + 1):
            op = mirror.next_op(rng, texts)
            run_op(project.store, annotator, op)
            mirror.apply(op)
            sys.stdout.write(f"{index}\n")
            sys.stdout.flush()
    except StoreBusy as exc:
        print(f"BUSY {exc}", file=sys.stderr)
        return 3
    finally:
        project.close()
    if mirror_out != "-":
        Path(mirror_out).write_text(mirror.to_json())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
