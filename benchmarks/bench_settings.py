"""What typed settings cost at start-up: reading `copydesk.yaml` in a fresh interpreter.

`copydesk annotate --doc N` reads the project file before its first frame, and the settings
model is pydantic, which nothing on that path loaded before (SQLModel loads it only when the
store opens, right after the first frame). This prints, per fresh interpreter (median and p95
of N runs): importing `copydesk.projects.config` (pydantic and the models included), the first
`ProjectConfig.read` of a project file with a user file laid over it, and the process CPU time.

    .venv/bin/python benchmarks/bench_settings.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import os, resource, sys, time
t0 = time.perf_counter()
from copydesk.projects.config import ProjectConfig
t1 = time.perf_counter()
ProjectConfig.read(__import__("pathlib").Path(sys.argv[1]))
t2 = time.perf_counter()
r = resource.getrusage(resource.RUSAGE_SELF)
print((t1 - t0) * 1000, (t2 - t1) * 1000, (r.ru_utime + r.ru_stime) * 1000,
      int("pydantic" in sys.modules))
"""

PROJECT = """name: desk
schema: schema.yaml
annotators: []
reviewers: []
settings:
  snap_to_tokens: true
  allow_annotator_override: true
  tags: auto
  text_direction: {3f9a: rtl}
  attribution:
    cues:
      en: {verbs: [quipped], lemmas: [muse]}
    cue_extent: verb
"""

USER = """settings:
  bidi_display: terminal
  keymap:
    cursor.next_word: "w,ctrl+right"
"""


def stats(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{statistics.median(values):7.1f} ms  p95 {p95:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        (root / "copydesk.yaml").write_text(PROJECT, encoding="utf-8")
        (root / "xdg" / "copydesk").mkdir(parents=True)
        (root / "xdg" / "copydesk" / "config.yaml").write_text(USER, encoding="utf-8")
        env = {"PATH": "/usr/bin:/bin", "HOME": scratch, "XDG_CONFIG_HOME": str(root / "xdg")}
        imports, reads, cpu = [], [], []
        for _ in range(args.runs):
            out = subprocess.run([sys.executable, "-c", CHILD, str(root / "copydesk.yaml")],
                                 capture_output=True, text=True, check=True, env=env)
            a, b, c, loaded = out.stdout.split()
            imports.append(float(a))
            reads.append(float(b))
            cpu.append(float(c))
    print(f"settings at start-up, {args.runs} fresh interpreters (pydantic loaded: "
          f"{'yes' if loaded == '1' else 'no'})")
    print(f"  import copydesk.projects.config  {stats(imports)}")
    print(f"  first ProjectConfig.read + user  {stats(reads)}")
    print(f"  process CPU (user+sys) at exit   {stats(cpu)}")


if __name__ == "__main__":
    main()
