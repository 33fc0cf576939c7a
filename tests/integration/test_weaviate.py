"""The Weaviate policy index against a real server (GW_TEST_WEAVIATE_URL); skipped, with the reason, without one."""

from __future__ import annotations

import os
import uuid

import pytest

from services.guard.engine.config import GuardConfig
from services.guard.engine.policy_docs import load_policies, parse_policy
from tests.unit.guard.fakes import BagOfWordsEmbedder

URL = os.environ.get("GW_TEST_WEAVIATE_URL")
pytestmark = pytest.mark.integration


@pytest.fixture
def index():
    if not URL:
        pytest.skip("GW_TEST_WEAVIATE_URL is not set and no Docker engine runs here: no Weaviate to test against")
    from services.guard.engine.policy_weaviate import WeaviatePolicyIndex

    config = GuardConfig(weaviate_url=URL, weaviate_collection="GuardTest" + uuid.uuid4().hex[:8])
    idx = WeaviatePolicyIndex.connect(config)
    yield idx
    idx.client.collections.delete(config.weaviate_collection)
    idx.close()


def test_rules_are_indexed_and_found_with_their_id(index) -> None:
    emb = BagOfWordsEmbedder()
    index.sync(load_policies(GuardConfig().policies_dir), emb)
    [matches] = index.search(emb.embed(["Compare the salaries of the people on my team by name"]), k=3)
    assert matches[0].rule.rule_id == "HR-1"


def test_changed_policy_file_is_reindexed(index) -> None:
    emb = BagOfWordsEmbedder()
    doc = "## HR-9 Parking\nParking spaces are assigned by lottery only.\n"
    index.sync([parse_policy("p.md", doc)], emb)
    index.sync([parse_policy("p.md", doc.replace("lottery", "seniority"))], emb)
    [matches] = index.search(emb.embed(["assigned by seniority"]), k=1)
    assert "seniority" in matches[0].rule.text
    col = index.client.collections.get(index.name)
    changed = parse_policy("p.md", doc.replace("lottery", "seniority"))
    stored = [o.properties["content_hash"] for o in col.iterator()]
    assert {v.split(":")[0] for v in stored} == {changed.content_hash}  # "<file hash>:<embedder version>"
    assert len(stored) == sum(len(r.chunks()) for r in changed.rules)  # the old version's chunks are gone
    # Synced again unchanged: nothing is re-inserted (ids derive from source, version and position).
    index.sync([changed], emb)
    assert len(list(col.iterator())) == len(stored)
