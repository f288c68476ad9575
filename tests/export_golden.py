"""A small project with the text exporters find hard, and its exports: the golden-file fixture.

`tests/data/export-golden/` holds what copydesk 0.1 (commit 03a4801, before exports streamed
and used a fast JSON path; the hf files: main's own writer at 66d17fc, after `ner_tags` became
ClassLabel ids) wrote for this project; `test_export_golden.py` checks that today's exporters
write the very same bytes. Regenerate only on purpose, with an explanation:

    .venv/bin/python tests/export_golden.py OUT_DIR
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from copydesk.exports import ExportOptions, run_export
from copydesk.projects.project import Project

FAMILY = "👨\u200d👩\u200d👧"
# Own writing. Quotes, a backslash, a tab, a control character, CRLF, an emoji family, a flag,
# combining marks, Sorani with ZWNJ, CJK, a one-line document and a multi-paragraph one.
TEXTS = [
    'Leyla Aziz said "the road to Erbil reopened" on Monday.\r\nPolice in Kirkuk agreed.',
    f"A family {FAMILY} fled Mosul 🇮🇶 after shelling. Cafe\u0301 owners said it was quiet.",
    "کورد\u200cستان: Erbil officials met in 北京 with a back\\slash and a\ttab and \x07 bell.",
    "One line only, Baghdad police arrested two men near the bridge on Tuesday. " * 3,
    "First paragraph about Kirkuk.\n\nSecond paragraph: Gunmen attacked a checkpoint.\n",
]


def build(root: Path) -> Project:
    project = Project.init(root)
    store = project.store
    ids = store.add_documents([{"text": t, "content_hash": f"h{i}", "external_id": f"d{i}",
                                "title": f"Doc {i}", "meta": {"desk": "north", "n": i}}
                               for i, t in enumerate(TEXTS)])
    for doc_id, text in zip(ids, TEXTS, strict=True):
        assert doc_id is not None
        for who in ("alice", "bob"):
            for word, label in (("Erbil", "GPE"), ("Kirkuk", "GPE"), ("Mosul", "GPE"),
                                ("Baghdad", "GPE"), ("Leyla Aziz", "PERSON"),
                                ("Police", "ORG"), ("police", "ORG"), ("北京", "GPE"),
                                ("Monday", "DATE"), ("Tuesday", "DATE")):
                at = text.find(word)
                if at >= 0 and (who == "alice" or label != "DATE"):
                    store.add_span(doc_id, who, label, at, at + len(word))
            for word in ("attacked", "shelling"):
                at = text.find(word)
                if at >= 0:
                    trigger = store.add_span(doc_id, who, "Conflict.Attack", at, at + len(word))
                    store.set_attributes(int(trigger.id), who, {"realis": "actual"})  # type: ignore[arg-type]
                    place = next((s for s in store.spans(doc_id, who) if s.label == "GPE"),
                                 None)
                    if place is not None:
                        store.add_link(int(trigger.id), int(place.id), "Place", who)  # type: ignore[arg-type]
            at = text.find('"the road')
            if at >= 0:
                content = store.add_span(doc_id, who, "CONTENT", at,
                                         text.index('"', at + 1) + 1)
                source = store.add_span(doc_id, who, "SOURCE", 0, len("Leyla Aziz"))
                cue = store.add_span(doc_id, who, "CUE", text.index("said"),
                                     text.index("said") + 4)
                store.add_link(int(content.id), int(source.id), "source", who)  # type: ignore[arg-type]
                store.add_link(int(content.id), int(cue.id), "cue", who)  # type: ignore[arg-type]
            store.set_status(doc_id, who, "done")
    return project


EXPORTS = {  # name -> (format, options)
    "all.jsonl": ("jsonl", ExportOptions()),
    "all.conll": ("conll", ExportOptions()),
    "brat": ("brat", ExportOptions()),
    "hf": ("hf", ExportOptions()),
    "split-jsonl": ("jsonl", ExportOptions(split=(60, 20, 20), seed=3)),
    "split-conll": ("conll", ExportOptions(split=(60, 20, 20), seed=3)),
    "split-brat": ("brat", ExportOptions(split=(60, 20, 20), seed=3)),
    "split-hf": ("hf", ExportOptions(split=(60, 20, 20), seed=3)),
    "bob.jsonl": ("jsonl", ExportOptions(annotators=("bob",), layers=("entity",))),
    "prefer.jsonl": ("jsonl", ExportOptions(annotators=("bob",), prefer="alice")),
}


def export_all(project: Project, out: Path, jobs: int = 0) -> None:
    for name, (fmt, options) in EXPORTS.items():
        run_export(project.store, project.schema, fmt, out / name,
                   dataclasses.replace(options, jobs=jobs))


def files_of(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


if __name__ == "__main__":
    target = Path(sys.argv[1])
    target.mkdir(parents=True, exist_ok=True)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        proj = build(Path(tmp) / "p")
        try:
            export_all(proj, target)
        finally:
            proj.close()
