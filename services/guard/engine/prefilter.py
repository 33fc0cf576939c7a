"""The guard's first stage: static token vectors and a linear gate, cheap enough to read every token.

A transformer window costs ~12 ms on one core, so reading all of a 10,000-character text with both models would
blow the latency budget. Each window is first scored here (a table lookup and a dot product, microseconds); only
windows at or above the gate go on to the transformer classifier, and only texts whose static vector comes near
a policy rule go on to the transformer embedder; each screened text sends at most a few windows (``model_windows``,
the most suspicious first) to each transformer, so its cost is bounded whatever its length. The gates are set
low: in 5-fold and leave-one-source-out cross-validation the cascade catches what the classifier alone catches
(MODEL_CARD.md).

Weights in ``services/guard/models/prefilter/`` (trained by ``scripts/train_guard.py --prefilter``).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "prefilter"
BUCKETS = 1 << 18  # hashed token unigrams and bigrams
_BIGRAM = 1_000_003
# A window's gate score is the highest of the whole window and its chunks: one injected sentence in a window of
# ordinary prose is diluted in the window's features, not in its chunk's.
CHUNK_TOKENS, CHUNK_STRIDE = 64, 32


def chunks(ids: np.ndarray) -> list[np.ndarray]:
    """The window itself, then (if longer than a chunk) overlapping chunks covering every token."""
    if len(ids) <= CHUNK_TOKENS:
        return [ids]
    starts = range(0, len(ids) - CHUNK_TOKENS + CHUNK_STRIDE, CHUNK_STRIDE)
    return [ids, *(ids[s : s + CHUNK_TOKENS] for s in starts)]


def pick(scores: np.ndarray, owners: Sequence[Hashable], gate: float,
         budget: int | Mapping[Hashable, int]) -> list[int]:
    """Indices of the scores at or over ``gate``, highest first, at most ``budget`` per owner (0: no limit; a
    mapping: each owner's own).

    The owner is the screened text a window belongs to: a budget per text means windows of other messages (tool
    results, history) cannot use up a message's share.
    """
    taken: dict[Hashable, int] = {}
    chosen = []
    for i in np.argsort(-scores, kind="stable").tolist():
        if not scores[i] >= gate:
            break
        limit = budget if isinstance(budget, int) else budget[owners[i]]
        if not limit or taken.get(owners[i], 0) < limit:
            taken[owners[i]] = taken.get(owners[i], 0) + 1
            chosen.append(i)
    return chosen


class TokenTable:
    """One static vector per vocabulary token; a text's vector is the mean of its tokens', L2-normalised."""

    def __init__(self, vectors: np.ndarray) -> None:
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.dim = self.vectors.shape[1]

    def mean(self, ids: np.ndarray) -> np.ndarray:
        if len(ids) == 0:
            return np.zeros(self.dim, np.float32)
        v = self.vectors[ids].mean(0)
        return v / max(float(np.linalg.norm(v)), 1e-9)


def window_features(table: TokenTable, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hashed buckets, their log-count values L2-normalised, the mean static vector) of one token window."""
    ids = np.asarray(ids, dtype=np.int64)
    grams = np.concatenate([ids % BUCKETS, (ids[:-1] * _BIGRAM + ids[1:]) % BUCKETS])
    buckets, counts = np.unique(grams, return_counts=True)
    values = np.log1p(counts.astype(np.float32))
    values /= max(float(np.linalg.norm(values)), 1e-9)
    return buckets, values, table.mean(ids)


def load_plain_tokenizer(path: Path) -> Tokenizer:
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


@dataclass
class InjectionGate:
    """Logistic-regression score of a window. The classifier reads only windows scoring >= ``gate`` (at most a
    budget of them per text, the highest first); a window over the gate that the budget leaves out is judged by
    this score alone, an attack at >= ``alone`` (the score's own threshold, chosen like the classifier's)."""

    table: TokenTable
    hashed: np.ndarray
    dense: np.ndarray
    bias: float
    gate: float
    alone: float

    def score(self, ids: np.ndarray) -> float:
        return max(self.linear(part) for part in chunks(np.asarray(ids, dtype=np.int64)))

    def linear(self, ids: np.ndarray) -> float:
        buckets, values, dense = window_features(self.table, ids)
        return float(self.hashed[buckets] @ values + self.dense @ dense + self.bias)


class StaticEmbedder:
    """Texts to static vectors, centred on the development data's mean so that cosine separates topics."""

    def __init__(self, table: TokenTable, tokenizer: Tokenizer, centre: np.ndarray | None = None) -> None:
        self.table = table
        self.tokenizer = tokenizer
        self.centre = centre

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.table.dim), np.float32)
        for n, enc in enumerate(self.tokenizer.encode_batch(list(texts), add_special_tokens=False)):
            v = self.table.mean(np.asarray(enc.ids, dtype=np.int64))
            if self.centre is not None:
                v = v - self.centre
            out[n] = v / max(float(np.linalg.norm(v)), 1e-9)
        return out


@dataclass
class Prefilter:
    injection: InjectionGate
    static: StaticEmbedder
    policy_gate: float
    policy_calibration: dict  # {"policy_threshold": ..., "policies": {source: content hash}} the gate was set for

    @classmethod
    def load(cls, path: Path | None = None) -> Prefilter:
        """Loaded once per process and shared by both detectors (the token table is ~45 MB as float32)."""
        return _load(Path(path) if path is not None else MODEL_DIR)

    @classmethod
    def _read(cls, model_dir: Path) -> Prefilter:
        config = json.loads((model_dir / "config.json").read_text())
        with np.load(model_dir / "prefilter.npz") as z:
            table = TokenTable(z["table"].astype(np.float32) * z["table_scale"])
            gate = InjectionGate(table, z["hashed"], z["dense"], float(z["bias"]), float(config["injection_gate"]),
                                 float(config["injection_alone"]))
            centre = z["policy_centre"]
        static = StaticEmbedder(table, load_plain_tokenizer(model_dir / "tokenizer.json"), centre)
        _check(gate, static, float(config["policy_gate"]))
        return cls(gate, static, float(config["policy_gate"]), config.get("policy_gate_calibrated_for", {}))


def _check(gate: InjectionGate, static: StaticEmbedder, policy_gate: float) -> None:
    """Refuse damaged weights at start-up (the detectors are then unavailable: requests fail closed), rather than
    failing or mis-scoring every request."""
    table = gate.table.vectors
    problems = [
        table.shape[0] != static.tokenizer.get_vocab_size() and "token table does not match the tokenizer",
        gate.hashed.shape != (BUCKETS,) and "gate weights do not match the hash buckets",
        gate.dense.shape != (table.shape[1],) and "gate weights do not match the token vectors",
        static.centre is not None and static.centre.shape != (table.shape[1],) and "policy centre has the wrong size",
        not all(np.isfinite(a).all() for a in (table, gate.hashed, gate.dense)) and "non-finite weights",
        not (np.isfinite([gate.bias, gate.gate, gate.alone, policy_gate]).all() and policy_gate > 0)
        and "bad gate settings",
    ]
    bad = [p for p in problems if p]
    if bad:
        raise ValueError(f"prefilter model is damaged: {'; '.join(bad)}")


@functools.lru_cache(maxsize=2)
def _load(model_dir: Path) -> Prefilter:
    return Prefilter._read(model_dir)
