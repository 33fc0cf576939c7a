"""Training rows for the injection classifier: the public development data plus the synthetic hard cases."""

from __future__ import annotations

import json
import random
from pathlib import Path

from .synthetic import generate

REPO = Path(__file__).resolve().parents[2]
DEV_FILE = REPO / "data" / "guard" / "injection_dev.jsonl"
SYNTHETIC_FILE = REPO / "data" / "guard" / "synthetic_hard_cases.jsonl"


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def write_synthetic(path: Path = SYNTHETIC_FILE) -> list[dict]:
    rows = generate()
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return rows


def load_rows(dev_file: Path = DEV_FILE, with_synthetic: bool = True) -> list[dict]:
    """Dev rows first, then the synthetic rows (regenerated from the templates, so they always match them)."""
    rows = read_jsonl(dev_file)
    if with_synthetic:
        rows += generate()
    return rows


def is_synthetic(row: dict) -> bool:
    return row["source"].startswith("synthetic_")


def stratified_folds(rows: list[dict], k: int, seed: int = 13) -> list[int]:
    """Fold number per row; every (source, label) group is spread evenly over the k folds."""
    rng = random.Random(seed)
    groups: dict[tuple[str, int], list[int]] = {}
    for i, row in enumerate(rows):
        groups.setdefault((row["source"], int(row["label"])), []).append(i)
    fold = [0] * len(rows)
    for key in sorted(groups):
        members = groups[key]
        rng.shuffle(members)
        offset = rng.randrange(k)  # so small groups do not all start filling fold 0
        for pos, i in enumerate(members):
            fold[i] = (pos + offset) % k
    return fold
