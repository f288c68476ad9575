"""Peak memory of reading a huge brat `.ann` (issue 25, "Hostile files"; issue 23).

    .venv/bin/python benchmarks/bench_brat_memory.py [--lines 1000000] [--baseline-ref main]

Generates, at run time in a temporary folder, one document of N words and an `.ann` of N `T`
lines (one PERSON span per word), then measures in child processes (GNU time's max RSS):
- `read`: the brat reader alone (`read_brat`), the document's spans built and checked;
- `import`: `copydesk import` of the pair into a fresh project, through the command line;
- floor: the text, its grapheme index and the N `NewSpan`s built directly (what the store is
  handed whatever the reader), for what the annotations themselves need;
- with `--baseline-ref REF`, `read` again with the reader as it is at git REF (e.g. `main`),
  for a before/after on the same machine and file.
The same is run at N/10 lines: the reader's memory should follow the annotations it keeps
(spans), not the bytes of the file, which it never holds whole.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_worst import run_child  # noqa: E402

_READ = """
import sys, types
from pathlib import Path
from copydesk.exports.importing import _Defaults
from copydesk.schema import load_default_schema
source = sys.argv[2]
if source == "-":
    from copydesk.exports.brat_import import parse_brat
else:  # the reader as it was at a git ref, loaded as a module beside today's package
    mod = types.ModuleType("copydesk.exports._brat_import_ref")
    sys.modules[mod.__name__] = mod  # dataclasses look their module up
    exec(compile(Path(source).read_text(), "brat_import_ref.py", "exec"), mod.__dict__)
    parse_brat = mod.parse_brat
doc = parse_brat(Path(sys.argv[1]), load_default_schema(), _Defaults(None, None))
print(len(doc.sets[0].spans))
"""


_FLOOR = """
import sys
from copydesk.projects.bulk import NewSpan
from copydesk.projects.textutil import grapheme_index
n = int(sys.argv[1])
text = "word " * n
index = grapheme_index(text)
spans = [NewSpan(layer="entity", label="PERSON", start=5 * i, end=5 * i + 4) for i in range(n)]
print(len(spans))
"""


def make_pair(folder: Path, lines: int) -> Path:
    """One document of `lines` words and its .ann with one T line per word."""
    word = "word "
    (folder / "big.txt").write_text(word * lines, encoding="utf-8")
    with open(folder / "big.ann", "w", encoding="utf-8") as fh:
        for i in range(lines):
            fh.write(f"T{i + 1}\tPERSON {5 * i} {5 * i + 4}\tword\n")
    return folder / "big.ann"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--baseline-ref", default=None)
    args = parser.parse_args()
    root = HERE.parent
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ref_source = "-"
        if args.baseline_ref:
            text = subprocess.run(["git", "-C", str(root), "show",
                                   f"{args.baseline_ref}:exports/brat_import.py"],
                                  capture_output=True, text=True, check=True).stdout
            (folder / "ref.py").write_text(text, encoding="utf-8")
            ref_source = str(folder / "ref.py")
        print("| .ann lines | .ann MB | reader | peak RSS MiB | spans |")
        print("| --- | --- | --- | --- | --- |")
        for lines in (args.lines // 10, args.lines):
            sub = folder / str(lines)
            sub.mkdir()
            ann = make_pair(sub, lines)
            size = ann.stat().st_size / 1e6
            _dt, peak, out = run_child([sys.executable, "-c", _FLOOR, str(lines)])
            print(f"| {lines:,} | {size:.0f} | floor: the text, its grapheme index and the "
                  f"spans alone | {peak:.0f} | {out.strip()} |")
            readers = [("read (this branch)", "-")]
            if ref_source != "-":
                readers.append((f"read ({args.baseline_ref})", ref_source))
            for name, source in readers:
                _dt, peak, out = run_child([sys.executable, "-c", _READ, str(ann), source])
                print(f"| {lines:,} | {size:.0f} | {name} | {peak:.0f} | {out.strip()} |")
            project = sub / "p"
            copydesk = str(Path(sys.executable).with_name("copydesk"))
            subprocess.run([copydesk, "init", str(project)], check=True, capture_output=True)
            _dt, peak, out = run_child([copydesk, "import", str(ann), "-p", str(project)])
            print(f"| {lines:,} | {size:.0f} | copydesk import | {peak:.0f} | "
                  f"{out.split(';')[-1].strip()} |")


if __name__ == "__main__":
    main()
