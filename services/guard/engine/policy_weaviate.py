"""Policy index in Weaviate (weaviate-client v4), used when ``GW_GUARD_WEAVIATE_URL`` is set.

The collection is created on start with self-provided vectors (no vectorizer module) and cosine distance. Each
object is one embedded chunk with its rule id, title, kind (violation/allowed), source file and the file's content
hash; on sync a file whose hash changed (or that disappeared) has its objects deleted and re-inserted.
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
        from weaviate.classes.query import Filter

        col = self.client.collections.get(self.name)
        stored: dict[str, str] = {}
        for obj in col.iterator(return_properties=["source", "content_hash"]):
            stored[obj.properties["source"]] = obj.properties["content_hash"]
        wanted = {d.source: d for d in documents}
        for source in set(stored) - set(wanted):
            col.data.delete_many(where=Filter.by_property("source").equal(source))
        for source, doc in wanted.items():
            self._rules.update({r.rule_id: r for r in doc.rules})
            if stored.get(source) == doc.content_hash:
                continue
            col.data.delete_many(where=Filter.by_property("source").equal(source))
            rows = [(r, t, v) for r in doc.rules for t, v in r.chunks()]
            vectors = embedder.embed([t for _, t, _ in rows])
            with col.batch.dynamic() as batch:
                for (rule, text, violation), vec in zip(rows, vectors, strict=True):
                    batch.add_object(properties={
                        "rule_id": rule.rule_id, "title": rule.title, "text": rule.text, "chunk": text,
                        "kind": "violation" if violation else "allowed", "source": source,
                        "content_hash": doc.content_hash}, vector=vec.tolist())

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
