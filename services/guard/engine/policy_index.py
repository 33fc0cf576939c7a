"""Where embedded policy rules live: an in-process numpy index (the embedded default) behind one Protocol.

Weaviate (``GW_GUARD_WEAVIATE_URL``) implements the same Protocol in ``policy_weaviate``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from services.guard.engine.policy_docs import PolicyDocument, PolicyRule


@dataclass(frozen=True)
class RuleMatch:
    rule: PolicyRule
    similarity: float
    chunk: str


class Embeds(Protocol):
    def embed(self, texts: list[str]) -> np.ndarray: ...


class PolicyIndex(Protocol):
    def sync(self, documents: list[PolicyDocument], embedder: Embeds) -> None:
        """Make the index hold exactly these documents' rules (re-embedding only what changed)."""
        ...

    def search(self, vectors: np.ndarray, k: int = 3) -> list[list[RuleMatch]]:
        """For each query vector, the best ``k`` rules (one match per rule, its best chunk), best first."""
        ...


class NumpyPolicyIndex:
    def __init__(self) -> None:
        self._hashes: dict[str, str] = {}
        self._rows: list[tuple[PolicyRule, str]] = []
        self._matrix = np.zeros((0, 384), dtype=np.float32)

    def sync(self, documents: list[PolicyDocument], embedder: Embeds) -> None:
        hashes = {d.source: d.content_hash for d in documents}
        if hashes == self._hashes:
            return
        rows = [(rule, chunk) for d in documents for rule in d.rules for chunk in rule.chunks()]
        matrix = embedder.embed([c for _, c in rows]) if rows else np.zeros((0, 384), np.float32)
        self._rows, self._matrix, self._hashes = rows, np.asarray(matrix, dtype=np.float32), hashes

    def search(self, vectors: np.ndarray, k: int = 3) -> list[list[RuleMatch]]:
        if not self._rows:
            return [[] for _ in range(len(vectors))]
        sims = np.asarray(vectors, dtype=np.float32) @ self._matrix.T
        out: list[list[RuleMatch]] = []
        for row in sims:
            best: dict[str, RuleMatch] = {}
            for j in np.argsort(-row)[: k * 8]:
                rule, chunk = self._rows[j]
                if rule.rule_id not in best:
                    best[rule.rule_id] = RuleMatch(rule, float(row[j]), chunk)
            out.append(sorted(best.values(), key=lambda m: -m.similarity)[:k])
        return out
