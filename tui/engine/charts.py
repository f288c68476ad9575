"""The lead's pictures as Rich renderables: one drawing for the dashboard screen and the reports.

Every picture carries its meaning in characters, so it reads the same in 16 colours, under
NO_COLOR and in a black-and-white printout of the SVG: progress bars use a different block per
state (done `█`, in progress `▓`, skipped/flagged `▒`, to do `░`), bars and heat-map shades grow
with the value (`·░▒▓█`), and colour only repeats what the characters say.

Every name (annotator, label, title) comes from project files and goes through `safe_line`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from copydesk.projects.dashboard import (
    NONE,
    Confusion,
    Dashboard,
    DocScore,
    LabelAgreement,
    Progress,
)
from copydesk.tui.engine.text import safe_line

DONE, WORKING, ASIDE, TODO = "█", "▓", "▒", "░"
SHADES = "·░▒▓█"  # zero, then four steps up to the largest cell
SPARKS = "▁▂▃▄▅▆▇█"
LEGEND = f"{DONE} done  {WORKING} in progress  {ASIDE} skipped/flagged  {TODO} to do"


def _name(value: str, cells: int) -> str:
    return safe_line(value, max_cells=cells)


def _fmt(value: float | None) -> str:
    return "  -  " if value is None else f"{value:.3f}"


# --------------------------------------------------------------------------- progress
def progress_bar(p: Progress, cells: int) -> Text:
    """One annotator's bar, `cells` wide, each state its own block character."""
    total = max(p.total, 1)
    parts = [(p.done, DONE, "green"), (p.in_progress, WORKING, "yellow"),
             (p.aside, ASIDE, "blue"), (p.todo, TODO, "")]
    widths = [round(n * cells / total) for n, _, _ in parts]
    widths[-1] = max(0, cells - sum(widths[:-1]))  # rounding never makes the bar longer
    bar = Text()
    for (_, char, style), w in zip(parts, widths, strict=True):
        bar.append(char * w, style=style or "dim")
    return bar


def progress_table(rows: Sequence[Progress], *, width: int = 80) -> RenderableType:
    if not rows:
        return Text("No annotator has started yet.")
    cells = max(10, width - 36)
    table = Table(box=None, pad_edge=False, show_edge=False, expand=False)
    table.add_column("annotator", no_wrap=True, max_width=14)
    table.add_column(LEGEND if width >= 70 else "progress", no_wrap=True)
    table.add_column("done", justify="right", no_wrap=True)
    for p in rows:
        table.add_row(Text(_name(p.annotator, 14)), progress_bar(p, cells),
                      Text(f"{p.done}/{p.total}"))
    if width < 70:
        return Group(table, Text(LEGEND, style="dim"))
    return table


# --------------------------------------------------------------------------- throughput
def sparkline(values: Sequence[int]) -> Text:
    """Edits per day as block heights (the report's stand-in for Textual's Sparkline)."""
    top = max(values, default=0)
    if not top:
        return Text(SPARKS[0] * len(values), style="dim")
    return Text("".join(SPARKS[min(len(SPARKS) - 1, (v * (len(SPARKS) - 1) + top - 1) // top)]
                        if v else " " for v in values), style="cyan")


def throughput_text(days: Sequence[tuple[str, int]]) -> RenderableType:
    if not days:
        return Text("No edits logged yet.")
    values = [n for _, n in days]
    return Group(
        Text.assemble(("edits per day ", "bold"), f"{days[0][0]} … {days[-1][0]}  ",
                      f"(last day {values[-1]}, most {max(values)}, total {sum(values)})"),
        sparkline(values),
    )


# --------------------------------------------------------------------------- agreement
def value_bar(value: float | None, cells: int) -> Text:
    """A 0..1 bar in eighths: its length is the value, whatever the colours."""
    if value is None:
        return Text("n/a".ljust(cells), style="dim")
    eighths = round(value * cells * 8)
    full, part = divmod(eighths, 8)
    text = "█" * full + (" ▏▎▍▌▋▊▉"[part] if part else "")
    style = "green" if value >= 0.8 else "yellow" if value >= 0.6 else "red"
    return Text(text.ljust(cells), style=style)


def label_bars(rows: Sequence[LabelAgreement], *, width: int = 80) -> RenderableType:
    if not rows:
        return Text("No document is done by two annotators yet: nothing to compare.")
    cells = max(10, width - 38)
    table = Table(box=None, pad_edge=False, show_edge=False)
    table.add_column("label", no_wrap=True, max_width=18)
    table.add_column("exact F1, pairs pooled", no_wrap=True)
    table.add_column("F1", justify="right", no_wrap=True)
    table.add_column("tp/fp/fn", justify="right", no_wrap=True)
    for row in sorted(rows, key=lambda r: (r.f1 if r.f1 is not None else 2.0, r.label)):
        c = row.counts
        table.add_row(Text(_name(row.label, 18)), value_bar(row.f1, cells), _fmt(row.f1),
                      f"{c.tp}/{c.fp}/{c.fn}")
    return table


def shade(value: int, top: int) -> str:
    """`·` for zero, then four steps of the largest cell of the same kind."""
    if value <= 0 or top <= 0:
        return SHADES[0]
    return SHADES[min(4, 1 + (value * 4 - 1) // top)]


def heatmap(conf: Confusion, *, width: int = 80, names: tuple[str, str] = ("", "")
            ) -> RenderableType:
    """Rows the first annotator's labels, columns the second's, numbered to fit the width;
    the diagonal (agreement) and the rest (confusion) each shaded against their own largest
    cell, so a small confusion is not washed out by a large agreement."""
    labels = conf.labels
    if len(labels) <= 1:
        return Text("No spans compared yet.")
    top_diag = max((conf.count(x, x) for x in labels if x != NONE), default=0)
    top_off = max((n for (r, c), n in conf.cells.items() if r != c), default=0)
    biggest = max([*conf.cells.values(), *conf.boundary.values(), 0])
    cell = max(4, len(str(biggest)) + 1)
    # Row names take up to 16 cells, the boundary column 6, and Rich puts 2 between columns.
    fit = max(2, (width - 16 - 8) // (cell + 2))
    shown = labels
    if len(labels) > fit:  # keep the labels most involved in disagreement, and "none"
        weight = {x: sum(n for (r, c), n in conf.cells.items() if x in (r, c) and r != c)
                  for x in labels if x != NONE}
        keep = set(sorted(weight, key=lambda x: (-weight[x], x))[: fit - 1])
        shown = [x for x in labels if x in keep] + [NONE]
    table = Table(box=None, pad_edge=False, show_edge=False, show_header=True)
    rows_title = f"{names[0]} \\ {names[1]}" if names[0] else "rows \\ columns"
    table.add_column(_name(rows_title, 16), no_wrap=True, max_width=16)
    for i, _ in enumerate(shown, 1):
        table.add_column(str(i) if shown[i - 1] != NONE else "none", justify="right",
                         no_wrap=True, min_width=cell)
    table.add_column("bound", justify="right", no_wrap=True)
    for i, row in enumerate(shown, 1):
        cells: list[Text] = []
        for column in shown:
            n = conf.count(row, column)
            diag = row == column and row != NONE
            mark = shade(n, top_diag if diag else top_off)
            style = ("green" if diag else "red") if n else "dim"
            cells.append(Text(f"{mark}{n}" if n else mark, style=style))
        bound = conf.boundary.get(row, 0) if row != NONE else 0
        head = f"{i} {row}" if row != NONE else "none"
        table.add_row(Text(_name(head, 16)), *cells,
                      Text(str(bound) if bound else "·", style="yellow" if bound else "dim"))
    notes = [Text(f"{SHADES} from none to the most; diagonal = same label and extent; "
                  "none = only one annotator marked it; bound = same label, other extent",
                  style="dim")]
    if len(shown) < len(labels):
        notes.append(Text(f"{len(labels) - len(shown)} more label(s) not shown at this width; "
                          "see `copydesk agreement --confusion`", style="dim"))
    return Group(table, *notes)


def lowest_table(docs: Sequence[DocScore], *, width: int = 80) -> RenderableType:
    if not docs:
        return Text("No document is done by two annotators yet.")
    title_cells = max(16, width - 40)
    table = Table(box=None, pad_edge=False, show_edge=False)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("title", no_wrap=True, max_width=title_cells)
    table.add_column("annotators", no_wrap=True, max_width=20)
    table.add_column("exact F1", justify="right", no_wrap=True)
    for d in docs:
        table.add_row(str(d.doc_id), Text(_name(d.title, title_cells)),
                      Text(_name(", ".join(d.annotators), 20)), _fmt(d.f1))
    return table


# --------------------------------------------------------------------------- reports
def _section(title: str) -> Text:
    return Text(f"\n{title}", style="bold underline")


def dashboard_report(board: Dashboard, *, project: str, width: int = 100) -> RenderableType:
    """Everything the dashboard shows, as one printable picture (`stats --svg`)."""
    return Group(
        Text(_name(f"copydesk · {project}", width), style="bold"),
        _section("Progress per annotator"), progress_table(board.progress, width=width),
        _section("Throughput"), throughput_text(board.throughput),
        _section(f"Agreement per label ({board.documents_compared} documents compared)"),
        label_bars(board.labels, width=width),
        _section("Label confusion (every pair summed)"), heatmap(board.confusion, width=width),
        _section("Lowest agreement first"), lowest_table(board.lowest, width=width),
    )


def agreement_report(board: Dashboard, *, project: str, width: int = 100,
                     pair: tuple[str, str] | None = None) -> RenderableType:
    """The agreement part alone (`agreement --svg`)."""
    who = f"{pair[0]} vs {pair[1]}" if pair else "every pair summed"
    return Group(
        Text(_name(f"copydesk agreement · {project} · annotators: "
                   f"{', '.join(board.annotators)}", width), style="bold"),
        _section(f"Agreement per label ({board.documents_compared} documents compared)"),
        label_bars(board.labels, width=width),
        _section(f"Label confusion ({who})"),
        heatmap(board.confusion, width=width, names=pair or ("", "")),
        _section("Lowest agreement first"), lowest_table(board.lowest, width=width),
    )


def write_picture(renderable: RenderableType, path: Path, *, title: str,
                  width: int = 100) -> None:
    """Write `renderable` as a standalone SVG (or HTML for a `.html`/`.htm` path).

    Written to a temporary file beside the target and renamed, so a failed write never leaves
    half a report where the last good one was.
    """
    console = Console(record=True, width=width, file=io.StringIO(), color_system="truecolor",
                      force_terminal=True, legacy_windows=False)
    console.print(renderable)
    if path.suffix.lower() in (".html", ".htm"):
        body = console.export_html(inline_styles=True)
    else:
        body = console.export_svg(title=safe_line(title))
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(body, encoding="utf-8")
    tmp.replace(path)
