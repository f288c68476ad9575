"""Peak memory of `copydesk import` on a 200 MB JSONL file (issue 25, "Hostile files").

    .venv/bin/python benchmarks/bench_import_memory.py [--mb 200] [--copydesk PATH ...]

Generates, at run time in a temporary folder (never committed), two files of about --mb MB:
- many lines: news-like documents of ~2,000 characters, each with five spans (annotated);
- one line: a single document of --mb MB of text.
Each is imported into a fresh project by a separate `copydesk import` process, and that
process's peak resident memory (ru_maxrss from wait4) and wall time are printed. Give
`--copydesk` more than once to compare builds (e.g. main's and this branch's executable).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PARA = ("Officials in Kirkuk said on Monday that the road to Daquq would stay closed after "
        "overnight clashes, and the governor told reporters that repairs would begin soon. ")


def many_lines(path: Path, mb: int) -> int:
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        while fh.tell() < mb * 1_000_000:
            text = f"Report {n}. " + PARA * 12
            base = len(f"Report {n}. ")
            spans = []
            for k in range(5):
                off = base + k * len(PARA)
                spans.append({"start": off + 13, "end": off + 19, "label": "GPE",
                              "text": "Kirkuk"})
            fh.write(json.dumps({"text": text, "id": f"r{n}",
                                 "meta": {"annotator": "wire", "status": "done"},
                                 "spans": spans}) + "\n")
            n += 1
    return n


def one_line(path: Path, mb: int) -> int:
    chunk = PARA * 100
    reps = mb * 1_000_000 // len(chunk)
    with path.open("w", encoding="utf-8") as fh:
        fh.write('{"text": "')
        for _ in range(reps):
            fh.write(chunk)
        fh.write('"}\n')
    return 1


def run(copydesk: str, data: Path, tmp: Path, tag: str) -> tuple[float, float, int]:
    project = tmp / f"proj-{tag}"
    subprocess.run([copydesk, "init", str(project)], check=True, capture_output=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen([copydesk, "import", str(data), "-p", str(project)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    dt = time.perf_counter() - t0
    out = proc.stdout.read().decode() if proc.stdout else ""
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        print(f"  import failed: {err.strip()[:300]}")
    elif "imported" not in out:
        print(f"  unexpected output: {out.strip()[:300]}")
    return usage.ru_maxrss / 1024, dt, os.waitstatus_to_exitcode(status)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--copydesk", action="append", default=[],
                        help="copydesk executable(s) to measure (default: this venv's)")
    args = parser.parse_args()
    exes = args.copydesk or [str(Path(sys.executable).parent / "copydesk")]
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        files = {"many lines": tmp / "many.jsonl", "one line": tmp / "one.jsonl"}
        docs = {"many lines": many_lines(files["many lines"], args.mb),
                "one line": one_line(files["one line"], args.mb)}
        for label, path in files.items():
            size = path.stat().st_size / 1e6
            for k, exe in enumerate(exes):
                peak, dt, rc = run(exe, path, tmp, f"{label[:4]}-{k}")
                print(f"{label:10s} {size:6.0f} MB {docs[label]:7d} docs  {exe}: "
                      f"peak RSS {peak:7.0f} MB  {dt:6.1f} s  exit {rc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
