"""Label looks per colour depth: distinct within a layer after the terminal's downgrade."""

from __future__ import annotations

import pytest
from rich.color import ColorSystem

from copydesk.schema import load_default_schema
from copydesk.tui.palette import LabelInfo, depth_for, label_looks, nearest_distinct

SYSTEMS = {"256": ColorSystem.EIGHT_BIT, "16": ColorSystem.STANDARD}


def newsroom() -> list[LabelInfo]:
    return [LabelInfo(lb.name, lb.layer, lb.color) for lb in load_default_schema().labels]


def rendered(style, depth: str) -> tuple:  # type: ignore[no-untyped-def]
    """What reaches the terminal: the colour after Rich's downgrade, and the attributes."""
    color = style.color.downgrade(SYSTEMS[depth]) if depth in SYSTEMS and style.color else None
    attrs = tuple(sorted(k for k in ("bold", "dim", "italic", "underline", "strike",
                                     "overline", "underline2", "reverse")
                         if getattr(style, k)))
    return (color.number if color else None, attrs)


@pytest.mark.parametrize("depth", ["256", "16", "mono"])
def test_every_label_of_a_layer_renders_differently(depth: str) -> None:
    labels = newsroom()
    looks = label_looks(labels, depth)
    assert looks is not None and set(looks) == {lb.name for lb in labels}
    for layer in ("entity", "event", "attribution"):
        names = [lb.name for lb in labels if lb.layer == layer]
        shown = {rendered(looks[n], depth) for n in names}
        assert len(shown) == len(names), (layer, depth)
    assert all(not looks[n].reverse for n in looks)  # reverse video is the selection's


def test_the_issue_s_three_greys_are_now_three_colours() -> None:
    looks = label_looks(newsroom(), "256")
    assert looks is not None
    numbers = {rendered(looks[n], "256")[0] for n in ("ORG", "GPE", "PERSON")}
    assert len(numbers) == 3
    assert all(16 <= n <= 231 for n in numbers)  # the colour cube, never the grey ramp


def test_truecolor_keeps_the_view_s_own_looks_and_unknown_depth_is_refused() -> None:
    assert label_looks(newsroom(), "truecolor") is None
    with pytest.raises(ValueError, match="unknown colour depth"):
        label_looks(newsroom(), "3bit")


def test_more_labels_than_colours_still_differ_in_16() -> None:
    many = [LabelInfo(f"L{i}", "entity", "#61afef") for i in range(20)]
    looks = label_looks(many, "16")
    assert looks is not None
    assert len({rendered(looks[f"L{i}"], "16") for i in range(20)}) == 20


def test_nearest_distinct_keeps_the_nearest_for_the_first_label() -> None:
    from rich.color_triplet import ColorTriplet

    cands = [(1, ColorTriplet(255, 0, 0)), (2, ColorTriplet(0, 0, 255))]
    assert nearest_distinct(["#ff1010", "#ff0000"], cands) == [(0, 0), (1, 0)]
    assert nearest_distinct(["red", "red", "red"], cands)[2] == (0, 1)  # second round


@pytest.mark.parametrize("system, no_color, depth", [
    ("truecolor", False, "truecolor"), ("256", False, "256"), ("standard", False, "16"),
    ("windows", False, "16"), (None, False, "mono"), ("truecolor", True, "mono"),
])
def test_depth_for(system: str | None, no_color: bool, depth: str) -> None:
    assert depth_for(system, no_color=no_color) == depth
