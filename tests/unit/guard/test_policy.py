"""Policy documents split into rules, and the detector citing a rule (with a deterministic fake embedder)."""

from __future__ import annotations

from libs.common.messages import KeyProfile
from services.guard.engine.chat import make_item
from services.guard.engine.config import GuardConfig
from services.guard.engine.detector import POLICY
from services.guard.engine.pipeline import GuardPipeline
from services.guard.engine.policy_docs import load_policies, parse_policy

DOC = """# Policy

## HR-1 Compensation
Individual salaries are confidential. Do not ask for the pay of named colleagues.

Violations:
- how much does my colleague earn

Allowed:
- typical salary for a data analyst

## SEC-2 Offensive security
No malware.
"""


def test_rules_are_split_by_heading_with_their_examples() -> None:
    doc = parse_policy("hr.md", DOC)
    assert [r.rule_id for r in doc.rules] == ["HR-1", "SEC-2"]
    hr1 = doc.rules[0]
    assert hr1.title == "Compensation" and hr1.text.startswith("Individual salaries are confidential.")
    assert hr1.violations == ("how much does my colleague earn",)
    assert hr1.allowed == ("typical salary for a data analyst",)
    assert "Violations" not in hr1.text


def test_content_hash_changes_with_the_text() -> None:
    assert parse_policy("a.md", DOC).content_hash != parse_policy("a.md", DOC + "x").content_hash


def test_shipped_policies_have_the_twelve_rules() -> None:
    ids = sorted(r.rule_id for d in load_policies(GuardConfig().policies_dir) for r in d.rules)
    assert ids == sorted([f"{p}-{n}" for p in ("DP", "HR", "SEC") for n in range(1, 5)])


def test_request_resembling_a_violation_example_cites_the_rule(fake_policy) -> None:
    item = make_item("How much does my colleague Kevin earn?", frozenset({POLICY}), message_index=0)
    detection = fake_policy.detect([item])
    assert [f.rule for f in detection.findings] == ["HR-1"]


async def test_policy_violation_blocks_with_the_rule_id(pii_detector, fake_policy) -> None:
    p = GuardPipeline([pii_detector, fake_policy], GuardConfig(executor="inline"))
    body = {"messages": [{"role": "user", "content": "Compare the salaries of the people on my team by name"}]}
    v = await p.screen_chat(body, KeyProfile())
    assert not v.forward and v.assessment.violated_rule == "HR-1" and v.categories == ["policy"]
    # Policy applies to what the user asks, not to tool output.
    body = {"messages": [{"role": "tool", "content": "Compare the salaries of the people on my team by name"}]}
    assert (await p.screen_chat(body, KeyProfile())).forward


def test_allowed_example_wins_over_a_violation(fake_policy) -> None:
    item = make_item("How do I detect ransomware on my network?", frozenset({POLICY}))
    assert fake_policy.detect([item]).findings == []
