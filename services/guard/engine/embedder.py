"""Offline sentence embedder: all-MiniLM-L6-v2 as int8 ONNX, pooled exactly like sentence-transformers.

sentence-transformers runs this model as Transformer (max_seq_length 256) -> mean pooling over non-padding
tokens -> L2 normalisation; the same three steps are done here with onnxruntime and numpy, no torch. Weights are
in ``services/guard/models/embedder/``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from services.guard.engine import deadline
from services.guard.engine.injection import create_session

MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "embedder"
DIMENSION = 384


class Embedder:
    """Turns texts into L2-normalised 384-d float32 vectors; cosine similarity is then a dot product."""

    # batch_size 1: int8 dynamic quantisation scales activations per batch, so a text batched with others would
    # get a (slightly) different vector than alone; one at a time keeps embeddings deterministic and unpadded.
    def __init__(self, session, tokenizer: Tokenizer, max_seq_length: int = 256, batch_size: int = 1,
                 version: str = "") -> None:
        self.session = session
        # Which model made a vector: a stored policy index (Weaviate) re-embeds its rules when this changes.
        self.version = version
        self.tokenizer = tokenizer
        self.batch_size = batch_size
        # Same truncation as sentence-transformers (max_seq_length), padding to the longest text in a batch.
        tokenizer.enable_truncation(max_seq_length)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 (a token, not a secret)

    @classmethod
    def load(cls, path: Path | None = None, *, threads: int = 1) -> Embedder:
        model_dir = Path(path) if path is not None else MODEL_DIR
        settings = json.loads((model_dir / "config.json").read_text())
        model_file = model_dir / settings["onnx_file"]
        return cls(create_session(model_file, threads), Tokenizer.from_file(str(model_dir / "tokenizer.json")),
                   max_seq_length=settings.get("max_seq_length", 256),
                   version=hashlib.sha256(model_file.read_bytes()).hexdigest()[:16])

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embeddings of shape (len(texts), 384), float32, each row of unit length."""
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        # Length-sorted batches: padding to the longest text costs less when lengths are alike.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            deadline.check()
            chunk = order[start : start + self.batch_size]
            enc = self.tokenizer.encode_batch([texts[i] for i in chunk])
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            (hidden,) = self.session.run(["last_hidden_state"], {"input_ids": ids, "attention_mask": mask})
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[chunk] = pooled / np.clip(norms, 1e-12, None)
        return out
