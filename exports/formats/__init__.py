"""The format registry: one module per format, one table naming them.

`TABLE` is the only list of formats. `copydesk export FORMAT` offers the rows that write,
`copydesk import` detects among the rows that read (by content, most specific first:
`DETECT_ORDER`; the first module whose `detect` says yes takes the file), and the README's
format list is checked against it (tests/test_formats_registry.py). A row's module is
imported only when the format is used, so `copydesk --help` does not load spaCy, pyarrow or
cassis.

The interface a module implements is described in `exports.formats.base`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

__all__ = ["TABLE", "Format", "detect", "export_names", "get", "import_names"]


@dataclass(frozen=True, slots=True)
class Format:
    name: str  # what the user types: `copydesk export NAME OUT`
    title: str  # what the import says it took: `read as Label Studio JSON`
    module: str  # copydesk.exports.formats.<module>
    exports: bool
    imports: bool
    out: str  # where OUT goes, for `export --help` and the README
    renames: bool = False  # accepts `export --map OURS=THEIRS`
    extra: str = ""  # the optional dependency it needs: pip install 'copydesk[EXTRA]'

    def load(self) -> ModuleType:
        return importlib.import_module(f"copydesk.exports.formats.{self.module}")


TABLE: tuple[Format, ...] = (
    Format("jsonl", "copydesk/Prodigy JSONL", "jsonl", True, True,
           "a file; with --split a folder of train/dev/test.jsonl"),
    Format("spacy", "spaCy DocBin", "spacy", True, False,
           "a .spacy file; with --split a folder (big splits: part-NNNNN.spacy shards)",
           extra="spacy"),
    Format("brat", "brat standoff", "brat", True, True,
           "a folder: ANNOTATOR/NAME.txt + .ann, annotation.conf, copydesk-meta.jsonl",
           renames=True),
    Format("conll", "CoNLL IOB2", "conll", True, False,
           "a file of one layer's IOB2 tags; with --split a folder"),
    Format("hf", "Hugging Face datasets", "hf", True, False,
           "a folder: train.jsonl (validation, test with --split) and a dataset card",
           extra="hf"),
    Format("labelstudio", "Label Studio JSON", "labelstudio", True, True,
           "a .json file of tasks and OUT.xml, the labeling config; with --split a folder"),
    Format("doccano", "doccano JSONL", "doccano", True, True,
           "a .jsonl file (entities + relations); with --split a folder"),
    Format("xmi", "UIMA CAS XMI (INCEpTION/WebAnno)", "xmi", True, True,
           "a folder: ANNOTATOR/NAME.xmi and TypeSystem.xml", extra="inception"),
    Format("text", "plain text", "text", False, True, ""),
)

_BY_NAME = {f.name: f for f in TABLE}


def get(name: str) -> Format | None:
    return _BY_NAME.get(name)


def export_names() -> tuple[str, ...]:
    return tuple(f.name for f in TABLE if f.exports)


def import_names() -> tuple[str, ...]:
    return tuple(f.name for f in TABLE if f.imports)


HEAD_BYTES = 65536
# Most specific first: Label Studio and doccano files are JSON(L) too, so they are asked before
# our JSONL, and plain text, which takes any .txt/.md, comes last.
DETECT_ORDER: tuple[str, ...] = ("labelstudio", "doccano", "xmi", "brat", "jsonl", "text")


def detect(path: Path) -> Format | None:
    """The format of a file or folder, judged by its content (first 64 KiB of a file; the
    files in a folder), or None. A module that needs an extra which is not installed still
    detects (it imports its library only to read), so the user is told what to install."""
    head = b""
    if path.is_file():
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
    for name in DETECT_ORDER:
        fmt = _BY_NAME[name]
        if fmt.load().detect(path, head):
            return fmt
    return None
