"""The Unicode Bidirectional Algorithm (UAX #9) for one paragraph with no explicit controls.

Why our own: python-bidi's public API gives only a reordered string (``get_display``), not the
per-character levels that ``tui.layout`` needs to map cells back to offsets; reading them out of
its Rust engine's ``Debug`` print-out, or out of its pure-Python internals (which lack bracket
pairs), depended on undocumented output. What copydesk feeds the algorithm is narrow enough to
implement the rules in full here:

- Every bidi control (embeddings, overrides, isolates, marks) is shown as a placeholder and
  enters the algorithm as that placeholder, an "other neutral" (``tui.layout`` neutralises the
  line first). So rules X1-X8 leave every character at the paragraph level, the paragraph is one
  level run and one isolating run sequence, and sos = eos = the paragraph direction.
- Boundary neutrals (BN: ZWJ, soft hyphen...) are removed by rule X9 and take the level of the
  character before them (the paragraph level at the start), as implementations commonly do.
- Rules W1-W7, N0 (bracket pairs, BD16), N1-N2 and I1-I2 follow UAX #9 revision 46 literally;
  L1 is applied per row by ``tui.bidi.line_levels``, and L2 by ``tui.bidi.visual_order``.

Checked against the cases of Unicode's ``BidiCharacterTest.txt`` that fit this input (no
explicit controls, one paragraph): ``tests/data/unicode/`` and ``tests/test_uba.py``.
Plain Python, no Textual; linear in the paragraph (the bracket stack is bounded at 63, BD16).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

__all__ = ["BRACKETS", "MIRRORS", "bidi_classes", "resolve_levels"]


def _pairs(table: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in table.split():
        a, b = item.split(":")
        out[chr(int(a, 16))] = chr(int(b, 16))
    return out


# Bidi_Paired_Bracket for the opening brackets (Bidi_Paired_Bracket_Type=Open), from Unicode
# 15.0's BidiBrackets.txt; Python's unicodedata has no such property.
BRACKETS: dict[str, str] = _pairs("""
0028:0029 005B:005D 007B:007D 0F3A:0F3B 0F3C:0F3D 169B:169C 2045:2046 207D:207E 208D:208E
2308:2309 230A:230B 2329:232A 2768:2769 276A:276B 276C:276D 276E:276F 2770:2771 2772:2773
2774:2775 27C5:27C6 27E6:27E7 27E8:27E9 27EA:27EB 27EC:27ED 27EE:27EF 2983:2984 2985:2986
2987:2988 2989:298A 298B:298C 298D:2990 298F:298E 2991:2992 2993:2994 2995:2996 2997:2998
29D8:29D9 29DA:29DB 29FC:29FD 2E22:2E23 2E24:2E25 2E26:2E27 2E28:2E29 2E55:2E56 2E57:2E58
2E59:2E5A 2E5B:2E5C 3008:3009 300A:300B 300C:300D 300E:300F 3010:3011 3014:3015 3016:3017
3018:3019 301A:301B FE59:FE5A FE5B:FE5C FE5D:FE5E FF08:FF09 FF3B:FF3D FF5B:FF5D FF5F:FF60
FF62:FF63
""")
# Bidi_Mirroring_Glyph (rule L4), from Unicode 15.0's BidiMirroring.txt: each pair once, both
# ways in the table.
_MIRROR_PAIRS = _pairs("""
0028:0029 003C:003E 005B:005D 007B:007D 00AB:00BB 0F3A:0F3B 0F3C:0F3D 169B:169C 2039:203A
2045:2046 207D:207E 208D:208E 2208:220B 2209:220C 220A:220D 2215:29F5 221F:2BFE 2220:29A3
2221:299B 2222:29A0 2224:2AEE 223C:223D 2243:22CD 2245:224C 2252:2253 2254:2255 2264:2265
2266:2267 2268:2269 226A:226B 226E:226F 2270:2271 2272:2273 2274:2275 2276:2277 2278:2279
227A:227B 227C:227D 227E:227F 2280:2281 2282:2283 2284:2285 2286:2287 2288:2289 228A:228B
228F:2290 2291:2292 2298:29B8 22A2:22A3 22A6:2ADE 22A8:2AE4 22A9:2AE3 22AB:2AE5 22B0:22B1
22B2:22B3 22B4:22B5 22B6:22B7 22B8:27DC 22C9:22CA 22CB:22CC 22D0:22D1 22D6:22D7 22D8:22D9
22DA:22DB 22DC:22DD 22DE:22DF 22E0:22E1 22E2:22E3 22E4:22E5 22E6:22E7 22E8:22E9 22EA:22EB
22EC:22ED 22F0:22F1 22F2:22FA 22F3:22FB 22F4:22FC 22F6:22FD 22F7:22FE 2308:2309 230A:230B
2329:232A 2768:2769 276A:276B 276C:276D 276E:276F 2770:2771 2772:2773 2774:2775 27C3:27C4
27C5:27C6 27C8:27C9 27CB:27CD 27D5:27D6 27DD:27DE 27E2:27E3 27E4:27E5 27E6:27E7 27E8:27E9
27EA:27EB 27EC:27ED 27EE:27EF 2983:2984 2985:2986 2987:2988 2989:298A 298B:298C 298D:2990
298E:298F 2991:2992 2993:2994 2995:2996 2997:2998 29A4:29A5 29A8:29A9 29AA:29AB 29AC:29AD
29AE:29AF 29C0:29C1 29C4:29C5 29CF:29D0 29D1:29D2 29D4:29D5 29D8:29D9 29DA:29DB 29E8:29E9
29F8:29F9 29FC:29FD 2A2B:2A2C 2A2D:2A2E 2A34:2A35 2A3C:2A3D 2A64:2A65 2A79:2A7A 2A7B:2A7C
2A7D:2A7E 2A7F:2A80 2A81:2A82 2A83:2A84 2A85:2A86 2A87:2A88 2A89:2A8A 2A8B:2A8C 2A8D:2A8E
2A8F:2A90 2A91:2A92 2A93:2A94 2A95:2A96 2A97:2A98 2A99:2A9A 2A9B:2A9C 2A9D:2A9E 2A9F:2AA0
2AA1:2AA2 2AA6:2AA7 2AA8:2AA9 2AAA:2AAB 2AAC:2AAD 2AAF:2AB0 2AB1:2AB2 2AB3:2AB4 2AB5:2AB6
2AB7:2AB8 2AB9:2ABA 2ABB:2ABC 2ABD:2ABE 2ABF:2AC0 2AC1:2AC2 2AC3:2AC4 2AC5:2AC6 2AC7:2AC8
2AC9:2ACA 2ACB:2ACC 2ACD:2ACE 2ACF:2AD0 2AD1:2AD2 2AD3:2AD4 2AD5:2AD6 2AEC:2AED 2AF7:2AF8
2AF9:2AFA 2E02:2E03 2E04:2E05 2E09:2E0A 2E0C:2E0D 2E1C:2E1D 2E20:2E21 2E22:2E23 2E24:2E25
2E26:2E27 2E28:2E29 2E55:2E56 2E57:2E58 2E59:2E5A 2E5B:2E5C 3008:3009 300A:300B 300C:300D
300E:300F 3010:3011 3014:3015 3016:3017 3018:3019 301A:301B FE59:FE5A FE5B:FE5C FE5D:FE5E
FE64:FE65 FF08:FF09 FF1C:FF1E FF3B:FF3D FF5B:FF5D FF5F:FF60 FF62:FF63
""")
MIRRORS: dict[str, str] = {**_MIRROR_PAIRS, **{b: a for a, b in _MIRROR_PAIRS.items()}}
_CLOSERS: dict[str, str] = {close: open_ for open_, close in BRACKETS.items()}
# BD16 compares brackets by canonical equivalence: U+2329/U+232A decompose to U+3008/U+3009.
_CANONICAL = {"\u2329": "\u3008", "\u232a": "\u3009"}
_STACK_LIMIT = 63

# Default Bidi_Class of unassigned code points (DerivedBidiClass.txt): R or AL in the blocks set
# aside for right-to-left scripts, L elsewhere. unicodedata answers "" for them.
_DEFAULT_RTL: tuple[tuple[int, int, str], ...] = (
    (0x0590, 0x05FF, "R"), (0x0600, 0x07BF, "AL"), (0x07C0, 0x085F, "R"),
    (0x0860, 0x08FF, "AL"), (0xFB1D, 0xFB4F, "R"), (0xFB50, 0xFDCF, "AL"),
    (0xFDF0, 0xFDFF, "AL"), (0xFE70, 0xFEFF, "AL"), (0x10800, 0x10CFF, "R"),
    (0x10D00, 0x10D3F, "AL"), (0x10D40, 0x10EBF, "R"), (0x10EC0, 0x10EFF, "AL"),
    (0x10F00, 0x10F2F, "R"), (0x10F30, 0x10F6F, "AL"), (0x10F70, 0x10FFF, "R"),
    (0x1E800, 0x1EC6F, "R"), (0x1EC70, 0x1ECBF, "AL"), (0x1ECC0, 0x1ECFF, "R"),
    (0x1ED00, 0x1ED4F, "AL"), (0x1ED50, 0x1EDFF, "R"), (0x1EE00, 0x1EEFF, "AL"),
    (0x1EF00, 0x1EFFF, "R"),
)
_NEUTRAL = frozenset({"B", "S", "WS", "ON", "LRI", "RLI", "FSI", "PDI"})
# Explicit formatting classes never reach here as such (tui.layout shows them as placeholders);
# should one slip through, it is read as what copydesk shows: an other neutral.
_EXPLICIT = frozenset({"LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"})


_CLASS_CACHE: dict[str, str] = {}


def _class_of(ch: str) -> str:
    cls = _CLASS_CACHE.get(ch)
    if cls is None:
        cls = _CLASS_CACHE[ch] = _lookup_class(ch)
    return cls


def _lookup_class(ch: str) -> str:
    cls = unicodedata.bidirectional(ch)
    if cls:
        return "ON" if cls in _EXPLICIT else cls
    cp = ord(ch)
    for lo, hi, default in _DEFAULT_RTL:
        if lo <= cp <= hi:
            return default
    return "L"


def bidi_classes(text: str) -> list[str]:
    """Bidi_Class of each character, as this module resolves them (unassigned: by block)."""
    return [_class_of(ch) for ch in text]


def _strong(t: str) -> str | None:
    """The direction a resolved type counts as in N0/N1: EN and AN count as R."""
    if t == "L":
        return "L"
    if t in ("R", "EN", "AN"):
        return "R"
    return None


def resolve_levels(text: str, base: int, classes: Sequence[str] | None = None) -> list[int]:
    """The resolved embedding level of each character of ``text`` (one paragraph, level
    ``base``), before rule L1. ``text`` holds no paragraph separator and no obeyed control."""
    n = len(text)
    if n == 0:
        return []
    cls = list(classes) if classes is not None else bidi_classes(text)
    # X9: boundary neutrals are left out of the run sequence.
    seq = [i for i in range(n) if cls[i] != "BN"]
    types = [cls[i] for i in seq]
    original = list(types)
    e = "R" if base % 2 else "L"  # embedding direction = sos = eos
    m = len(types)

    # W1: a non-spacing mark takes the type of what precedes it (sos at the start).
    prev = e
    for k in range(m):
        if types[k] == "NSM":
            types[k] = prev
        prev = types[k]
    # W2 + W3: European numbers after Arabic letters are Arabic numbers; AL becomes R.
    last = e
    for k in range(m):
        t = types[k]
        if t in ("L", "R", "AL"):
            last = t
            if t == "AL":
                types[k] = "R"
        elif t == "EN" and last == "AL":
            types[k] = "AN"
    # W4: one separator between two numbers of the same kind joins them.
    for k in range(1, m - 1):
        t = types[k]
        if t in ("ES", "CS"):
            before, after = types[k - 1], types[k + 1]
            if before == after == "EN" or (t == "CS" and before == after == "AN"):
                types[k] = before
    # W5: terminators next to a European number are part of it.
    k = 0
    while k < m:
        if types[k] != "ET":
            k += 1
            continue
        j = k
        while j < m and types[j] == "ET":
            j += 1
        if (k > 0 and types[k - 1] == "EN") or (j < m and types[j] == "EN"):
            types[k:j] = ["EN"] * (j - k)
        k = j
    # W6: remaining separators and terminators are neutral.
    for k in range(m):
        if types[k] in ("ES", "ET", "CS"):
            types[k] = "ON"
    # W7: a European number after left-to-right text (or sos L) is L.
    last = e
    for k in range(m):
        t = types[k]
        if t in ("L", "R"):
            last = t
        elif t == "EN" and last == "L":
            types[k] = "L"

    _bracket_pairs(text, seq, types, original, e)

    # N1 + N2: a run of neutrals between two strong types of one direction takes it; any other
    # run takes the embedding direction.
    k = 0
    while k < m:
        if types[k] not in _NEUTRAL:
            k += 1
            continue
        j = k
        while j < m and types[j] in _NEUTRAL:
            j += 1
        before = _strong(types[k - 1]) if k > 0 else e
        after = _strong(types[j]) if j < m else e
        fill = before if before == after and before is not None else e
        types[k:j] = [fill] * (j - k)
        k = j

    # I1 + I2, then X9's removed characters take the level before them.
    levels = [base] * n
    even = base % 2 == 0
    for k, i in enumerate(seq):
        t = types[k]
        if even:
            levels[i] = base + (1 if t == "R" else 2 if t in ("AN", "EN") else 0)
        else:
            levels[i] = base + (1 if t in ("L", "EN", "AN") else 0)
    level = base
    for i in range(n):
        if cls[i] == "BN":
            levels[i] = level
        else:
            level = levels[i]
    return levels


def _bracket_pairs(text: str, seq: list[int], types: list[str], original: list[str],
                   e: str) -> None:
    """Rule N0 in place: paired brackets take the direction of what they enclose (or of their
    context when they enclose only the opposite direction)."""
    pairs: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []
    for k, i in enumerate(seq):
        if types[k] != "ON":
            continue
        ch = text[i]
        close = BRACKETS.get(ch)
        if close is not None:
            if len(stack) == _STACK_LIMIT:  # BD16: stop processing for the rest
                break
            stack.append((_CANONICAL.get(close, close), k))
            continue
        if ch in _CLOSERS:
            want = _CANONICAL.get(ch, ch)
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth][0] == want:
                    pairs.append((stack[depth][1], k))
                    del stack[depth:]
                    break
    if not pairs:
        return
    pairs.sort()
    opposite = "L" if e == "R" else "R"
    m = len(types)
    for o, c in pairs:
        found_e = found_opposite = False
        for k in range(o + 1, c):
            d = _strong(types[k])
            if d == e:
                found_e = True
                break
            if d == opposite:
                found_opposite = True
        if found_e:
            new = e
        elif found_opposite:
            context = e
            for k in range(o - 1, -1, -1):
                d = _strong(types[k])
                if d is not None:
                    context = d
                    break
            new = opposite if context == opposite else e
        else:
            continue
        for k in (o, c):
            types[k] = new
            j = k + 1
            while j < m and original[j] == "NSM":  # marks on a bracket follow it
                types[j] = new
                j += 1
