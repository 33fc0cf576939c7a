"""Training rows for the injection classifier: the public development data plus the synthetic hard cases."""

from __future__ import annotations

import json
import random
from pathlib import Path

from .synthetic import generate

REPO = Path(__file__).resolve().parents[2]
DEV_FILE = REPO / "data" / "guard" / "injection_dev.jsonl"
SYNTHETIC_FILE = REPO / "data" / "guard" / "synthetic_hard_cases.jsonl"
# Benign requests that read like injections (firm instructions to the assistant, security talk, code full of
# "ignore" and "override", quoted documents, admin work), written by hand apart from the guard; a second file by
# another writer, injection_hard_negatives_heldout.jsonl, is kept for evaluation.
HARD_NEGATIVES_FILE = REPO / "data" / "guard" / "injection_hard_negatives_dev.jsonl"


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def write_synthetic(path: Path = SYNTHETIC_FILE) -> list[dict]:
    rows = generate()
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return rows


def load_rows(dev_file: Path = DEV_FILE, with_synthetic: bool = True, format_requests: int = 0,
              agent_requests: int = 0, jailbreak_frames: int = 0, hard_negatives: bool = False) -> list[dict]:
    """Dev rows first, then the synthetic rows (regenerated from the templates, so they always match them; with
    ``format_requests`` output-format rows, ``agent_requests`` agent rows and ``jailbreak_frames`` framed requests
    after them, which ``SYNTHETIC_FILE`` does not hold), then with ``hard_negatives`` the written hard negatives
    (source ``synthetic_hardneg_written``: ours, so reported apart from the public sources like the synthetic
    rows)."""
    rows = read_jsonl(dev_file)
    if with_synthetic:
        rows += generate(format_requests=format_requests, agent_requests=agent_requests,
                         jailbreak_frames=jailbreak_frames)
    if hard_negatives:
        rows += [{"text": r["text"], "label": 0, "source": "synthetic_hardneg_written", "subset": r["kind"]}
                 for r in read_jsonl(HARD_NEGATIVES_FILE)]
    return rows


def is_synthetic(row: dict) -> bool:
    return row["source"].startswith("synthetic_")


def contrast_groups(rows: list[dict], words: int = 12) -> list[list[int]]:
    """Rows that share a passage of ``words`` consecutive words with a row of the other label, as one group.

    That is a document and the same document with an instruction put into it (BIPIA builds its data so, and so do
    the synthetic document attacks): split over folds, the model is tested on a text it was trained on under the
    other label, which measures memory of the document, not detection of the instruction.
    """
    rows_of: dict[str, list[int]] = {}
    labels_of: dict[str, set[int]] = {}
    for i, row in enumerate(rows):
        w = row["text"].lower().split()
        for k in range(max(1, len(w) - words + 1)):
            passage = " ".join(w[k : k + words])
            rows_of.setdefault(passage, []).append(i)
            labels_of.setdefault(passage, set()).add(int(row["label"]))
    parent = list(range(len(rows)))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for passage, members in rows_of.items():
        if len(labels_of[passage]) == 2:
            for i in members[1:]:
                parent[root(i)] = root(members[0])
    groups: dict[int, list[int]] = {}
    for i in range(len(rows)):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


def stratified_folds(rows: list[dict], k: int, seed: int = 13) -> list[int]:
    """Fold number per row: every (source, label) group spread evenly over the k folds, contrast groups
    (``contrast_groups``) kept whole. Largest groups first, each into the fold where its rows' kinds are fewest."""
    rng = random.Random(seed)
    groups = contrast_groups(rows)
    rng.shuffle(groups)
    groups.sort(key=len, reverse=True)
    total: dict[tuple[str, int], int] = {}
    for row in rows:
        key = (row["source"], int(row["label"]))
        total[key] = total.get(key, 0) + 1
    load = [dict.fromkeys(total, 0) for _ in range(k)]
    fold = [0] * len(rows)
    for members in groups:
        kinds = [(rows[i]["source"], int(rows[i]["label"])) for i in members]
        start = rng.randrange(k)  # ties go to a random fold, so small kinds do not all start in fold 0
        best = min(range(start, start + k), key=lambda f: sum(load[f % k][kind] / total[kind] for kind in kinds)) % k
        for i, kind in zip(members, kinds, strict=True):
            fold[i] = best
            load[best][kind] += 1
    return fold
