"""Reporting-verb lexicons for the attribution rules: lemmas, with their inflections generated.

News attributes speech and belief with hundreds of verbs ("conceded", "has denied", "saying",
"tweets", "fears"), so a list of word forms always misses most of them. The lexicon lists
lemmas; `english_forms` generates every form a cue takes (base, -s, past, past participle,
-ing), with the irregular ones listed. Lemmas that are just as often nouns ("report", "claim",
"call", "fear") give only their unambiguous forms (past, participle, -ing): "the claim" is
not a cue, "claimed" is. Phrasal cues ("point out", "call for") are inflected on their verb.

Arabic verbs are listed in the third-person past (قال) and inflected for the feminine (قالت),
the plural (قالوا) and the proclitic conjunctions و / ف; a few present forms and the
participles news uses as cues (قائلا، مضيفا) are listed as they are. Sorani Kurdish cues are
listed as written, past and present, singular and plural (وتی، وتیان، دەڵێت، ڕایگەیاند).

A project adds lemmas in `settings.attribution.cues.<lang>.lemmas` (English ones inflected the
same way) and word forms in `...verbs`.
"""

from __future__ import annotations

from collections.abc import Iterable

# Reporting, speech-act and belief verbs (PARC 3.0 cues are drawn from these classes).
EN_LEMMAS: tuple[str, ...] = (
    "accept", "accuse", "acknowledge", "add", "admit", "advise", "affirm", "agree", "alert",
    "allege", "announce", "answer", "anticipate", "appeal", "argue", "ask", "assert",
    "assure", "attest", "believe", "blame", "boast", "brag", "brief", "caution", "charge",
    "cite", "claim", "clarify", "comment", "complain", "concede", "conclude", "condemn",
    "confess", "confirm", "contend", "continue", "counter", "criticise", "criticize",
    "declare", "decline", "deem", "demand", "deny", "describe", "disagree", "disclose",
    "dismiss", "dispute", "doubt", "emphasise", "emphasize", "estimate", "exclaim", "expect",
    "explain", "fear", "feel", "find", "forecast", "guarantee", "hail", "hint", "hope",
    "imply", "indicate", "inform", "insist", "instruct", "joke", "know", "lament", "maintain",
    "mention", "note", "notify", "object", "observe", "order", "plead", "pledge", "point out",
    "praise", "predict", "promise", "propose", "protest", "quip", "quote", "reaffirm",
    "realise", "realize", "reassure", "rebut", "recall", "reckon", "recommend", "recount",
    "refute", "reiterate", "reject", "remark", "remind", "repeat", "reply", "report",
    "request", "respond", "retort", "reveal", "say", "shout", "show", "signal", "speculate",
    "state", "stress", "suggest", "suppose", "suspect", "swear", "tell", "testify", "think",
    "threaten", "tweet", "underline", "underscore", "urge", "vow", "warn", "welcome",
    "whisper", "worry", "write", "call for", "go on", "call", "question", "demand",
    "acknowledge", "accept", "assess", "calculate", "characterise", "characterize", "concur",
    "confide", "criticise", "cry", "decry", "denounce", "deplore", "detail", "dub", "echo",
    "elaborate", "forewarn", "grumble", "guess", "highlight", "insinuate", "interject",
    "judge", "lobby", "murmur", "mutter", "narrate", "outline", "plead", "pronounce",
    "proclaim", "publish", "query", "reason", "recognise", "recognize", "reflect", "relate",
    "remember", "reply", "restate", "rule", "scoff", "scold", "sigh", "specify", "stipulate",
    "summarise", "summarize", "theorise", "theorize", "vouch", "wonder", "yell", "concede",
    "contest", "decide", "determine", "envisage", "envision", "figure", "foresee", "gather",
    "hear", "hold", "hypothesise", "learn", "mean", "pledge", "posit", "presume", "project",
    "prove", "read", "regret", "rejoice", "remind", "stress", "surmise", "teach", "understand",
    "voice", "warrant", "acclaim", "applaud", "caution", "commend", "confirm", "criticise",
    "demonstrate", "emphasise", "express", "fret", "insist", "lash out", "pressure", "pray",
    "reaffirm", "rebuff", "repudiate", "rule out", "reprimand", "rue", "seek", "slam", "snap",
    "speak",
    "spell out", "vent", "wager", "weigh in", "write", "object", "opine", "ponder", "assume",
)

# Lemmas as often nouns as verbs: only their past, participle and -ing forms are cues.
EN_NOUNLIKE: frozenset[str] = frozenset({
    "report", "claim", "call", "fear", "hope", "comment", "doubt", "question", "demand",
    "order", "request", "promise", "estimate", "forecast", "answer", "reply", "protest",
    "object", "quote", "note", "signal", "hint", "joke", "tweet", "charge", "appeal", "echo",
    "detail", "outline", "project", "judge", "rule", "voice", "sigh", "cry", "shout", "guess",
    "figure", "lobby", "query", "reason", "read", "hold", "mean", "snap", "counter",
    "welcome", "brief", "show", "state", "worry", "pressure", "vent", "wager", "slam", "seek",
    "find", "decide", "gather", "hear", "learn", "know", "feel", "think", "continue", "teach",
    "understand", "expect", "add", "accept", "publish", "speak", "express", "pray", "prove",
    "remember", "reflect", "relate", "determine", "assess", "calculate", "go on", "accuse",
    "dismiss", "reject", "decline", "describe", "indicate", "mention", "repeat", "respond",
    "suggest", "threaten", "believe", "blame", "praise", "remind",
})
# ...but these of them are cues in their base and -s forms too (they are rarely nouns in the
# position of a verb after a subject): "officials say", "she believes".
EN_BASE_TOO: frozenset[str] = frozenset({
    "say", "tell", "believe", "think", "argue", "insist", "warn", "expect", "fear", "worry",
    "blame", "claim", "add", "explain", "suggest", "accuse", "deny", "admit", "know", "feel",
    "hope", "estimate", "predict", "complain", "repeat", "respond", "report", "write",
})

# Lemmas whose object is as often a thing as a report ("found the body", "held a meeting",
# "showed the way"): cues with a complementizer or a quote, never for bare indirect speech.
EN_THAT_ONLY: frozenset[str] = frozenset({
    "find", "show", "hold", "read", "learn", "decide", "determine", "mean", "rule", "gather",
    "hear", "know", "feel", "figure", "project", "teach", "understand", "prove", "accept",
    "continue", "go on", "remember", "reflect", "relate", "publish", "speak", "express",
    "pray", "seek", "vent", "voice", "demonstrate", "recognise", "recognize", "realise",
    "realize", "maintain", "judge", "reason", "assess", "calculate", "cite", "quote", "echo",
    "answer", "counter", "order", "instruct", "brief", "inform", "notify", "alert", "remind",
    "advise", "request", "ask", "appeal", "plead", "pressure", "lobby", "dub", "call",
    "describe", "characterise", "characterize", "welcome", "hail", "praise", "applaud",
    "acclaim", "commend", "condemn", "denounce", "decry", "deplore", "criticise", "criticize",
    "slam", "lash out", "scold", "reprimand", "rebuff", "question", "query", "wonder",
    "dispute", "contest", "object", "protest", "repeat", "restate", "mention",
})

_IRREGULAR: dict[str, tuple[str, ...]] = {
    "say": ("said",), "tell": ("told",), "write": ("wrote", "written"),
    "think": ("thought",), "find": ("found",), "know": ("knew", "known"), "feel": ("felt",),
    "swear": ("swore", "sworn"), "understand": ("understood",), "learn": ("learned", "learnt"),
    "show": ("showed", "shown"), "speak": ("spoke", "spoken"), "go on": ("went on", "gone on"),
    "forecast": ("forecast", "forecasted"), "hear": ("heard",), "hold": ("held",),
    "mean": ("meant",), "read": ("read",), "teach": ("taught",), "foresee": ("foresaw",
                                                                              "foreseen"),
    "seek": ("sought",), "lash out": ("lashed out",), "weigh in": ("weighed in",),
    "spell out": ("spelled out", "spelt out"), "point out": ("pointed out",),
    "call for": ("called for",), "rule out": ("ruled out", "ruling out"),
}
# Verbs that double their last consonant before -ed / -ing.
_DOUBLE = {"admit", "quip", "regret", "commit", "refer", "submit", "omit", "confer",
           "snap", "slam", "fret", "concur", "plan", "stop", "drop", "rebut", "dub", "vet"}


def _s(verb: str) -> str:
    if verb.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    if verb.endswith("y") and verb[-2:-1] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def _ed(verb: str) -> str:
    if verb.endswith("e"):
        return verb + "d"
    if verb.endswith("y") and verb[-2:-1] not in "aeiou":
        return verb[:-1] + "ied"
    if verb in _DOUBLE:
        return verb + verb[-1] + "ed"
    return verb + "ed"


def _ing(verb: str) -> str:
    if verb.endswith("ie"):
        return verb[:-2] + "ying"
    if verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")):
        return verb[:-1] + "ing"
    if verb in _DOUBLE:
        return verb + verb[-1] + "ing"
    return verb + "ing"


def inflect(lemma: str) -> dict[str, list[str]]:
    """Forms of an English lemma by kind: `base` (base and -s) and `past` (past, participle,
    -ing). A phrasal lemma ("point out") inflects its first word."""
    head, _, rest = lemma.strip().lower().partition(" ")
    tail = f" {rest}" if rest else ""
    irregular = _IRREGULAR.get(lemma.strip().lower())
    past = list(irregular) if irregular else [_ed(head) + tail]
    past.append(_ing(head) + tail)
    return {"base": [head + tail, _s(head) + tail], "past": past}


def english_forms(lemmas: Iterable[str], *, nounlike: Iterable[str] = EN_NOUNLIKE,
                  base_too: Iterable[str] = EN_BASE_TOO) -> list[str]:
    """Every cue form of `lemmas`, each once, in a stable order."""
    nouny, based = set(nounlike), set(base_too)
    out: dict[str, None] = {}
    for lemma in lemmas:
        forms = inflect(lemma)
        if lemma not in nouny or lemma in based:
            out.update(dict.fromkeys(forms["base"]))
        out.update(dict.fromkeys(forms["past"]))
    return list(out)


AR_PAST: tuple[str, ...] = (
    "قال", "أضاف", "صرح", "أكد", "ذكر", "أوضح", "أعلن", "أشار", "تابع", "حذر", "أفاد", "نفى",
    "اعتبر", "رأى", "طالب", "دعا", "كشف", "لفت", "شدد", "أبلغ", "أقر", "اعترف", "زعم", "ادعى",
    "توقع", "قدر", "روى", "علق", "تساءل", "أعرب", "نبه", "وعد", "تعهد", "رفض", "انتقد", "اتهم",
    "أفصح", "بين", "أردف", "استطرد", "اشتكى", "شكا", "أوضحت", "ناشد", "حمل", "أصر", "رجح",
)
# past forms that are common words too, used as cues only with a clitic or inflection
_AR_AMBIGUOUS = {"بين", "حمل", "قدر", "أوضحت"}
AR_OTHER: tuple[str, ...] = (
    "يقول", "تقول", "يقولون", "يؤكد", "تؤكد", "يرى", "ترى", "يعتقد", "تعتقد", "يتوقع", "تتوقع",
    "يضيف", "تضيف", "يشير", "تشير", "يعتبر", "تعتبر", "يطالب", "تطالب", "يحذر", "تحذر",
    "قائلا", "قائلاً", "مضيفا", "مضيفاً", "مؤكدا", "مؤكداً", "مشيرا", "مشيراً", "موضحا", "موضحاً",
    "محذرا", "محذراً", "معتبرا", "معتبراً", "لافتا", "لافتاً",
)


def arabic_forms(past: Iterable[str] = AR_PAST, other: Iterable[str] = AR_OTHER) -> list[str]:
    """Third-person past forms with feminine, plural and و / ف proclitics, plus `other`."""
    out: dict[str, None] = {}
    for verb in past:
        if verb == "أوضحت":
            continue
        stem = verb[:-1] if verb.endswith(("ى", "ا")) else verb
        forms = [stem + "ت", stem + "وا"]
        if verb not in _AR_AMBIGUOUS:
            forms.insert(0, verb)
        for form in [*forms, verb]:
            for clitic in ("و", "ف"):
                out[clitic + form] = None
        out.update(dict.fromkeys(forms))
    out.update(dict.fromkeys(other))
    return list(out)


CKB_FORMS: tuple[str, ...] = (
    "وتی", "ووتی", "گوتی", "وتیشی", "گوتیشی", "وتیان", "گوتیان", "ڕایگەیاند", "ڕاشیگەیاند",
    "ڕایانگەیاند", "ڕاگەیاند", "دەڵێت", "دەڵێ", "دەڵێن", "جەختی کردەوە", "جەختیان کردەوە",
    "ئاشکرای کرد", "ئاشکرایان کرد", "ئاماژەی بەوە کرد", "ئاماژەی پێدا", "نووسی", "نووسیویەتی",
    "ڕوونی کردەوە", "ڕوونیکردەوە", "ڕوونیان کردەوە", "داوای کرد", "داوایان کرد",
    "هۆشداری دا", "هۆشداریدا", "هۆشداریان دا", "ڕەتی کردەوە", "ڕەتیکردەوە", "پێی وایە",
    "پێیان وایە", "باسی کرد", "باسی لەوە کرد", "زیادی کرد", "بەڵێنی دا", "ڕەخنەی گرت",
)
