"""The framed requests the training script can add (--jailbreak-frames): each frame around a harmful request is an
attack and around a harmless one benign, the shipped model's rows stay as they were, and nothing is copied from
the held-out jailbreak families that `just eval` reports."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from guard_training import synthetic_parts as P
from guard_training.synthetic import generate

HELD_OUT = Path(__file__).resolve().parents[2] / "data" / "guard" / "jailbreak_families_heldout.jsonl"


def _passages(text: str, words: int = 6) -> set[str]:
    w = re.findall(r"[a-z']+", text.lower())
    return {" ".join(w[i : i + words]) for i in range(len(w) - words + 1)}


def test_frame_rows_come_after_the_shipped_rows_in_pairs() -> None:
    shipped = generate()
    more = generate(jailbreak_frames=300)
    assert more[: len(shipped)] == shipped
    added = more[len(shipped) :]
    attacks = [r["text"] for r in added if r["label"] == 1]
    benign = [r["text"] for r in added if r["label"] == 0]
    assert len(attacks) >= 250 and len(benign) >= 250  # duplicates are dropped
    assert all(any(t in text for t in P.FRAME_HARMFUL_TARGETS) for text in attacks)
    assert all(any(t in text for t in P.FRAME_BENIGN_TARGETS) for text in benign)
    assert not set(P.FRAME_HARMFUL_TARGETS) & set(P.FRAME_BENIGN_TARGETS)


def test_no_frame_row_shares_a_passage_with_the_held_out_families() -> None:
    held_out = set().union(*(_passages(json.loads(line)["text"]) for line in HELD_OUT.open()))
    rows = generate(jailbreak_frames=3000)[len(generate()) :]
    shared = {p for r in rows for p in _passages(r["text"]) & held_out}
    assert not shared, sorted(shared)[:5]
