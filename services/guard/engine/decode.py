"""Second look at obfuscated text: base64, hex and rot13 decoded into extra views for the detectors.

A decoded view is accepted only when it reads as text (mostly printable, valid UTF-8), so random tokens, hashes,
UUIDs and keys do not turn into noise. Every finding in a decoded view maps to the whole encoded span.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from dataclasses import dataclass

from services.guard.engine.normalize import NormalizedText, normalize

_BASE64 = re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{16,}={0,2}")
_HEX = re.compile(r"(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{2}(?:\s|\\x|0x)?){8,}")
# Words are whole runs of letters, accented ones included. With [a-z]+, Polish, Turkish or Vietnamese came apart
# into short fragments ("viết" -> "vi", "t"), whose rot13 is often a common word ("n" -> "a", "na" -> "an", "gb"
# -> "to"): half of 1,000-character mixes of such requests got a rot13 "decoding", gibberish that the classifier
# read as an obfuscated attack (6-7 in 100 benign mixes flagged).
_WORD = re.compile(r"[^\W\d_]+")
# Frequent English words; rot13 text has almost none of them and its decoding has many.
_COMMON = frozenset(
    "the a an and or to of in is are you your me my i it this that for with on be not all now ignore previous "
    "instructions what how tell system prompt do from as".split()
)


@dataclass(frozen=True)
class DecodedView:
    """``text`` decoded from ``original[start:end]`` (``encoding`` says how)."""

    encoding: str
    start: int
    end: int
    text: NormalizedText

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        return self.start, self.end


def _readable(raw: bytes) -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if len(text) < 6:
        return None
    printable = sum(ch.isprintable() or ch in "\n\r\t" for ch in text)
    letters = sum(ch.isalpha() or ch == " " for ch in text)
    if printable / len(text) < 0.97 or letters / len(text) < 0.6:
        return None
    return text


def _b64(span: str) -> bytes | None:
    s = span.rstrip("=")
    s += "=" * (-len(s) % 4)
    try:
        if "-" in s or "_" in s:
            return base64.urlsafe_b64decode(s)
        return base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError):
        return None


def _hex(span: str) -> bytes | None:
    digits = re.sub(r"\s|\\x|0x", "", span)
    try:
        return bytes.fromhex(digits)
    except ValueError:
        return None


def _common_words(text: str) -> int:
    return sum(w in _COMMON for w in _WORD.findall(text.lower()))


def decoded_views(norm: NormalizedText, limit: int = 4) -> list[DecodedView]:
    """Decoded views of ``norm.text`` with offsets in ``norm.original``."""
    views: list[DecodedView] = []
    text = norm.text
    for pattern, decode, name in ((_BASE64, _b64, "base64"), (_HEX, _hex, "hex")):
        for m in pattern.finditer(text):
            if len(views) >= limit:
                return views
            raw = decode(m.group().strip())
            decoded = _readable(raw) if raw else None
            if decoded:
                start, end = norm.to_original(m.start(), m.end())
                views.append(DecodedView(name, start, end, normalize(decoded)))
    if len(views) < limit and len(text) >= 12:
        rot = codecs.decode(text, "rot13")
        hits = _common_words(rot)
        if hits >= 3 and hits > 2 * _common_words(text):
            views.append(DecodedView("rot13", 0, len(norm.original), normalize(rot)))
    return views
