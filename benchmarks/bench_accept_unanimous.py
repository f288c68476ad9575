"""`review --accept-unanimous` before and after issue 25: one `accept` per span (the old loop)
against one pass per document (`adjudicate.accept_unanimous`).

    .venv/bin/python benchmarks/bench_accept_unanimous.py [--docs 300] [--spans 15]

Builds a project where two annotators finished every document and agree on every span
(`--spans` GPE spans and an attack per document, its Place linked), copies the database, then
times each way on its own copy. Prints spans/s and documents/s for both, and checks that
both wrote the same number of gold spans and links.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from copydesk.projects.adjudicate import accept, accept_unanimous, candidates  # noqa: E402
from copydesk.projects.permissions import Policy  # noqa: E402
from copydesk.projects.project import Project  # noqa: E402

POLICY = Policy(annotators=("ann", "bob"), reviewers=("rita",))
WORDS = ["Kirkuk", "Erbil", "Mosul", "Basra", "Najaf", "Duhok", "Zakho", "Sulaymaniyah"]


def build(root: Path, docs: int, spans: int) -> Path:
    project = Project.init(root)
    store = project.store
    rows = []
    for n in range(docs):
        names = " and ".join(WORDS[i % len(WORDS)] for i in range(spans))
        rows.append({"text": f"Shelling hit {names} on day {n}.", "content_hash": f"d{n}"})
    doc_ids = store.add_documents(rows)
    for doc, row in zip(doc_ids, rows, strict=True):
        text = row["text"]
        for who in ("ann", "bob"):
            trig = store.add_span(doc, who, "Conflict.Attack", 0, 8).id
            pos = 13
            for i in range(spans):
                word = WORDS[i % len(WORDS)]
                place = store.add_span(doc, who, "GPE", pos, pos + len(word)).id
                assert text[pos:pos + len(word)] == word
                if i == 0:  # the schema allows one Place
                    store.add_link(trig, place, "Place", who)
                pos += len(word) + len(" and ")
            store.set_status(doc, who, "done")
    project.close()
    return root


def counts(db: Path) -> tuple[int, int]:
    with sqlite3.connect(db) as conn:
        spans = conn.execute("SELECT count(*) FROM span s JOIN annotation_set a ON "
                             "a.id = s.set_id WHERE a.annotator = 'gold'").fetchone()[0]
        links = conn.execute("SELECT count(*) FROM link l JOIN annotation_set a ON "
                             "a.id = l.set_id WHERE a.annotator = 'gold'").fetchone()[0]
    return int(spans), int(links)


def one_by_one(root: Path) -> float:
    """The code before issue 25: a transaction and a merge of the candidates per span."""
    project = Project.open(root)
    began = time.perf_counter()
    for doc in range(1, project.store.document_count() + 1):
        for cand in candidates(project.store, doc).open:
            if cand.unanimous:
                accept(project.store, doc, "rita", cand, policy=POLICY)
    took = time.perf_counter() - began
    project.close()
    return took


def bulk(root: Path) -> float:
    project = Project.open(root)
    began = time.perf_counter()
    accept_unanimous(project.store, list(range(1, project.store.document_count() + 1)),
                     "rita", policy=POLICY)
    took = time.perf_counter() - began
    project.close()
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--spans", type=int, default=15, help="GPE spans per document")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = build(Path(tmp) / "base", args.docs, args.spans)
        results = {}
        for name, run in (("one accept per span (before)", one_by_one),
                          ("accept_unanimous (after)", bulk)):
            copy = Path(tmp) / name.split()[0]
            shutil.copytree(base, copy)
            seconds = run(copy)
            results[name] = (seconds, counts(copy / "copydesk.db"))
        gold = {r[1] for r in results.values()}
        assert len(gold) == 1, f"the two ways wrote different gold rows: {results}"
        spans, links = gold.pop()
        print(f"{args.docs} documents, {spans} unanimous spans, {links} links accepted")
        print("| way | seconds | spans/s | documents/s |")
        print("| --- | --- | --- | --- |")
        for name, (seconds, _) in results.items():
            print(f"| {name} | {seconds:.2f} | {spans / seconds:.0f} | "
                  f"{args.docs / seconds:.0f} |")


if __name__ == "__main__":
    main()
