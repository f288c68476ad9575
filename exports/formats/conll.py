"""`copydesk export conll OUT`: CoNLL-2003-style IOB2 of one layer (writer in exports.conll)."""

from __future__ import annotations

from pathlib import Path

from copydesk.exports.conll import write_conll
from copydesk.exports.formats.base import ExportJob, split_files
from copydesk.exports.model import ExportError, ExportOptions
from copydesk.schema.model import Schema

OUTPUT = "file"


def check_export(schema: Schema, options: ExportOptions) -> None:
    if len(options.layers) > 1:
        raise ExportError("conll tags one layer at a time; give one --layer")


def detect(path: Path, head: bytes) -> bool:
    return False


def write(job: ExportJob) -> None:
    layer = job.tag_layer
    split_files(job, "conll", lambda stream, paths, summary, tick:
                write_conll(stream, paths, layer, summary, tick))
