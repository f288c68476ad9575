"""`copydesk suggest`: run the chosen sources over the chosen documents and write the results.

Each source is computed per document and written in batches (`write.write_suggestions`), so
memory holds one batch, a long run reports progress, and an interrupted run leaves whole
batches written (re-running finishes the job: unchanged documents are skipped).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from copydesk.projects.bulk import NewSpan
from copydesk.projects.project import Project
from copydesk.projects.store import Store
from copydesk.projects.suggest import ATTRIBUTION, MODEL, PATTERNS
from copydesk.projects.suggest.attribution import AttributionDetector, AttributionSettings
from copydesk.projects.suggest.patterns import PatternSet
from copydesk.projects.suggest.write import (
    Proposal,
    WriteResult,
    document_texts,
    write_suggestions,
)

Progress = Callable[[str, int, int], None]  # (source, documents done, total)


@dataclass
class SuggestReport:
    documents: int = 0
    sources: dict[str, WriteResult] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    # one line per problem met on the way (a REGEX that ran out of time), the run went on
    warnings: list[str] = field(default_factory=list)


def pattern_proposals(store: Store, patterns: PatternSet, doc_ids: Sequence[int],
                      warnings: list[str] | None = None) -> Iterator[tuple[int, Proposal]]:
    """Matches per document; a REGEX that ran out of time on a document is reported in
    `warnings` (pattern, document, line) and the other patterns and documents go on."""
    for doc_id, text in document_texts(store, doc_ids):
        spans = []
        for label, start, end in patterns.match(text):
            spec = store.schema.label(label)
            layer = spec.layer if spec is not None else "entity"
            spans.append(NewSpan(layer, label, start, end))
        for timeout in patterns.take_timeouts():
            if warnings is not None:
                warnings.append(timeout.message(f"document {doc_id}"))
        yield doc_id, Proposal(spans)


def attribution_proposals(store: Store, detector: AttributionDetector, doc_ids: Sequence[int]
                          ) -> Iterator[tuple[int, Proposal]]:
    for doc_id, text in document_texts(store, doc_ids):
        yield doc_id, detector.detect(text)


ModelSource = Callable[[Store, Sequence[int]], Iterator[tuple[int, Proposal]]]


def run_suggest(project: Project, doc_ids: Sequence[int], *, patterns: PatternSet | None = None,
                attribution: bool = False, model: ModelSource | None = None,
                progress: Progress | None = None) -> SuggestReport:
    """Write the requested sources' suggestions for `doc_ids`; returns counts per source.

    `model` yields a trained model's proposals (`exports.suggest_model.model_proposals` bound to
    a pipeline folder): it is passed in because it reads through the export layer.
    """
    import time

    store = project.store
    report = SuggestReport(documents=len(doc_ids))
    jobs: list[tuple[str, Iterator[tuple[int, Proposal]]]] = []
    if patterns is not None:
        jobs.append((PATTERNS, pattern_proposals(store, patterns, doc_ids,
                                                        report.warnings)))
    if attribution:
        detector = AttributionDetector(store.schema,
                                       AttributionSettings.from_settings(project.config.settings))
        jobs.append((ATTRIBUTION, attribution_proposals(store, detector, doc_ids)))
    if model is not None:
        jobs.append((MODEL, model(store, doc_ids)))
    for source, proposals in jobs:
        done = 0

        def tick(n: int, source: str = source) -> None:
            nonlocal done
            done += n
            if progress is not None:
                progress(source, done, len(doc_ids))

        began = time.perf_counter()
        report.sources[source] = write_suggestions(store, source, proposals, progress=tick)
        report.seconds[source] = time.perf_counter() - began
    return report
