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


# Benign rows that are documents (data an application hands the model), not prompts written to it.
DOCUMENT_SOURCES = frozenset({"bipia", "synthetic_hardneg_docs"})


def embedded_tasks(docs: list[list[int]], tasks: list[list[int]], n: int, sentence_ends: set[int],
                   seed: int = 12) -> tuple[list[list[int]], list[int]]:
    """``n`` documents with a short benign request planted inside (label 1), and for each, the same document
    alone and the same request framing it (label 0), as content token ids, from the given (training) rows.

    An indirect injection need not sound like an attack: a retrieved table or e-mail that says "Explain the
    theory of relativity." halfway through is an instruction aimed at the model that reads it (BIPIA's attacks
    are of that kind). ``docs`` are benign documents (``DOCUMENT_SOURCES``), ``tasks`` short benign requests
    from any source. The planted request goes after a sentence (a token in ``sentence_ends``: ".", "?", "|",
    ...) inside the document's middle 80%. The controls put it before or after the document instead, which is
    how users ask about a document ("Classify whether this email is spam: ..."): without them the model learns
    that any request next to a document is an attack.
    """
    rng = random.Random(seed)
    docs = [x for x in docs if 40 <= len(x) <= 700]
    tasks = [x for x in tasks if 4 <= len(x) <= 40]
    if not docs or not tasks:
        return [], []
    out_ids: list[list[int]] = []
    out_labels: list[int] = []
    for _ in range(n):
        doc, task = rng.choice(docs), rng.choice(tasks)
        lo, hi = max(1, len(doc) // 10), len(doc) - len(doc) // 10
        cuts = [i for i in range(lo, hi) if doc[i - 1] in sentence_ends]
        cut = rng.choice(cuts) if cuts else len(doc) // 2
        framed = task + doc if rng.random() < 0.5 else doc + task
        out_ids += [doc[:cut] + task + doc[cut:], list(doc), framed]
        out_labels += [1, 0, 0]
    return out_ids, out_labels
