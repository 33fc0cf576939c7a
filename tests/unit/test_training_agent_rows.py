"""The DevOps, data and agent rows the training script can add (--agent-requests): requests naming hosts, buckets
and webhooks are benign, exfiltration of the same surface is an attack, the shipped model's rows stay as they were,
and nothing is copied from the held-out agent prompts that `just eval` reports."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from guard_training.synthetic import generate

HELD_OUT = Path(__file__).resolve().parents[2] / "data" / "guard" / "agent_task_prompts.jsonl"


def _passages(text: str, words: int = 6) -> set[str]:
    w = re.findall(r"[a-z']+", text.lower())
    return {" ".join(w[i : i + words]) for i in range(len(w) - words + 1)}


def test_agent_rows_come_after_the_shipped_rows_and_leave_them_as_they_were() -> None:
    shipped = generate()
    more = generate(agent_requests=200)
    assert more[: len(shipped)] == shipped
    added = more[len(shipped) :]
    benign = [r for r in added if r["label"] == 0]
    attacks = [r for r in added if r["label"] == 1]
    assert {r["source"] for r in benign} == {"synthetic_hardneg_agent"}
    assert len(benign) >= 150 and len(attacks) >= 80  # duplicates are dropped
    assert all(r["subset"] in ("agent_request", "agent_exfiltration") for r in added)
    assert all("{" not in r["text"] for r in added)  # every slot filled


def test_no_agent_row_shares_a_passage_with_the_held_out_prompts() -> None:
    held_out = set().union(*(_passages(json.loads(line)["text"]) for line in HELD_OUT.open()))
    rows = generate(agent_requests=2000)[len(generate()) :]
    shared = {p for r in rows for p in _passages(r["text"]) & held_out}
    assert not shared, sorted(shared)[:5]
