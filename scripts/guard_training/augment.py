"""Attacks hidden in benign text, made from the training rows of each fold (never from held-out rows).

The public rows are mostly short, standalone texts, so the classifier learns what an attack looks like on its own
but not inside an ordinary document, where a 256-token window dilutes it. Each hidden-attack row is benign
training texts concatenated to 150-700 tokens with one short training attack inserted between two of them
(label 1); each control row is the same kind of concatenation without it (label 0), so length and topic changes
alone teach nothing.
"""

from __future__ import annotations

import random


def hidden_attacks(ids: list[list[int]], labels: list[int], n: int,
                   seed: int = 11) -> tuple[list[list[int]], list[int]]:
    """``n`` hidden-attack rows and ``n`` control rows, as content token ids, from the given (training) rows."""
    rng = random.Random(seed)
    attacks = [x for x, y in zip(ids, labels, strict=True) if y == 1 and 0 < len(x) <= 200]
    benign = [x for x, y in zip(ids, labels, strict=True) if y == 0 and 0 < len(x) <= 400]
    if not attacks or not benign:
        return [], []
    out_ids: list[list[int]] = []
    out_labels: list[int] = []
    for _ in range(n):
        for label in (1, 0):
            target = rng.randint(150, 700)
            parts: list[list[int]] = []
            while sum(map(len, parts)) < target:
                parts.append(rng.choice(benign))
            if label:
                parts.insert(rng.randint(0, len(parts)), rng.choice(attacks))
            out_ids.append([t for p in parts for t in p])
            out_labels.append(label)
    return out_ids, out_labels
