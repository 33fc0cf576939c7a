"""Hand-written fakes for the ML parts, so pipeline tests run without model files."""

from __future__ import annotations

import hashlib
import time

import numpy as np

TRIGGER = "ignore all previous instructions"


class FakeClassifier:
    """P(injection) = 0.99 when the trigger phrase is in the text, else 0.01."""

    def score(self, texts: list[str]) -> list[float]:
        return [0.99 if TRIGGER in t.lower() else 0.01 for t in texts]


class SlowClassifier:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def score(self, texts: list[str]) -> list[float]:
        time.sleep(self.seconds)
        return [0.0 for _ in texts]


class BrokenClassifier:
    def score(self, texts: list[str]) -> list[float]:
        raise RuntimeError("model file is corrupt")


class BagOfWordsEmbedder:
    """Deterministic stand-in for MiniLM: hashed bag of lower-cased words, L2-normalised, 384 dims."""

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().replace(".", " ").replace(",", " ").split():
                if len(word) > 3:
                    out[i, int(hashlib.md5(word.encode(), usedforsecurity=False).hexdigest(), 16) % 384] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)
