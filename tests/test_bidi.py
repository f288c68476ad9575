"""Right-to-left rows in visual order: the visual <-> logical maps of ``tui.layout``/``tui.bidi``.

The reference is python-bidi's own ``get_display`` (its Rust engine): a one-row paragraph must
look exactly as it says, and every row's cells must map to its characters one to one.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from bidi import get_display
from bidi.mirror import MIRRORED
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from copydesk.projects.project import Project, ProjectConfig, ProjectError
from copydesk.projects.textutil import TextIndex, grapheme_bounds
from copydesk.tui.engine.bidi import BidiOptions, base_level, visual_order
from copydesk.tui.engine.bidi_settings import options_for, remember
from copydesk.tui.engine.layout import Layout, Row

SORANI_NAME_DATE = "ئارام کەریم بە Kurdistan24 ی ڕاگەیاند لە 12/3/2024 کۆبوونەوەکە دەکرێت."
ARABIC_IN_ENGLISH = 'The spokesman said "نعمل على مدار الساعة" on Tuesday.'
VISUAL = BidiOptions(mode="visual")

# Letters of each direction, digits of both kinds, neutrals and brackets: enough to exercise
# weak types (EN, AN, ES, CS, ET), neutrals between runs and bracket pairs.
_PLAIN = st.sampled_from(
    list("ابتثجحخدرسعقلمنهوي") + list("ڕێۆەکگ") + list("abcXYZ") + list("0123")
    + list("٠١٢") + list(" ,.:/-+%()[]\"'!") + ["Kurdistan24 ", "هەولێر ", "  "]
)
# Everything else the view must survive: marks, joiners, wide and zero-width clusters, tabs,
# controls that must never be obeyed, line breaks.
_HOSTILE = st.sampled_from(
    ["\u064e", "\u0651", "\u200c", "\u200d", "中", "👨\u200d👩\u200d👧", "\t", "\u202e",
     "\u202b", "\u2066", "\u2069", "\u200f", "\u200e", "\u061c", "\x1b", "\n", "\r\n",
     "e\u0301", "\ufeff"]
)


def same_order(ours: str, reference: str) -> bool:
    """Equal up to mirrored glyphs (``get_display`` from the Rust engine does not mirror)."""
    canon = {ord(k): min(k, v) for k, v in MIRRORED.items()}
    return ours.translate(canon) == reference.translate(canon)


def layout_of(text: str, width: int, direction: str = "auto", shaping: bool = False) -> Layout:
    return Layout(TextIndex(text), width, BidiOptions("visual", direction, shaping))


def graphemes_of(row: Row) -> list[int]:
    bounds = grapheme_bounds(row.text)
    return [b for b in bounds if row.start <= b < row.end]


def check_row_is_a_bijection(layout: Layout, row: Row) -> None:
    """Every cell shows exactly one grapheme, every grapheme owns a contiguous block of cells."""
    starts = graphemes_of(row)
    vis = row.visual
    assert sorted(gs for gs, _, _, _ in vis) == starts
    owner: dict[int, int] = {}
    for gs, _ge, disp, x in vis:
        first = row.x0 + x
        assert row.offset_to_cell(gs) == first

        for cell in range(first, first + cell_len(disp)):
            assert cell not in owner
            owner[cell] = gs
            assert row.cell_to_offset(cell) == gs
    assert sorted(owner) == list(range(row.x0, row.x0 + row.width))
    # the end-of-line cell is beside the text, on the paragraph's end side
    if row.last:
        end_cell = row.offset_to_cell(row.end)
        assert end_cell == (row.x0 - 1 if row.rtl else row.x0 + row.width)
        assert end_cell not in owner
        assert layout.offset_at(layout.rows.index(row), end_cell) == row.end
    if row.width <= layout.width:  # (only a lone cluster wider than the view can be wider)
        assert row.x0 + row.width <= layout.width + 1  # fits the view (one column reserved)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(_PLAIN, _PLAIN, _HOSTILE), max_size=60), st.integers(3, 30),
       st.sampled_from(["auto", "rtl", "ltr"]))
def test_every_visual_row_maps_cells_to_characters_one_to_one(parts: list[str], width: int,
                                                               direction: str) -> None:
    text = "".join(parts)
    layout = layout_of(text, width, direction)
    for row in layout.rows:
        if row.bidi is not None:
            check_row_is_a_bijection(layout, row)
            assert not any(c in row.display for c in "\u202e\u202b\u2066\u2069\u200f\x1b")


@settings(max_examples=200, deadline=None)
@given(st.lists(_PLAIN, min_size=1, max_size=40), st.sampled_from(["auto", "rtl", "ltr"]))
def test_a_one_row_paragraph_reads_exactly_as_the_algorithm_says(parts: list[str],
                                                                 direction: str) -> None:
    text = "".join(parts)
    layout = layout_of(text, 500, direction)
    (row,) = layout.rows
    base = base_level(text, 0, len(text), direction)
    if row.bidi is None:  # no right-to-left character, not forced: stored order
        assert row.display == text and base == 0
        return
    assert same_order(row.display, get_display(text, base_dir="R" if base else "L"))


def test_brackets_in_right_to_left_runs_are_mirrored() -> None:
    """Rule L4, which python-bidi's Rust ``get_display`` leaves out: terminals draw glyphs as
    sent, so "(" at an odd level is sent as ")" to look like an opening bracket there."""
    (row,) = layout_of("ا(ب)", 20).rows
    assert row.display == "(ب)ا"
    (row,) = layout_of("a (b) ا(ب)", 20).rows
    assert row.display == "a (b) (ب)ا"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(_PLAIN, _HOSTILE), min_size=1, max_size=50), st.integers(4, 25),
       st.data())
def test_highlight_cells_are_the_cells_of_the_spans_characters(parts: list[str], width: int,
                                                               data: st.DataObject) -> None:
    """What the view paints for a span (graphemes whose offset is inside it, as drawn in
    ``Row.visual``) covers exactly the cells ``offset_to_cell`` gives for its characters."""
    text = "".join(parts)
    bounds = grapheme_bounds(text)
    a = data.draw(st.sampled_from(bounds))
    b = data.draw(st.sampled_from([x for x in bounds if x >= a]))
    layout = layout_of(text, width)

    for row in layout.rows:
        if row.bidi is None:
            continue
        painted = {row.x0 + x + k for gs, _ge, disp, x in row.visual if a <= gs < b
                   for k in range(cell_len(disp))}
        expected: set[int] = set()
        for gs, ge, disp, _x in row.visual:
            for c in range(gs, ge):
                if a <= c < b:
                    first = row.offset_to_cell(c)
                    expected.update(range(first, first + cell_len(disp)))
        assert painted == expected


@settings(max_examples=100, deadline=None)
@given(st.lists(_PLAIN, min_size=1, max_size=60), st.integers(4, 25))
def test_left_and_right_walk_every_stop_of_a_row_in_screen_order(parts: list[str],
                                                                 width: int) -> None:
    text = "".join(parts)
    layout = layout_of(text, width, "rtl")
    for row in layout.rows:
        stops = row.stops()
        xs = [row.offset_to_cell(s) for s in stops]
        assert xs == sorted(xs) and len(set(xs)) == len(xs)  # left to right, distinct cells
        for left, right in itertools.pairwise(stops):
            assert layout.visual_step(left, 1) == right
            assert layout.visual_step(right, -1) == left


def test_l2_reverses_runs_from_the_highest_level_down() -> None:
    assert visual_order([0, 0, 0]) == [0, 1, 2]
    assert visual_order([1, 1, 1]) == [2, 1, 0]
    # RTL paragraph holding an LTR run (level 2): the run keeps its order
    assert visual_order([1, 2, 2, 1]) == [3, 1, 2, 0]
    assert visual_order([0, 1, 1, 0, 2]) == [0, 2, 1, 3, 4]


def test_sorani_sentence_with_an_english_name_and_a_date() -> None:
    layout = layout_of(SORANI_NAME_DATE, 200)
    (row,) = layout.rows
    assert row.rtl and row.x0 == layout.width + 1 - row.width  # right-aligned
    assert row.display == get_display(SORANI_NAME_DATE, base_dir="R")
    assert "Kurdistan24" in row.display and "12/3/2024" in row.display  # LTR runs keep order
    assert row.display.endswith("ئارام"[::-1])  # the sentence starts at the right
    name = SORANI_NAME_DATE.index("Kurdistan24")
    # the cells of the name run left to right over its characters
    cells = [row.offset_to_cell(name + k) for k in range(len("Kurdistan24"))]
    assert cells == list(range(cells[0], cells[0] + len("Kurdistan24")))


def test_an_arabic_quote_inside_an_english_paragraph() -> None:
    layout = layout_of(ARABIC_IN_ENGLISH, 200)
    (row,) = layout.rows
    assert not row.rtl and row.x0 == 0  # an English paragraph stays left-aligned
    assert row.display == get_display(ARABIC_IN_ENGLISH, base_dir="L")
    assert row.display.startswith("The spokesman said")
    assert "الساعة"[::-1] in row.display
    # the quote's first word is drawn at the quote's right end
    quote = ARABIC_IN_ENGLISH.index("نعمل")
    end = ARABIC_IN_ENGLISH.index("الساعة") + len("الساعة")
    assert row.offset_to_cell(quote) == max(row.offset_to_cell(c) for c in range(quote, end))


def test_rows_break_before_reordering_and_keep_reading_order_top_down() -> None:
    words = ["یەک", "دوو", "سێ", "چوار", "پێنج", "شەش"]
    text = " ".join(words)
    layout = layout_of(text, 9)
    assert [text[r.start:r.end].strip() for r in layout.rows] == [
        "یەک دوو", "سێ چوار", "پێنج شەش"]
    for row in layout.rows:
        logical = text[row.start:row.end]
        assert same_order(row.display, get_display(logical, base_dir="R"))
        assert row.x0 + row.width == layout.width + 1  # flush right


def test_bidi_controls_are_shown_and_never_obeyed() -> None:
    hostile = (Path(__file__).parent / "hostile" / "bidi.txt").read_text(encoding="utf-8")
    layout = layout_of(hostile, 120)
    shown = "\n".join(r.display for r in layout.rows)
    for control in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f":
        assert control not in shown
    trojan = next(r for r in layout.rows if "Trojan" in r.display)
    # the RLO would have reversed "// check if admin": it stays in stored order
    assert "¦// check if admin¦" in trojan.display
    # an RLO inside an RTL-free line changes nothing; in an Arabic line neither
    text = "abc\u202edef " + "قال"
    (row,) = layout_of(text, 80).rows
    assert row.display.startswith("abc¦def ")


def test_lines_without_rtl_take_the_unchanged_path() -> None:
    text = "An all English article.\nSecond line, 2024."
    plain = Layout(TextIndex(text), 10)
    visual = layout_of(text, 10)
    assert all(r.bidi is None for r in visual.rows)
    assert [(r.start, r.end, r.display) for r in plain.rows] == [
        (r.start, r.end, r.display) for r in visual.rows]


def test_logical_and_terminal_modes_keep_stored_order() -> None:
    for mode in ("logical", "terminal"):
        layout = Layout(TextIndex(SORANI_NAME_DATE), 200, BidiOptions(mode=mode))
        assert layout.rows[0].bidi is None
        assert layout.rows[0].display == SORANI_NAME_DATE


def test_direction_override_rtl_right_aligns_an_english_line() -> None:
    layout = layout_of("Plain English", 40, "rtl")
    (row,) = layout.rows
    assert row.rtl and row.display == "Plain English" and row.x0 == 41 - row.width


def test_shaping_draws_presentation_forms_and_keeps_the_maps() -> None:
    word = "بازاڕی کۆنی شار"
    plain = layout_of(word, 40).rows[0]
    shaped = layout_of(word, 40, shaping=True).rows[0]
    assert shaped.display != plain.display
    assert any(0xFB50 <= ord(c) <= 0xFEFF for c in shaped.display)
    assert [shaped.offset_to_cell(i) for i in range(len(word) + 1)] == [
        plain.offset_to_cell(i) for i in range(len(word) + 1)]


def test_shaping_on_rows_with_harakat_and_tabs() -> None:
    text = "قَالَ\tالمتحدث عدداً (كركوك)"
    plain = layout_of(text, 40).rows[0]
    shaped = layout_of(text, 40, shaping=True).rows[0]
    assert shaped.display != plain.display
    assert "\u064e" in shaped.display  # the harakat are kept, on their letters
    assert [shaped.offset_to_cell(i) for i in range(len(text) + 1)] == [
        plain.offset_to_cell(i) for i in range(len(text) + 1)]


def test_a_very_long_rtl_paragraph_is_analysed_in_chunks_on_demand() -> None:
    from copydesk.tui.engine.bidi import LEVEL_CHUNK

    words = ["كركوك", "قال", "المتحدث", "الحكومة", "2024", "Kurdistan24"]
    text = " ".join(words[i % len(words)] for i in range(20_000))
    layout = layout_of(text, 80)
    first = layout.rows[0]
    assert first.display == get_display(text[first.start:first.end], base_dir="R")
    assert first.bidi is not None and len(first.bidi._chunks) == 1  # one chunk, not the line
    assert len(text) > 20 * LEVEL_CHUNK
    for row in layout.rows[::97]:  # rows in later chunks read as the algorithm says
        assert row.display == get_display(text[row.start:row.end], base_dir="R")


def test_bad_display_setting_is_one_clear_line(tmp_path: Path) -> None:
    path = tmp_path / "copydesk.yaml"
    path.write_text("name: x\nsettings:\n  bidi_display: sideways\n", encoding="utf-8")
    with pytest.raises(ProjectError, match="bidi_display must be one of visual, logical"):
        ProjectConfig.read(path)
    path.write_text("name: x\nsettings:\n  text_direction: {abc: up}\n", encoding="utf-8")
    with pytest.raises(ProjectError, match="text_direction"):
        ProjectConfig.read(path)


def test_display_settings_are_remembered_per_project(project: Project) -> None:
    assert options_for(project.config.settings, "h1") == BidiOptions()
    assert remember(project, "h1", BidiOptions("terminal", "rtl", True)) is None
    again = ProjectConfig.read(project.root / "copydesk.yaml")
    assert options_for(again.settings, "h1") == BidiOptions("terminal", "rtl", True)
    assert options_for(again.settings, "other") == BidiOptions("terminal", "auto", True)
    remember(project, "h1", BidiOptions("visual", "auto", False))
    again = ProjectConfig.read(project.root / "copydesk.yaml")
    assert again.settings.text_direction == {}


def test_remembering_keeps_what_a_lead_changed_in_the_file_meanwhile(project: Project) -> None:
    path = project.root / "copydesk.yaml"
    edited = path.read_text(encoding="utf-8").replace("annotators: []", "annotators: [dilan]")
    path.write_text(edited, encoding="utf-8")
    assert remember(project, "h1", BidiOptions("terminal")) is None
    again = ProjectConfig.read(path)
    assert again.annotators == ["dilan"] and again.settings.bidi_display == "terminal"


def test_an_unwritable_project_keeps_the_choice_for_the_session(project: Project) -> None:
    (project.root / "copydesk.yaml").write_text("name: [broken\n", encoding="utf-8")
    problem = remember(project, "h1", BidiOptions("logical"))
    assert problem is not None and problem.startswith("Display changed for this session only")
    assert options_for(project.config.settings, "h1").mode == "logical"


def test_one_line_labels_follow_the_display_mode() -> None:
    from copydesk.tui.engine.text import safe_text

    name = "سامر الحداد (Kurdistan24)\u202e"
    assert safe_text(name, bidi=BidiOptions()).plain == "¦(Kurdistan24) دادحلا رماس"
    assert safe_text(name, bidi=BidiOptions("terminal")).plain == "سامر الحداد (Kurdistan24)¦"
    assert safe_text(name).plain == "سامر الحداد (Kurdistan24)¦"
    assert safe_text("Plain title", bidi=BidiOptions()).plain == "Plain title"


def test_the_app_never_imports_python_bidi_and_shapes_only_when_asked() -> None:
    """Levels come from our own UAX #9 (tui.uba): python-bidi is a test oracle, never loaded by
    the app; arabic-reshaper loads only when shaping is on."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import copydesk.tui.app.screens.annotate\n"
        "from copydesk.tui.engine.layout import Layout, BidiOptions\n"
        "Layout('plain English\\nnews 2024', 8, BidiOptions()).rows[0].display\n"
        "print('bidi' in sys.modules, 'arabic_reshaper' in sys.modules)\n"
        "Layout('قال (نعم) [2024]', 30, BidiOptions()).rows[0].display\n"
        "print('bidi' in sys.modules, 'arabic_reshaper' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120).stdout.split("\n")
    assert out[:2] == ["False False", "False False"]
