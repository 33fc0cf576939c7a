"""Train the guard's first stage (``services/guard/engine/prefilter.py``): static token vectors and a linear
injection gate, both cheap enough to read every token of a long text.

1. Static token vectors, distilled from all-MiniLM-L6-v2 (all 6 layers): every vocabulary token alone,
   ``[CLS] token [SEP]``, mean-pooled (as model2vec does), rotated by PCA and down-weighted when frequent (SIF
   weights over the vocabulary's frequency order), stored as int8 with one scale per row.
2. A logistic regression on each classifier window: hashed token unigrams and bigrams plus the window's mean
   static vector. 5-fold CV (the classifier's folds) gives out-of-fold window scores; the gate is their
   ``--gate-quantile`` over public benign windows. Windows under the gate skip the transformer.
3. The policy gate: a sentence's static vector (centred on the dev data's mean) against every rule chunk's;
   sentences under the gate skip the transformer embedder. The gate sits just under the lowest static similarity,
   over its sentences, of any labelled violation that the detector catches with every sentence embedded.

Where ``build/guard/results.json`` holds the classifier's out-of-fold window scores (``train_guard.py --cv 5``),
the cascade (gate, then classifier) is reported per source next to the classifier alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.linear_model import LogisticRegression

from services.guard.engine import prefilter as runtime
from services.guard.engine.config import GuardConfig
from services.guard.engine.injection import STRIDE_TOKENS, WINDOW_TOKENS, load_tokenizer, token_windows

from .data import is_synthetic, load_rows, stratified_folds
from .metrics import choose_threshold, format_table, per_source

POLICY_THRESHOLD = GuardConfig().policy_match_threshold  # the policy gate is calibrated for this threshold
SIF = 1e-4  # model2vec's SIF coefficient: weight = SIF / (SIF + p(token)), p from Zipf over the vocabulary order
C = 4.0  # inverse L2 strength of the logistic regression (best of 1, 4, 16 in 5-fold CV)


@torch.no_grad()
def distil_table(base: Path) -> np.ndarray:
    from transformers import BertModel

    model = BertModel.from_pretrained(str(base), add_pooling_layer=False, dtype=torch.float32).eval()
    size = model.config.vocab_size
    out = np.zeros((size, model.config.hidden_size), np.float32)
    for s in range(0, size, 1024):
        ids = torch.arange(s, min(s + 1024, size))
        seq = torch.stack([torch.full_like(ids, 101), ids, torch.full_like(ids, 102)], 1)
        hidden = model(input_ids=seq, attention_mask=torch.ones_like(seq),
                       token_type_ids=torch.zeros_like(seq)).last_hidden_state
        out[s : s + len(ids)] = hidden.mean(1).numpy()
    centred = out - out.mean(0)
    _, _, vt = np.linalg.svd(centred[1000:], full_matrices=False)  # rows under 1000 are [unused] and specials
    rank = np.arange(size) + 1.0
    p = (1 / rank) / (1 / rank).sum()
    return (centred @ vt.T) * (SIF / (SIF + p))[:, None]


def quantise(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scale = np.abs(table).max(1, keepdims=True) / 127
    scale[scale == 0] = 1.0
    return np.round(table / scale).astype(np.int8), scale.astype(np.float32)


def window_matrix(table: runtime.TokenTable, windows: list[np.ndarray]) -> sp.csr_matrix:
    """The runtime's features (prefilter.window_features) for many windows, as one sparse matrix."""
    data, cols, indptr = [], [], [0]
    for w in windows:
        buckets, values, dense = runtime.window_features(table, w)
        data += [values, dense]
        cols += [buckets, np.arange(runtime.BUCKETS, runtime.BUCKETS + table.dim)]
        indptr.append(indptr[-1] + len(buckets) + table.dim)
    return sp.csr_matrix((np.concatenate(data), np.concatenate(cols), np.array(indptr)),
                         shape=(len(windows), runtime.BUCKETS + table.dim))


def fit(x: sp.csr_matrix, y: np.ndarray) -> LogisticRegression:
    return LogisticRegression(C=C, max_iter=3000, class_weight="balanced").fit(x, y)


@dataclass
class Windows:
    """Every classifier window of the training rows, with its features, and its parts (the window and its chunks)
    as the runtime scores them: a window's gate score is the highest over its parts."""

    owner: np.ndarray  # row of each window
    x: sp.csr_matrix  # window features (what the gate is trained on)
    y: np.ndarray  # every window of an attack text counts as an attack
    parts: sp.csr_matrix  # features of every part
    part_of: np.ndarray  # window of each part

    def scores(self, model: LogisticRegression, windows: np.ndarray) -> np.ndarray:
        """Gate scores (max over parts) of the given windows, in that order."""
        best = np.full(len(self.owner), -np.inf)
        rows = np.where(np.isin(self.part_of, windows))[0]
        np.maximum.at(best, self.part_of[rows], model.decision_function(self.parts[rows]))
        return best[windows]


def cascade_hit(classifier: np.ndarray, gate_scores: np.ndarray, gate: float, alone: float, thr: float,
                budget: int) -> bool:
    """Whether the runtime cascade flags a text: the classifier on the windows ``runtime.pick`` reads, the gate
    score alone on the other windows over the gate."""
    read = runtime.pick(gate_scores, [0] * len(gate_scores), gate, budget)
    rest = [k for k in range(len(gate_scores)) if gate_scores[k] >= gate and k not in read]
    return bool((classifier[read] >= thr).any() or (gate_scores[rest] >= alone).any())


def cascade_report(rows, win: Windows, s1_oof, gate, alone, results_file: Path, loso: bool,
                   budget: int = 3) -> dict:
    """The classifier alone against the cascade as the runtime runs it (``cascade_hit``), with the runtime's
    default ``model_windows`` budget."""
    if not results_file.exists():
        print(f"(no {results_file}: run train_guard.py --cv 5 for the cascade table)")
        return {}
    res = json.loads(results_file.read_text())
    if "cv_windows" not in res or len(res["rows"]) != len(rows) or len(res["cv_windows"]) != len(rows):
        print(f"({results_file} has no matching cv_windows for every row: cascade table skipped)")
        return {}
    thr = float(res["cv_threshold"])
    pub = [i for i, r in enumerate(rows) if not is_synthetic(r)]
    classifier, cascade, escalated = [], [], []
    for i in pub:
        t, g = np.array(res["cv_windows"][str(i)]), s1_oof[win.owner == i]
        classifier.append(t.max())
        cascade.append(float(cascade_hit(t, g, gate, alone, thr, budget)))
        escalated.append(float((g >= gate).mean()))
    prow = [rows[i] for i in pub]
    print(format_table(per_source(prow, np.array(classifier), thr), f"classifier alone, out-of-fold @ {thr:.3f}"))
    print(format_table(per_source(prow, np.array(cascade), 0.5), f"gate, then classifier (budget {budget})"))
    esc = {s: round(float(np.mean([e for e, r in zip(escalated, prow, strict=True)
                                   if r["source"] == s and r["label"] == 0])), 3)
           for s in sorted({r["source"] for r in prow if r["label"] == 0})}
    print("share of benign windows sent to the classifier, per source:", esc)
    out = {"classifier": per_source(prow, np.array(classifier), thr),
           "cascade": per_source(prow, np.array(cascade), 0.5),
           "benign_windows_escalated": esc}
    if loso and "loso_windows" in res:
        out["loso"] = loso_report(rows, win, gate, alone, res, thr, budget)
    return out


def loso_report(rows, win: Windows, gate, alone, res, thr, budget) -> dict:
    """Each public source held out of the gate's training too, against the classifier's LOSO windows."""
    src = np.array([r["source"] for r in rows])
    table = {}
    for source in sorted({r["source"] for r in rows if not is_synthetic(r)}):
        idx = [i for i in np.where(src == source)[0].tolist() if str(i) in res["loso_windows"]]
        if not idx:
            continue
        held_out = src[win.owner] == source
        gate_scores = win.scores(fit(win.x[~held_out], win.y[~held_out]), np.where(held_out)[0])
        owners = win.owner[held_out]
        alone_scores, cascade = [], []
        for i in idx:
            t = np.array(res["loso_windows"][str(i)])
            alone_scores.append(t.max())
            cascade.append(float(cascade_hit(t, gate_scores[owners == i], gate, alone, thr, budget)))
        sub = [rows[i] for i in idx]
        a = per_source(sub, np.array(alone_scores), thr)[source]
        c = per_source(sub, np.array(cascade), 0.5)[source]
        table[source] = {"classifier": a, "cascade": c}
        key = "recall" if a["recall"] is not None else "fpr"
        print(f"LOSO {source:18s} {key} classifier {a[key]:.3f}  gate then classifier {c[key]:.3f}")
    return table


def policy_gate(table: runtime.TokenTable, tokenizer: Path, policies_dir: Path, cases: Path,
                dev_texts: list[str]) -> dict:
    """The static vectors' centre (the dev texts' mean), and the policy gate for it (policy_background.policy_gate)."""
    from .policy_background import policy_gate as gate_for

    static = runtime.StaticEmbedder(table, runtime.load_plain_tokenizer(tokenizer))
    static.centre = static.embed(dev_texts).mean(0)
    out = gate_for(static, GuardConfig(policies_dir=policies_dir, policy_threshold=POLICY_THRESHOLD), cases, dev_texts)
    print("policy gate:", out)
    return {"centre": static.centre, **out}


def train(base: Path, out_dir: Path, results_file: Path, gate_quantile: float, policies_dir: Path,
          policy_cases: Path, loso: bool) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    print("distilling static token vectors from", base, flush=True)
    q, scale = quantise(distil_table(base))
    table = runtime.TokenTable(q.astype(np.float32) * scale)  # exactly what the runtime will use
    tok = load_tokenizer(base / "tokenizer.json")
    rows = load_rows()
    owner, windows = [], []
    for i, enc in enumerate(tok.encode_batch([r["text"] for r in rows], add_special_tokens=False)):
        for w in token_windows(enc.ids, WINDOW_TOKENS, STRIDE_TOKENS):
            owner.append(i)
            windows.append(np.asarray(w, dtype=np.int64))
    parts = [(k, part) for k, w in enumerate(windows) for part in runtime.chunks(w)]
    win = Windows(owner=np.array(owner), x=window_matrix(table, windows),
                  y=np.array([int(rows[o]["label"]) for o in owner]),
                  parts=window_matrix(table, [part for _, part in parts]), part_of=np.array([k for k, _ in parts]))
    folds = np.array(stratified_folds(rows, 5))[win.owner]
    oof = np.full(len(windows), -np.inf)
    for f in range(5):
        test = np.where(folds == f)[0]
        oof[test] = win.scores(fit(win.x[folds != f], win.y[folds != f]), test)
        print(f"gate CV fold {f + 1}/5", flush=True)
    benign_pub = [k for k, o in enumerate(owner) if rows[o]["label"] == 0 and not is_synthetic(rows[o])]
    gate = float(np.quantile(oof[benign_pub], gate_quantile))
    print(f"injection gate {gate:.4f} ({gate_quantile:.0%} of public benign windows fall under it)")
    per_text = np.full(len(rows), -np.inf)
    np.maximum.at(per_text, win.owner, oof)
    pub = [i for i, r in enumerate(rows) if not is_synthetic(r)]
    alone = choose_threshold([rows[i] for i in pub], per_text[pub], floor=-np.inf, cap=np.inf)
    print(f"gate score's own threshold {alone:.4f} (every public benign source <= 1.5% FPR, out-of-fold)")
    report = cascade_report(rows, win, oof, gate, alone, results_file, loso)
    final = fit(win.x, win.y)
    dev_texts = [r["text"][:1200] for r in rows if not is_synthetic(r)]
    pol = policy_gate(table, base / "tokenizer.json", policies_dir, policy_cases, dev_texts)
    np.savez_compressed(
        out_dir / "prefilter.npz", table=q, table_scale=scale,
        hashed=final.coef_[0, : runtime.BUCKETS].astype(np.float32),
        dense=final.coef_[0, runtime.BUCKETS :].astype(np.float32), bias=np.float32(final.intercept_[0]),
        policy_centre=pol["centre"].astype(np.float32),
    )
    config = {"injection_gate": round(gate, 4), "injection_alone": round(alone, 4), "gate_quantile": gate_quantile,
              "policy_gate": pol["gate"], "policy_gate_calibrated_for": pol["calibrated_for"],
              "buckets": runtime.BUCKETS, "window_tokens": WINDOW_TOKENS, "stride_tokens": STRIDE_TOKENS,
              "table": "all-MiniLM-L6-v2 (6 layers) token vectors, mean-pooled [CLS] t [SEP], PCA, SIF 1e-4, int8"}
    (out_dir / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    (out_dir / "metrics.json").write_text(json.dumps(
        {"cascade": report, "policy": {k: v for k, v in pol.items() if k != "centre"}}, indent=2) + "\n")
    import shutil

    shutil.copy(base / "tokenizer.json", out_dir / "tokenizer.json")
    print("wrote", out_dir, f"{(out_dir / 'prefilter.npz').stat().st_size / 1e6:.1f} MB")
