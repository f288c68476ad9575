"""The layout wraps from the top on demand and ends up with exactly the rows of a full wrap."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk.projects.textutil import TextIndex
from copydesk.tui.engine.layout import Layout, wrap_line

WORDS = ["Kirkuk", "police", "said", "a", "al-Assad", "👨\u200d👩\u200d👧", "中文字", "e\u0301",
         "کورد\u200cستان", "\t", "extraordinarilylongwordwithoutanybreaks", " ", "  ", "\n",
         "\r\n", "🇮🇶", "\u3000"]


def full_rows(text: str, width: int) -> list[tuple[int, int, int, bool]]:
    ti = TextIndex(text)
    out = []
    for start, end in zip(ti.line_starts, ti.line_ends, strict=True):
        out += [(r.start, r.end, r.width, r.last)
                for r in wrap_line(text[start:end], width, text=text, base=start)]
    return out


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=120).map(" ".join),
       st.integers(min_value=3, max_value=30), st.integers(min_value=8, max_value=80))
def test_chunked_lazy_wrap_equals_full_wrap(text: str, width: int, chunk: int) -> None:
    layout = Layout(text, width)
    layout.CHUNK = chunk  # small chunks: many cuts inside one long line
    got = [(r.start, r.end, r.width, r.last) for r in layout.rows]
    assert got == full_rows(text, width)
    assert len(layout) == len(got)


def test_first_rows_cost_only_the_top(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "Kirkuk police said on Monday that the road reopened. " * 20_000  # one line
    layout = Layout(text, 80)
    assert layout.wrapped_rows < 400  # one chunk, not the 13,000-row line
    assert layout.estimated_len() > 10_000  # the estimate already sizes the scrollbar
    assert layout.wrapped_rows < 400  # and costs nothing
    assert layout.row_of(len(text) - 1) == layout.estimated_len() - 1  # the end wraps it all
    assert layout.complete and len(layout) == len(full_rows(text, 80))
