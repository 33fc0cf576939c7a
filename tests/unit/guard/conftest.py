from __future__ import annotations

import pytest

from services.guard.engine.config import GuardConfig
from services.guard.engine.injection_detector import InjectionDetector
from services.guard.engine.pii import PiiDetector
from services.guard.engine.policy_detector import PolicyDetector
from services.guard.engine.policy_docs import load_policies
from services.guard.engine.policy_index import NumpyPolicyIndex
from tests.unit.guard.fakes import BagOfWordsEmbedder, FakeClassifier


@pytest.fixture(scope="session")
def pii_detector() -> PiiDetector:
    return PiiDetector.build(GuardConfig())


@pytest.fixture(scope="session")
def fake_injection() -> InjectionDetector:
    return InjectionDetector(FakeClassifier(), threshold=0.5)


@pytest.fixture(scope="session")
def fake_policy() -> PolicyDetector:
    embedder = BagOfWordsEmbedder()
    index = NumpyPolicyIndex()
    index.sync(load_policies(GuardConfig().policies_dir), embedder)
    return PolicyDetector(embedder, index, threshold=0.8)
