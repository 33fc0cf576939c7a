"""The rows the training script can add beside the shipped synthetic ones (--format-requests, --agent-requests,
--jailbreak-frames, --hard-negatives): each set comes after the shipped rows and leaves them as they were, pairs
benign rows with attacks of the same surface, and copies nothing from the held-out files that `just eval` reports."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from guard_training import synthetic_parts as P
from guard_training.synthetic import generate

DATA = Path(__file__).resolve().parents[2] / "data" / "guard"
# option -> (held-out files, rows made to compare with them)
HELD_OUT = {
    "format_requests": (("format_prompts.jsonl", "format_directives_heldout.jsonl"), 1000),
    "agent_requests": (("agent_task_prompts.jsonl",), 2000),
    "jailbreak_frames": (("jailbreak_families_heldout.jsonl",), 3000),
}


def _passages(text: str, words: int = 6) -> set[str]:
    w = re.findall(r"[a-z']+", text.lower())
    return {" ".join(w[i : i + words]) for i in range(len(w) - words + 1)}


def _added(option: str, n: int) -> list[dict]:
    shipped = generate()
    more = generate(**{option: n})
    assert more[: len(shipped)] == shipped
    return more[len(shipped) :]


def test_format_rows_pair_directives_with_questions_and_overrides() -> None:
    added = _added("format_requests", 200)
    benign = [r for r in added if r["label"] == 0]
    assert {r["source"] for r in benign} == {"synthetic_hardneg_format"}
    assert len(benign) >= 150 and len([r for r in added if r["label"] == 1]) >= 90  # duplicates are dropped
    assert all(r["subset"] == "format_directive" for r in added)


def test_agent_rows_are_requests_and_exfiltration_of_one_surface() -> None:
    added = _added("agent_requests", 200)
    benign = [r for r in added if r["label"] == 0]
    assert {r["source"] for r in benign} == {"synthetic_hardneg_agent"}
    assert len(benign) >= 150 and len([r for r in added if r["label"] == 1]) >= 80
    assert all(r["subset"] in ("agent_request", "agent_exfiltration") for r in added)
    assert all("{" not in r["text"] for r in added)  # every slot filled


def test_frame_rows_put_one_frame_around_harmful_and_harmless_requests() -> None:
    added = _added("jailbreak_frames", 300)
    attacks = [r["text"] for r in added if r["label"] == 1]
    benign = [r["text"] for r in added if r["label"] == 0]
    assert len(attacks) >= 250 and len(benign) >= 250
    assert all(any(t in text for t in P.FRAME_HARMFUL_TARGETS) for text in attacks)
    assert all(any(t in text for t in P.FRAME_BENIGN_TARGETS) for text in benign)
    assert not set(P.FRAME_HARMFUL_TARGETS) & set(P.FRAME_BENIGN_TARGETS)


@pytest.mark.parametrize("option", sorted(HELD_OUT))
def test_no_added_row_shares_a_passage_with_the_held_out_files(option: str) -> None:
    names, n = HELD_OUT[option]
    held_out = set().union(*(_passages(json.loads(line)["text"]) for name in names for line in (DATA / name).open()))
    rows = _added(option, n)
    shared = {p for r in rows for p in _passages(r["text"]) & held_out}
    assert not shared, sorted(shared)[:5]


def test_written_hard_negatives_are_benign_rows_after_the_rest_and_apart_from_every_held_out_file() -> None:
    """Two writers given one brief share stock phrases ("how do i run only the"); a row that shares three or more
    six-word passages with one held-out row is a near copy of it (22 such were dropped from the dev file)."""
    from guard_training.data import load_rows

    rows = load_rows()
    more = load_rows(hard_negatives=True)
    assert more[: len(rows)] == rows
    added = more[len(rows) :]
    assert len(added) == 308 and {(r["label"], r["source"]) for r in added} == {(0, "synthetic_hardneg_written")}
    names = ("injection_hard_negatives_heldout.jsonl", "format_directives_heldout.jsonl", "agent_task_prompts.jsonl",
             "jailbreak_families_heldout.jsonl")
    held_out = [_passages(json.loads(line)["text"]) for name in names for line in (DATA / name).open()]
    near = [(r["text"][:60], len(p & h)) for r in added for p in [_passages(r["text"])] for h in held_out
            if len(p & h) >= 3]
    assert not near, near[:5]
