"""Fine-tuning loop and windowed prediction (torch), shared by cross-validation and the final model."""

from __future__ import annotations

import functools
import math
import random
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from services.guard.engine.injection import token_windows

from .model import InjectionModel, build_model

CLS_ID, SEP_ID = 101, 102
FULL_CHUNK = 16  # full-length windows per forward pass when training on a CPU


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
    epochs: int = 4
    batch_size: int = 32
    lr: float = 8e-5
    weight_decay: float = 0.01
    warmup: float = 0.1
    seed: int = 7
    pooling: str = "mean"  # model.POOLINGS
    window: int = 256
    stride: int = 192
    max_windows: int = 8
    predict_window: int | None = None  # windows scored at inference (None: window/stride as in training)
    predict_stride: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@functools.cache
def _cpu_has_bf16() -> bool:
    return any(getattr(torch.cpu, f, lambda: False)() for f in ("_is_amx_tile_supported", "_is_avx512_bf16_supported"))


def autocast(device: str, enabled: bool = True) -> torch.autocast:
    """bf16 autocast on a GPU, and on a CPU with native bf16 (AMX or AVX512-BF16); elsewhere fp32."""
    if device.startswith("cuda"):
        return torch.autocast("cuda", dtype=torch.bfloat16, enabled=enabled)
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=enabled and _cpu_has_bf16())


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


def _micro(batch: list[int], windows: list[list[list[int]]], max_tokens: int | None) -> list[list[int]]:
    """The batch's texts in consecutive parts of at most ``max_tokens`` padded tokens each (None: one part)."""
    if not max_tokens:
        return [batch]
    parts: list[list[int]] = [[]]
    count = width = 0
    for i in batch:
        longest = max(len(w) for w in windows[i]) + 2
        if parts[-1] and (count + len(windows[i])) * max(width, longest) > max_tokens:
            parts.append([])
            count = width = 0
        parts[-1].append(i)
        count, width = count + len(windows[i]), max(width, longest)
    return parts


def _window_logits(model: InjectionModel, pieces: list[list[int]], full: int, device: str) -> torch.Tensor:
    """Logit per window, all padded into one batch on a GPU. On a CPU, full-length windows (most tokens of long
    texts) run in fixed-size chunks with no padding mask, ~1.3x faster than a masked batch; the rest are padded."""
    split = not device.startswith("cuda")
    rows: dict[bool, list[int]] = {True: [], False: []}
    for n, piece in enumerate(pieces):
        rows[split and len(piece) == full].append(n)
    out = torch.empty(len(pieces), device=device)
    for s in range(0, len(rows[True]), FULL_CHUNK):
        chunk = rows[True][s : s + FULL_CHUNK]
        out[chunk] = model(torch.tensor([[CLS_ID, *pieces[n], SEP_ID] for n in chunk], device=device)).float()
    if rows[False]:
        ids, mask = pad_batch([pieces[n] for n in rows[False]], CLS_ID, SEP_ID)
        out[rows[False]] = model(torch.from_numpy(ids).to(device), torch.from_numpy(mask).to(device)).float()
    return out


def train(base_dir: Path, ids: list[list[int]], labels: list[int], cfg: TrainConfig, device: str,
          max_steps: int | None = None, log=print) -> InjectionModel:
    """Fine-tune on content token ids (no specials); returns the model in eval mode."""
    # On a CPU a batch of long texts (up to 32 x 8 windows x 256 tokens) spent a third of its CPU time in the kernel,
    # faulting in fresh memory for activations: it runs in parts of at most this many padded tokens instead,
    # gradients accumulated over the parts (the same loss as one pass).
    micro_tokens = None if device.startswith("cuda") else 8192
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    # Multiple-instance learning: a text is cut into the same windows as at inference and its logit is the max
    # over them, so an instruction deep in a long document teaches the window that holds it, not the first one.
    windows = [_limit(token_windows(x, cfg.max_len, cfg.stride), cfg.max_windows) for x in ids]
    model = build_model(base_dir, cfg.num_layers, cfg.pooling).to(device)
    if not device.startswith("cuda"):
        model.encoder.set_attn_implementation("eager")  # on a CPU ~1.6x faster than SDPA, unmasked fwd + bwd
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
    step = 0
    model.train()
    for epoch in range(cfg.epochs):
        running = 0.0
        for batch in _batches(lengths, cfg.batch_size, rng):
            if step >= total:
                break
            opt.zero_grad(set_to_none=True)
            for part in _micro(batch, windows, micro_tokens):
                pieces = [w for i in part for w in windows[i]]
                owner = torch.tensor([n for n, i in enumerate(part) for _ in windows[i]], device=device)
                with autocast(device):
                    window_logits = _window_logits(model, pieces, cfg.max_len - 2, device)
                logits = torch.full((len(part),), -1e4, device=device).scatter_reduce(
                    0, owner, window_logits, reduce="amax", include_self=True)
                loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, y_all[part].to(device))
                (loss * len(part) / len(batch)).backward()  # the whole batch's mean loss, in parts
                running += loss.item() * len(part) / len(batch)
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            step += 1
        log(f"    epoch {epoch + 1}/{cfg.epochs} mean loss {running / max(1, steps_per_epoch):.4f}")
    return model.eval()


@torch.no_grad()
def predict_windows(model: InjectionModel, ids: list[list[int]], cfg: TrainConfig, device: str,
                    batch_size: int = 128, bf16: bool = True) -> list[np.ndarray]:
    """P(injection) of every token window of every text, in window order (the runtime's windows)."""
    owner, pieces = [], []
    for n, x in enumerate(ids):
        for piece in token_windows(x, cfg.predict_window or cfg.window, cfg.predict_stride or cfg.stride):
            owner.append(n)
            pieces.append(piece)
    probs = np.empty(len(pieces), dtype=np.float32)
    order = sorted(range(len(pieces)), key=lambda i: len(pieces[i]))
    for s in range(0, len(order), batch_size):
        chunk = order[s : s + batch_size]
        input_ids, mask = pad_batch([pieces[i] for i in chunk], CLS_ID, SEP_ID)
        with autocast(device, bf16):
            logits = model(torch.from_numpy(input_ids).to(device), torch.from_numpy(mask).to(device))
        probs[chunk] = torch.sigmoid(logits.float()).cpu().numpy()
    per_text: list[list[float]] = [[] for _ in ids]
    for n, p in zip(owner, probs.tolist(), strict=True):
        per_text[n].append(p)
    return [np.asarray(w, dtype=np.float32) for w in per_text]


def predict(model: InjectionModel, ids: list[list[int]], cfg: TrainConfig, device: str,
            batch_size: int = 128, bf16: bool = True) -> np.ndarray:
    """P(injection) per text: the max over token windows, exactly as the ONNX runtime classifier does it."""
    windows = predict_windows(model, ids, cfg, device, batch_size, bf16)
    return np.array([w.max() for w in windows], dtype=np.float32)
