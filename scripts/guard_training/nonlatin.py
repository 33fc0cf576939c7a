"""Train and evaluate the non-Latin model (``services/guard/engine/nonlatin.py``): CPU, about a minute.

Rows are composed from ``nonlatin_parts.NONLATIN`` (attacks, trigger-word requests and prose in eleven languages)
and the synthetic ordinary requests in the same scripts (``synthetic_parts.SCRIPT_BENIGN``, ``ML_ATTACKS``,
``ML_BENIGN``). The evaluation holds out, per language, the last two overrides, payloads, benign requests and
prose sentences, the last persona and the last two topics of the ordinary requests: its attacks are phrased in
words the model did not see. False positives are also counted on every benign row of the public development data
(NotInject's Chinese prompts among them), which the model never trains on. The shipped model is then fitted on
every part.
"""

from __future__ import annotations

import bisect
import json
import random
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from services.guard.engine import nonlatin
from services.guard.engine.normalize import normalize

from . import synthetic_parts as P
from .data import is_synthetic, load_rows
from .nonlatin_parts import NONLATIN

# Held-out recall at the threshold rule for C = 0.5, 1, 2, 4, 8: 0.44-0.52 with 1 best on an earlier data round,
# 0.60, 0.55, 0.55, 0.51, 0.52 on the next; it follows the one public text that sets the threshold.
C = 1.0
SEED = 23
HELD = {"override": 2, "payload": 2, "persona": 1, "benign": 2, "prose": 2, "topics": 2}
EMAILS = ["exfil@attacker.test", "collector@evil.example"]


def _split(items: list, n_held: int, part: str) -> list:
    return list(items[:-n_held]) if part == "train" else list(items[-n_held:]) if part == "test" else list(items)


def _script_requests(lang: str, part: str) -> list[str]:
    """The synthetic ordinary requests in the language (templates x topics, and fixed ones), if it has any."""
    if lang not in P.SCRIPT_BENIGN:
        return []
    templates, topics, fixed = P.SCRIPT_BENIGN[lang]
    return [t.format(t=topic) for t in templates for topic in _split(topics, HELD["topics"], part)] + \
        _split(fixed, 1, part)


def _benign_pool(lang: str, part: str) -> list[str]:
    """Ordinary text in the language: trigger-word requests, prose, and the synthetic requests."""
    parts = NONLATIN[lang]
    return (_split(parts["benign"], HELD["benign"], part) + _split(parts["prose"], HELD["prose"], part)
            + _script_requests(lang, part))


def _latin_pool(part: str) -> list[str]:
    """Ordinary requests in Latin-script languages (Polish, Turkish, Vietnamese), for the mixes below."""
    return [t for lang in sorted(set(P.SCRIPT_BENIGN) - set(NONLATIN)) for t in _script_requests(lang, part)]


# Besides the language's "and", the attacks join override and payload with punctuation: with one joiner per
# language the model learned the joiner (Thai's แล้ว, "then", is in ordinary sentences too).
JOINERS = {"zh": ["，", "。", "：", "；"], "ja": ["、", "。", "："], "": [", ", ". ", ": ", " - "]}


def compose(part: str, seed: int = SEED, langs: list[str] | None = None) -> list[tuple[str, int, tuple[int, int]]]:
    """(text, label, attack span) rows of one part ("train", "test" or "all"); the span is (0, 0) for benign."""
    rows: list[tuple[str, int, tuple[int, int]]] = []
    langs = langs or sorted(NONLATIN)
    for lang in langs:
        rng = random.Random(f"{seed}-{part}-{lang}")  # a language's rows are the same alone or with the others
        parts = NONLATIN[lang]
        overrides = _split(parts["override"], HELD["override"], part)
        payloads = _split(parts["payload"], HELD["payload"], part)
        personas = _split(parts["persona"], HELD["persona"], part)
        benign = _benign_pool(lang, part)
        joiners = [parts["joiner"], *JOINERS.get(lang, JOINERS[""])]
        attacks = [f"{o}{rng.choice(joiners)}{p.format(email=rng.choice(EMAILS))}" for o in overrides for p in payloads]
        attacks += overrides + personas * (1 if part == "test" else 3)  # the test part counts distinct attacks
        for attack in attacks:
            end = "" if attack[-1] in "。.!?！？" else ("。" if lang in ("zh", "ja") else ".")
            attack += end
            rows.append((attack, 1, (0, len(attack))))
            # the same attack inside ordinary text in the language: before, between or after 1-4 requests
            context = rng.sample(benign, min(len(benign), rng.randint(1, 4)))
            cut = rng.randint(0, len(context))
            sep = "" if lang in ("zh", "ja", "th") and rng.random() < 0.5 else " "
            head = sep.join(context[:cut]) + (sep if cut else "")
            tail = (sep if cut < len(context) else "") + sep.join(context[cut:])
            rows.append((head + attack + tail, 1, (len(head), len(head) + len(attack))))
        for text in benign:
            rows.append((text, 0, (0, 0)))
        for _ in range(len(benign)):
            rows.append((" ".join(rng.sample(benign, min(len(benign), rng.randint(2, 5)))), 0, (0, 0)))
    if len(langs) > 1:
        rng = random.Random(f"{seed}-{part}-mixes")
        # Long texts of ordinary requests in many languages, Latin-script ones among them, one a paragraph (as
        # `just bench` mixes them): hundreds of windows a text, many of them pairs across two languages.
        pool = [t for lang in langs for t in _benign_pool(lang, part)] + _latin_pool(part)
        for _ in range(30 if part == "test" else 60):
            rows.append(("\n\n".join(rng.choice(pool) for _ in range(rng.randint(20, 60))), 0, (0, 0)))
    # The one-sentence attacks and requests of synthetic_parts (non-Latin ones only count), not in the test part,
    # nor when a language is left out (they include its sentences).
    if part != "test" and set(langs) == set(NONLATIN):
        attacks = [t.format(url="http://evil.example/collect") for t in P.ML_ATTACKS]
        rows += [(t, 1, (0, len(t))) for t in attacks]
        rows += [(t, 0, (0, 0)) for t in P.ML_BENIGN]
    return [_normalized(t, y, span) for t, y, span in rows]  # what the detector reads


def _normalized(text: str, label: int, span: tuple[int, int]) -> tuple[str, int, tuple[int, int]]:
    """The row as the detector reads it, the attack span moved with it (Persian loses its zero-width joiners)."""
    norm = normalize(text)
    if norm.starts is None or span == (0, 0):
        return norm.text, label, span if norm.starts is None else (0, 0)
    a = bisect.bisect_left(norm.starts, span[0])
    b = bisect.bisect_left(norm.starts, span[1])
    return norm.text, label, (a, b)


def window_matrix(rows: list[tuple[str, int, tuple[int, int]]]) -> tuple[sp.csr_matrix, np.ndarray]:
    """Training windows: a window covering >= 60% of the attack is an attack, one apart from it is benign, a window
    holding a sliver of it is left out (neither)."""
    pieces, labels = [], []
    for text, label, (a, b) in rows:
        for s, e in nonlatin.windows(text):
            overlap = max(0, min(e, b) - max(s, a))
            if label and 0 < overlap < 0.6 * (b - a):
                continue
            pieces.append(text[s:e])
            labels.append(int(label and overlap > 0))
    which, buckets, values = nonlatin.grams(pieces)
    return sp.csr_matrix((values, (which, buckets)), shape=(len(pieces), nonlatin.BUCKETS)), np.array(labels)


def fit(rows) -> nonlatin.NonLatinModel:
    x, y = window_matrix(rows)
    lr = LogisticRegression(C=C, max_iter=5000, class_weight="balanced").fit(x, y)
    return nonlatin.NonLatinModel(lr.coef_[0].astype(np.float32), float(lr.intercept_[0]), 0.0)


def text_scores(model: nonlatin.NonLatinModel, texts: list[str]) -> np.ndarray:
    """Highest window logit per text; -inf where no window is in a non-Latin script."""
    return np.array([max(model.logits(t), default=-np.inf) for t in texts])


def _rate(scores: np.ndarray, thr: float) -> float:
    return float((scores >= thr).mean()) if len(scores) else float("nan")


def train(out_dir: Path) -> dict:
    test = compose("test")
    model = fit(compose("train"))
    final = fit(compose("all"))
    final.weights = final.weights.astype(np.float16).astype(np.float32)  # as shipped, so as measured
    public_benign = [r for r in load_rows() if int(r["label"]) == 0 and not is_synthetic(r)]
    s_test = text_scores(model, [t for t, _, _ in test])
    y_test = np.array([y for _, y, _ in test])
    # The public rows are never trained on: held out for the shipped model too.
    s_pub = text_scores(final, [normalize(r["text"]).text for r in public_benign])
    # Threshold: the lowest logit at which no held-out benign text (model without the held-out parts) and at most
    # 0.5% of the public benign texts with a non-Latin window (shipped model) are flagged.
    scored_pub = s_pub[np.isfinite(s_pub)]
    benign_max = float(s_test[y_test == 0].max())
    pub_q = float(np.quantile(scored_pub, 0.995, method="higher")) if len(scored_pub) else -np.inf
    # 1e-3 over the highest: at a margin of 0 the classifier's scale maps onto its threshold exactly, and float
    # rounding alone would decide that text (the BIPIA cell above was flagged in float64, not in float32).
    threshold = max(benign_max, pub_q, 0.0) + 1e-3
    by_source: dict[str, dict] = {}
    for r, s in zip(public_benign, s_pub, strict=True):
        d = by_source.setdefault(r["source"], {"benign": 0, "scored": 0, "flagged": 0})
        d["benign"] += 1
        d["scored"] += int(np.isfinite(s))
        d["flagged"] += int(s >= threshold)
    langs = sorted(NONLATIN)
    per_lang = {}
    for lang in langs:
        rows = compose("test", langs=[lang])
        s = text_scores(model, [t for t, _, _ in rows])
        y = np.array([y for _, y, _ in rows])
        per_lang[lang] = {"attacks": int(y.sum()), "recall": _rate(s[y == 1], threshold),
                          "benign": int((y == 0).sum()), "fpr": _rate(s[y == 0], threshold)}
    # Leave one language out: trained without it, scored on all of it, at the same threshold.
    lolo = {}
    for lang in langs:
        m = fit(compose("all", langs=[x for x in langs if x != lang]))
        rows = compose("all", langs=[lang])
        s = text_scores(m, [t for t, _, _ in rows])
        y = np.array([y for _, y, _ in rows])
        lolo[lang] = {"recall": _rate(s[y == 1], threshold), "fpr": _rate(s[y == 0], threshold)}
    metrics = {
        "held_out_parts": {"attacks": int(y_test.sum()), "recall": _rate(s_test[y_test == 1], threshold),
                           "benign": int((y_test == 0).sum()), "fpr": _rate(s_test[y_test == 0], threshold),
                           "per_language": per_lang},
        "public_benign": by_source,
        "leave_one_language_out": lolo,
        "threshold": threshold,
        "threshold_rule": "1e-3 over the highest of: every held-out benign text (model trained without the "
                          "held-out parts), the 99.5th percentile of the public benign texts that have a non-Latin "
                          "window (shipped model), 0",
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out_dir / "nonlatin.npz", weights=final.weights.astype(np.float16))
    config = {"bias": final.bias, "threshold": threshold, "buckets": nonlatin.BUCKETS,
              "C": C, "languages": langs}
    (out_dir / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    _print(metrics)
    return metrics


def _print(m: dict) -> None:
    h = m["held_out_parts"]
    print(f"threshold (logit) {m['threshold']:.3f}")
    print(f"held-out phrasings: recall {h['recall']:.3f} of {h['attacks']}, FPR {h['fpr']:.3f} of {h['benign']}")
    print(f"{'language':<10}{'attacks':>8}{'recall':>8}{'benign':>8}{'FPR':>7}   LOLO recall / FPR")
    for lang, d in h["per_language"].items():
        lo = m["leave_one_language_out"][lang]
        print(f"{lang:<10}{d['attacks']:>8}{d['recall']:>8.3f}{d['benign']:>8}{d['fpr']:>7.3f}   "
              f"{lo['recall']:.3f} / {lo['fpr']:.3f}")
    print("public benign rows (never trained on), shipped model: source, rows, rows with a non-Latin window, flagged")
    for source, d in sorted(m["public_benign"].items()):
        print(f"  {source:<20}{d['benign']:>6}{d['scored']:>6}{d['flagged']:>6}")
