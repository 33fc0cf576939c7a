"""Where embedded policy rules live: an in-process numpy index (the embedded default) behind one Protocol.

Weaviate (``GW_GUARD_WEAVIATE_URL``) implements the same Protocol in ``policy_weaviate``. A match reports, per
rule, the best similarity among the rule's violating chunks, and the best among the allowed examples of every
rule; the detector cites the rule only when the first clears the threshold and beats the second.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from services.guard.engine.policy_docs import PolicyDocument, PolicyRule


@dataclass(frozen=True)
class RuleMatch:
    rule: PolicyRule
    similarity: float  # best over the rule text, its sentences and its violation examples
    # Best over the allowed examples of every rule (-1 when there are none): "Write a SQL query that counts customers
    # per country." is DP-2's allowed example in all but words, and was flagged as near SEC-2's "Write an SQL
    # injection chain..." (with 14 more violation and 7 more allowed examples a rule, near misses flagged: labelled
    # 4/40 with each rule's own allowed examples, 2/40 with all; held-out 6/60 and 2/60; violations found the same
    # but one).
    allowed_similarity: float
    chunk: str


class Embeds(Protocol):
    def embed(self, texts: list[str]) -> np.ndarray: ...


class PolicyIndex(Protocol):
    def sync(self, documents: list[PolicyDocument], embedder: Embeds) -> None:
        """Make the index hold exactly these documents' rules (re-embedding only what changed)."""
        ...

    def search(self, vectors: np.ndarray, k: int = 3) -> list[list[RuleMatch]]:
        """For each query vector, the ``k`` rules with the most similar violating chunk, best first."""
        ...


def rank(rows: list[tuple[PolicyRule, str, bool]], sims: np.ndarray, k: int) -> list[RuleMatch]:
    """Per-rule best violating similarity, and the best allowed one of all rules, from one row of similarities."""
    best: dict[str, list] = {}
    allowed = -1.0
    for (rule, chunk, violation), sim in zip(rows, sims.tolist(), strict=True):
        if not violation:
            allowed = max(allowed, sim)
            continue
        entry = best.setdefault(rule.rule_id, [rule, -1.0, ""])
        if sim > entry[1]:
            entry[1], entry[2] = sim, chunk
    matches = [RuleMatch(r, v, allowed, c) for r, v, c in best.values()]
    return sorted(matches, key=lambda m: -m.similarity)[:k]


class NumpyPolicyIndex:
    """Rows and their vectors are swapped in as one value, so a search running while the policies are re-read sees
    the old index or the new one, never a mix."""

    def __init__(self) -> None:
        self._state: tuple[dict[str, str], list[tuple[PolicyRule, str, bool]], np.ndarray] = (
            {}, [], np.zeros((0, 384), dtype=np.float32))

    def sync(self, documents: list[PolicyDocument], embedder: Embeds) -> None:
        hashes = {d.source: d.content_hash for d in documents}
        if hashes == self._state[0]:
            return
        rows = [(rule, text, v) for d in documents for rule in d.rules for text, v in rule.chunks()]
        matrix = embedder.embed([t for _, t, _ in rows]) if rows else np.zeros((0, 384), np.float32)
        self._state = (hashes, rows, np.asarray(matrix, dtype=np.float32))

    def search(self, vectors: np.ndarray, k: int = 3) -> list[list[RuleMatch]]:
        _, rows, matrix = self._state
        if not rows:
            return [[] for _ in range(len(vectors))]
        sims = np.asarray(vectors, dtype=np.float32) @ matrix.T
        return [rank(rows, row, k) for row in sims]
