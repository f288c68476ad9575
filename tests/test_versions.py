"""projects.versions: spans carried over each kind of correction, in English, Arabic and Sorani.

The articles are original text in tests/data/versions/; each test makes a correction a newsroom
makes (spelling, figure, editor's note on top, reflow, deleted sentence, softened quote) and
checks where every span went, piece by piece for split quotes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk.projects.versions import EDITED, MOVED, REMOVED, TextMap, carry_spans, line_diff

DATA = Path(__file__).parent / "data" / "versions"

# Per language: the article, a person's name and its corrected spelling, the figure, the two
# pieces of the split quote, the last sentence (deleted in one test) and a word in it.
LANGS = {
    "en": dict(name="Marta Oyelaran", fixed="Marta Oyelaram", figure="340",
               quote=('"We lost the shop in an hour,"', '"and nobody warned us."'),
               softer='"and few warned us."', last="The regional governor, Pavel Strunin, "
               "promised repairs by March.", gov="Pavel Strunin",
               note="Correction: an earlier version misspelt a name.\n\n"),
    "ar": dict(name="مرتا أويلاران", fixed="مرتا أويلارن", figure="340",
               quote=('"خسرنا المتجر في ساعة واحدة"', '"ولم يحذرنا أحد"'),
               softer='"ولم يحذرنا إلا قليل"', last="ووعد المحافظ بافل سترونين بإصلاح الأضرار "
               "قبل شهر آذار.", gov="بافل سترونين",
               note="تصحيح: ورد اسم بشكل خاطئ في نسخة سابقة.\n\n"),
    "ckb": dict(name="مارتا ئۆیەلاران", fixed="مارتا ئۆیەلارەن", figure="340",
                quote=('"لە یەک کاتژمێردا دوکانەکەمان لەدەستدا"',
                       '"کەسیش ئاگاداری نەکردینەوە."'),
                softer='"کەمێک ئاگاداری کردینەوە."', last="پارێزگار پاڤێل سترونین بەڵێنی دا "
                "تا مانگی ئازار چاکیان بکاتەوە.", gov="پاڤێل سترونین",
                note="ڕاستکردنەوە: ناوێک بە هەڵە نووسرابوو.\n\n"),
}


def _article(lang: str) -> str:
    return (DATA / f"{lang}.txt").read_text(encoding="utf-8")


def _spans(text: str, lang: str) -> list[tuple[object, tuple[tuple[int, int], ...], str]]:
    """PERSON name, the figure, the governor, and the split quote (two pieces)."""
    c = LANGS[lang]
    out = []
    for key in ("name", "figure", "gov"):
        i = text.index(c[key])
        out.append((key, ((i, i + len(c[key])),), c[key]))
    q1, q2 = c["quote"]
    a, b = text.index(q1), text.index(q2)
    out.append(("quote", ((a, a + len(q1)), (b, b + len(q2))), f"{q1} {q2}"))
    return out


def _by_key(old: str, new: str, lang: str) -> dict[object, object]:
    return {c.key: c for c in carry_spans(old, new, _spans(old, lang))}


def _check_texts(new: str, carried: dict[object, object]) -> None:
    # the contract: every carried span's text is the new text at its pieces
    for c in carried.values():
        assert " ".join(new[a:b] for a, b in c.parts) == c.text  # type: ignore[attr-defined]


@pytest.mark.parametrize("lang", sorted(LANGS))
def test_spelling_fix_inside_a_span_needs_review_others_move_exactly(lang: str) -> None:
    c = LANGS[lang]
    old = _article(lang)
    new = old.replace(c["name"], c["fixed"])
    got = _by_key(old, new, lang)
    _check_texts(new, got)
    assert got["name"].status == EDITED
    assert (got["name"].old_text, got["name"].text) == (c["name"], c["fixed"])
    for key in ("figure", "gov", "quote"):
        assert got[key].status == MOVED
        assert got[key].text == got[key].old_text
    assert len(got["quote"].parts) == 2


@pytest.mark.parametrize("lang", sorted(LANGS))
def test_editors_note_on_top_moves_every_piece_by_its_length(lang: str) -> None:
    c = LANGS[lang]
    old = _article(lang)
    new = c["note"] + old
    got = _by_key(old, new, lang)
    shift = len(c["note"])
    for span in _spans(old, lang):
        moved = got[span[0]]
        assert moved.status == MOVED
        assert moved.parts == tuple((a + shift, b + shift) for a, b in span[1])
        assert moved.text == span[2]


@pytest.mark.parametrize("lang", sorted(LANGS))
def test_reflow_keeps_every_span_without_review(lang: str) -> None:
    old = _article(lang)
    # every line break becomes a space and every first space of a line a line break
    new = old.replace("\n", " ").replace(" ", "\n", 3)
    got = _by_key(old, new, lang)
    _check_texts(new, got)
    for key, span in got.items():
        assert span.status == MOVED, key
        assert span.text.split() == span.old_text.split()


@pytest.mark.parametrize("lang", sorted(LANGS))
def test_deleted_sentence_keeps_its_span_as_removed(lang: str) -> None:
    c = LANGS[lang]
    old = _article(lang)
    new = old.replace(c["last"], "")
    got = _by_key(old, new, lang)
    _check_texts(new, got)
    gov = got["gov"]
    assert gov.status == REMOVED and gov.needs_review
    assert gov.text == "" and gov.old_text == c["gov"]
    assert gov.start == gov.end <= len(new)
    assert got["name"].status == MOVED and got["quote"].status == MOVED


@pytest.mark.parametrize("lang", sorted(LANGS))
def test_softened_quote_edits_one_piece_and_keeps_both(lang: str) -> None:
    c = LANGS[lang]
    old = _article(lang)
    new = old.replace(c["quote"][1], c["softer"])
    got = _by_key(old, new, lang)
    _check_texts(new, got)
    quote = got["quote"]
    assert quote.status == EDITED
    assert len(quote.parts) == 2
    first, second = quote.parts
    assert new[first[0]:first[1]] == c["quote"][0]
    assert new[second[0]:second[1]] == c["softer"]
    assert got["name"].status == MOVED


def test_a_piece_deleted_from_a_split_span_leaves_the_other() -> None:
    old = "He said \"no\" twice, then \"yes\" once."
    new = "He said twice, then \"yes\" once."
    a, b = old.index('"no"'), old.index('"yes"')
    [c] = carry_spans(old, new, [("q", ((a, a + 4), (b, b + 5)), '"no" "yes"')])
    assert c.status == EDITED
    assert c.parts == ((new.index('"yes"'), new.index('"yes"') + 5),)
    assert c.text == '"yes"'


def test_identical_text_changes_nothing() -> None:
    old = _article("en")
    got = _by_key(old, old, "en")
    assert all(c.status == MOVED and not c.shifted for c in got.values())


def test_one_line_article_with_a_fix_deep_inside() -> None:
    words = [f"w{i % 97}" for i in range(20_000)]
    old = " ".join(words)
    words[15_000] = "corrected"
    new = " ".join(words)
    start = old.index(" ", 40_000) + 1
    end = old.index(" ", start)
    tm = TextMap(old, new)
    c = tm.carry("x", ((start, end),), old[start:end])
    assert c.status == MOVED and c.parts == ((start, end),)


def test_line_diff_shows_the_changed_sentence() -> None:
    old = _article("en")
    new = old.replace("340", "430")
    lines = line_diff(old, new)
    assert any(line.startswith("-") and "340" in line for line in lines)
    assert any(line.startswith("+") and "430" in line for line in lines)


_WORDS = ["Ali", "said", "the", "bridge", "ئاو", "بازاڕ", "المياه", "e\u0301", "👩‍👩‍👧", "340",
          "\n", "  ", "."]


@st.composite
def _correction(draw):  # type: ignore[no-untyped-def]
    """An article, a correction of it (a few words replaced, inserted or deleted) and spans."""
    words = draw(st.lists(st.sampled_from(_WORDS), min_size=3, max_size=40))
    old = " ".join(words)
    new_words = list(words)
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(0, len(new_words)))
        kind = draw(st.sampled_from(["insert", "delete", "replace"]))
        if kind == "insert" or not new_words:
            new_words.insert(i, draw(st.sampled_from(_WORDS)))
        elif kind == "delete":
            new_words.pop(min(i, len(new_words) - 1))
        else:
            new_words[min(i, len(new_words) - 1)] = draw(st.sampled_from(_WORDS))
    new = " ".join(new_words)
    from copydesk.projects.textutil import grapheme_bounds

    bounds = grapheme_bounds(old)
    spans = []
    for k in range(draw(st.integers(1, 4))):
        a, b = sorted(draw(st.lists(st.sampled_from(bounds), min_size=2, max_size=2,
                                    unique=True)))
        if old[a:b].strip():
            spans.append((k, ((a, b),), old[a:b]))
    return old, new, spans


@given(_correction())
@settings(max_examples=300, deadline=None)
def test_every_carried_span_is_valid_in_the_new_text(case) -> None:  # type: ignore[no-untyped-def]
    from copydesk.projects.textutil import grapheme_index

    old, new, spans = case
    index = grapheme_index(new)
    for c in carry_spans(old, new, spans):
        assert " ".join(new[a:b] for a, b in c.parts) == c.text
        assert all(0 <= a <= b <= len(new) for a, b in c.parts)
        assert all(p[1] < q[0] for p, q in zip(c.parts, c.parts[1:], strict=False))
        if c.status == REMOVED:
            assert c.text == "" and c.start == c.end and index.is_boundary(c.start)
        else:
            assert c.text.strip()
            assert all(index.is_boundary(a) and index.is_boundary(b) for a, b in c.parts)
        if c.status == MOVED:
            assert c.text.split() == c.old_text.split()
        if old == new:
            assert c.status == MOVED and not c.shifted


@pytest.mark.parametrize(("old_word", "new_word"), [
    ("Tarvel", "Tarvell"), ("Tarvel", "ATarvel"), ("تارفيل", "تارفيلا"), ("تارڤێل", "لتارڤێل")])
def test_a_word_lengthened_around_a_span_needs_review_on_the_whole_word(
        old_word: str, new_word: str) -> None:
    old = f"Floods hit {old_word} on Sunday."
    new = old.replace(old_word, new_word)
    a = old.index(old_word)
    [c] = carry_spans(old, new, [("x", ((a, a + len(old_word)),), old_word)])
    assert (c.status, c.text) == (EDITED, new_word)
