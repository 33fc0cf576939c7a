"""Pack the classifier's base weights small enough to travel with the repo to a GPU machine, and unpack them there.

The all-MiniLM-L6-v2 folder is 91 MB; training needs only the first 4 layers and the token-table rows that the
training data uses (the table is frozen). ``pack`` keeps those rows as int8 with one scale per row and the layers
as fp16 (~20 MB, into an ignored folder); ``rebuild`` writes a loadable model folder from it (rows the data never
uses are zero: fine for training, never for export, which takes the real base weights).

    .venv/bin/uv run --group train python scripts/pack_guard_base.py pack .guard_pack [LAYERS, default 4]
    python3 scripts/pack_guard_base.py rebuild .guard_pack .guard_base      # on the GPU machine (torch there)
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
PARTIAL = "PARTIAL_TOKEN_TABLE"  # marks a rebuilt folder
FILES = ("config.json", "tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json")


def pack(out: Path, layers: int = 4) -> None:
    sys.path[:0] = [str(REPO), str(REPO / "scripts")]
    from guard_training.data import load_rows
    from safetensors.numpy import load_file
    from train_guard import find_base_model

    from services.guard.engine.injection import load_tokenizer

    base = find_base_model(None)
    weights = load_file(str(base / "model.safetensors"))
    used = {0, 100, 101, 102, 103}
    from guard_training.augment import DOCUMENT_TASKS, QUESTIONS_ABOUT

    # --planted-tasks' written tasks, and the rows --format-requests, --agent-requests, --jailbreak-frames and
    # --hard-negatives can add
    extra = load_rows(format_requests=2000, agent_requests=4000, jailbreak_frames=4000, hard_negatives=True)
    texts = [r["text"] for r in extra] + list(DOCUMENT_TASKS) + list(QUESTIONS_ABOUT)
    for enc in load_tokenizer(base / "tokenizer.json").encode_batch(texts):
        used.update(enc.ids)
    rows = np.array(sorted(used))
    packed: dict[str, np.ndarray] = {}
    for name, w in weights.items():
        if ".layer." in name and int(name.split(".layer.")[1].split(".")[0]) >= layers:
            continue
        if name.endswith("word_embeddings.weight"):
            scale = np.abs(w[rows]).max(1, keepdims=True) / 127
            packed.update(__emb_q=np.round(w[rows] / scale).astype(np.int8), __emb_scale=scale.astype(np.float32),
                          __emb_ids=rows.astype(np.int32), __emb_shape=np.array(w.shape), __emb_name=np.array(name))
        else:
            packed[name] = w.astype(np.float16)
    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out / "base.npz", **packed)
    for f in FILES:
        shutil.copy(base / f, out / f)
    print(f"packed {base} -> {out} ({(out / 'base.npz').stat().st_size / 1e6:.1f} MB)")


def rebuild(src: Path, dst: Path) -> None:
    import torch
    from safetensors.torch import save_file

    z = np.load(src / "base.npz")
    state = {k: torch.from_numpy(z[k].astype(np.float32)) for k in z.files if not k.startswith("__")}
    table = np.zeros(tuple(z["__emb_shape"]), np.float32)
    table[z["__emb_ids"]] = z["__emb_q"].astype(np.float32) * z["__emb_scale"]
    state[str(z["__emb_name"])] = torch.from_numpy(table)
    dst.mkdir(parents=True, exist_ok=True)
    save_file(state, str(dst / "model.safetensors"))
    for f in FILES:
        shutil.copy(src / f, dst / f)
    (dst / PARTIAL).write_text("Token-table rows the training data does not use are zero: train with this folder, "
                               "never export or distil from it (train_guard.py refuses).\n")
    print(f"rebuilt {dst} ({len(state)} tensors)")


if __name__ == "__main__":
    if len(sys.argv) in (3, 4) and sys.argv[1] == "pack":  # pack DIR [LAYERS]: train_guard.py --layers needs as many
        pack(Path(sys.argv[2]), *(int(n) for n in sys.argv[3:]))
    elif len(sys.argv) == 4 and sys.argv[1] == "rebuild":
        rebuild(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        sys.exit(__doc__)
