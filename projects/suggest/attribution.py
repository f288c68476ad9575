"""A rule-based detector of quotes and their attribution, for English, Arabic and Sorani Kurdish.

It suggests PARC-style parts: CONTENT (attribute `type`: direct or indirect), CUE and SOURCE,
with the links content -> cue and content -> source that the schema defines. The rules, in order:

1. **Direct quotes**: paired marks in the conventions of the three languages: straight `"..."`,
   curly `“...”`, guillemets `«...»` (Arabic, Kurdish, French), low-high `„...“`, and the
   reversed `»...«`. Pairs never cross a blank line. Content is the text between the marks,
   without surrounding spaces or a trailing comma (the schema's guideline). Quotes shorter than
   `MIN_QUOTE_WORDS` words are scare quotes, not speech, and are skipped.
2. **Cue**: a speech verb or cue phrase from the language lists (defaults below, extended by the
   project's `settings.attribution.cues`), searched first after the closing mark up to the
   sentence end ("...," the mayor said), then before the opening mark back to the sentence start
   (The mayor said: "..."). Matching ignores case and Arabic diacritics.
3. **Source**: the nearest noun phrase joined to the cue in the same sentence, on the side the
   language puts it: English before the cue unless the quote itself is there ("...," said Omar
   Haddad); Arabic after the cue (verb-first: وقال وزير ...); Kurdish before it (verb-last). A
   phrase is a run of word tokens stopped by punctuation, quote marks, clause words (that, who,
   إن, کە ...) and prepositions, at most `MAX_SOURCE_TOKENS` long, skipping adverbs next to the
   cue. Titles and jobs before a name are left out ("Deputy Minister Yara Bello" -> "Yara
   Bello"; "مدير المديرية سامر خليل" -> "سامر خليل"), from per-language lists the lead can extend
   in `settings.attribution.titles`. No phrase found: the content and cue are suggested without
   a source (passives, "it was said"), which is a legitimate PARC attribution.
4. **Split quotes**: a quote with no cue of its own that follows an attributed quote in the same
   sentence ("We will rebuild," she said, "and we will not leave.") shares that quote's cue and
   source; so does a cue-less quote that is the very next sentence of the same paragraph
   ("...," she said. "Nobody leaves."). The halves are suggested as ONE CONTENT span in pieces
   (`fragments`, see projects.fragments), linked once to the cue and the source, as PARC and
   brat mark a discontinuous content; a third cue-less quote adds a third piece.
5. **Mixed**: a cue before a quote with a complementizer between them (told reporters that
   "..." would ...) makes the whole reported clause the CONTENT, `type: mixed`.
6. **Indirect speech**: a cue not used by a quote and followed (after the source, for Arabic) by
   a complementizer (that / إن، أن، بأن / کە) gives a CONTENT from the complementizer to the
   sentence end, `type: indirect`. "According to X, ..." (بحسب، وفقا لـ / بەپێی، بە گوێرەی)
   gives the rest of the sentence after the comma as indirect content and X as the source.

Cost is linear in the text: one tokenization, one cue scan (a token trie), and per quote a
search bounded by its sentence.
"""

from __future__ import annotations

import sys
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import regex
from pydantic import BaseModel

from copydesk.projects.bulk import NewSpan
from copydesk.projects.errors import StoreError
from copydesk.projects.settings import (
    CUE_EXTENTS,  # noqa: F401  (re-exported: the cue extents the settings accept)
    AttributionConfig,
    ProjectSettings,
    SettingsError,
    parse_project_settings,
)
from copydesk.projects.suggest.lexicon import (
    CKB_FORMS,
    EN_LEMMAS,
    EN_THAT_ONLY,
    arabic_forms,
    english_forms,
    inflect,
)
from copydesk.projects.suggest.patterns import Fold, PatternSet
from copydesk.projects.suggest.write import Proposal
from copydesk.projects.textutil import tokenize
from copydesk.schema.model import ATTRIBUTION, CONTENT, CUE, SOURCE, Schema

MIN_QUOTE_WORDS = 3
MAX_SOURCE_TOKENS = 7
MAX_APPOSITIVE_TOKENS = 16
MAX_SENTENCE = 2000  # characters: how far cues are looked for around a quote

# Opening mark -> closing marks it pairs with.
QUOTE_PAIRS: dict[str, str] = {'"': '"', "“": "”", "«": "»", "„": "“”", "»": "«", "''": "''"}
_SINGLE = {"'", "‘", "’"}

# Speech verbs and cue phrases. `according` entries introduce "According to X, content".
DEFAULT_CUES: dict[str, dict[str, list[str]]] = {
    "en": {
        "verbs": ["said", "says", "say", "told", "tells", "added", "adds", "stated", "warned",
                  "announced", "explained", "noted", "insisted", "claimed", "asked", "replied",
                  "wrote", "writes", "declared", "confirmed", "denied", "urged", "stressed",
                  "argued", "vowed", "reported", "tweeted", "commented", "continued",
                  "admitted", "recalled", "believes", "believed", "thinks", "pledged",
                  "promised", "complained", "estimated", "predicted", "acknowledged",
                  "emphasised", "emphasized", "cautioned"],
        "according": ["according to"],
    },
    "ar": {
        "verbs": ["قال", "وقال", "قالت", "وقالت", "يقول", "تقول", "أضاف", "وأضاف", "أضافت",
                  "وأضافت", "صرح", "وصرح", "أكد", "وأكد", "أكدت", "وأكدت", "ذكر", "وذكر",
                  "ذكرت", "أوضح", "وأوضح", "أوضحت", "أعلن", "وأعلن", "أعلنت", "وأعلنت",
                  "أشار", "وأشار", "أشارت", "تابع", "وتابع", "قائلا", "قائلاً", "مضيفا",
                  "مضيفاً", "حذر", "وحذر", "حذرت", "أفاد", "وأفاد", "أفادت", "نفى", "ونفى"],
        "according": ["بحسب", "وبحسب", "حسب", "وفقا ل", "وفقاً ل", "وفقا لـ", "وفقاً لـ"],
    },
    "ckb": {
        "verbs": ["وتی", "ووتی", "گوتی", "وتیشی", "گوتیشی", "ڕایگەیاند", "ڕاشیگەیاند", "ڕاگەیاند",
                  "دەڵێت", "دەڵێ", "جەختی کردەوە", "ئاشکرای کرد", "ئاماژەی بەوە کرد",
                  "نووسی", "ڕوونی کردەوە"],
        "according": ["بەپێی", "بە گوێرەی", "بەگوێرەی"],
    },
}

# The lemma lexicon (projects.suggest.lexicon): every inflection of hundreds of verbs.
for _lang, _forms in (("en", english_forms(EN_LEMMAS)), ("ar", arabic_forms()),
                      ("ckb", list(CKB_FORMS))):
    _have = DEFAULT_CUES[_lang]["verbs"]
    _have += [f for f in _forms if f not in _have]
# Nominal cues: "In a statement, the ministry ..." (the source follows, then the content).
DEFAULT_CUES["en"]["nominal"] = ["in a statement", "in a letter", "in an interview",
                                 "in a post", "in a tweet", "in a speech", "in his words",
                                 "in her words", "in their words"]
DEFAULT_CUES["ar"]["nominal"] = ["وفي بيان", "في بيان", "وفي تصريح", "في تصريح"]
DEFAULT_CUES["ckb"]["nominal"] = ["لە ڕاگەیەندراوێکدا"]
# Verb forms that are cues only with a complementizer or a quote ("found the body").
_THAT_ONLY = {f for lemma in EN_THAT_ONLY for fs in inflect(lemma).values() for f in fs}
_THAT_ONLY_FOLDED = {f.casefold() for f in _THAT_ONLY}
# Participles after a comma ("..., saying demand had risen") have no source of their own.
# With `cue_extent: phrase`: auxiliaries, negation and adverbs before the verb, and a
# "in a statement" after it, belong to the cue ("has repeatedly insisted").
_EXTENT_BEFORE = {"has", "have", "had", "was", "were", "is", "are", "will", "would", "did",
                  "does", "do", "not", "also", "repeatedly", "long", "never", "already",
                  "again", "publicly", "earlier", "later", "reportedly", "been", "be", "can",
                  "could", "may", "might", "should", "must", "n't"}
_EXTENT_AFTER = ("in a statement", "in a letter", "in an interview", "in a post",
                 "in a tweet", "in a speech")

# The English verb forms of the first release: the "bare regular expression" floor that
# benchmarks/bench_attribution.py measures the rules against.
DEFAULT_VERBS_43: tuple[str, ...] = (
    "said", "says", "say", "told", "tells", "added", "adds", "stated", "warned", "announced",
    "explained", "noted", "insisted", "claimed", "asked", "replied", "wrote", "writes",
    "declared", "confirmed", "denied", "urged", "stressed", "argued", "vowed", "reported",
    "tweeted", "commented", "continued", "admitted", "recalled", "believes", "believed",
    "thinks", "pledged", "promised", "complained", "estimated", "predicted", "acknowledged",
    "emphasised", "emphasized", "cautioned")

# Words that end a source phrase, per language (casefolded, Arabic diacritics stripped).
_STOP = {
    "en": {"that", "who", "whom", "which", "when", "while", "because", "if", "after", "before",
           "and", "but", "or", "as", "on", "in", "at", "by", "for", "with", "from", "during",
           "since", "to", "into", "than", "so", "then", "it", "this", "these", "those"},
    "ar": {"إن", "أن", "ان", "بأن", "في", "خلال", "على", "إلى", "الى", "من", "عن", "يوم", "اليوم",
           "أمس", "امس", "لـ", "ل", "بعد", "قبل", "مع", "الذي", "التي"},
    "ckb": {"کە", "لە", "بۆ", "بە", "و", "دوای", "پێش", "لەگەڵ"},
}
# Adverbs and auxiliaries that may sit between a source and its cue.
_SKIP = {
    "en": {"also", "later", "then", "previously", "again", "further", "reportedly", "earlier",
           "had", "has", "have", "was", "is", "would", "will", "once", "recently", "publicly",
           "yesterday", "today", "repeatedly", "separately", "told", "reporters", "journalists",
           "on", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"},
    "ar": {"أيضا", "أيضاً", "ايضا", "كذلك"},
    "ckb": {"هەروەها", "بە", "ڕۆژنامەنووسانی", "ڕۆژنامەنووسان", "میدیاکان"},
}
# Titles and jobs that come before a name and are not part of it (casefolded), per language.
# English: any of these before a capitalised name ("Deputy Minister Yara Bello"). Arabic and
# Sorani have no capitals, so a title is told by its word: `jobs` take a complement (مدير
# المديرية / وەزیری کشتوکاڵ: director of the directorate, minister of agriculture) and
# `honorifics` do not (العميد، کاک). Extended per project by `settings.attribution.titles`.
DEFAULT_TITLES: dict[str, dict[str, list[str]]] = {
    "en": {"jobs": ["mr", "mrs", "ms", "dr", "prof", "professor", "minister", "deputy",
                    "president", "vice", "prime", "colonel", "col", "general", "gen", "major",
                    "captain", "lieutenant", "sergeant", "governor", "mayor", "chief", "police",
                    "sheikh", "judge", "senator", "ambassador", "commander", "director",
                    "spokesman", "spokeswoman", "spokesperson", "mp", "chairman", "chairwoman",
                    "secretary", "head", "leader", "brigadier", "mullah"]},
    "ar": {"jobs": ["مدير", "مديرة", "وزير", "وزيرة", "رئيس", "رئيسة", "نائب", "محافظ", "قائد",
                    "متحدث", "ناطق", "سفير", "عضو", "مسؤول", "مستشار", "أمين", "عمدة", "مدير عام",
                    "المدير", "الوزير", "الرئيس", "النائب", "المحافظ", "القائد", "المتحدث",
                    "الناطق", "السفير", "المسؤول", "المستشار"],
           "honorifics": ["السيد", "السيدة", "الدكتور", "الدكتورة", "د", "الشيخ", "الحاج",
                          "العميد", "اللواء", "العقيد", "المقدم", "الرائد", "النقيب", "الفريق",
                          "القاضي", "الأستاذ"]},
    "ckb": {"jobs": ["وەزیری", "بەڕێوەبەری", "سەرۆکی", "جێگری", "پارێزگاری", "وتەبێژی",
                     "ئەندامی", "فەرماندەی", "بەرپرسی", "ڕاوێژکاری", "باڵیۆزی", "سکرتێری",
                     "قایمقامی"],
            "honorifics": ["کاک", "خاتوو", "مامۆستا", "دکتۆر", "د", "بەڕێز", "شێخ", "لیوا",
                           "عەمید", "حاجی"]},
}
# Arabic nouns in construct state that continue a job's complement (رئيس مجلس النواب,
# المتحدث باسم الوزارة): the word after them belongs to the title too.
_AR_CONSTRUCT = {"باسم", "مجلس", "هيئة", "دائرة", "مديرية", "قسم", "لجنة", "وزارة", "شرطة",
                 "قوات", "إدارة", "حزب", "جامعة", "بلدية", "مكتب", "عام"}
# Fewest words left for a name once Arabic/Sorani titles are dropped: one word after a title
# is as often a place ("قائد شرطة كركوك") as a name, so the whole phrase is kept then.
_MIN_NAME_WORDS = 2
_COMPLEMENTIZER = {"en": {"that"}, "ar": {"إن", "أن", "بأن", "ان"}, "ckb": {"کە"}}
_SOURCE_SIDE = {"en": "before", "ar": "after", "ckb": "before"}
# Cues whose object is the addressee, never the source ("told the Evening Ledger").
_BEFORE_ONLY = {"told", "tells", "informed", "briefed"}
_COMMAS = {",", "،"}
# Words before a colon that label a line rather than name a speaker.
_NOT_SPEAKERS = {"note", "photo", "photos", "picture", "image", "source", "sources", "more",
                 "update", "updated", "see", "time", "date", "tags", "related", "via", "by",
                 "credit", "credits", "watch", "video", "listen", "follow", "also", "example",
                 "warning", "disclaimer", "correction", "subscribe", "contact", "email", "tel",
                 "phone", "address", "website", "location", "when", "where", "what", "why",
                 "how", "who", "q", "a", "question", "answer", "الصورة", "المصدر", "وينە",
                 "سەرچاوە"}
_DETERMINERS = {"the", "a", "an", "this", "that", "these", "those", "its", "his", "her",
                "their", "our", "my", "your", "no", "any", "every", "each", "some", "new"}
_PRONOUN_SOURCES = {"it", "they", "he", "she", "we", "i"}
# Objects of "told"/"informed" that are the addressee, skipped before a bare reported clause.
_ADDRESSEES = {"reporters", "journalists", "parliament", "lawmakers", "him", "her", "them",
               "us", "me", "colleagues", "residents", "the", "a", "an", "delegates",
               "supporters", "viewers", "listeners", "readers", "mps"}
_PREPOSITIONS = {"on", "in", "at", "to", "for", "with", "by", "from", "about", "after",
                 "before", "during", "of", "into", "over", "as", "last", "this", "earlier",
                 "later", "yesterday", "today", "tonight", "so", "and", "but", "or", "he",
                 "she", "it", "they", "we", "i", "the", "a", "an", "his", "her", "its",
                 "their", "our", "more", "no", "nothing", "little", "much", "goodbye",
                 "yes", "sorry", "thanks", "hello", "up", "out", "off", "down", "back"}
_SENTENCE_END = regex.compile(r"[.!?؟…]+(?=[\s\"”»“'’]|\Z)|\n")
_WORDLIKE = regex.compile(r"[\p{L}\p{N}]")
_QUOTE_MARK = regex.compile(r"[\"“”«»„‘’']")
_MARK_OR_BLANK = regex.compile(r"''|[\"“”«»„‘’']|(?:\r\n|\r|\n)[ \t]*(?:\r\n|\r|\n)")
_TRAILING = " \t\r\n,،;:"


@dataclass(frozen=True)
class Cue:
    lang: str
    kind: str  # "verbs" or "according"
    first: int  # token indices, end exclusive
    last: int


@dataclass
class AttributionSettings:
    """The cue and title lists in use: the defaults plus the project's additions."""

    cues: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    titles: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    cue_extent: str = "verb"  # "verb": the bare verb; "phrase": with auxiliaries, adverbs

    @classmethod
    def from_settings(cls, settings: ProjectSettings | AttributionConfig | Mapping[str, Any]
                      | None) -> AttributionSettings:
        """Defaults extended by the project's `settings.attribution.cues.<lang>` (`verbs`,
        `according`, `lemmas`, `nominal`) and `settings.attribution.titles.<lang>` (`jobs`,
        `honorifics`) lists, and its `cue_extent`.

        Takes the typed settings (`projects.settings`, already checked when the project was
        read), or a plain mapping holding `attribution` (a trained model's own copy), which is
        checked here: a malformed entry is refused with its path in the settings. A new
        language code is allowed (its source side is looked for before the cue, then after).
        """
        given = _attribution_config(settings)
        cues = _word_lists(DEFAULT_CUES, given.cues, strip=False)
        for lang, kinds in cues.items():  # lemmas: every inflection is a cue word (English)
            lemmas = kinds.pop("lemmas", [])
            if not lemmas:
                continue
            verbs = kinds.setdefault("verbs", [])
            forms = english_forms(lemmas, nounlike=(), base_too=()) if lang == "en" else lemmas
            verbs += [f for f in forms if f not in verbs]
        titles = _word_lists(DEFAULT_TITLES, given.titles, strip=True)
        return cls(cues, titles, given.cue_extent)


def _attribution_config(settings: ProjectSettings | AttributionConfig | Mapping[str, Any]
                        | None) -> AttributionConfig:
    if settings is None:
        return AttributionConfig()
    if isinstance(settings, AttributionConfig):
        return settings
    if isinstance(settings, ProjectSettings):
        return settings.attribution
    try:
        return parse_project_settings({"attribution": settings.get("attribution")},
                                      "settings").attribution
    except SettingsError as exc:  # "settings: settings.attribution...": the path is enough
        raise StoreError(str(exc).removeprefix("settings: ")) from None


def _word_lists(defaults: Mapping[str, Mapping[str, Sequence[str]]],
                extra: Mapping[str, BaseModel], *, strip: bool) -> dict[str, dict[str, list[str]]]:
    """`defaults` extended by the project's lists per language (`CueWords`/`TitleWords`),
    each word added once. Cue words and titles (honorifics take no complement: Arabic and
    Sorani) are read alike."""
    merged = {lang: {k: list(v) for k, v in ks.items()} for lang, ks in defaults.items()}
    for lang, entry in extra.items():
        for kind, words in entry.model_dump(exclude_unset=True).items():
            target = merged.setdefault(str(lang), {}).setdefault(kind, [])
            for word in words:
                word = word.strip() if strip else word
                if word not in target:
                    target.append(word)
    return merged


class AttributionDetector:
    """Finds quotes, cues and sources in one text (see the module docstring)."""

    def __init__(self, schema: Schema, settings: AttributionSettings | None = None) -> None:
        parts = {part: schema.part_label(part) for part in (CONTENT, SOURCE, CUE)}
        missing = [part for part, label in parts.items() if label is None]
        if missing:
            raise StoreError(f"the schema {schema.name!r} has no attribution label for "
                             f"{', '.join(missing)}; attribution suggestions need all three")
        self.content = parts[CONTENT].name  # type: ignore[union-attr]
        self.source = parts[SOURCE].name  # type: ignore[union-attr]
        self.cue = parts[CUE].name  # type: ignore[union-attr]
        content_label = parts[CONTENT]
        types = next((a.values for a in content_label.attributes  # type: ignore[union-attr]
                      if a.name == "type"), ())
        self._typed = bool(types)
        self._mixed = "mixed" if "mixed" in types else "indirect"
        self.settings = settings or AttributionSettings.from_settings(None)
        self._fold = Fold(case=True, marks=True).function()
        self._cues = PatternSet(fold=Fold(case=True, marks=True))
        for lang, kinds in self.settings.cues.items():
            for kind, words in kinds.items():
                for word in words:
                    self._cues.add_phrase(f"{lang}:{kind}", word)
        self._stop = {lang: {self._fold(w) for w in words} for lang, words in _STOP.items()}
        self._verb_forms = {self._fold(w) for w in self.settings.cues.get("en", {}).get(
            "verbs", ())}
        self._skip = {lang: {self._fold(w) for w in words} for lang, words in _SKIP.items()}
        self._comp = {lang: {self._fold(w) for w in words}
                      for lang, words in _COMPLEMENTIZER.items()}
        # (jobs, honorifics) per language, folded; a multi-word title is matched word by word
        self._titles = {lang: ({self._fold(w) for w in kinds.get("jobs", ())
                                for w in w.split()},
                               {self._fold(w) for w in kinds.get("honorifics", ())})
                        for lang, kinds in self.settings.titles.items()}
        self._construct = {self._fold(w) for w in _AR_CONSTRUCT}

    # ------------------------------------------------------------------ public
    def detect(self, text: str) -> Proposal:
        """Every suggested attribution in `text`, as one Proposal."""
        toks = tokenize(text)
        starts = [s for s, _ in toks]
        ends = [e for _, e in toks]
        keys = [self._fold(text[s:e]) for s, e in toks]
        cues = self._find_cues(text, toks, starts, keys)
        bounds = _Sentences(text)
        cues += self._colon_cues(text, toks, starts, keys, {c.first for c in cues}, bounds)
        cues.sort(key=lambda c: c.first)
        cue_at = {c.first: c for c in cues}
        out = _Builder(self, keys)
        used: set[int] = set()
        quotes = find_quotes(text)
        # (sentence end, its content's span index, its cue) of the last attributed quote
        previous: tuple[int, int, Cue] | None = None
        for open_at, close_at in quotes:
            inner = _trim(text, open_at + 1, close_at)
            if inner is None:
                continue
            q_first, q_last = bisect_left(starts, inner[0]), bisect_left(starts, inner[1])
            if sum(1 for i in range(q_first, q_last) if _WORDLIKE.search(text[starts[i]:ends[i]])
                   ) < MIN_QUOTE_WORDS:
                continue
            s_start = bounds.start(open_at)
            s_end = close_at if _ends_sentence(text, inner[1], close_at) \
                else bounds.end(close_at + 1)
            after = self._cue_in(cue_at, bisect_left(starts, close_at + 1),
                                 bisect_left(starts, s_end), first=True)
            own = None  # a cue of its own before this quote: not the other half of one
            if after is None and previous is not None:
                own = self._cue_in(cue_at, bisect_left(starts, max(s_start, previous[0])),
                                   bisect_left(starts, open_at), first=False)
                if own is previous[2]:
                    own = None
            if after is None and own is None and previous is not None and (
                    open_at < previous[0]
                    or not text[previous[0]:open_at].strip(" \t.!?؟…\"”»'’")):
                # the second half of a split quote (same sentence, no cue of its own), or a
                # quote that is the very next sentence of the same paragraph: same speaker,
                # same content, one more piece
                out.add_piece(previous[1], inner)
                continue
            before = None
            if after is None:
                before = self._cue_in(cue_at, bisect_left(starts, s_start),
                                      bisect_left(starts, open_at), first=False)
            cue = after or before
            if cue is None:
                continue
            used.add(cue.first)
            lo = bisect_left(starts, close_at + 1) if after else bisect_left(starts, s_start)
            hi = bisect_left(starts, s_end) if after else bisect_left(starts, open_at)
            source = self._source(text, toks, keys, cue, lo, hi)
            comp = None if after else self._complementizer(keys, cue, hi)
            if comp is not None:
                # Aid workers told the Courier that "a few trucks" would not be enough: the
                # reported clause is the content, quoted words and all (type mixed).
                end = bounds.end(close_at + 1)
                mixed = _trim(text, toks[comp][0], end)
                if mixed is not None:
                    out.attribution(mixed, self._mixed, cue, self._source(
                        text, toks, keys, cue, lo, comp), toks)
                    previous = None
                    continue
            head = out.attribution(inner, "direct", cue, source, toks)
            previous = None if head is None else (s_end, head, cue)
        for cue in cues:
            if cue.first in used:
                continue
            self._indirect(text, toks, starts, keys, cue, quotes, out, cue_at, bounds)
        return out.proposal

    @property
    def cue_lexicon(self) -> PatternSet:
        """The reporting-verb lexicon as one phrase matcher (the CRF reads it as a feature)."""
        return self._cues

    @property
    def typed(self) -> bool:
        """Whether the schema gives CONTENT a `type` attribute to fill."""
        return self._typed

    @property
    def mixed_type(self) -> str:
        """The `type` value a content with a quote inside it gets (`mixed`, or `indirect`
        where the schema has no `mixed`)."""
        return self._mixed

    def _colon_cues(self, text: str, toks: Sequence[tuple[int, int]], starts: Sequence[int],
                    keys: Sequence[str], taken: set[int], bounds: _Sentences) -> list[Cue]:
        """"The commission: ...", "أولياء الأمور: ...": a colon after a short phrase that
        starts its sentence (a headline style) is the cue, the phrase its source."""
        found = []
        for i, key in enumerate(keys):
            if key != ":" or i == 0 or i + 1 >= len(keys):
                continue
            s_start = bounds.start(toks[i][0])
            first = bisect_left(starts, s_start)
            words = range(first, i)
            if not 1 <= len(words) <= MAX_SOURCE_TOKENS or any(
                    j in taken or not _WORDLIKE.search(keys[j]) for j in words):
                continue
            if "\n" in text[toks[i][1]:toks[i + 1][0]] or keys[i - 1] in _NOT_SPEAKERS:
                continue  # a label ("Note:", "Photo:", "Read more:"), not a speaker
            found.append(Cue(_script_lang(text[toks[first][0]:toks[i][1]]), "colon", i, i + 1))
        return found

    def _complementizer(self, keys: Sequence[str], cue: Cue, hi: int) -> int | None:
        """Index of a "that" / إن / کە between the cue and token `hi` (a quote's open mark)."""
        lang = cue.lang if cue.lang in _STOP else "en"
        comp = self._comp.get(lang, set())
        for j in range(cue.last, min(hi, cue.last + MAX_SOURCE_TOKENS + 1)):
            if keys[j] in comp:
                return j
            if not _WORDLIKE.search(keys[j]):
                return None
        return None

    # ------------------------------------------------------------------ cues
    def _find_cues(self, text: str, toks: Sequence[tuple[int, int]], starts: Sequence[int],
                   keys: Sequence[str]) -> list[Cue]:
        found: list[Cue] = []
        for label, start, end in self._cues.match(text, toks, keys):
            lang, kind = label.split(":")
            first = bisect_left(starts, start)
            last = bisect_left(starts, end)
            if kind == "verbs" and first > 0 and keys[first - 1] in _DETERMINERS:
                continue  # "the report", "a claim", "its support": a noun, not a cue
            found.append(Cue(lang, kind, first, last))
        return found

    @staticmethod
    def _cue_in(cue_at: Mapping[int, Cue], lo: int, hi: int, *, first: bool) -> Cue | None:
        order = range(lo, hi) if first else range(hi - 1, lo - 1, -1)
        for i in order:
            cue = cue_at.get(i)
            if cue is not None:
                return cue
        return None

    # ------------------------------------------------------------------ sources
    def _source(self, text: str, toks: Sequence[tuple[int, int]], keys: Sequence[str], cue: Cue,
                lo: int, hi: int) -> tuple[int, int] | None:
        """Character range of the source phrase for `cue`, searched within tokens [lo, hi)."""
        side = _SOURCE_SIDE.get(cue.lang, "before")
        lang = cue.lang if cue.lang in _STOP else "en"
        if cue.kind in ("according", "nominal"):
            sides = ["after"]
        elif cue.kind == "colon":
            sides = ["before"]
        elif keys[cue.first].endswith("ing") and cue.first > 0 and keys[cue.first - 1] in _COMMAS:
            return None  # "..., saying ...": the speaker is the clause's subject, not a phrase
        elif keys[cue.first] in _BEFORE_ONLY:
            sides = ["before"]
        elif side == "before":
            sides = ["before", "after"]
        else:
            sides = ["after", "before"]
        for where in sides:
            if where == "before":
                found = self._phrase(text, keys, lang, cue.first - 1, lo, -1)
            else:
                found = self._phrase(text, keys, lang, cue.last, hi, 1)
            if found is not None:
                a, b = found
                jobs, honorifics = self._titles.get(cue.lang) or self._titles.get(
                    lang, (set(), set()))
                if lang == "en":
                    a = _drop_title(text, toks, keys, a, b, jobs | honorifics)
                else:
                    a = self._drop_title_unwritten_case(keys, lang, a, b, jobs, honorifics)
                return toks[a][0], toks[b][1]

    def _drop_title_unwritten_case(self, keys: Sequence[str], lang: str, a: int, b: int,
                                   jobs: set[str], honorifics: set[str]) -> int:
        """First token of the name in "مدير المديرية سامر خليل" / "وەزیری کشتوکاڵ ئاراس محمد".

        Arabic and Sorani write no capitals, so the title is read by its words: an honorific
        (العميد، کاک) stands alone; a job (مدير، وەزیری) takes a complement, the next word,
        which goes on while it is an Arabic construct noun (رئيس مجلس النواب) or a definite
        adjective (وزير الموارد المائية), or a Sorani word ending in the ezafe ی (وەزیری
        کشتوکاڵی هەرێم). What is left is the name if it has at least `_MIN_NAME_WORDS` words
        and starts with no article; otherwise the whole phrase ("وزير الموارد المائية",
        "بەڕێوەبەری پەروەردە") is the shortest one that names the source, and is kept.
        """
        i = a
        need = False  # a job (or construct noun) still waits for its complement
        while i <= b:
            key = keys[i]
            if key in honorifics:
                need = False
            elif key in jobs or (lang == "ar" and key in self._construct):
                need = True
            elif need:
                need = lang == "ckb" and key.endswith("ی") and i < b
            elif lang == "ar" and i > a and key.startswith("ال"):
                pass  # a definite adjective or noun still describing the title
            else:
                break
            i += 1
        if i == a or need or b - i + 1 < _MIN_NAME_WORDS:
            return a
        if lang == "ar" and keys[i].startswith("ال"):
            return a
        return i
        return None

    def _phrase(self, text: str, keys: Sequence[str], lang: str, i: int, limit: int,
                step: int) -> tuple[int, int] | None:
        """Token range (first, last inclusive) of a noun phrase next to the cue, or None."""
        stop, skip = self._stop[lang], self._skip[lang]
        inside = (lambda j: j >= limit) if step < 0 else (lambda j: j < limit)
        if step < 0 and inside(i) and keys[i] in _PRONOUN_SOURCES:
            return (i, i)  # "it said", "they added": a pronoun next to the cue is the source
        while inside(i) and keys[i] in skip:
            i += step
        if step < 0 and inside(i) and keys[i] in _COMMAS:
            # "Name, the command's deputy chief, said": skip the appositive back to its comma.
            j = i - 1
            while inside(j) and i - j <= MAX_APPOSITIVE_TOKENS and keys[j] not in _COMMAS \
                    and not _QUOTE_MARK.match(keys[j]):
                j -= 1
            if inside(j) and keys[j] in _COMMAS:
                i = j - 1
        taken: list[int] = []
        while inside(i) and len(taken) < MAX_SOURCE_TOKENS:
            key = keys[i]
            if key in stop or not _WORDLIKE.search(key):
                # "'s" and hyphens inside names are tokens of their own in our tokenizer
                if key in ("'s", "’s") and taken:
                    taken.append(i)
                    i += step
                    continue
                break
            taken.append(i)
            i += step
        if not taken:
            return None
        # A phrase does not end in a dangling "of"/"the" (cut at the length limit), nor start
        # with a dangling "of" when read leftwards from the cue.
        while len(taken) > 1 and keys[taken[-1]] in (("of", "the") if step > 0 else ("of",)):
            taken.pop()
        return (min(taken), max(taken))

    # ------------------------------------------------------------------ indirect speech
    def _indirect(self, text: str, toks: Sequence[tuple[int, int]], starts: Sequence[int],
                  keys: Sequence[str], cue: Cue, quotes: Sequence[tuple[int, int]],
                  out: _Builder, cue_at: Mapping[int, Cue], bounds: _Sentences) -> None:
        """A cue no quote used: the reported clause around it, by the cue's kind."""
        cue_start = toks[cue.first][0]
        s_start = bounds.start(cue_start)
        s_end = bounds.end(toks[cue.last - 1][1])
        lo, hi = bisect_left(starts, s_start), bisect_left(starts, s_end)
        lang = cue.lang if cue.lang in _STOP else "en"

        def emit(content: tuple[int, int] | None, source: tuple[int, int] | None) -> None:
            if content is not None and not _overlaps_quote(content, quotes) and sum(
                    1 for j in range(bisect_left(starts, content[0]),
                                     bisect_left(starts, content[1]))
                    if _WORDLIKE.search(keys[j])) >= 1:
                out.attribution(content, "indirect", cue, source, toks)

        def span_of(found: tuple[int, int] | None) -> tuple[int, int] | None:
            return (toks[found[0]][0], toks[found[1]][1]) if found else None

        before = self._before_cue(keys, cue, lo, hi)  # CONTENT, [source] cue [source].
        if cue.kind == "according":
            comma = next((j for j in range(cue.last, hi) if keys[j] in _COMMAS), None)
            if comma is not None and comma + 1 < hi:  # According to X, CONTENT.
                src = self._phrase(text, keys, lang, cue.last, comma, 1)
                emit(_trim(text, toks[comma + 1][0], s_end), span_of(src))
            elif before is not None:  # CONTENT, according to X.
                src = self._phrase(text, keys, lang, cue.last, hi, 1)
                emit(_trim(text, s_start, toks[before][0]), span_of(src))
            return
        if cue.kind == "nominal":  # In a statement, X CONTENT.
            start = cue.last + (1 if cue.last < hi and keys[cue.last] in _COMMAS else 0)
            src = self._phrase(text, keys, lang, start, hi, 1)
            if src is not None and lang == "en":  # "the ministry thanked ...": stop at a verb
                cut = next((j for j in range(src[0] + 1, src[1] + 1) if _looks_verb(keys[j])
                            or keys[j] in self._verb_forms), None)
                src = src if cut is None else (src[0], cut - 1)
            if src is not None and src[1] + 1 < hi:
                emit(_trim(text, toks[src[1] + 1][0], s_end), span_of(src))
            return
        if cue.kind == "colon":  # X: CONTENT
            emit(_trim(text, toks[cue.last][0], s_end), self._source(
                text, toks, keys, cue, lo, hi))
            return
        comp_set = self._comp.get(lang, set())
        j = cue.last
        # Arabic and English may put the source (or "reporters") between cue and "that".
        limit = min(hi, cue.last + MAX_SOURCE_TOKENS + 1)
        while j < limit and keys[j] not in comp_set and _WORDLIKE.search(keys[j]):
            j += 1
        if j < hi and keys[j] in comp_set and j + 1 < hi:
            src_hi = j if j > cue.last else hi
            emit(_trim(text, toks[j][0], self._clause_end(keys, toks, cue_at, j, hi, s_end)),
                 self._source(text, toks, keys, cue, lo, src_hi))
            return
        if before is not None:
            emit(_trim(text, s_start, toks[before][0]),
                 self._source(text, toks, keys, cue, before + 1, hi))
            return
        if lang != "en" or keys[cue.first] in _THAT_ONLY_FOLDED:
            return
        # Bare indirect speech: "Residents said the river had risen", "blamed the cold snap".
        k = cue.last
        if keys[cue.first] in _BEFORE_ONLY or keys[cue.first] in ("telling", "tell"):
            k = self._skip_addressee(text, toks, keys, k, hi)
        if k >= hi or (keys[k] in _PREPOSITIONS and keys[k] not in ("the", "a", "an", "he", "she",
                                                                  "it", "they", "we", "i",
                                                                  "his", "her", "its",
                                                                  "their", "our", "no")):
            return
        if not _WORDLIKE.search(keys[k]):
            return
        end = self._clause_end(keys, toks, cue_at, k, hi, s_end)
        emit(_trim(text, toks[k][0], end), self._source(text, toks, keys, cue, lo, cue.first))

    def _before_cue(self, keys: Sequence[str], cue: Cue, lo: int, hi: int) -> int | None:
        """The comma ending a content that comes before its cue ("Talks will resume, the
        office said." / ", according to X."), or None: at most a source phrase may lie
        between the comma and the cue, and at most a source or a few words after it."""
        if keys[cue.first].endswith("ing") and cue.kind == "verbs":
            return None  # "..., saying ...": what follows is the content
        after = [k for k in keys[cue.last:hi] if _WORDLIKE.search(k)]
        if len(after) > (MAX_SOURCE_TOKENS + 2 if cue.kind == "according" else 4):
            return None  # the cue has a clause of its own after it
        j = cue.first - 1
        words = 0
        while j >= lo and keys[j] not in _COMMAS and words <= MAX_SOURCE_TOKENS:
            if not _WORDLIKE.search(keys[j]) and keys[j] not in ("'s", "’s"):
                return None
            words += 1
            j -= 1
        if j < lo or keys[j] not in _COMMAS or j - lo < 2:
            return None
        return j

    def _clause_end(self, keys: Sequence[str], toks: Sequence[tuple[int, int]],
                    cue_at: Mapping[int, Cue], k: int, hi: int, s_end: int) -> int:
        """End of a reported clause from token k: the sentence end, or the comma before the
        next cue (", saying ..." reports a second content)."""
        for j in range(k, hi - 1):
            if keys[j] in _COMMAS and (j + 1) in cue_at:
                return toks[j][0]
        return s_end

    @staticmethod
    def _skip_addressee(text: str, toks: Sequence[tuple[int, int]], keys: Sequence[str], k: int,
                        hi: int) -> int:
        """First token after the addressee of "told": "told reporters", "told the Courier"."""
        if k < hi and keys[k] in ("the", "a", "an"):
            k += 1
            if k < hi and not text[toks[k][0]:toks[k][1]][:1].isupper():
                return k + 1
        elif k < hi and keys[k] in _ADDRESSEES:
            return k + 1
        while k < hi and text[toks[k][0]:toks[k][1]][:1].isupper():
            k += 1
        return k


def _drop_title(text: str, toks: Sequence[tuple[int, int]], keys: Sequence[str], a: int,
                b: int, titles: set[str]) -> int:
    """First token of the name in "Deputy Minister Yara Bello" / "council leader Hana Petrov".

    The SOURCE guideline asks for the shortest phrase that identifies the source: a person's
    name without the title or job before it. Only a phrase that ends in a run of capitalised
    words preceded by titles or lower-case words is cut; "the mayor" and "The Valmora Port
    Authority" stay whole.
    """
    k = b + 1  # the name is tokens [k, b]
    while k > a and text[toks[k - 1][0]:toks[k - 1][1]][:1].isupper() \
            and keys[k - 1] not in titles:
        k -= 1
    if k == a or k == b + 1:
        return a
    prefix = range(a, k)
    if all(keys[i] in titles or text[toks[i][0]:toks[i][1]].islower() for i in prefix) \
            and keys[a] not in ("the", "a", "an"):
        return k
    return a


class _Builder:
    """Collects spans once each (a cue or source shared by two contents is one span)."""

    def __init__(self, detector: AttributionDetector, keys: Sequence[str]) -> None:
        self.d = detector
        self.keys = keys
        self.proposal = Proposal()
        self._index: dict[tuple[str, int, int], int] = {}

    def _span(self, label: str, start: int, end: int, attrs: dict[str, Any] | None = None
              ) -> int:
        key = (label, start, end)
        found = self._index.get(key)
        if found is None:
            found = len(self.proposal.spans)
            self._index[key] = found
            self.proposal.spans.append(NewSpan(ATTRIBUTION, label, start, end, attrs or {}))
        return found

    def attribution(self, content: tuple[int, int], kind: str, cue: Cue,
                    source: tuple[int, int] | None, toks: Sequence[tuple[int, int]]
                    ) -> int | None:
        """Add a content with its cue and source; returns the content's span index (None if
        that content was already suggested)."""
        if (self.d.content, *content) in self._index:
            return None
        attrs = {"type": kind} if self.d._typed else {}
        head = self._span(self.d.content, content[0], content[1], attrs)
        first, last = cue.first, cue.last
        if self.d.settings.cue_extent == "phrase" and cue.kind == "verbs":
            first, last = _phrase_extent(self.keys, first, last)
        cue_span = self._span(self.d.cue, toks[first][0], toks[last - 1][1])
        self.proposal.links.append((head, cue_span, CUE))
        if source is not None and not _overlap(source, content):
            self.proposal.links.append((head, self._span(self.d.source, *source), SOURCE))
        return head

    def add_piece(self, head: int, piece: tuple[int, int]) -> None:
        """Make content `head` one piece longer (a split quote's next half).

        The pieces stay sorted and apart (quote marks and the cue lie between them); a piece
        that would overlap or touch one the content has is left out rather than merged.
        """
        span = self.proposal.spans[head]
        parts = list(span.fragments or ((span.start, span.end),))
        if piece[0] <= parts[-1][1]:
            return
        parts.append(piece)
        span.fragments = tuple(parts)
        span.start, span.end = parts[0][0], parts[-1][1]


def _phrase_extent(keys: Sequence[str], first: int, last: int) -> tuple[int, int]:
    """The cue with auxiliaries and adverbs before it and "in a statement" after it (token
    range), for projects whose guideline marks "has repeatedly insisted" as the cue."""
    while first > 0 and keys[first - 1] in _EXTENT_BEFORE:
        first -= 1
    for phrase in _EXTENT_AFTER:
        words = phrase.split()
        if list(keys[last:last + len(words)]) == words:
            last += len(words)
            break
    return first, last


def _looks_verb(key: str) -> bool:
    """An English finite verb by its shape: "thanked", "is", "has" (no tagger here)."""
    return (len(key) > 4 and key.endswith("ed")) or key in (
        "is", "was", "are", "were", "has", "have", "had", "will", "would", "said", "says")


def _script_lang(text: str) -> str:
    """en, ar or ckb by the letters of `text` (Sorani has letters Arabic lacks)."""
    if any(ch in "ێڕۆەڵڤگچپژ" for ch in text):
        return "ckb"
    if any("\u0600" <= ch <= "\u06ff" for ch in text):
        return "ar"
    return "en"


# --------------------------------------------------------------------------- text helpers
def find_quotes(text: str) -> list[tuple[int, int]]:
    """(last char of the open mark, first char of the close mark) of paired quotation marks,
    in order, never nested: the content lies in `text[open + 1:close]`.

    Marks: straight and curly double quotes, guillemets both ways, low-high, doubled
    apostrophes `''...''`, and single quotes `'...'` / `‘...’`. A single mark opens only
    after a space or line start and before a letter, and closes only after a non-space and
    before a space, punctuation or the end, so the apostrophes of "don't" and "parents' day"
    (when no single quote is open) are not quotes. A straight `"` closes the nearest open
    straight quote; an unclosed mark is dropped at the next blank line so one stray mark
    cannot swallow the rest of the article.
    """
    out: list[tuple[int, int]] = []
    open_at: int | None = None
    closers: tuple[str, ...] = ()
    for m in _MARK_OR_BLANK.finditer(text):
        ch = m.group()
        i = m.start()
        if ch[0] in "\r\n":  # a blank line: the quote was never closed
            open_at = None
            continue
        single = ch in _SINGLE
        if open_at is not None:
            if ch in closers and (not single or _single_closes(text, i)):
                out.append((open_at, i))
                open_at = None
            continue
        if single:
            if _single_opens(text, i):
                open_at, closers = i, ("'", "’") if ch == "'" else ("’",)
        elif ch in QUOTE_PAIRS:
            open_at, closers = i + len(ch) - 1, tuple(QUOTE_PAIRS[ch]) if len(ch) == 1 else (
                QUOTE_PAIRS[ch],)
    return out


def _single_opens(text: str, i: int) -> bool:
    before = text[i - 1:i]
    after = text[i + 1:i + 2]
    return (not before or before.isspace() or before in "([—–-") and after.isalpha()


def _single_closes(text: str, i: int) -> bool:
    before = text[i - 1:i]
    after = text[i + 1:i + 2]
    return bool(before) and not before.isspace() and (
        not after or after.isspace() or after in ".,;:!?)—–-")


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start] in _TRAILING:
        start += 1
    while end > start and text[end - 1] in _TRAILING:
        end -= 1
    return (start, end) if end > start else None


def _ends_sentence(text: str, content_end: int, close_at: int) -> bool:
    """A quote whose content ends a sentence inside the marks ("... behind." Officials ...).

    A full stop always ends it; ? and ! only when what follows the mark starts a new sentence
    (a capital letter, a line break, the end), since "Why?" asked Ali continues the sentence.
    """
    last = text[content_end - 1:content_end]
    if last not in (".", "!", "?", "؟", "…"):
        return False
    rest = text[close_at + 1:close_at + 40].lstrip(" \t")
    if last in (".", "…"):
        return rest[:1] not in (",", "،")
    return not rest or rest[0] in "\r\n" or rest[0].isupper()


class _Sentences:
    """Sentence bounds of one text from a single scan, looked up by bisection: the same
    answers as `_sentence_start` / `_sentence_end` (within MAX_SENTENCE), without rescanning
    up to MAX_SENTENCE characters for every cue and quote."""

    def __init__(self, text: str) -> None:
        self.size = len(text)
        found = [(m.start(), m.end()) for m in _SENTENCE_END.finditer(text)]
        self.starts = [a for a, _ in found]
        self.ends = [b for _, b in found]

    def start(self, offset: int) -> int:
        floor = max(0, offset - MAX_SENTENCE)
        i = bisect_right(self.ends, offset) - 1
        return self.ends[i] if i >= 0 and self.ends[i] >= floor else floor

    def end(self, offset: int) -> int:
        limit = min(self.size, offset + MAX_SENTENCE)
        i = bisect_left(self.starts, offset)
        return self.starts[i] if i < len(self.starts) and self.starts[i] < limit else limit


def _sentence_start(text: str, offset: int) -> int:
    """Start of the sentence holding `offset`, looking back at most MAX_SENTENCE characters
    (a text without stops must not make every quote rescan it: the cost stays linear)."""
    floor = max(0, offset - MAX_SENTENCE)
    last = floor
    for m in _SENTENCE_END.finditer(text, floor, offset):
        last = m.end()
    return last


def _sentence_end(text: str, offset: int) -> int:
    """End of the sentence from `offset`, looking ahead at most MAX_SENTENCE characters."""
    limit = min(len(text), offset + MAX_SENTENCE)
    m = _SENTENCE_END.search(text, offset, limit)
    return limit if m is None else m.start()


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _overlaps_quote(span: tuple[int, int], quotes: Sequence[tuple[int, int]]) -> bool:
    i = bisect_right(quotes, (span[1], sys.maxsize))
    return any(_overlap(span, (o, c + 1)) for o, c in quotes[max(0, i - 3):i])
