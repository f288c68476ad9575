"""Moving in and out: export and import speed of Label Studio, doccano and XMI (issue 23).

    .venv/bin/python benchmarks/bench_formats.py [--docs 10000] [--formats labelstudio,doccano,xmi]

Builds the 10,000-article corpus of bench_export.py (~3,000 characters, ~40 spans, an event
and an attribution each; one annotator, done), exports it in each format, then imports that
export into a fresh project and checks the span count. Prints seconds and spans/s both ways.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_export import build

from copydesk.exports import ExportOptions, run_export
from copydesk.exports.importing import import_annotated
from copydesk.projects.project import Project

OUT_NAMES = {"labelstudio": "tasks.json", "doccano": "doccano.jsonl", "xmi": "xmi",
             "jsonl": "out.jsonl", "brat": "brat"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--formats", default="labelstudio,doccano,xmi")
    args = parser.parse_args()
    print(f"machine: {platform.machine()} {os.cpu_count()} cpus, {platform.system()} "
          f"{platform.release()}, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        proj, total = build(Path(tmp) / "proj", args.docs)
        print(f"built {args.docs} documents, {total} spans in {time.perf_counter() - t0:.1f} s")
        for fmt in args.formats.split(","):
            out = Path(tmp) / f"out-{fmt}" / OUT_NAMES.get(fmt, "out")
            out.parent.mkdir()
            t0 = time.perf_counter()
            summary = run_export(proj.store, proj.schema, fmt, out, ExportOptions(jobs=1))
            dt_out = time.perf_counter() - t0
            target = Project.init(Path(tmp) / f"in-{fmt}")
            t0 = time.perf_counter()
            report = import_annotated(target.store, target.schema, [out])
            dt_in = time.perf_counter() - t0
            target.close()
            assert not report.rejected, report.rejected[:3]
            assert report.spans == summary.spans, (report.spans, summary.spans)
            print(f"{fmt:12s} export {dt_out:6.2f} s {summary.spans / dt_out:9,.0f} spans/s"
                  f" | import {dt_in:6.2f} s {report.spans / dt_in:9,.0f} spans/s "
                  f"({report.imported} documents, {report.spans} spans, {report.links} links)")
        proj.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
