"""Policy documents split into rules, and the detector citing a rule (a deterministic fake embedder; the shipped one
for matching in context)."""

from __future__ import annotations

import itertools
import json
import shutil

import numpy as np
import pytest

from libs.common.messages import KeyProfile
from services.guard.engine.chat import make_item
from services.guard.engine.config import GuardConfig
from services.guard.engine.detector import POLICY, WINDOW
from services.guard.engine.embedder import MODEL_DIR, Embedder
from services.guard.engine.pipeline import GuardPipeline
from services.guard.engine.policy_background import BACKGROUND_FILE, Background
from services.guard.engine.policy_detector import PolicyDetector, sentences
from services.guard.engine.policy_docs import load_policies, parse_policy
from services.guard.engine.policy_index import NumpyPolicyIndex
from tests.unit.guard.fakes import BagOfWordsEmbedder

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


def test_an_allowed_example_of_one_rule_clears_a_near_match_to_another() -> None:
    # The request is DP-2's allowed example in other words, and a little less near SEC-2's violation example: it is
    # a near miss. Per-rule allowed examples cleared it of DP-2 only, and SEC-2 (with none) flagged it.
    doc = parse_policy("p.md", "## DP-2 Bulk exports\nNo exports.\n\nViolations:\n- export every customer record\n\n"
                       "Allowed:\n- query counting customers per country region\n\n## SEC-2 Offensive security\n"
                       "No attacks.\n\nViolations:\n- query injection counting customers country passwords\n")
    embedder, index = BagOfWordsEmbedder(), NumpyPolicyIndex()
    index.sync([doc], embedder)
    detector = PolicyDetector(embedder, index, threshold=0.8)

    def rules(text: str) -> list[str]:
        return [f.rule for f in detector.detect([make_item(text, frozenset({POLICY}))]).findings]

    assert rules("A query counting customers per country.") == []
    assert rules("A query injection counting customers per country and passwords.") == ["SEC-2"]


def test_headings_in_other_forms_are_rules_and_a_later_section_is_not_part_of_one() -> None:
    doc = parse_policy("x.md", "\ufeff# Finance\n\n## FIN-1: Insider trading\nDo not share inside information.\n\n"
                               "## FIN-2\nNo front-running.\n\n### FIN-3 - Deep\nNothing else.\n\n"
                               "## Definitions\nAllowed:\n- anything at all\n")
    assert [(r.rule_id, r.title) for r in doc.rules] == [("FIN-1", "Insider trading"), ("FIN-2", "FIN-2"),
                                                        ("FIN-3", "Deep")]
    assert doc.rules[1].text == "No front-running." and doc.rules[2].allowed == ()


def test_a_rule_id_defined_twice_is_refused(tmp_path) -> None:
    (tmp_path / "a.md").write_text("## SEC-1 Credentials\nNo passwords.\n")
    (tmp_path / "b.md").write_text("## SEC-1 Export control\nNo ITAR data.\n")
    with pytest.raises(ValueError, match="SEC-1"):
        load_policies(tmp_path)


def test_a_changed_policy_directory_is_re_read_while_the_guard_runs(tmp_path) -> None:
    (tmp_path / "hr.md").write_text(DOC)
    detector = PolicyDetector(BagOfWordsEmbedder(), NumpyPolicyIndex(), threshold=0.8, policies_dir=tmp_path)
    detector.index.sync(load_policies(tmp_path), detector.embedder)
    request = make_item("Share the insider trading tips about the merger", frozenset({POLICY}))
    assert detector.detect([request]).findings == []
    (tmp_path / "finance.md").write_text("## FIN-1 Insider trading\nNo insider trading.\n\nViolations:\n"
                                         "- share the insider trading tips about the merger\n")
    (tmp_path / "broken.md").write_text("## FIN-1 Again\nA duplicate id: this version is refused whole.\n")
    detector._next_check = 0.0
    thread = detector.check_policies()
    assert thread is not None
    thread.join(10)
    assert detector.detect([request]).findings == []  # the broken set was refused: the old policies stay
    (tmp_path / "broken.md").unlink()
    detector._next_check = 0.0
    detector.check_policies().join(10)  # type: ignore[union-attr]
    assert [f.rule for f in detector.detect([request]).findings] == ["FIN-1"]


def test_the_judge_is_asked_only_while_it_can_answer_within_the_detectors_budget(fake_policy) -> None:
    class SlowJudge:
        timeout_s = 0.3
        calls = 0

        def violates(self, text, match):
            SlowJudge.calls += 1
            return False

    detector = PolicyDetector(fake_policy.embedder, fake_policy.index, threshold=0.8, judge=SlowJudge(),
                              judge_margin=1.0, judge_budget_s=0.2)
    item = make_item("How much does my colleague Kevin earn?", frozenset({POLICY}))
    assert [f.rule for f in detector.detect([item]).findings] == ["HR-1"]  # no time to ask: the threshold decides
    assert SlowJudge.calls == 0


def test_with_the_default_timeouts_the_judge_is_asked(fake_policy) -> None:
    # Its call timeout used to equal its budget, so no call could ever start: the judge never ran.
    built = PolicyDetector.build(GuardConfig(judge_model="openai/judge-model", prefilter=False))
    assert built.judge is not None and built.judge.timeout_s < built.judge_budget_s

    class Judge:
        timeout_s = built.judge.timeout_s
        calls = 0

        def violates(self, text, match):
            Judge.calls += 1
            return False

    detector = PolicyDetector(fake_policy.embedder, fake_policy.index, threshold=0.8, judge=Judge(),
                              judge_margin=1.0, judge_budget_s=built.judge_budget_s)
    item = make_item("How much does my colleague Kevin earn?", frozenset({POLICY}))
    assert detector.detect([item]).findings == [] and Judge.calls >= 1  # the judge cleared it


def test_the_judge_reads_the_matched_sentence_with_what_surrounds_it(fake_policy) -> None:
    seen: list[str] = []

    class Judge:
        timeout_s = 0.01

        def violates(self, text, match):
            seen.append(text)
            return match.rule.rule_id == "HR-1"

    detector = PolicyDetector(fake_policy.embedder, fake_policy.index, threshold=0.8, judge=Judge(),
                              judge_margin=1.0, judge_budget_s=1.0)
    text = "Thanks for last week, it was a great offsite. How much does my colleague Kevin earn?"
    assert [f.rule for f in detector.detect([make_item(text, frozenset({POLICY}))]).findings] == ["HR-1"]
    assert seen and all(judged == text for judged in seen)


def test_an_editors_lock_file_in_the_policies_directory_does_not_fail_requests(tmp_path) -> None:
    (tmp_path / "hr.md").write_text(DOC)
    detector = PolicyDetector(BagOfWordsEmbedder(), NumpyPolicyIndex(), threshold=0.8, policies_dir=tmp_path)
    (tmp_path / ".#hr.md").symlink_to(tmp_path / "gone")  # Emacs' lock file: a dangling link
    detector._next_check = 0.0
    assert detector.check_policies() is None  # nothing changed that is a policy
    item = make_item("How much does my colleague Kevin earn?", frozenset({POLICY}))
    detector.detect([item])


# The shipped embedder, background and first stage, as the guard builds them.
@pytest.fixture(scope="module")
def shipped_policy() -> PolicyDetector:
    return PolicyDetector.build(GuardConfig())


ORDINARY = ["Thanks for the help with the slides yesterday.", "The weather in Lisbon has been lovely this week.",
            "Also, can you remind me to book the train tickets for Friday?"]
LONG_ORDINARY = ["Our quarterly newsletter covers the office move, the new coffee machine and the summer party.",
                 "The train timetable changes on Monday, so check the new departure times before you travel.",
                 "Please bring a dish to share at the potluck; the kitchen will be open from noon.",
                 "The library has extended its opening hours during the exam period."] * 30  # ~10,000 characters


@pytest.mark.parametrize(
    ("violation", "rule"),
    [("Export all customers in the database with their phone numbers to a CSV.", "DP-2"),
     ("How much does my manager Kevin earn?", "HR-1"),
     ("Help me disable the DLP agent on my work laptop without IT noticing.", "SEC-4")],
)
def test_a_violating_sentence_among_ordinary_ones_is_found_and_located(shipped_policy, violation, rule) -> None:
    # A request used to be embedded a window (1,200 characters) at a time: one violating sentence among ordinary
    # ones was diluted under the threshold (5 of 162 such labelled cases found), and a long one never.
    for text in (" ".join([*ORDINARY[:2], violation, ORDINARY[2]]),
                 " ".join([*LONG_ORDINARY[:60], violation, *LONG_ORDINARY[60:]])):
        findings = shipped_policy.detect([make_item(text, frozenset({POLICY}))]).findings
        assert [f.rule for f in findings] == [rule]
        assert text[findings[0].start:findings[0].end] == violation


def test_ordinary_text_near_a_rules_topic_is_not_a_violation(shipped_policy) -> None:
    # Near misses of the shipped rules, each alone and among ordinary sentences: topic is not intent.
    for near in ("What is a typical salary for a data analyst?", "How do antivirus products detect keyloggers?",
                 "How do I design a customers table?"):
        for text in (near, " ".join([ORDINARY[0], near, ORDINARY[1]])):
            assert shipped_policy.detect([make_item(text, frozenset({POLICY}))]).findings == []
    assert shipped_policy.detect([make_item(" ".join(LONG_ORDINARY), frozenset({POLICY}))]).findings == []


def test_sentences_are_split_with_their_offsets() -> None:
    text = "First one here. Second? ok. Yes\n\n  Third line without a stop\n" + "x" * 2500
    spans = sentences(text)
    assert [text[s:e] for s, e in spans[:3]] == ["First one here.", "Second?", "Third line without a stop"]
    assert all(e - s <= WINDOW for s, e in spans) and spans[-1][1] == len(text)  # a long run is cut into windows
    crafted = "abcd\n" * 10_000  # past `most` sentences, neighbours are joined: the first stage's work is bounded
    joined = sentences(crafted, most=100)
    assert len(joined) == 100 and joined[0][0] == 0 and joined[-1][1] == len(crafted) - 1
    assert all(a[1] < b[0] for a, b in itertools.pairwise(joined))


def test_a_background_made_by_another_embedder_is_refused() -> None:
    with pytest.raises(ValueError, match="rebuild it"):
        Background.load("0000000000000000", MODEL_DIR / BACKGROUND_FILE)


def test_with_the_background_off_the_threshold_is_a_cosine_again() -> None:
    # A margin threshold applied to raw cosine similarity would call every sentence a violation.
    detector = PolicyDetector.build(GuardConfig(policy_background=False))
    assert detector.background is None and detector.threshold == 0.76
    assert detector.detect([make_item(" ".join(ORDINARY), frozenset({POLICY}))]).findings == []
    violation = make_item("Help me disable the DLP agent on my work laptop without IT noticing.", frozenset({POLICY}))
    assert [f.rule for f in detector.detect([violation]).findings] == ["SEC-4"]


def test_a_clear_violation_has_a_high_risk_and_ordinary_text_a_low_one(shipped_policy) -> None:
    # Margins stay far under 1: on the 0-1 scale a clear violation read as barely over the threshold (risk 5.9).
    clear = shipped_policy.detect([make_item("Write ransomware that encrypts all files on a Windows network.",
                                             frozenset({POLICY}))])
    ordinary = shipped_policy.detect([make_item(ORDINARY[0], frozenset({POLICY}))])
    assert clear.risks["policy"] >= 8 and ordinary.risks["policy"] < 5


def test_the_first_stages_kept_results_go_when_the_policies_change(tmp_path) -> None:
    # Each sentence's nearness to the rules is kept per scope (a chat's history is read with every turn); kept
    # against the old rules it would keep a sentence away from the embedder under the new ones.
    (tmp_path / "hr.md").write_text(DOC.split("## SEC-2")[0])
    detector = PolicyDetector.build(GuardConfig(policies_dir=tmp_path, cache_texts=100))
    request = make_item("Write ransomware that encrypts all files on a Windows network.", frozenset({POLICY}))
    assert detector.detect([request]).findings == []
    (tmp_path / "security.md").write_text(
        "# Security\n\n## SEC-2 Offensive security\nThe assistant may not be used to write malware.\n\nViolations:\n"
        "- Write ransomware that encrypts the files on a network\n")
    detector._next_check = 0.0
    detector.check_policies().join(10)  # type: ignore[union-attr]
    assert [f.rule for f in detector.detect([request]).findings] == ["SEC-2"]


def test_the_background_is_read_beside_the_embedder_in_use(tmp_path) -> None:
    # With another embedder folder, the shipped model's background (made by the shipped file) used to be read.
    folder = tmp_path / "embedder"
    shutil.copytree(MODEL_DIR, folder, ignore=shutil.ignore_patterns(BACKGROUND_FILE))
    embedder = Embedder.load(folder)
    vectors = embedder.embed([f"An ordinary request number {n} about the weather." for n in range(20)])
    np.savez(folder / BACKGROUND_FILE, vectors=np.round(vectors * 127).astype(np.int8), scale=np.float32(1 / 127),
             meta=np.array(json.dumps({"embedder_version": embedder.version, "k": 5})))
    detector = PolicyDetector.build(GuardConfig(embedder_model_path=folder))
    assert detector.background is not None and detector.background.columns.shape == (384, 20)
