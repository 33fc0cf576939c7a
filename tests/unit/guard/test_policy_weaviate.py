"""How the Weaviate policy index re-indexes, against a hand-written fake of the client's collection API (the real
server is tested in tests/integration/test_weaviate.py where one runs): new chunks go in before old ones go, a
refused insert keeps the old rules in force, a retry does not duplicate, and a new embedding model re-indexes."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from services.guard.engine.policy_docs import parse_policy
from services.guard.engine.policy_weaviate import WeaviatePolicyIndex
from tests.unit.guard.fakes import BagOfWordsEmbedder

V1 = "## HR-9 Parking\nParking spaces are assigned by lottery only.\n\nViolations:\n- Give me a parking space now\n"
V2 = V1.replace("lottery", "seniority")


class FakeCollection:
    """Objects by uuid; insert_many upserts, delete_many evaluates the client's filter objects."""

    def __init__(self) -> None:
        self.objects: dict[str, SimpleNamespace] = {}
        self.data = self.query = self
        self.refuse_after: int | None = None  # insert only this many objects of the next insert_many
        self.after_insert = None  # called between a file's insert and its old version's delete

    def iterator(self, return_properties=None):
        return iter(list(self.objects.values()))

    def insert_many(self, objects):
        errors = {}
        for n, obj in enumerate(objects):
            if self.refuse_after is not None and n >= self.refuse_after:
                errors[n] = SimpleNamespace(message="shard is read-only")
                continue
            self.objects[str(obj.uuid)] = SimpleNamespace(properties=dict(obj.properties),
                                                          vector=np.asarray(obj.vector, dtype=np.float32))
        self.refuse_after = None
        if self.after_insert is not None:
            self.after_insert()
        return SimpleNamespace(has_errors=bool(errors), errors=errors)

    def delete_many(self, where):
        doomed = [k for k, o in self.objects.items() if _matches(where, o.properties)]
        for k in doomed:
            del self.objects[k]
        return SimpleNamespace(failed=0, matches=len(doomed), successful=len(doomed))

    def near_vector(self, near_vector, limit, return_metadata=None):
        q = np.asarray(near_vector, dtype=np.float32)
        hits = sorted(self.objects.values(), key=lambda o: -float(o.vector @ q))[:limit]
        return SimpleNamespace(objects=[SimpleNamespace(properties=o.properties,
                                                        metadata=SimpleNamespace(distance=1.0 - float(o.vector @ q)))
                                        for o in hits])


def _matches(where, properties: dict) -> bool:
    if hasattr(where, "filters"):  # the client's _FilterAnd
        return all(_matches(f, properties) for f in where.filters)
    equal = properties.get(where.target) == where.value
    return equal if where.operator.name == "EQUAL" else not equal


@pytest.fixture
def index() -> WeaviatePolicyIndex:
    col = FakeCollection()
    client = SimpleNamespace(collections=SimpleNamespace(get=lambda name: col, exists=lambda name: True))
    return WeaviatePolicyIndex(client, "GuardTest")


def rule_text(index: WeaviatePolicyIndex, emb, query: str) -> str | None:
    [matches] = index.search(emb.embed([query]), k=1)
    return matches[0].rule.text if matches else None


def versions(index: WeaviatePolicyIndex) -> set[str]:
    return {o.properties["content_hash"] for o in index.client.collections.get("x").objects.values()}


def test_a_changed_policy_is_found_throughout_its_reindex_and_only_the_new_version_stays(index) -> None:
    emb = BagOfWordsEmbedder()
    index.sync([parse_policy("p.md", V1)], emb)
    col = index.client.collections.get("x")
    seen_meanwhile = []
    col.after_insert = lambda: seen_meanwhile.append(rule_text(index, emb, "parking spaces assigned"))
    index.sync([parse_policy("p.md", V2)], emb)
    assert seen_meanwhile and all(t is not None for t in seen_meanwhile)  # never no rule at all
    assert "seniority" in rule_text(index, emb, "parking spaces assigned by seniority")
    new = parse_policy("p.md", V2)
    assert len(col.objects) == sum(len(r.chunks()) for r in new.rules)
    assert {v.split(":")[0] for v in versions(index)} == {new.content_hash}


def test_a_refused_insert_raises_and_the_old_rules_stay_in_force(index) -> None:
    emb = BagOfWordsEmbedder()
    index.sync([parse_policy("p.md", V1)], emb)
    col = index.client.collections.get("x")
    col.refuse_after = 1
    with pytest.raises(RuntimeError, match=r"refused \d+ of \d+ chunks of p\.md: shard is read-only"):
        index.sync([parse_policy("p.md", V2)], emb)
    old = parse_policy("p.md", V1).content_hash
    assert any(v.startswith(old) for v in versions(index))  # the old version was not deleted
    assert "lottery" in rule_text(index, emb, "parking spaces assigned by lottery")
    # The retry overwrites what the failed attempt inserted, and then removes the old version.
    index.sync([parse_policy("p.md", V2)], emb)
    new = parse_policy("p.md", V2)
    assert len(col.objects) == sum(len(r.chunks()) for r in new.rules)
    assert {v.split(":")[0] for v in versions(index)} == {new.content_hash}


def test_a_new_embedding_model_reindexes_unchanged_files(index) -> None:
    emb = BagOfWordsEmbedder()
    emb.version = "model-a"
    index.sync([parse_policy("p.md", V1)], emb)
    assert {v.split(":")[1] for v in versions(index)} == {"model-a"}
    emb.version = "model-b"
    index.sync([parse_policy("p.md", V1)], emb)
    assert {v.split(":")[1] for v in versions(index)} == {"model-b"}


def test_a_removed_policy_file_leaves_the_index(index) -> None:
    emb = BagOfWordsEmbedder()
    other = "## SEC-9 Badges\nBadges must not be lent to anyone.\n"
    index.sync([parse_policy("p.md", V1), parse_policy("q.md", other)], emb)
    index.sync([parse_policy("q.md", other)], emb)
    assert {o.properties["source"] for o in index.client.collections.get("x").objects.values()} == {"q.md"}
    [matches] = index.search(emb.embed(["parking spaces assigned by lottery"]), k=3)
    assert [m.rule.rule_id for m in matches] == ["SEC-9"]
