"""Company policy documents (``policies/*.md``) split into rules: one rule per ``## ID Title`` heading."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

_HEADING = re.compile(r"^##\s+([A-Z][A-Z0-9]*-\d+)\s+(.+?)\s*$", re.M)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"(])")


@dataclass(frozen=True)
class PolicyRule:
    rule_id: str
    title: str
    text: str
    source: str

    def chunks(self) -> list[str]:
        """What is embedded for this rule: the whole rule, and each sentence of it with the title for context."""
        whole = f"{self.title}. {self.text}"
        sentences = [s.strip() for s in _SENTENCE.split(self.text) if len(s.strip()) > 20]
        return [whole, *(f"{self.title}: {s}" for s in sentences if s != self.text)]


@dataclass(frozen=True)
class PolicyDocument:
    source: str
    content_hash: str
    rules: tuple[PolicyRule, ...]


def parse_policy(source: str, markdown: str) -> PolicyDocument:
    rules: list[PolicyRule] = []
    headings = list(_HEADING.finditer(markdown))
    for n, m in enumerate(headings):
        end = headings[n + 1].start() if n + 1 < len(headings) else len(markdown)
        body = re.sub(r"\s+", " ", markdown[m.end():end]).strip()
        rules.append(PolicyRule(m.group(1), m.group(2), body, source))
    digest = hashlib.sha256(markdown.encode()).hexdigest()
    return PolicyDocument(source, digest, tuple(rules))


def load_policies(directory: Path) -> list[PolicyDocument]:
    if not directory.is_dir():
        raise FileNotFoundError(f"policies directory {directory} not found")
    return [parse_policy(p.name, p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.md"))]
