"""Per-source recall / false-positive rate, and the threshold rule."""

from __future__ import annotations

import numpy as np


def per_source(rows: list[dict], scores, threshold: float) -> dict[str, dict]:
    """{source: {n, n_attack, n_benign, recall, fpr}} at threshold (recall/fpr None where a class is absent)."""
    table: dict[str, dict] = {}
    for source in sorted({r["source"] for r in rows}):
        idx = [i for i, r in enumerate(rows) if r["source"] == source]
        pos = [scores[i] >= threshold for i in idx if int(rows[i]["label"]) == 1]
        neg = [scores[i] >= threshold for i in idx if int(rows[i]["label"]) == 0]
        table[source] = {"n": len(idx), "n_attack": len(pos), "n_benign": len(neg),
                         "recall": float(np.mean(pos)) if pos else None, "fpr": float(np.mean(neg)) if neg else None}
    return table


def pooled(rows: list[dict], scores, threshold: float) -> dict:
    y = np.array([int(r["label"]) for r in rows])
    s = np.asarray(scores)
    return {"n": len(rows), "recall": float((s[y == 1] >= threshold).mean()) if (y == 1).any() else None,
            "fpr": float((s[y == 0] >= threshold).mean()) if (y == 0).any() else None}


def choose_threshold(rows: list[dict], scores, max_fpr: float = 0.015, floor: float = 0.5,
                     cap: float = 0.999) -> float:
    """Lowest threshold (not under floor) at which every benign source's FPR is at most max_fpr.

    Per source, not pooled: the big easy benign sources must not hide a hard one. The margin under the 2%
    target leaves room for the harder negatives of data we cannot see. Mostly short texts decide it: check a
    candidate against long benign prompts before shipping it (MODEL_CARD.md, THRESHOLD).
    """
    s = np.asarray(scores)
    limit = floor
    for source in {r["source"] for r in rows}:
        neg = np.sort(np.array([s[i] for i, r in enumerate(rows) if r["source"] == source and int(r["label"]) == 0]))
        if len(neg) == 0:
            continue
        allowed = int(np.floor(max_fpr * len(neg)))  # false positives this source may have
        # Threshold just above the (allowed+1)-th highest benign score.
        cut = neg[len(neg) - allowed - 1] if allowed < len(neg) else 0.0
        limit = max(limit, float(np.nextafter(np.float32(cut), np.float32(np.inf))))
    return min(limit, cap)


def format_table(table: dict[str, dict], title: str) -> str:
    lines = [title, f"{'source':34s} {'n':>5s} {'attacks':>7s} {'recall':>7s} {'benign':>7s} {'FPR':>7s}"]
    for source, m in table.items():
        rec = f"{m['recall']:.3f}" if m["recall"] is not None else "-"
        fpr = f"{m['fpr']:.3f}" if m["fpr"] is not None else "-"
        lines.append(f"{source:34s} {m['n']:5d} {m['n_attack']:7d} {rec:>7s} {m['n_benign']:7d} {fpr:>7s}")
    return "\n".join(lines)
