"""Text normalisation before every detector, with a map back to offsets in the original text.

Steps, per character: Unicode NFKC (fullwidth and compatibility forms fold to ASCII), default-ignorable characters
(zero-width, bidi controls, variation selectors, fillers) removed and tag characters read as the ASCII they
mirror; then, per word, common Cyrillic/Greek look-alikes folded to Latin where they disguise Latin
text: in a word that also has Latin letters ("іgnоrе"), in a word made only of look-alikes that folds to an English
word ("ѕуѕтем"), or in any look-alike-only word ("аll") on a line that is not Cyrillic/Greek prose. Russian or
Greek prose is left as written ("все" stays "все", not "bce"), so the detectors read the language it is in.
Detectors see ``NormalizedText.text``; a span found there is reported in the original with
:meth:`NormalizedText.to_original`.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

# Unicode's default-ignorable code points (DerivedCoreProperties.txt): zero-width and bidi controls, variation
# selectors, fillers, tags. Invisible, used to split trigger words and secrets ("ig\u200bnore", a key with U+FE0F
# inside) or reorder text: removed.
_IGNORABLE_RANGES = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F),
    (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)
# Except the tag characters that mirror printable ASCII (U+E0020-E007E): text written in them is invisible to a
# person but read by models ("ASCII smuggling"), so it is folded back to the ASCII it spells, for the detectors.
_TAGS = range(0xE0020, 0xE007F)
_INVISIBLE = frozenset(chr(c) for a, b in _IGNORABLE_RANGES for c in range(a, b + 1) if c not in _TAGS)

# Look-alikes that NFKC leaves alone (a subset of Unicode's confusables.txt, the letters seen in practice).
_CONFUSABLES = {
    # Cyrillic lower
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "һ": "h", "ԁ": "d", "ԛ": "q",
    "ԝ": "w", "ɡ": "g", "ո": "n", "ս": "u",
    # Cyrillic upper
    "А": "A", "В": "B", "Е": "E", "Ё": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
    "Т": "T", "У": "Y", "Х": "X", "Ѕ": "S", "І": "I", "Ј": "J", "Һ": "H", "Ԛ": "Q", "Ԝ": "W",
    # Greek lower
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "ω": "w", "γ": "y",
    # Greek upper
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    # Cyrillic palochka, which reads as l or I
    "ӏ": "l", "Ӏ": "I",
    # Latin small capitals (NFKC leaves them: "ɪɢɴᴏʀᴇ ᴀʟʟ ᴘʀᴇᴠɪᴏᴜꜱ ɪɴꜱᴛʀᴜᴄᴛɪᴏɴꜱ")
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ɢ": "g", "ʜ": "h", "ɪ": "i", "ᴊ": "j", "ᴋ": "k",
    "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ʀ": "r", "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v",
    "ᴡ": "w", "ʏ": "y", "ᴢ": "z",
}


# A character the per-character pass would drop or might fold.
_FOLDABLE = re.compile(
    "[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in _IGNORABLE_RANGES)
    + re.escape("".join(sorted(_CONFUSABLES))) + "]"
)
_WORD = re.compile(r"[^\W\d_]+")
_LINE = re.compile(r"[^\n]+")
_VOCAB = Path(__file__).resolve().parents[1] / "models" / "injection" / "tokenizer.json"


@functools.cache
def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return "latin" if name.startswith("LATIN") else "native" if name.startswith(("CYRILLIC", "GREEK")) else ""


@functools.cache
def vocabulary_words() -> tuple[str, ...]:
    """The whole English words (ASCII letters only) in the injection classifier's WordPiece vocabulary."""
    try:
        vocab = json.loads(_VOCAB.read_text())["model"]["vocab"]
    except (OSError, ValueError, KeyError):
        return ()
    return tuple(w for w in vocab if w.isascii() and w.isalpha())


# The words of an identifier or a token run together: "challengePassword" -> "challenge", "Password";
# "HTTPClient2" -> "HTTP", "Client"; "IgnoreAllPrevious" -> "Ignore", "All", "Previous".
WORD_PARTS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")


@functools.cache
def english_words() -> frozenset[str]:
    """The vocabulary's words of four or more letters. Shorter ones are too often a Russian or Greek word folded
    ("все" -> "bce", "και" -> "kai")."""
    return frozenset(w for w in vocabulary_words() if len(w) >= 4)


def _fold_confusables(chars: list[str]) -> None:
    """Fold look-alikes in place where they disguise Latin words (one character for one: offsets stay)."""
    text = "".join(chars)
    for line in _LINE.finditer(text):
        words = [(w.start(), w.group()) for w in _WORD.finditer(line.group())]
        # Cyrillic/Greek prose: its letters with no Latin look-alike (и, л, д, я, π...) are a good share of its
        # Cyrillic/Greek letters, ~40% in Russian; a disguised English line has next to none.
        letters = [c for _, w in words for c in w if _script(c) == "native"]
        real = sum(c not in _CONFUSABLES for c in letters)
        prose = real >= 2 and real >= 0.1 * len(letters)
        for start, word in words:
            if not any(c in _CONFUSABLES for c in word):
                continue
            folded = "".join(_CONFUSABLES.get(c, c) for c in word)
            # A word with Latin letters in it; a look-alike-only word on a line that is not such prose; or one
            # that folds to an English word ("ѕуѕтем" -> "system"), whatever the line (padding with real Cyrillic
            # letters must not switch folding off).
            if (any(_script(c) == "latin" for c in word) or folded.lower() in english_words()
                    or (not prose and all(c in _CONFUSABLES for c in word))):
                base = line.start() + start
                chars[base : base + len(word)] = folded


@dataclass(frozen=True)
class NormalizedText:
    """``text`` plus, for each of its characters, the original span it came from (None: identity)."""

    original: str
    text: str
    starts: tuple[int, ...] | None = None
    ends: tuple[int, ...] | None = None

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        if self.starts is None or self.ends is None:
            return start, end
        if not self.text:
            return 0, len(self.original)
        start = min(max(start, 0), len(self.text) - 1)
        end = min(max(end, start + 1), len(self.text))
        return self.starts[start], self.ends[end - 1]


def normalize(text: str) -> NormalizedText:
    # Nothing to fold: skip the per-character pass (the common case, and the hot path). ASCII; or text already in
    # NFKC with no invisible character and no look-alike (curly quotes, accents, CJK...), which the pass would
    # give back unchanged: in NFKC text each character is its own NFKC form. 10,000 chars: 0.05 against 1.3 ms.
    if text.isascii() or (_FOLDABLE.search(text) is None and unicodedata.is_normalized("NFKC", text)):
        return NormalizedText(text, text)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    look_alikes = False
    for i, ch in enumerate(text):
        if ch in _INVISIBLE:
            continue
        if ord(ch) < 128:
            folded = ch
        elif ord(ch) in _TAGS:
            folded = chr(ord(ch) - 0xE0000)
        else:
            folded = "".join(c for c in unicodedata.normalize("NFKC", ch) if c not in _INVISIBLE)
            look_alikes = look_alikes or any(c in _CONFUSABLES for c in folded)
        for c in folded:
            out.append(c)
            starts.append(i)
            ends.append(i + 1)
    if look_alikes:  # the per-line, per-word pass only where there is something it could fold
        _fold_confusables(out)
    normalized = "".join(out)
    if normalized == text:
        return NormalizedText(text, text)
    return NormalizedText(text, normalized, tuple(starts), tuple(ends))
