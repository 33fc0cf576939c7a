"""Company-policy detector: embed what the user asks, sentence by sentence, and cite the nearest policy rule that
a sentence matches above threshold.

A request is read a sentence at a time, not a window at a time: one violating sentence among ordinary ones was
diluted in its window's embedding (the labelled violations were caught at 0.815 alone and at 0.03 with three short
benign texts around them). A match is scored by its margin over how near both sides are to ordinary requests
(``policy_background``), not by raw cosine similarity, which rates topic: with sentences and raw similarity, a
quarter of benign 1,000-character prompts had a sentence over the threshold. Without a background (tests with a
toy embedder) the score is the cosine similarity.

An optional judge (``policy_judge``, off unless ``judge_model`` is set) re-decides matches within ``judge_margin``
of the threshold with the retrieved rule text. With a first stage (``prefilter.StaticEmbedder``), a sentence whose
static vector is not within ``gate`` of any rule chunk's is not embedded by the transformer: it cannot match. Of
the sentences that pass, the ``max_windows`` nearest of each screened text are embedded (the cost of a long text
stays bounded).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from libs.common.messages import Finding
from services.guard.engine.config import GuardConfig
from services.guard.engine.detector import POLICY, WINDOW, Detection, ScreenItem, threshold_risk, windows
from services.guard.engine.memo import Memo
from services.guard.engine.nonlatin import latin_view
from services.guard.engine.policy_background import BACKGROUND_FILE, Background
from services.guard.engine.policy_docs import PolicyDocument, load_policies, policy_files
from services.guard.engine.policy_index import Embeds, NumpyPolicyIndex, PolicyIndex, RuleMatch
from services.guard.engine.prefilter import Prefilter, pick

log = logging.getLogger(__name__)


# How often the policies directory is checked for changes (a stat of its files, from the request path).
RELOAD_CHECK_S = 5.0


# A margin as sure as matches get: the labelled violations' strongest reach 0.18-0.24 (risk 8-10).
MARGIN_FULL = 0.25
# A sentence ends at ".", "!" or "?" followed by white space, or at a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\s*\n\s*")


def sentences(text: str, most: int = 2048) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text`` with at least 4 non-space characters; one longer than a window
    (code, a table row, text without punctuation) is cut into windows, as the embedder reads 256 tokens at most.

    Past ``most`` sentences, runs of neighbours are joined into one span, so that a crafted text of tiny sentences
    costs the first stage at most ``most`` of them (200,000 lines of "abcd" took 5 s; a 10,000-character prompt
    has about 100)."""
    spans, start = [], 0
    for m in [*_SENTENCE_END.finditer(text), None]:
        end = m.start() if m is not None else len(text)
        piece = text[start:end]
        if len(piece) - piece.count(" ") >= 4:
            lead = len(piece) - len(piece.lstrip())
            if end - start - lead <= WINDOW:
                spans.append((start + lead, end))
            else:
                spans.extend((start + lead + a, start + lead + b) for a, b in windows(text[start + lead:end]))
        if m is not None:
            start = m.end()
    if len(spans) > most:
        size = -(-len(spans) // most)
        spans = [(spans[i][0], spans[min(i + size, len(spans)) - 1][1]) for i in range(0, len(spans), size)]
    return spans


def violating_chunks(documents: list[PolicyDocument]) -> list[str]:
    # Violating chunks only: an allowed example would always look near (it is a rule chunk) and take a slot.
    return [text for d in documents for rule in d.rules for text, violation in rule.chunks() if violation]


def _signature(directory: Path) -> tuple:
    """Name, mtime and size of each policy file; an editor's lock or backup file (".#hr.md", a dangling link) or a
    file deleted meanwhile is left out rather than failing the request that checks."""
    out = []
    for p in policy_files(directory):
        try:
            st = p.stat()
        except OSError:
            continue
        out.append((p.name, st.st_mtime_ns, st.st_size))
    return tuple(out)


def _warn_if_uncalibrated(first: Prefilter, documents: list[PolicyDocument], threshold: float) -> None:
    calibrated = first.policy_calibration
    if calibrated and (calibrated.get("policies") != {d.source: d.content_hash for d in documents}
                       or threshold < calibrated.get("policy_threshold", 0.0)):
        log.warning("the policy gate was calibrated for other policies or a higher threshold: it may pass over "
                    "violations of the new ones; set it again (train_guard.py --policy-background) or set "
                    "GW_GUARD_PREFILTER=false")


class _EmbedOnce:
    """An embedder that keeps what it embedded, for one round of indexing (one text, one vector: the embedder reads
    one text at a time, so a vector does not depend on what else was embedded with it)."""

    def __init__(self, embedder: Embeds) -> None:
        self.embedder = embedder
        self.vectors: dict[str, np.ndarray] = {}

    def embed(self, texts: list[str]) -> np.ndarray:
        new = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if new:
            self.vectors.update(zip(new, self.embedder.embed(new), strict=True))
        return np.stack([self.vectors[t] for t in texts]) if texts else self.embedder.embed(texts)


def _sync(index: PolicyIndex, embedder: Embeds, background: Background | None,
          documents: list[PolicyDocument]) -> dict[str, float]:
    """Make ``index`` hold ``documents``; hub() of each violating chunk (the rule side of the margin). Each chunk is
    embedded once for both: the hubs embedded again what the index had just embedded (0.9 of a 2.5 s start)."""
    once = _EmbedOnce(embedder)
    index.sync(documents, once)
    if background is None:
        return {}
    chunks = violating_chunks(documents)
    return dict(zip(chunks, background.hub(once.embed(chunks)).tolist(), strict=True)) if chunks else {}


class PolicyDetector:
    """With ``policies_dir``, the policies are re-read when its files change (checked every ``RELOAD_CHECK_S``
    seconds, re-indexed on a background thread, swapped in whole; a file that fails to parse leaves the previous
    policies in force and is logged)."""

    name = POLICY

    def __init__(self, embedder: Embeds, index: PolicyIndex, threshold: float, judge=None,
                 judge_margin: float = 0.0, gate: tuple[Embeds, np.ndarray, float] | None = None,
                 max_windows: int = 0, policies_dir: Path | None = None, first_stage: Prefilter | None = None,
                 judge_budget_s: float = 1.0, cache_texts: int = 0, background: Background | None = None,
                 chunk_hubs: dict[str, float] | None = None) -> None:
        self.embedder = embedder
        self.background = background
        # hub() of each violating chunk (the rule side of the margin), swapped whole when the policies are re-read
        self._chunk_hub = chunk_hubs or {}
        self._vectors: Memo[np.ndarray] = Memo(cache_texts)  # a sentence's embedding, per scope
        self._cache_texts = cache_texts
        self.index = index
        self.threshold = threshold
        self.judge = judge
        self.judge_margin = judge_margin
        self.judge_budget_s = judge_budget_s  # per detect(), all judge calls together; past it the threshold decides
        # (static embedder, static vectors of every rule chunk, similarity under which a sentence cannot match, each
        # sentence's nearness to those chunks per scope: a chat's history, ~10 sentences per 1,000 characters, is
        # read again with every turn), swapped whole when the policies change
        self.gate = (*gate, Memo(cache_texts)) if gate is not None else None
        self.max_windows = max_windows  # with a gate: windows embedded per screened text, the nearest first; 0: all
        self.policies_dir = policies_dir
        self._first_stage = first_stage
        self._signature = _signature(policies_dir) if policies_dir is not None else ()
        self._next_check = time.monotonic() + RELOAD_CHECK_S
        self._reloading = threading.Lock()

    @classmethod
    def build(cls, config: GuardConfig) -> PolicyDetector:
        from services.guard.engine import embedder as embedder_module

        embedder = embedder_module.Embedder.load(config.embedder_model_path)
        background = None
        if config.policy_background:  # made by this embedder: by default the file beside its model
            background = Background.load(embedder.version, config.policy_background_path or Path(
                config.embedder_model_path or embedder_module.MODEL_DIR) / BACKGROUND_FILE)
        if config.weaviate_url:
            from services.guard.engine.policy_weaviate import WeaviatePolicyIndex

            index: PolicyIndex = WeaviatePolicyIndex.connect(config)
        else:
            index = NumpyPolicyIndex()
        documents = load_policies(config.policies_dir)
        chunk_hubs = _sync(index, embedder, background, documents)
        gate, first = None, None
        if config.prefilter:
            first = Prefilter.load(config.prefilter_model_path)
            _warn_if_uncalibrated(first, documents, config.policy_match_threshold)
            gate = (first.static, first.static.embed(violating_chunks(documents)), first.policy_gate)
        judge = None
        if config.judge_model:
            from services.guard.engine.policy_judge import PolicyJudge

            # The judge answers inside the detector's own time limit, or the whole detector times out and the
            # request fails (or, fail-open, goes through unscreened): half of it for all its calls, each call timed
            # out a little sooner so that the first can start.
            judge = PolicyJudge(config.judge_model, min(config.judge_timeout_s, config.detector_timeout_s * 0.4))
        return cls(embedder, index, config.policy_match_threshold, judge, config.judge_margin, gate,
                   config.policy_model_windows, config.policies_dir, first, config.detector_timeout_s / 2,
                   config.cache_texts, background, chunk_hubs)

    def check_policies(self) -> threading.Thread | None:
        """Start re-reading the policies if their files changed (at most every ``RELOAD_CHECK_S``); the thread."""
        if self.policies_dir is None or time.monotonic() < self._next_check:
            return None
        self._next_check = time.monotonic() + RELOAD_CHECK_S
        signature = _signature(self.policies_dir)
        if signature == self._signature or not self._reloading.acquire(blocking=False):
            return None
        thread = threading.Thread(target=self._reload, args=(signature,), name="policy-reload", daemon=True)
        thread.start()
        return thread

    def _reload(self, signature: tuple) -> None:
        try:
            documents = load_policies(self.policies_dir)  # type: ignore[arg-type]
            self._chunk_hub = _sync(self.index, self.embedder, self.background, documents)
            if self.gate is not None and self._first_stage is not None:
                _warn_if_uncalibrated(self._first_stage, documents, self.threshold)
                static, _, gate, _ = self.gate
                self.gate = (static, static.embed(violating_chunks(documents)), gate, Memo(self._cache_texts))
            log.info("policies re-read from %s: %d rules", self.policies_dir, sum(len(d.rules) for d in documents))
        except Exception as exc:
            log.error("policies in %s not re-read, the previous ones stay in force: %s", self.policies_dir, exc)
        finally:
            self._signature = signature  # a broken file is retried when it changes again, not every check
            self._reloading.release()

    def detect(self, items: Sequence[ScreenItem]) -> Detection:
        self.check_policies()
        texts: list[str] = []
        owners: list[tuple[ScreenItem, object, int, int]] = []
        for item in items:
            if POLICY not in item.checks:
                continue
            for view in item.all_views():
                text = item.view_text(view)
                for s, e in sentences(text):
                    # The embedder is English: it reads the sentence's Latin-script text (a violation written in
                    # Chinese or Russian scored 0.35-0.38 against 0.83 in English: nothing to match, only time).
                    read = latin_view(text[s:e])
                    if read.strip():
                        texts.append(read)
                        owners.append((item, view, s, e))
        if not texts:
            return Detection(scores={"policy": 0.0})
        first_stage = 0.0
        if self.gate is not None:
            static, chunks, gate, nearness = self.gate
            keyed = [(item.scope, text) for text, (item, *_) in zip(texts, owners, strict=True)]
            near = np.array(nearness.get_many(keyed, lambda ts: (static.embed(ts) @ chunks.T).max(axis=1).tolist()
                                              if len(chunks) else [0.0] * len(ts)))
            # Reported under half the threshold: the first stage only says how near the nearest sentence came.
            first_stage = min(max(0.0, float(near.max())) * 0.5 * self.threshold / gate, self.threshold / 2)
            # One sentence per window's worth of the text (1,200 characters), at most max_windows: a short prompt
            # sends its nearest sentence (in context, 105 of 162 labelled violations found against 107 with two,
            # for 1.2 ms less), a long one its two nearest (10,000 characters: 33 of 54 against 27 with one).
            budget = self.max_windows and {id(item): min(self.max_windows, len(windows(item.norm.text)))
                                           for item in items if POLICY in item.checks}
            keep = pick(near, [id(item) for item, *_ in owners], gate, budget)
            texts, owners = [texts[n] for n in keep], [owners[n] for n in keep]
        vectors = self._embed(texts, owners) if texts else np.zeros((0, 0), np.float32)
        matches = self.index.search(vectors, k=3) if texts else []
        hubs = self.background.hub(vectors).tolist() if self.background is not None else [0.0] * len(texts)
        judge_until = time.monotonic() + self.judge_budget_s
        best = first_stage
        findings: list[Finding] = []
        for found, hub, (item, view, s, e) in zip(matches, hubs, owners, strict=True):
            scored = sorted(((self._score(m, hub), m) for m in found), key=lambda sm: -sm[0])
            best = max([best] + [score for score, _ in scored[:1]])
            for score, match in scored:
                # The judge reads the sentence with what surrounds it ("Here is the list of 40 employees... Draft
                # their exit letters."), in all scripts.
                around = item.view_text(view)[max(0, s - WINDOW // 2):e + WINDOW // 2]
                if not self._violates(around, match, score, judge_until):
                    continue
                start, end, path = item.locate(*item.finding_span(view, s, e))
                findings.append(Finding(
                    type=match.rule.rule_id, category="policy", start=start, end=end,
                    score=round(min(max(score, 0.0), 1.0), 4), rule=match.rule.rule_id,
                    message_index=item.message_index, path=path,
                ))
                break  # one rule per sentence: the nearest one that holds
        top = max(findings, key=lambda f: f.score, default=None)
        if top:
            risk = max(self._risk(top.score), 5.0)
        else:  # below threshold, or the judge cleared it: never counts as detected on its own
            risk = min(self._risk(best), 4.9)
        kind = "margin" if self.background is not None else "similarity"
        notes = {"policy": f"{top.rule} ({kind} {top.score:.3f})"} if top else {}
        return Detection(findings=findings, scores={"policy": round(max(best, 0.0), 4)},
                         risks={"policy": round(min(risk, 10.0), 2)}, notes=notes)

    def _embed(self, texts: list[str], owners: list[tuple[ScreenItem, object, int, int]]) -> np.ndarray:
        keyed = [(item.scope, text) for text, (item, *_) in zip(texts, owners, strict=True)]
        return np.stack(self._vectors.get_many(keyed, lambda ts: list(self.embedder.embed(ts))))

    def _risk(self, score: float) -> float:
        """0-10, the threshold at 5; a margin reaches 10 at ``MARGIN_FULL``, not at 1 (no sentence gets near 1)."""
        if self.background is None:
            return threshold_risk(score, self.threshold)
        return threshold_risk(min(score / MARGIN_FULL, 1.0), min(self.threshold / MARGIN_FULL, 1.0))

    def _score(self, match: RuleMatch, hub: float) -> float:
        """The margin of a match (``policy_background``), or its cosine similarity without a background."""
        if self.background is None:
            return match.similarity
        rule_hub = self._chunk_hub.get(match.chunk)
        if rule_hub is None:  # a chunk of policies re-read since (Weaviate answers with what it holds)
            rule_hub = float(self.background.hub(self.embedder.embed([match.chunk]))[0])
        return match.similarity - (hub + rule_hub) / 2

    def _violates(self, text: str, match: RuleMatch, score: float, judge_until: float) -> bool:
        # An allowed example (of any rule) at least as close as the nearest violation clears the request.
        if match.allowed_similarity >= match.similarity:
            return False
        grey = abs(score - self.threshold) <= self.judge_margin
        # A judge call starts only if it can finish (time out) within the detector's budget for the judge.
        if self.judge is not None and grey and time.monotonic() + getattr(self.judge, "timeout_s", 0.0) <= judge_until:
            verdict = self.judge.violates(text, match)
            if verdict is not None:
                return verdict
        return score >= self.threshold
