"""Company policy documents (``policies/*.md``) split into rules: one rule per ``## ID Title`` heading (or ``###``).

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

# Any markdown heading; a rule's is "## HR-1 Title" (also "### HR-1: Title", "## HR-1 - Title", "## HR-1").
# [ \t], not \s: "\s+" also crossed the line end, so "## FIN-1: Insider trading" was no rule and a bare "## HR-2"
# took its body's first line as its title.
_ANY_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*$", re.M)
_RULE_ID = re.compile(r"([A-Z][A-Z0-9]*-\d+)(?:[ \t]*[:.\-\u2013\u2014][ \t]*|[ \t]+|$)(.*)")
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
    """A rule's section runs to the next heading of its level or above, so a later "## Definitions" section (and an
    ``Allowed:`` list in it) is not read as part of the rule before it."""
    content_hash = hashlib.sha256(markdown.encode()).hexdigest()
    markdown = markdown.removeprefix("\ufeff")  # a byte-order mark keeps the first heading from starting its line
    headings = list(_ANY_HEADING.finditer(markdown))
    rules = []
    for n, m in enumerate(headings):
        level, rule = len(m.group(1)), _RULE_ID.fullmatch(m.group(2))
        if level not in (2, 3) or rule is None:
            continue
        end = next((h.start() for h in headings[n + 1:]
                    if len(h.group(1)) <= level or _RULE_ID.fullmatch(h.group(2))), len(markdown))
        rules.append(_rule(rule.group(1), rule.group(2).strip() or rule.group(1), markdown[m.end():end], source))
    return PolicyDocument(source, content_hash, tuple(rules))


def policy_files(directory: Path) -> list[Path]:
    """The policy files of ``directory``: its ``*.md``, not editors' lock or backup files (".#hr.md")."""
    return sorted(p for p in directory.glob("*.md") if not p.name.startswith("."))


def load_policies(directory: Path) -> list[PolicyDocument]:
    """Every ``*.md`` in ``directory``, parsed. A rule id defined twice is refused: a match would cite one rule
    with the other's text (and show the judge the wrong rule)."""
    if not directory.is_dir():
        raise FileNotFoundError(f"policies directory {directory} not found")
    documents = [parse_policy(p.name, p.read_text(encoding="utf-8")) for p in policy_files(directory)]
    seen: dict[str, str] = {}
    for d in documents:
        for rule in d.rules:
            if rule.rule_id in seen:
                raise ValueError(f"policy rule {rule.rule_id} is defined in both {seen[rule.rule_id]} and {d.source}")
            seen[rule.rule_id] = d.source
    return documents
