"""The classifier in torch: the first N layers of all-MiniLM-L6-v2, then one linear logit, pooled over tokens.

Pooling ``mean`` (shipped): the logit of the window's mean hidden state. ``lse`` (tried, MODEL_CARD.md): one
logit per token, pooled by log-mean-exp, so that a short instruction inside a long window is not averaged away.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn
from transformers import BertModel

FROZEN = "encoder.embeddings.word_embeddings.weight"
POOLINGS = ("mean", "lse")


class InjectionModel(nn.Module):
    def __init__(self, encoder: BertModel, dropout: float = 0.1, pooling: str = "mean") -> None:
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, not {pooling!r}")
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(encoder.config.hidden_size, 1)
        self.pooling = pooling

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Logit per row. Without a mask every token counts (one unpadded window: the exported graph's case)."""
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
        if self.pooling == "lse":
            logits = self.head(self.dropout(hidden)).squeeze(-1).float()
            if attention_mask is None:  # the count comes from the graph, so the export keeps a dynamic length
                return torch.logsumexp(logits, 1) - torch.log(torch.ones_like(logits).sum(1))
            logits = logits.masked_fill(attention_mask == 0, float("-inf"))
            return torch.logsumexp(logits, 1) - torch.log(attention_mask.sum(1).float())
        if attention_mask is None:
            return self.head(self.dropout(hidden.mean(1))).squeeze(-1)
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return self.head(self.dropout(pooled)).squeeze(-1)


def build_model(base_dir: Path, num_layers: int, pooling: str = "mean") -> InjectionModel:
    encoder = BertModel.from_pretrained(str(base_dir), num_hidden_layers=num_layers, add_pooling_layer=False,
                                        dtype=torch.float32)
    model = InjectionModel(encoder, pooling=pooling)
    # The 30k-row token table stays as pre-trained: rare and non-English tokens keep their meaning although
    # the training data barely covers them, and the table is identical to the embedder's.
    model.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    return model


def save_delta(model: InjectionModel, out: Path, recipe: dict, max_bytes: int = 12_000_000) -> list[Path]:
    """Save every weight but the frozen token table as fp16 safetensors, split into files under max_bytes, each
    carrying the recipe it was trained with (layers, pooling, epochs, ...): the export reads it back, so a delta
    from a GPU run is exported as what it is, whatever flags the exporting command line has."""
    from safetensors.torch import save_file

    parts: list[dict[str, torch.Tensor]] = [{}]
    size = 0
    for name, tensor in model.state_dict().items():
        if name == FROZEN:
            continue
        t = tensor.detach().to("cpu", torch.float16).contiguous()
        if size + t.numel() * 2 > max_bytes and parts[-1]:
            parts.append({})
            size = 0
        parts[-1][name] = t
        size += t.numel() * 2
    paths = []
    for n, part in enumerate(parts):
        path = out.with_name(f"{out.name}.part{n}.safetensors")
        save_file(part, str(path), metadata={"recipe": json.dumps(recipe)})
        paths.append(path)
    return paths


def delta_recipe(parts: list[Path]) -> dict | None:
    """The recipe a delta was saved with (None for a delta saved before deltas carried one)."""
    from safetensors import safe_open

    with safe_open(str(parts[0]), "pt") as f:
        recipe = (f.metadata() or {}).get("recipe")
    return None if recipe is None else json.loads(recipe)


def load_delta(base_dir: Path, num_layers: int, parts: list[Path], pooling: str = "mean") -> InjectionModel:
    from safetensors.torch import load_file

    model = build_model(base_dir, num_layers, pooling)
    state = {}
    for p in parts:
        state.update({k: v.float() for k, v in load_file(str(p)).items()})
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or [m for m in missing if m != FROZEN]:
        raise ValueError(f"delta does not fit: missing={missing} unexpected={unexpected}")
    return model.eval()
