"""Fine-tuning loop and windowed prediction (torch), shared by cross-validation and the final model."""

from __future__ import annotations

import math
import random
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from services.guard.engine.injection import token_windows

from .model import InjectionModel, build_model

CLS_ID, SEP_ID = 101, 102


def pad_batch(seqs: list[list[int]], cls_id: int, sep_id: int) -> tuple[np.ndarray, np.ndarray]:
    """[CLS] seq [SEP], right-padded with 0 to the longest in the batch; returns (input_ids, attention_mask)."""
    width = max(len(s) for s in seqs) + 2
    ids = np.zeros((len(seqs), width), dtype=np.int64)
    mask = np.zeros((len(seqs), width), dtype=np.int64)
    for row, seq in enumerate(seqs):
        ids[row, : len(seq) + 2] = [cls_id, *seq, sep_id]
        mask[row, : len(seq) + 2] = 1
    return ids, mask


@dataclass
class TrainConfig:
    num_layers: int = 4
    max_len: int = 256
    epochs: int = 3
    batch_size: int = 32
    lr: float = 8e-5
    weight_decay: float = 0.01
    warmup: float = 0.1
    seed: int = 7
    window: int = 256
    stride: int = 192
    max_windows: int = 8
    predict_window: int | None = None  # windows scored at inference (None: window/stride as in training)
    predict_stride: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def _batches(lengths: list[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar length (sorted inside pools of 50 batches) to waste little padding."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    pool = batch_size * 50
    batches = []
    for s in range(0, len(order), pool):
        chunk = sorted(order[s : s + pool], key=lambda i: lengths[i])
        batches += [chunk[j : j + batch_size] for j in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def _limit(windows: list[list[int]], cap: int) -> list[list[int]]:
    """At most cap windows, evenly spread and always with the first and the last (bounds memory per text)."""
    if len(windows) <= cap:
        return windows
    picks = sorted({round(k * (len(windows) - 1) / (cap - 1)) for k in range(cap)})
    return [windows[k] for k in picks]


def train(base_dir: Path, ids: list[list[int]], labels: list[int], cfg: TrainConfig, device: str,
          max_steps: int | None = None, log=print) -> InjectionModel:
    """Fine-tune on content token ids (no specials); returns the model in eval mode."""
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    # Multiple-instance learning: a text is cut into the same windows as at inference and its logit is the max
    # over them, so an instruction deep in a long document teaches the window that holds it, not the first one.
    windows = [_limit(token_windows(x, cfg.max_len, cfg.stride), cfg.max_windows) for x in ids]
    model = build_model(base_dir, cfg.num_layers).to(device)
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.ndim > 1]
    no_decay = [p for p in params if p.ndim <= 1]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=cfg.lr)
    steps_per_epoch = math.ceil(len(ids) / cfg.batch_size)
    total = steps_per_epoch * cfg.epochs if max_steps is None else max_steps
    warm = max(1, int(total * cfg.warmup))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (total - s) / max(1, total - warm)))
    y_all = torch.tensor(labels, dtype=torch.float32)
    lengths = [sum(len(w) for w in ws) for ws in windows]
    use_amp = device.startswith("cuda")
    step = 0
    model.train()
    for epoch in range(cfg.epochs):
        running = 0.0
        for batch in _batches(lengths, cfg.batch_size, rng):
            if step >= total:
                break
            pieces = [w for i in batch for w in windows[i]]
            owner = torch.tensor([n for n, i in enumerate(batch) for _ in windows[i]], device=device)
            input_ids, mask = pad_batch(pieces, CLS_ID, SEP_ID)
            input_ids = torch.from_numpy(input_ids).to(device)
            mask = torch.from_numpy(mask).to(device)
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=use_amp):
                window_logits = model(input_ids, mask).float()
            logits = torch.full((len(batch),), -1e4, device=device).scatter_reduce(
                0, owner, window_logits, reduce="amax", include_self=True)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits.float(), y_all[batch].to(device))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            running += loss.item()
            step += 1
        log(f"    epoch {epoch + 1}/{cfg.epochs} mean loss {running / max(1, steps_per_epoch):.4f}")
    return model.eval()


@torch.no_grad()
def predict_windows(model: InjectionModel, ids: list[list[int]], cfg: TrainConfig, device: str,
                    batch_size: int = 128) -> list[np.ndarray]:
    """P(injection) of every token window of every text, in window order (the runtime's windows)."""
    owner, pieces = [], []
    for n, x in enumerate(ids):
        for piece in token_windows(x, cfg.predict_window or cfg.window, cfg.predict_stride or cfg.stride):
            owner.append(n)
            pieces.append(piece)
    probs = np.empty(len(pieces), dtype=np.float32)
    order = sorted(range(len(pieces)), key=lambda i: len(pieces[i]))
    use_amp = device.startswith("cuda")
    for s in range(0, len(order), batch_size):
        chunk = order[s : s + batch_size]
        input_ids, mask = pad_batch([pieces[i] for i in chunk], CLS_ID, SEP_ID)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=use_amp):
            logits = model(torch.from_numpy(input_ids).to(device), torch.from_numpy(mask).to(device))
        probs[chunk] = torch.sigmoid(logits.float()).cpu().numpy()
    per_text: list[list[float]] = [[] for _ in ids]
    for n, p in zip(owner, probs.tolist(), strict=True):
        per_text[n].append(p)
    return [np.asarray(w, dtype=np.float32) for w in per_text]


def predict(model: InjectionModel, ids: list[list[int]], cfg: TrainConfig, device: str,
            batch_size: int = 128) -> np.ndarray:
    """P(injection) per text: the max over token windows, exactly as the ONNX runtime classifier does it."""
    return np.array([w.max() for w in predict_windows(model, ids, cfg, device, batch_size)], dtype=np.float32)
