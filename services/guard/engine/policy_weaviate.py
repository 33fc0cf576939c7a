"""Policy index in Weaviate (weaviate-client v4), used when ``GW_GUARD_WEAVIATE_URL`` is set.

The collection is created on start with self-provided vectors (no vectorizer module) and cosine distance. Each
object is one embedded chunk with its rule id, title, kind (violation/allowed), source file and a version: the
file's content hash and the embedder's (``Embedder.version``), so that a new embedding model re-indexes too.

A changed file is re-indexed new-before-old: its new chunks are inserted (ids derived from source, version and
position, so a retry overwrites instead of duplicating) and only once all of them are in are the old version's
deleted. A search running meanwhile sees the old rules or both, never none; a refused insert raises, and the
old version stays in force (the detector logs it, or at start fails closed).
"""

from __future__ import annotations

from urllib.parse import urlparse

import numpy as np

from services.guard.engine.config import GuardConfig
from services.guard.engine.policy_docs import PolicyDocument, PolicyRule
from services.guard.engine.policy_index import Embeds, RuleMatch, rank


class WeaviatePolicyIndex:
    def __init__(self, client, collection_name: str) -> None:
        self.client = client
        self.name = collection_name
        self._rules: dict[str, PolicyRule] = {}

    @classmethod
    def connect(cls, config: GuardConfig) -> WeaviatePolicyIndex:
        import weaviate

        url = urlparse(config.weaviate_url or "")
        client = weaviate.connect_to_custom(
            http_host=url.hostname or "localhost", http_port=url.port or 8080, http_secure=url.scheme == "https",
            grpc_host=url.hostname or "localhost", grpc_port=config.weaviate_grpc_port,
            grpc_secure=url.scheme == "https", skip_init_checks=False,
        )
        index = cls(client, config.weaviate_collection)
        index._ensure_collection()
        return index

    def _ensure_collection(self) -> None:
        from weaviate.classes.config import Configure, DataType, Property, VectorDistances

        if not self.client.collections.exists(self.name):
            self.client.collections.create(
                self.name,
                vector_config=Configure.Vectors.self_provided(
                    vector_index_config=Configure.VectorIndex.hnsw(distance_metric=VectorDistances.COSINE)
                ),
                properties=[Property(name=n, data_type=DataType.TEXT) for n in
                            ("rule_id", "title", "text", "chunk", "kind", "source", "content_hash")],
            )

    def sync(self, documents: list[PolicyDocument], embedder: Embeds) -> None:
        from weaviate.classes.data import DataObject
        from weaviate.classes.query import Filter
        from weaviate.util import generate_uuid5

        col = self.client.collections.get(self.name)
        stored: dict[str, set[str]] = {}
        for obj in col.iterator(return_properties=["source", "content_hash"]):
            stored.setdefault(obj.properties["source"], set()).add(obj.properties["content_hash"])
        model = getattr(embedder, "version", "")
        for doc in documents:
            version = f"{doc.content_hash}:{model}"
            if stored.get(doc.source) == {version}:
                continue
            rows = [(r, t, v) for r in doc.rules for t, v in r.chunks()]
            vectors = embedder.embed([t for _, t, _ in rows])
            objects = [DataObject(
                properties={"rule_id": rule.rule_id, "title": rule.title, "text": rule.text, "chunk": text,
                            "kind": "violation" if violation else "allowed", "source": doc.source,
                            "content_hash": version},
                vector=vec.tolist(), uuid=generate_uuid5(f"{doc.source}|{version}|{n}", self.name),
            ) for n, ((rule, text, violation), vec) in enumerate(zip(rows, vectors, strict=True))]
            if objects:
                result = col.data.insert_many(objects)
                if result.has_errors:
                    first = next(iter(result.errors.values()))
                    raise RuntimeError(f"Weaviate refused {len(result.errors)} of {len(objects)} chunks of "
                                       f"{doc.source}: {first.message}")
            source = Filter.by_property("source").equal(doc.source)
            self._delete(col, source & Filter.by_property("content_hash").not_equal(version), doc.source)
        for gone in set(stored) - {d.source for d in documents}:
            self._delete(col, Filter.by_property("source").equal(gone), gone)
        self._rules = {r.rule_id: r for d in documents for r in d.rules}

    @staticmethod
    def _delete(col, where, source: str) -> None:
        result = col.data.delete_many(where=where)
        if result.failed:
            raise RuntimeError(f"Weaviate did not delete {result.failed} outdated chunks of {source}")

    def search(self, vectors: np.ndarray, k: int = 3) -> list[list[RuleMatch]]:
        from weaviate.classes.query import MetadataQuery

        col = self.client.collections.get(self.name)
        out = []
        for vec in vectors:
            res = col.query.near_vector(near_vector=vec.tolist(), limit=k * 8,
                                        return_metadata=MetadataQuery(distance=True))
            rows, sims = [], []
            for obj in res.objects:
                rule = self._rules.get(obj.properties["rule_id"])
                if rule is not None:
                    rows.append((rule, obj.properties["chunk"], obj.properties["kind"] == "violation"))
                    sims.append(1.0 - float(obj.metadata.distance))
            out.append(rank(rows, np.asarray(sims, dtype=np.float32), k))
        return out

    def close(self) -> None:
        self.client.close()
