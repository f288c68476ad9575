"""Newsroom motions as plain functions: words, quotation pairs, speech verbs, names, sentences,
search. Own text here; the sample article only where the issue measured on it."""

from __future__ import annotations

import pytest

from copydesk.projects.textutil import TextIndex
from copydesk.tui.engine import motions as m

TEXT = ('Leyla Aziz, the mayor, spoke. “We will rebuild the school by autumn,” Aziz told '
        'Radio Valmora on Sunday. Officials said nothing.\n\nThe Harbour Board met.')


def words_from(text: str, start: int, steps: int) -> list[str]:
    index, pos, out = TextIndex(text), start, []
    for _ in range(steps):
        pos = m.next_word(index, pos)
        rng = index.token_range_at(pos)
        out.append(text[rng[0]:rng[1]] if rng else "")
    return out


def test_word_motions_skip_punctuation_both_ways() -> None:
    assert words_from(TEXT, 0, 5) == ["Aziz", "the", "mayor", "spoke", "We"]
    index = TextIndex(TEXT)
    we = TEXT.index("We")
    assert TEXT[m.prev_word(index, we):].startswith("spoke")
    assert m.prev_word(index, 0) == 0
    assert m.next_word(TextIndex("a ,"), 0) == 3  # only punctuation left: the text's end


def test_trim_punctuation_and_punctuation_alone() -> None:
    index = TextIndex(TEXT)
    start = TEXT.index("Leyla")
    assert m.trim_punctuation(index, start, TEXT.index(" the mayor")) == \
        (start, start + len("Leyla Aziz"))
    comma = TEXT.index(",")
    assert m.trim_punctuation(index, comma, comma + 1) is None
    quote = TEXT.index("“")
    assert m.trim_punctuation(index, quote, quote + 1) is None


@pytest.mark.parametrize("text, inside", [
    ('He said "we will go," and left.', "we will go"),
    ("He said “we will go” and left.", "we will go"),
    ("Il a dit « nous partirons » hier.", "nous partirons"),
    ("Er sagte „wir gehen“ gestern.", "wir gehen"),
    ("Er sagte „wir gehen” gestern.", "wir gehen"),
    ("Il a dit ‹ non › hier.", "non"),
    ("قال « سنعيد البناء » أمس.", "سنعيد البناء"),
])
def test_quote_pairs_of_every_kind_select_inside(text: str, inside: str) -> None:
    pairs = m.quote_pairs(text)
    found = m.next_quote(text, pairs, 0)
    assert found is not None and text[found[0]:found[1]] == inside


def test_next_and_previous_quote_step_pair_by_pair() -> None:
    text = 'A "one" then “two” then «three».'
    pairs = m.quote_pairs(text)
    seen, pos = [], 0
    while (found := m.next_quote(text, pairs, pos)) is not None:
        seen.append(text[found[0]:found[1]])
        pos = found[0]  # the cursor sits at the start of the selected inside
    assert seen == ["one", "two", "three"]
    back = m.prev_quote(text, pairs, pos)
    assert back is not None and text[back[0]:back[1]] == "two"


def test_an_unclosed_quote_ends_at_a_blank_line_and_nesting_works() -> None:
    text = '"never closed\n\nA “nested ‹inner› part” ok.'
    pairs = m.quote_pairs(text)
    assert [text[a + 1:b] for a, b in pairs] == ["nested ‹inner› part", "inner"]


@pytest.mark.parametrize("text, verb", [
    ("The minister said on Monday", "said"),
    ("According to police, two died", "According to"),
    ("وقال المتحدث إن الطريق مغلق", "وقال"),
    ("ئەو گوتی کە ڕێگاکە داخراوە", "گوتی"),
])
def test_speech_verbs_in_three_languages(text: str, verb: str) -> None:
    pattern = m.speech_verb_pattern(m.DEFAULT_SPEECH_VERBS)
    found = m.next_speech_verb(text, -1, pattern)
    assert found is not None and text[found[0]:found[1]] == verb


def test_speech_verb_skips_the_quote_and_whole_words_only() -> None:
    text = '"He said no," Aziz told us; the saidy word is not one.'
    pattern = m.speech_verb_pattern({"en": ["said", "told"]})
    quote = (1, text.index(","))
    found = m.next_speech_verb(text, 0, pattern, skip=quote)
    assert found is not None and text[found[0]:found[1]] == "told"
    after = m.next_speech_verb(text, found[0], pattern, skip=quote)
    assert after == found  # wraps round to the only cue outside the quote, never "saidy"
    assert m.next_speech_verb("nothing here", 0, m.speech_verb_pattern([])) is None


def test_next_name_takes_runs_skips_openers_and_labelled() -> None:
    index = TextIndex(TEXT)
    labelled = {(TEXT.index("Aziz told"), TEXT.index("Aziz told") + 4)}

    def is_labelled(a: int, b: int) -> bool:
        return any(s < b and a < e for s, e in labelled)

    names, pos = [], -1
    while (found := m.next_name(index, pos, is_labelled)) is not None:
        names.append(TEXT[found[0]:found[1]])
        pos = found[0]
    assert names == ["Leyla Aziz", "Radio Valmora", "Sunday", "Harbour Board"]
    # "We" opens the quote and "The"/"Officials" open sentences: not names


def test_next_name_skips_inside_a_range() -> None:
    text = '"We saw Aziz here," Omar said.'
    index = TextIndex(text)
    found = m.next_name(index, 0, lambda a, b: False, skip=(1, text.index(",")))
    assert found is not None and text[found[0]:found[1]] == "Omar"


def test_next_unlabelled_sentence() -> None:
    index = TextIndex(TEXT)
    first_two = (0, TEXT.index("Officials"))
    start = m.next_unlabelled_sentence(
        index, 0, lambda a, b: a < first_two[1] and first_two[0] < b)
    assert start == TEXT.index("Officials")
    assert m.next_unlabelled_sentence(index, 0, lambda a, b: True) is None


def test_find_in_text_wraps_is_smart_case_and_goes_back() -> None:
    text = "Bomb here, bomb there, BOMB everywhere"
    assert m.find_in_text(text, "bomb", 1) == (11, 15)
    assert m.find_in_text(text, "bomb", 30) == (0, 4)  # wrapped
    assert m.find_in_text(text, "Bomb", 1) == (0, 4)  # capital: exact case, wraps
    assert m.find_in_text(text, "bomb", 11, backwards=True) == (0, 4)
    assert m.find_in_text(text, "bomb", 0, backwards=True) == (23, 27)  # wrapped
    assert m.find_in_text(text, "nothing", 0) is None
    assert m.find_in_text(text, "", 0) is None


def test_sample_article_quote_cue_and_source(sample_text: str) -> None:
    t = sample_text
    start = t.index('"Hardly a night')
    index = TextIndex(t)
    assert index.sentence_starts.count(start) == 1  # the quote opens its sentence
    inside = m.next_quote(t, m.quote_pairs(t), start)
    assert inside is not None
    assert t[inside[0]:inside[1]].endswith("in Wadi Tamur")
    cue = m.next_speech_verb(t, inside[0], m.speech_verb_pattern(m.DEFAULT_SPEECH_VERBS),
                             skip=inside)
    assert cue is not None and t[cue[0]:cue[1]] == "told"
    source = m.next_name(index, inside[0], lambda a, b: False, skip=inside)
    assert source is not None and t[source[0]:source[1]] == "Barzinji"


def test_split_quote_source_and_cue_between_the_pieces_are_found() -> None:
    """Issue 25: the skip used the quote's outer bounds, so the cue and source *between* the
    two pieces of a split quote were skipped. The pieces are skipped, not what lies between."""
    t = '"We will rebuild the bridge," said Mayor Dana Holt, "and We open it in May."'
    first = (1, t.index(',"'))
    second = (t.index('and We'), t.index('May') + 3)
    pieces = [first, second]
    pattern = m.speech_verb_pattern(m.DEFAULT_SPEECH_VERBS)
    cue = m.next_speech_verb(t, 0, pattern, skip=pieces)
    assert cue is not None and t[cue[0]:cue[1]] == "said"
    index = TextIndex(t)
    source = m.next_name(index, 0, lambda a, b: False, skip=pieces)
    assert source is not None and t[source[0]:source[1]] == "Mayor Dana Holt"
    # the names inside the pieces ("We", "May") are never offered as the source
    after = m.next_name(index, source[1], lambda a, b: False, skip=pieces)
    assert after is None or not any(a <= after[0] < b for a, b in pieces)
    # a single range still works as before
    assert m.next_speech_verb(t, 0, pattern, skip=(first[0], second[1])) is None
