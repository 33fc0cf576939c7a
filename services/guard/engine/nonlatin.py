"""Prompt injection written in non-Latin scripts: hashed character n-grams and a linear model, per sentence.

The injection classifier's base model has an English WordPiece vocabulary: Chinese comes out half [UNK] and Thai
all [UNK], and it scores "ignore all previous instructions" in Chinese, Japanese, Korean, Russian, Ukrainian,
Arabic, Persian, Hindi, Thai, Hebrew or Greek under 0.15 however it is trained. This model reads characters
instead: each sentence (and each pair of neighbouring sentences) that is mostly in a non-Latin script is scored by
a logistic regression over its character 1- to 4-grams, hashed. A text's margin is its highest window's logit
minus the model's threshold; the classifier takes it as a second opinion (``injection.InjectionClassifier``), so a
text is an attack when either says so. Texts with no such sentence (English, German, Polish...) are not scored
here at all.

Weights in ``services/guard/models/nonlatin/`` (trained by ``scripts/train_guard.py --nonlatin``, CPU, a minute).
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "nonlatin"
BUCKETS = 1 << 18
WINDOW_CHARS = 200  # a sentence longer than this is read in pieces of this size, overlapping by half
MIN_LETTERS = 4  # a window needs this many letters of a non-Latin script...
MIN_SHARE = 0.5  # ...and this share of its letters in a non-Latin script to be scored
MAX_SENTENCES = 2000  # over this many (~50 characters each), fixed windows instead of sentences

# Multipliers per n-gram order and position: code points are < 2**21, so every sum stays well inside int64.
_MULTIPLIERS = ((1_000_003,), (700_001, 900_007), (500_009, 300_007, 100_003), (400_009, 200_003, 600_011, 800_011))

_SENTENCE = re.compile(r"[^。！？!?；;.।\n]+(?:[。！？!?；;.।\n]+|$)")


def _utf32(text: str) -> np.ndarray:
    """The text's code points (uint32; lone surrogates kept, as ``latin_view`` writes them back)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _codepoints(text: str) -> np.ndarray:
    return _utf32(" ".join(text.lower().split())).astype(np.int64)


def grams(pieces: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Character 1- to 4-grams of each lower-cased piece, hashed, log counts L2-normalised per piece, as (piece
    index, bucket, value) per distinct n-gram of each piece. All pieces in one vectorised pass: a long text has
    hundreds of sentences, and a Python loop over them cost four times as much."""
    cps = [_codepoints(p) for p in pieces]
    lengths = np.array([len(c) for c in cps])
    cp = np.concatenate(cps)
    owner = np.repeat(np.arange(len(pieces)), lengths)
    end = np.repeat(np.cumsum(lengths), lengths)  # where each position's piece ends
    pos = np.arange(len(cp))
    keys = []
    for n, mult in enumerate(_MULTIPLIERS, 1):
        at = pos[pos + n <= end]  # n-grams inside their piece
        keys.append(owner[at] * BUCKETS + sum(cp[at + k] * m for k, m in enumerate(mult)) % BUCKETS)
    unique, counts = np.unique(np.concatenate(keys), return_counts=True)
    which = unique // BUCKETS
    values = np.log1p(counts.astype(np.float64))
    norms = np.sqrt(np.bincount(which, values * values, minlength=len(pieces)))
    return which, unique % BUCKETS, values / np.maximum(norms, 1e-9)[which]


# Code point ranges of letters in scripts other than Latin (Greek, Cyrillic, Armenian, Hebrew, Arabic, the Indic
# scripts, Thai, Georgian, Hangul, Ethiopic..., kana, CJK ideographs), and of Latin letters.
_OTHER = np.array([(0x370, 0x3FF), (0x400, 0x52F), (0x531, 0x1DBF), (0x1F00, 0x1FFF), (0x2E80, 0x2FDF),
                   (0x3040, 0x9FFF), (0xA000, 0xA4CF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF), (0xFF66, 0xFFDC),
                   (0x20000, 0x2FFFF)])
_LATIN = np.array([(0x41, 0x5A), (0x61, 0x7A), (0xC0, 0xD6), (0xD8, 0xF6), (0xF8, 0x24F), (0x1E00, 0x1EFF)])
# The same ranges as one regex character class: most text has no such letter, and one C-speed search says so
# (10,000 characters of English with curly quotes: ~20 us, against ~1 ms for the per-character arrays below).
_OTHER_LETTER = re.compile("[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in _OTHER) + "]")


def _latin_only(text: str) -> bool:
    """No letter of another script: nothing for this model to read, nothing to take out of the English view."""
    return text.isascii() or _OTHER_LETTER.search(text) is None


def _in(cp: np.ndarray, ranges: np.ndarray) -> np.ndarray:
    return ((cp[:, None] >= ranges[:, 0]) & (cp[:, None] <= ranges[:, 1])).any(1)


def windows(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` to score: sentences and pairs of neighbouring sentences mostly in a non-Latin script."""
    if _latin_only(text):
        return []
    step = WINDOW_CHARS // 2
    sentences: list[tuple[int, int]] = []
    for m in _SENTENCE.finditer(text):
        start, end = m.span()
        sentences += [(s, min(s + WINDOW_CHARS, end)) for s in range(start, max(end - step, start + 1), step)]
    if len(sentences) > MAX_SENTENCES:  # "a。" x 50,000: fixed windows, so the cost follows the length
        spans = [(s, min(s + WINDOW_CHARS, len(text))) for s in range(0, max(len(text) - step, 1), step)]
    else:
        spans = sentences + [(a[0], b[1]) for a, b in itertools.pairwise(sentences) if b[1] - a[0] <= WINDOW_CHARS]
    if not spans:
        return []
    # Letters per span from prefix sums over the text (one vectorised pass, not a regex per span).
    cp = _utf32(text).astype(np.int64)
    other = np.concatenate([[0], np.cumsum(_in(cp, _OTHER))])
    latin = np.concatenate([[0], np.cumsum(_in(cp, _LATIN))])
    s, e = np.array(spans).T
    n_other, n_latin = other[e] - other[s], latin[e] - latin[s]
    keep = (n_other >= MIN_LETTERS) & (n_other >= MIN_SHARE * (n_other + n_latin))
    return [span for span, k in zip(spans, keep.tolist(), strict=True) if k]


def latin_view(text: str) -> str:
    """``text`` with the stretches in non-Latin scripts replaced by one space each: what the English models (the
    injection classifier, the policy embedder) can read. They see such letters one a token or as [UNK], so a page
    of them cost several transformer windows for nothing; this model reads them instead. A stretch runs from a
    non-Latin letter to the next Latin one: the punctuation, digits and spaces among non-Latin letters go too,
    or a page of them would leave the English model a window of commas."""
    if _latin_only(text):
        return text
    cp = _utf32(text)
    wide = cp.astype(np.int64)
    other, latin = _in(wide, _OTHER), _in(wide, _LATIN)  # _latin_only found at least one other letter
    # Per position, the script of the nearest letter on each side (1 other, 0 Latin, -1 none): forward and
    # backward fills of the letter positions.
    kind = np.where(other, 1, np.where(latin, 0, -1))
    at = np.arange(len(cp))
    last = np.maximum.accumulate(np.where(kind >= 0, at, -1))
    nxt = np.minimum.accumulate(np.where(kind >= 0, at, len(cp))[::-1])[::-1]
    left = np.where(last >= 0, kind[np.maximum(last, 0)], -1)
    right = np.where(nxt < len(cp), kind[np.minimum(nxt, len(cp) - 1)], -1)
    drop = other | ((kind < 0) & (left != 0) & (right != 0) & ((left == 1) | (right == 1)))
    first = drop & ~np.concatenate([[False], drop[:-1]])  # each stretch keeps one position, as a space
    return np.where(drop, np.uint32(32), cp)[~drop | first].tobytes().decode("utf-32-le", "surrogatepass")


@dataclass
class NonLatinModel:
    weights: np.ndarray
    bias: float
    threshold: float  # a window's logit at or over this is an attack

    @classmethod
    def load(cls, path: Path | None = None) -> NonLatinModel:
        return _load(Path(path) if path is not None else MODEL_DIR)

    def logits(self, text: str) -> list[float]:
        """One logit per window of ``text`` (``windows``), in order."""
        spans = windows(text)
        if not spans:
            return []
        which, buckets, values = grams([text[s:e] for s, e in spans])
        dots = np.bincount(which, self.weights[buckets] * values, minlength=len(spans))
        return (dots + self.bias).tolist()

    def margin(self, text: str) -> float | None:
        """The highest window logit minus the threshold (>= 0: an attack); None when no window is scored."""
        logits = self.logits(text)
        return max(logits) - self.threshold if logits else None


@functools.lru_cache(maxsize=2)
def _load(model_dir: Path) -> NonLatinModel:
    config = json.loads((model_dir / "config.json").read_text())
    with np.load(model_dir / "nonlatin.npz") as z:
        weights = z["weights"].astype(np.float32)
    bias, threshold = float(config["bias"]), float(config["threshold"])
    problems = [
        weights.shape != (BUCKETS,) and "weights do not match the hash buckets",
        not np.isfinite(weights).all() and "non-finite weights",
        not np.isfinite([bias, threshold]).all() and "bad settings",
    ]
    bad = [p for p in problems if p]
    if bad:  # refused at start-up: the injection detector is then unavailable and requests fail closed
        raise ValueError(f"non-Latin model is damaged: {'; '.join(bad)}")
    return NonLatinModel(weights, bias, threshold)
