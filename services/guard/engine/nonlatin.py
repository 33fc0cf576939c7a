"""Prompt injection written in non-Latin scripts: hashed character n-grams and a linear model, per sentence.

The injection classifier's base model has an English WordPiece vocabulary: Chinese comes out half [UNK] and Thai
all [UNK], and it scores "ignore all previous instructions" in Chinese, Japanese, Korean, Russian, Arabic, Hindi,
Thai, Hebrew or Greek under 0.1 however it is trained. This model reads characters instead: each sentence (and
each pair of neighbouring sentences) that is mostly in a non-Latin script is scored by a logistic regression
over its character 1- to 4-grams, hashed. A text's margin is its highest window's logit minus the model's threshold;
the classifier takes it as a second opinion (``injection.InjectionClassifier``), so a text is an attack when
either says so. Texts with no such sentence (English, German, Polish...) are not scored here at all.

Weights in ``services/guard/models/nonlatin/`` (trained by ``scripts/train_guard.py --nonlatin``, CPU, seconds).
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
MIN_LETTERS = 4  # a window needs this many non-Latin letters...
MIN_SHARE = 0.5  # ...and this share of its letters in a non-Latin script to be scored

# Multipliers per n-gram order and position: code points are < 2**21, so every sum stays well inside int64.
_MULTIPLIERS = ((1_000_003,), (700_001, 900_007), (500_009, 300_007, 100_003), (400_009, 200_003, 600_011, 800_011))

_SENTENCE = re.compile(r"[^。！？!?；;.।\n]+(?:[。！？!?；;.।\n]+|$)")
_LETTER = re.compile(r"[^\W\d_]")
_LATIN = re.compile(r"[A-Za-z\u00aa\u00ba\u00c0-\u024f\u1e00-\u1eff\u2c60-\u2c7f\ua720-\ua7ff]")


def grams(text: str) -> tuple[np.ndarray, np.ndarray]:
    """(hashed buckets, log-count values L2-normalised) of a window's character 1- to 4-grams."""
    cp = np.frombuffer(" ".join(text.lower().split()).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    parts = [sum(cp[k : len(cp) - n + 1 + k] * m for k, m in enumerate(mult))
             for n, mult in enumerate(_MULTIPLIERS, 1) if len(cp) >= n]
    buckets, counts = np.unique(np.concatenate(parts) % BUCKETS, return_counts=True)
    values = np.log1p(counts.astype(np.float32))
    return buckets, values / max(float(np.linalg.norm(values)), 1e-9)


def windows(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` to score: sentences and pairs of neighbouring sentences mostly in a non-Latin script."""
    if text.isascii():
        return []
    sentences: list[tuple[int, int]] = []
    for m in _SENTENCE.finditer(text):
        start, end = m.span()
        step = WINDOW_CHARS // 2
        sentences += [(s, min(s + WINDOW_CHARS, end)) for s in range(start, max(end - step, start + 1), step)]
    spans = sentences + [(a[0], b[1]) for a, b in itertools.pairwise(sentences)
                         if b[1] - a[0] <= WINDOW_CHARS]
    return [(s, e) for s, e in spans if _mostly_nonlatin(text[s:e])]


def _mostly_nonlatin(text: str) -> bool:
    letters = len(_LETTER.findall(text))
    other = letters - len(_LATIN.findall(text))
    return other >= MIN_LETTERS and other >= MIN_SHARE * letters


@dataclass
class NonLatinModel:
    weights: np.ndarray
    bias: float
    threshold: float  # a window's logit at or over this is an attack

    @classmethod
    def load(cls, path: Path | None = None) -> NonLatinModel:
        return _load(Path(path) if path is not None else MODEL_DIR)

    def logits(self, text: str) -> list[float]:
        out = []
        for s, e in windows(text):
            buckets, values = grams(text[s:e])
            out.append(float(self.weights[buckets] @ values + self.bias))
        return out

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
