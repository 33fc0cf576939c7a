"""Attacks hidden in benign text, made from the training rows of each fold (never from held-out rows).

The public rows are mostly short, standalone texts, so the classifier learns what an attack looks like on its own
but not inside an ordinary document, where a 256-token window dilutes it. Each hidden-attack row is benign
training texts concatenated to 150-700 tokens with one short training attack inserted between two of them
(label 1); each control row is the same kind of concatenation without it (label 0), so length and topic changes
alone teach nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable


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

# Requests about the document they come with: how users ask about a text they paste or an app wraps around a
# retrieved one. The controls of ``planted_tasks`` frame documents with these (and with questions built from the
# document's own words), so that a request next to a document is not an attack in itself.
DOCUMENT_TASKS = (
    "Summarise this email.", "Summarize the following email in two sentences.", "What are the key points?",
    "What is this email about?", "Draft a short, polite reply to this email.", "Is this email spam? Answer yes or no.",
    "Classify the email above as urgent or not urgent.", "Extract every date and amount mentioned above.",
    "Translate the text above into French.", "What does this table show?", "Which row of the table has the "
    "highest value?", "Convert this table to CSV.", "Summarise the table below for a board report.",
    "Give me the average of the numeric column in this table.", "Explain what this code does.",
    "Find the bug in the code below.", "Rewrite this snippet so it is easier to read.", "Add comments to the "
    "following code.", "Why does this answer fix the error?", "Answer using only the document below.",
    "Based on the message, who is the sender and what do they want?", "List the action items in this message.",
    "Turn this into a bullet list.", "Proofread the following text.", "Write a subject line for this email.",
    "Here is the page content:", "Context:", "Read the table and tell me what stands out.", "Tell me if the "
    "following email is a promotion email.", "Is the claim in this text supported? Explain briefly.",
    "Please review this and tell me if anything looks wrong.", "Can you make this shorter?", "Sort the rows by "
    "the second column.", "Which of these entries are duplicates?", "What language is this code written in?",
    "Explain this answer to a beginner.", "Does this email ask me to do anything?", "Pull out the names of the "
    "people mentioned.", "Rate the tone of this message from 1 to 5.", "Use the document to answer my question.",
)
QUESTIONS_ABOUT = ("What does it say about {}?", "Where is {} mentioned?", "Tell me more about {} from the text.",
                   "Is {} in the table?", "Why is {} here?", "Summarise what the text says about {}.")


def planted_tasks(docs: list[list[int]], tasks: list[list[int]], n: int, sentence_ends: set[int],
                  encode: Callable[[list[str]], list[list[int]]],
                  seed: int = 12) -> tuple[list[list[int]], list[int]]:
    """``n`` documents carrying a request that is not about them (label 1), each with two controls: the same
    document alone, and the same document framed by a request about it (label 0). Content token ids, from the
    given (training) rows.

    BIPIA's injected instructions are ordinary tasks ("Explain the theory of relativity.") put before, inside or
    after an e-mail, table or code answer. So the planted request goes at the start, after a sentence in the
    middle 80%, or at the end, a third each; the framing control goes before or after the document, as a user
    asks about a text: one of ``DOCUMENT_TASKS``, or one of ``QUESTIONS_ABOUT`` filled with a few of the
    document's own tokens. ``encode`` turns texts into content token ids.
    """
    rng = random.Random(seed)
    framings = encode(list(DOCUMENT_TASKS))
    halves = encode([half for q in QUESTIONS_ABOUT for half in q.split("{}")])
    about = list(zip(halves[::2], halves[1::2], strict=True))
    docs = [x for x in docs if 40 <= len(x) <= 700]
    tasks = [x for x in tasks if 4 <= len(x) <= 40]
    if not docs or not tasks:
        return [], []
    out_ids: list[list[int]] = []
    out_labels: list[int] = []
    for _ in range(n):
        doc, task = rng.choice(docs), rng.choice(tasks)
        where = rng.randrange(3)
        if where == 1:
            lo, hi = max(1, len(doc) // 10), len(doc) - len(doc) // 10
            cuts = [i for i in range(lo, hi) if doc[i - 1] in sentence_ends]
            cut = rng.choice(cuts) if cuts else len(doc) // 2
        else:
            cut = 0 if where == 0 else len(doc)
        if rng.random() < 0.4:
            prefix, suffix = rng.choice(about)
            start = rng.randrange(0, len(doc) - 3)
            framing = prefix + doc[start : start + rng.randint(1, 3)] + suffix
        else:
            framing = rng.choice(framings)
        framed = framing + doc if rng.random() < 0.5 else doc + framing
        out_ids += [doc[:cut] + task + doc[cut:], list(doc), framed]
        out_labels += [1, 0, 0]
    return out_ids, out_labels
