"""How near a text is to ordinary requests: the policy matcher's correction for sentences that are near every rule.

Cosine similarity to a rule measures topic, and some sentences sit near everything ("How can I get in contact with
the media office?" is 0.82 from "How do I get around the company's security filter?"). A match therefore counts by
how much nearer the sentence and the rule are to each other than each is to its usual neighbours (CSLS, Conneau et
al. 2018, "Word translation without parallel data"):

    margin = cos(x, rule) - (hub(x) + hub(rule)) / 2,    hub(v) = mean cosine of v to its K nearest background rows

The background is ordinary text embedded by the same model, split into sentences: a third of the public dev data's
benign rows (the other thirds calibrate the threshold and evaluate it) and technical prose, sentences of Python
packages' READMEs and changelogs (``scripts/guard_training/policy_background.py``). It belongs to one embedder:
loading it next to another model is refused.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

BACKGROUND_FILE = "background.npz"


class Background:
    def __init__(self, vectors: np.ndarray, k: int) -> None:
        # Stored transposed: a few rows against it is then one contiguous product (0.39 against 0.74 ms for two).
        self.columns = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32).T)
        self.k = k

    @classmethod
    def load(cls, embedder_version: str, path: Path) -> Background:
        with np.load(path) as z:
            meta = json.loads(str(z["meta"]))
            vectors = z["vectors"].astype(np.float32) * float(z["scale"])
        if meta["embedder_version"] != embedder_version:
            raise ValueError(f"policy background {path} was made by embedder {meta['embedder_version']}, not "
                             f"{embedder_version}: rebuild it (train_guard.py --policy-background)")
        if vectors.ndim != 2 or len(vectors) < meta["k"] or not np.isfinite(vectors).all():
            raise ValueError(f"policy background {path} is damaged")
        return cls(vectors, int(meta["k"]))

    def hub(self, vectors: np.ndarray) -> np.ndarray:
        """Mean cosine of each row of ``vectors`` to its ``k`` nearest background rows."""
        if len(vectors) == 0:
            return np.zeros(0, np.float32)
        sims = np.asarray(vectors, dtype=np.float32) @ self.columns
        return np.partition(sims, -self.k, axis=1)[:, -self.k:].mean(axis=1)
