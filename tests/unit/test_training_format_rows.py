"""The output-format rows the training script can add (--format-requests): ordinary questions with a directive are
benign, overrides with one are attacks, the shipped model's rows stay as they were, and nothing is copied from the
held-out format prompts that `just eval` reports."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from guard_training.synthetic import generate

DATA = Path(__file__).resolve().parents[2] / "data" / "guard"
HELD_OUT = (DATA / "format_prompts.jsonl", DATA / "format_directives_heldout.jsonl")


def _passages(text: str, words: int = 6) -> set[str]:
    w = re.findall(r"[a-z']+", text.lower())
    return {" ".join(w[i : i + words]) for i in range(len(w) - words + 1)}


def test_format_rows_come_after_the_shipped_rows_and_leave_them_as_they_were() -> None:
    shipped = generate()
    more = generate(format_requests=200)
    assert more[: len(shipped)] == shipped
    added = more[len(shipped) :]
    benign = [r for r in added if r["label"] == 0]
    attacks = [r for r in added if r["label"] == 1]
    assert {r["source"] for r in benign} == {"synthetic_hardneg_format"}
    assert len(benign) >= 150 and len(attacks) >= 90  # duplicates are dropped
    assert all(r["subset"] == "format_directive" for r in added)


def test_no_format_row_shares_a_passage_with_the_held_out_prompts() -> None:
    held_out = set().union(*(_passages(json.loads(line)["text"]) for path in HELD_OUT for line in path.open()))
    rows = generate(format_requests=1000)[len(generate()) :]
    shared = {p for r in rows for p in _passages(r["text"]) & held_out}
    assert not shared, sorted(shared)[:5]
