"""Company policy documents (``policies/*.md``) split into rules: one rule per ``## ID Title`` heading.

A rule's text is the prose under its heading. Optional bullet lists after a ``Violations:`` line and an
``Allowed:`` line give example requests on either side of the rule; they are embedded with the rule, because a
request resembles other requests far more than it resembles policy prose, and the allowed ones keep near misses
("how do I detect ransomware" under SEC-2) on the right side.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

_HEADING = re.compile(r"^##\s+([A-Z][A-Z0-9]*-\d+)\s+(.+?)\s*$", re.M)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"(])")
_LIST = re.compile(r"^(Violations|Allowed):\s*$", re.M | re.I)


@dataclass(frozen=True)
class PolicyRule:
    rule_id: str
    title: str
    text: str
    source: str
    violations: tuple[str, ...] = field(default=())
    allowed: tuple[str, ...] = field(default=())

    def chunks(self) -> list[tuple[str, bool]]:
        """(text, is_violation) pairs to embed: the rule, its sentences, its examples of either kind."""
        sentences = [s.strip() for s in _SENTENCE.split(self.text) if len(s.strip()) > 20]
        out = [(f"{self.title}. {self.text}", True)]
        out += [(f"{self.title}: {s}", True) for s in sentences if s != self.text]
        out += [(v, True) for v in self.violations]
        out += [(a, False) for a in self.allowed]
        return out


@dataclass(frozen=True)
class PolicyDocument:
    source: str
    content_hash: str
    rules: tuple[PolicyRule, ...]


def _bullets(block: str) -> tuple[str, ...]:
    return tuple(line.strip()[2:].strip() for line in block.splitlines() if line.strip().startswith(("- ", "* ")))


def _rule(rule_id: str, title: str, section: str, source: str) -> PolicyRule:
    pieces = _LIST.split(section)
    prose = re.sub(r"\s+", " ", pieces[0]).strip()
    lists: dict[str, tuple[str, ...]] = {"violations": (), "allowed": ()}
    for name, block in zip(pieces[1::2], pieces[2::2], strict=True):
        lists[name.lower()] += _bullets(block)
    return PolicyRule(rule_id, title, prose, source, lists["violations"], lists["allowed"])


def parse_policy(source: str, markdown: str) -> PolicyDocument:
    headings = list(_HEADING.finditer(markdown))
    rules = []
    for n, m in enumerate(headings):
        end = headings[n + 1].start() if n + 1 < len(headings) else len(markdown)
        rules.append(_rule(m.group(1), m.group(2), markdown[m.end():end], source))
    return PolicyDocument(source, hashlib.sha256(markdown.encode()).hexdigest(), tuple(rules))


def load_policies(directory: Path) -> list[PolicyDocument]:
    if not directory.is_dir():
        raise FileNotFoundError(f"policies directory {directory} not found")
    return [parse_policy(p.name, p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.md"))]
