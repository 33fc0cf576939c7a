"""Second look at obfuscated text: base64, hex, rot13 and leetspeak decoded into extra views for the detectors.

A decoded view is accepted only when it reads as text (mostly printable, valid UTF-8), so random tokens, hashes,
UUIDs and keys do not turn into noise. A finding in a base64 or hex view maps to the whole encoded span; rot13 and
leetspeak keep every letter in its place, so a finding in their views maps to its own characters (redacting an
e-mail address in a rot13 note used to replace the whole message).
"""

from __future__ import annotations

import base64
import binascii
import bisect
import codecs
import re
from dataclasses import dataclass, field

from services.guard.engine.normalize import NormalizedText, normalize

# A run of base64 (standard or URL-safe), or lines of it: encoders wrap at 64 or 76 characters, and a line that
# does not start on a 4-character boundary decodes to garbage alone. A continuation line must be base64 whole.
_BASE64 = re.compile(
    r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{16,}(?:[ \t]*\r?\n[ \t]*[A-Za-z0-9+/_-]{2,}={0,2}(?=[ \t]*(?:\r?\n|$)))*"
    r"={0,2}",
    re.M,
)
# Byte pairs, each with an optional 0x or \x prefix and up to two separators after it (space, comma, colon,
# semicolon, dash): "69676e", "69 67 6e", "0x69, 0x67", "\x69\x67", "69:67:6e". Not starting inside a word
# ("see 69 67..." used to start at the "ee" and fail to decode).
_HEX = re.compile(r"(?<![0-9A-Za-z])(?:(?:0[xX]|\\x)?[0-9A-Fa-f]{2}[\s,:;\-]{0,2}){8,}")
_SEPARATORS = re.compile(r"[\s,:;\-]|\\x|0[xX]")
_TRAILING = " \t\r\n,:;-"  # separators a hex match may end with
# rot13 is judged per stretch too, so that ordinary English around it does not hide it.
_STRETCH = re.compile(r"[^.!?:;\n]+")
_MARKS = frozenset(".!?:;")
# Words are whole runs of letters, accented ones included. With [a-z]+, Polish, Turkish or Vietnamese came apart
# into short fragments ("viết" -> "vi", "t"), whose rot13 is often a common word ("n" -> "a", "na" -> "an", "gb"
# -> "to"): half of 1,000-character mixes of such requests got a rot13 "decoding", gibberish that the classifier
# read as an obfuscated attack (6-7 in 100 benign mixes flagged).
# Frequent English words; rot13 text has almost none of them and its decoding has many.
_COMMON = frozenset(
    "the a an and or to of in is are you your me my i it this that for with on be not all now ignore previous "
    "instructions what how tell system prompt do from as".split()
)


# Leetspeak: one character for one, so positions stay (as with rot13). "1" is read as "i", not "l" (i is the
# likelier letter in the words that matter: "1gn0r3", "1nstruct10ns", "th1s").
_LEET = str.maketrans("013457", "oieast")
_LEET_DIGIT = re.compile(r"[013457]")
_ORDINAL = re.compile(r"\d*(?:1st|2nd|3rd|\dth)", re.IGNORECASE)  # "4nd" is leet for "and"

# One of them as a whole word (a whole run of letters, not glued to digits) of lower-case text, found by the regex
# engine rather than word by word (a third faster on 10,000 characters). With digits as word breaks, the rot13 of
# leetspeak ("1gn0r3 4ll" -> "1ta0e3 4yy") counted its lone letters as words ("a" in "1a5") and got a view of
# gibberish, 26 of the dev and eval files' rows; they have a leetspeak view now.
_COMMON_WORD = re.compile(
    r"(?<![^\W_])(?:" + "|".join(sorted(_COMMON, key=len, reverse=True)) + r")(?![^\W_])"
)


@dataclass(frozen=True)
class DecodedView:
    """``text`` decoded from ``original[start:end]`` (``encoding`` says how)."""

    encoding: str
    start: int
    end: int
    text: NormalizedText
    # rot13 and leet only: (start in the decoded string, start in the screened text, length) of each decoded stretch,
    # and the screened text, whose own map leads back to the original.
    pieces: tuple[tuple[int, int, int], ...] = ()
    source: NormalizedText | None = field(default=None, compare=False, repr=False)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The original span of ``text[start:end]``: the whole encoded span, or for rot13 and leet the span itself."""
        if not self.pieces or self.source is None:
            return self.start, self.end
        first, last = self.text.to_original(start, end)  # in the decoded string
        s, e = self._place(first, after=True), self._place(last - 1, after=False) + 1
        return self.source.to_original(s, e) if s < e else (self.start, self.end)

    def _place(self, at: int, after: bool) -> int:
        """Where decoded character ``at`` is in the screened text; on the space joining two stretches, the first
        character after it (``after``) or the last before it."""
        k = max(bisect.bisect_right(self.pieces, at, key=lambda piece: piece[0]) - 1, 0)
        dec, src, n = self.pieces[k]
        if at < dec + n:
            return src + max(at - dec, 0)
        if after and k + 1 < len(self.pieces):
            return self.pieces[k + 1][1]
        return src + n - 1


_NUMBER_PUNCTUATION = frozenset(" -./:,+()#")


def _readable(raw: bytes) -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if len(text) < 6:
        return None
    printable = sum(ch.isprintable() or ch in "\n\r\t" for ch in text)
    letters = sum(ch.isalpha() or ch == " " for ch in text)
    # Or mostly digits in the shapes numbers are written in: an encoded card number, SSN or IBAN
    # ("NDUzOTU3ODc2MzYyMTQ4Ng==") is PII to find, and random bytes almost never decode to it.
    numbers = sum(ch.isalnum() or ch in _NUMBER_PUNCTUATION for ch in text)
    if printable / len(text) < 0.97 or (letters / len(text) < 0.6 and numbers / len(text) < 0.95):
        return None
    return text


def _b64(span: str) -> bytes | None:
    s = re.sub(r"\s", "", span).rstrip("=")
    s += "=" * (-len(s) % 4)
    try:
        if "-" in s or "_" in s:
            return base64.urlsafe_b64decode(s)
        return base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError):
        return None


def _hex(span: str) -> bytes | None:
    digits = _SEPARATORS.sub("", span)
    if digits.isdigit() and len(digits) <= 19:  # a card or account number, not hex (it read as "F!F 9fEb")
        return None
    try:
        return bytes.fromhex(digits)
    except ValueError:
        return None


def _common_positions(text: str) -> list[int]:
    # (Lower-casing can lengthen a text, "İ" -> "i̇": positions after it shift by a character, which only moves a
    # word across a stretch boundary in such texts.)
    return [m.start() for m in _COMMON_WORD.finditer(text.lower())]


def _reads_decoded(decoded: int, plain: int) -> bool:
    """Common words in a decoding against the same text as written: at least three, and twice as many."""
    return decoded >= 3 and decoded > 2 * plain


def _leet(text: str) -> tuple[str, tuple[tuple[int, int, int], ...]] | None:
    """(decoding, pieces) of the leetspeak in ``text``, as for rot13: the stretches whose words that mix letters
    with digits, read as letters ("1gn0r3 4ll pr3v10u5" -> "ignore all previous"), make at least three common
    words and twice as many as written. Numbers and ordinals stay as written: read as letters, a table's "1", "3"
    and "4" became "i", "e" and "a", common words enough to give tables of figures a view of their own. Only
    stretches with such a word are counted (a stretch without one reads the same either way)."""
    words = _leet_words(text)
    if not words:
        return None
    parts, at = [], 0
    for start, end in words:  # one character for one: positions stay
        parts += [text[at:start], text[start:end].translate(_LEET)]
        at = end
    read = "".join(parts) + text[at:]
    starts = [start for start, _ in words]
    stretches = []
    for m in _STRETCH.finditer(text):
        if bisect.bisect_left(starts, m.end()) > bisect.bisect_left(starts, m.start()):
            if _reads_decoded(len(_common_positions(read[m.start():m.end()])), len(_common_positions(m.group()))):
                stretches.append(m)
    return _joined(text, read, stretches)


def _leet_words(text: str) -> list[tuple[int, int]]:
    """(start, end) of each word with a leet digit next to a letter, found from the digits (a regex over every
    word of 10,000 characters took 0.6 ms; the digits are a fraction of it)."""
    words: list[tuple[int, int]] = []
    end = 0
    for m in _LEET_DIGIT.finditer(text):
        i = m.start()
        if i < end or not ((i > 0 and text[i - 1].isalpha()) or (i + 1 < len(text) and text[i + 1].isalpha())):
            continue
        start, end = i, i + 1
        while start > 0 and text[start - 1].isalnum():
            start -= 1
        while end < len(text) and text[end].isalnum():
            end += 1
        if not _ORDINAL.fullmatch(text, start, end):
            words.append((start, end))
    return words


def _rot13(text: str) -> tuple[str, tuple[tuple[int, int, int], ...]] | None:
    """(decoding, pieces) of the rot13 in ``text``: all of it, or the stretches between sentence marks whose
    decoding has at least three common words and twice as many as they have as written, joined by spaces; pieces
    are (start in the decoding, start in ``text``, length) of each stretch."""
    rot = codecs.decode(text, "rot13")  # one character for one: positions stay
    hits = _common_positions(rot)
    if len(hits) < 3:  # too few anywhere, so in every stretch
        return None
    plain = _common_positions(text)
    if _reads_decoded(len(hits), len(plain)):
        return rot, ((0, 0, len(text)),)

    def count(positions: list[int], m: re.Match) -> int:
        return bisect.bisect_left(positions, m.end()) - bisect.bisect_left(positions, m.start())

    return _joined(text, rot, [m for m in _STRETCH.finditer(text) if _reads_decoded(count(hits, m), count(plain, m))])


def _joined(text: str, rot: str, stretches: list[re.Match]) -> tuple[str, tuple[tuple[int, int, int], ...]] | None:
    if not stretches:
        return None
    spans: list[list[int]] = []
    for m in stretches:
        start, end = _whole_words(text, m.start(), m.end())
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    pieces, at = [], 0
    for start, end in spans:
        pieces.append((at, start, end - start))
        at += end - start + 1
    return " ".join(rot[start:end] for start, end in spans), tuple(pieces)


def _whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """A stretch widened over the words it was cut from by a mark with no space: "qnan.sbk@rknzcyr.pbz naq ..." is
    cut at its dots into stretches, and an e-mail address in rot13 would lose its name or its domain."""
    if 0 < start < len(text) and not text[start].isspace() and text[start - 1] in _MARKS:
        while start > 0 and not text[start - 1].isspace():
            start -= 1
    if end < len(text) - 1 and text[end] in _MARKS and not text[end + 1].isspace() and not text[end - 1].isspace():
        while end < len(text) and not text[end].isspace():
            end += 1
    return start, end


def decoded_views(norm: NormalizedText, limit: int = 4) -> list[DecodedView]:
    """Decoded views of ``norm.text`` with offsets in ``norm.original``.

    Every encoded span is decoded; past ``limit - 1`` views the rest are joined into the last one (its span covers
    theirs), so harmless encoded text placed first cannot use up the views and hide an attack encoded after it.
    """
    if limit <= 0:
        return []
    # (encoding, start, end in norm.text, decoded, rot13/leet pieces)
    found: list[tuple[str, int, int, str, tuple]] = []
    text = norm.text
    for pattern, decode, name in ((_BASE64, _b64, "base64"), (_HEX, _hex, "hex")):
        for m in pattern.finditer(text):
            span = m.group().rstrip(_TRAILING if name == "hex" else " \t\r\n")  # "-" is URL-safe base64
            raw = decode(span)
            decoded = _readable(raw) if raw else None
            if decoded is None and "\n" in span:  # lines that are not one encoding: the first alone
                span = span[: span.index("\n")].rstrip()
                raw = decode(span)
                decoded = _readable(raw) if raw else None
            if decoded:
                found.append((name, m.start(), m.start() + len(span), decoded, ()))
    if len(text) >= 12:
        for name, sub in (("rot13", _rot13(text)), ("leet", _leet(text))):
            if sub is not None:
                decoded, pieces = sub
                found.append((name, pieces[0][1], pieces[-1][1] + pieces[-1][2], decoded, pieces))
    views: list[DecodedView] = []
    for i, (name, start, end, decoded, pieces) in enumerate(found):
        if i == limit - 1 and len(found) > limit:
            rest = found[i:]
            name = "+".join(dict.fromkeys(r[0] for r in rest))
            start, end = min(r[1] for r in rest), max(r[2] for r in rest)
            decoded = "\n".join(r[3] for r in rest)
            pieces = ()  # several encodings in one view: its findings map to the span of all
        views.append(DecodedView(name, *norm.to_original(start, end), normalize(decoded), pieces, norm))
        if len(views) == limit:
            break
    return views
