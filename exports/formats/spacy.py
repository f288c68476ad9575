"""`copydesk export spacy OUT`: spaCy DocBin files (writer in exports.spacy_bin).

The writer places its own files (a big split becomes a folder of shards written in place by
worker processes), so its OUTPUT is "own": `run_export` gives it OUT itself, not a temporary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from copydesk.exports import spacy_bin
from copydesk.exports.formats.base import ExportJob
from copydesk.exports.model import ExportOptions
from copydesk.schema.model import Schema

OUTPUT = "own"


def check_export(schema: Schema, options: ExportOptions) -> None:
    spacy_bin.require_spacy()  # before reading anything: one clear line, nothing written


def is_folder(options: ExportOptions, plan: list[Any]) -> bool:
    return bool(options.split) or len(plan) > spacy_bin.SHARD_DOCS


def detect(path: Path, head: bytes) -> bool:
    return False


def write(job: ExportJob) -> None:
    counts = {name: sum(1 for r in job.plan if job.splits[r.doc_id] == name)
              for name in job.names}
    shard_docs = spacy_bin.SHARD_DOCS  # read at call time (tests shrink it)
    spacy_bin.write_spacy(job.stream, counts, job.out, job.schema, job.options, job.summary,
                          job.tick,
                          lambda part, write: job.run_parts(part, write, shard_docs) is not None)
