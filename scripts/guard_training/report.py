"""Tables from a results JSON written by a training run (scores per row), at a chosen threshold."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .data import is_synthetic
from .metrics import format_table, per_source, pooled


def recall_at_fpr(rows: list[dict], scores, max_fpr: float = 0.02) -> float:
    """Pooled recall at the threshold where pooled public benign FPR is max_fpr (a ranking-quality number)."""
    s = np.asarray(scores)
    y = np.array([int(r["label"]) for r in rows])
    neg = np.sort(s[y == 0])
    cut = neg[int(np.ceil(len(neg) * (1 - max_fpr))) - 1]
    return float((s[y == 1] > cut).mean())


def main(path: Path, threshold: float, suffix: str = "") -> dict:
    res = json.loads(path.read_text())
    rows = res["rows"]
    out: dict = {}
    oof = np.asarray(res[f"cv{suffix}"])
    pub = [i for i, r in enumerate(rows) if not is_synthetic(r)]
    syn = [i for i, r in enumerate(rows) if is_synthetic(r)]
    prow = [rows[i] for i in pub]
    out["cv_public"] = per_source(prow, oof[pub], threshold)
    out["cv_pooled"] = pooled(prow, oof[pub], threshold)
    out["cv_recall_at_2pct_pooled_fpr"] = recall_at_fpr(prow, oof[pub])
    out["cv_synthetic"] = per_source([rows[i] for i in syn], oof[syn], threshold)
    print(format_table(out["cv_public"], f"5-fold CV, out-of-fold, public sources @ {threshold}"))
    print("pooled:", out["cv_pooled"], "| recall at 2% pooled FPR:", round(out["cv_recall_at_2pct_pooled_fpr"], 3))
    print(format_table(out["cv_synthetic"], "5-fold CV, synthetic rows (training-only data, kept apart)"))
    for key in (f"loso{suffix}", "loso_no_synthetic" if not suffix else None):
        if not key or key not in res:
            continue
        table = {}
        for source, scores in res[key].items():
            table.update(per_source([r for r in rows if r["source"] == source], np.asarray(scores), threshold))
        out[key] = table
        print(format_table(table, f"{key}: trained without the source @ {threshold}"))
    return out
