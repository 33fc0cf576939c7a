"""The offline embedder: plain all-MiniLM-L6-v2 sentence embeddings from the committed int8 ONNX model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from services.guard.engine.embedder import DIMENSION, MODEL_DIR, Embedder


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder.load()


def test_shape_dtype_and_unit_length(embedder: Embedder) -> None:
    vectors = embedder.embed(["Hello world", "A much longer sentence about quarterly budgets and hiring plans.", ""])
    assert vectors.shape == (3, DIMENSION)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_empty_batch(embedder: Embedder) -> None:
    assert embedder.embed([]).shape == (0, DIMENSION)


def test_matches_sentence_transformers_reference(embedder: Embedder) -> None:
    # reference.json holds fp32 embeddings computed with sentence-transformers itself; int8 may move them a little.
    ref = json.loads((MODEL_DIR / "reference.json").read_text())
    got = embedder.embed(ref["texts"])
    cosine = (got * np.asarray(ref["embeddings"], dtype=np.float32)).sum(axis=1)
    assert cosine.min() > 0.97, cosine


@pytest.mark.parametrize(
    ("anchor", "paraphrase", "unrelated"),
    [
        ("How do I reset my password?", "What are the steps to change my login password?",
         "The best time to plant tomatoes is late spring."),
        ("Employees must not share customer data with outside parties.",
         "Staff may not give client information to third parties.", "Our cafeteria serves pizza on Fridays."),
        ("Can I expense a business dinner with a client?", "Is a client dinner reimbursable as a work expense?",
         "The Eiffel Tower is in Paris."),
    ],
)
def test_paraphrases_are_closer_than_unrelated_texts(embedder: Embedder, anchor, paraphrase, unrelated) -> None:
    a, p, u = embedder.embed([anchor, paraphrase, unrelated])
    assert float(a @ p) > float(a @ u) + 0.2


def test_padding_does_not_change_an_embedding(embedder: Embedder) -> None:
    short = "Refunds are processed within 14 days."
    alone = embedder.embed([short])[0]
    batched = embedder.embed([short, "A far longer text " * 40])[0]
    assert float(alone @ batched) > 0.999


def test_long_text_is_truncated_not_rejected(embedder: Embedder) -> None:
    vector = embedder.embed(["word " * 5000])
    assert vector.shape == (1, DIMENSION) and np.isfinite(vector).all()
