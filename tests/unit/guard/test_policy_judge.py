"""The optional policy judge: LangChain over LiteLLM, exercised with LiteLLM's mock_response (no network)."""

from __future__ import annotations

import pytest

from services.guard.engine.policy_docs import PolicyRule
from services.guard.engine.policy_index import RuleMatch
from services.guard.engine.policy_judge import PolicyJudge

RULE = PolicyRule(rule_id="HR-1", title="Compensation", text="Do not ask an AI to reveal colleagues' pay.",
                  source="hr.md")
MATCH = RuleMatch(rule=RULE, similarity=0.5, allowed_similarity=-1.0, chunk=RULE.text)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [("VIOLATION", True), ("violation - it asks for pay", True), ("ALLOWED", False), ("I am not sure", None)],
)
def test_judge_answers_through_litellm(answer: str, expected: bool | None) -> None:
    judge = PolicyJudge("openai/judge-model", timeout_s=5, model_kwargs={"mock_response": answer})
    assert judge.violates("What does Dana earn?", MATCH) is expected


def test_judge_that_cannot_answer_leaves_the_decision_to_the_threshold() -> None:
    # A provider that cannot be reached: LiteLLM raises, the judge says "no verdict".
    judge = PolicyJudge("openai/judge-model", timeout_s=2, api_base="http://127.0.0.1:9/v1", api_key="sk-test")
    assert judge.violates("What does Dana earn?", MATCH) is None
