"""Presidio recognizers for credentials: provider and cloud API keys, tokens, private keys and passwords.

Entity types: ``API_KEY`` (provider keys, cloud access keys, VCS/chat/payment tokens, JWTs), ``PRIVATE_KEY`` (PEM
private key blocks) and ``PASSWORD`` (values of ``password=``/``pwd:``-style assignments and the password part of
connection strings such as ``postgres://user:pass@host``). The span is the secret itself, so redaction keeps the
surrounding text (``password=<PASSWORD>``).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass

from presidio_analyzer import AnalysisExplanation, LocalRecognizer, RecognizerResult

SECRET_ENTITIES = ("API_KEY", "PRIVATE_KEY", "PASSWORD")

_PLACEHOLDER = re.compile(r"^(?:\$|\{|<|%|\*{3,}|x{4,}|os\.|getenv|process\.env|env\[|none$|null$|true$|false$)", re.I)


def _mixed(token: str) -> bool:
    """A random-looking secret mixes upper, lower and digits (hex hashes and UUIDs do not)."""
    return any(c.isupper() for c in token) and any(c.islower() for c in token) and any(c.isdigit() for c in token)


def _not_placeholder(token: str) -> bool:
    return not _PLACEHOLDER.match(token) and not token.lower().startswith(("your", "my_", "example", "changeme"))


@dataclass(frozen=True)
class CredentialPattern:
    entity: str
    name: str
    regex: re.Pattern[str]
    score: float
    group: int = 0
    valid: Callable[[str], bool] | None = None
    # Strings every match contains (in the case-folded text when the pattern ignores case): a text with none of
    # them is not searched. Python's regex engine tries a pattern that starts with \b at every position (~0.17 ms
    # per 10,000 characters each); a substring test is ~100 times cheaper, and almost every text has no key.
    hints: tuple[str, ...] = ()

    def may_match(self, text: str, lowered: str) -> bool:
        haystack = lowered if self.regex.flags & re.I else text
        return not self.hints or any(h in haystack for h in self.hints)


# Words that say something about a password rather than being one ("The password is required", "password:
# optional"). A stoplist, not the dictionary: "password: sunshine" and "my password is football" are passwords.
_ABOUT_A_PASSWORD = frozenset("""
required incorrect wrong invalid expired missing empty correct valid weak strong long short changed reset needed
mandatory optional stored hashed encrypted saved sent same different secure insecure protected important always
never something nothing case sensitive blank forgotten lost compromised leaked visible hidden shown displayed
generated managed handled checked verified ignored enabled disabled unset unknown usually typically generally
often sometimes currently still also only just probably likely definitely very really quite actually being used
needed stale rotated complex simple random unique private public secret confidential sensitive available shared
""".split())


def _not_a_word(token: str) -> bool:
    """Not a word about a password: "The password is required" states no password."""
    return _not_placeholder(token) and token.lower().rstrip(".,;:!?") not in _ABOUT_A_PASSWORD


def _p(entity: str, name: str, regex: str, hints: tuple[str, ...], score: float = 0.95, group: int = 0,
       valid=None, flags: int = 0) -> CredentialPattern:
    # ASCII: a key glued to Chinese or Japanese text ("密钥是AKIA...。") has no \b before it in Unicode, where
    # CJK characters are word characters. The text is NFKC-normalised first, so folding is done by then.
    return CredentialPattern(entity, name, re.compile(regex, flags | re.ASCII), score, group, valid, hints)


# The value: a quoted one up to its closing quote (a passphrase may hold spaces, "&", ";"); an unquoted one up to
# whitespace, a quote, ";", "," or an "&" that starts the next query parameter ("pw=hunter2&user=bob"): an "&"
# inside the password ("Tr0ub4dor&3") used to end it and leave the rest in the clear.
_PASSWORD_VALUE = r"""((?<=")[^"\n]{4,}(?=")|(?<=')[^'\n]{4,}(?=')|(?:[^\s"'&;,]|&(?![A-Za-z_]\w*=)){4,})"""  # noqa: S105
_PASSWORD_KEY = r"(?:\b|(?<=_))(?:password|passwd|passphrase|pwd|pass|db_pass|secret|client_secret)\b"  # noqa: S105 (regexes, not passwords)

CREDENTIAL_PATTERNS: tuple[CredentialPattern, ...] = (
    _p("API_KEY", "anthropic", r"\bsk-ant-[A-Za-z0-9_\-]{20,}", ("sk-ant-",)),
    _p("API_KEY", "openai", r"\bsk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}", ("sk-",), valid=_mixed),
    _p("API_KEY", "google", r"\bAIza[0-9A-Za-z_\-]{35}(?![0-9A-Za-z_\-])", ("AIza",)),
    _p("API_KEY", "aws_access_key_id", r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b", ("AKIA", "ASIA", "ABIA", "ACCA")),
    _p("API_KEY", "github", r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,}\b", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_")),
    _p("API_KEY", "github_pat", r"\bgithub_pat_[A-Za-z0-9_]{22,}\b", ("github_pat_",)),
    _p("API_KEY", "gitlab", r"\bglpat-[A-Za-z0-9_\-]{20,}", ("glpat-",)),
    _p("API_KEY", "slack", r"\b(?:xox[baprse]|xapp)-[A-Za-z0-9\-]{10,}", ("xox", "xapp-")),
    _p("API_KEY", "slack_webhook", r"\bhttps://hooks\.slack\.com/services/[A-Za-z0-9/]{20,}", ("hooks.slack.com",)),
    _p("API_KEY", "stripe", r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}\b", ("k_live_", "k_test_")),
    # Not \b: it holds after every "-" too, and "eyJ-eyJ-..." then cost quadratic time (100,000 chars: ~3 s).
    _p("API_KEY", "jwt", r"(?<![A-Za-z0-9_\-])eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{10,}",
       ("eyJ",)),
    _p(
        "PRIVATE_KEY",
        "pem_private_key",
        # The block ends at its END line; the body is not searched past the next BEGIN/END line, so each BEGIN
        # reads only its own block (a lazy scan to the END read to the end of the text from every BEGIN: quadratic).
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
        r"(?:(?:(?!-----(?:BEGIN|END) )[\s\S])*-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
        r"|[A-Za-z0-9+/=\s:,\-]*)",
        ("PRIVATE KEY",),
        score=1.0,
    ),
    _p(
        "PASSWORD",
        "connection_string",
        # The password runs to the last "@" before the host: an unencoded "@" in it is common ("P@ssw0rd").
        r"\b[a-zA-Z][a-zA-Z0-9+.\-]{1,20}://[^\s:/@]+:([^\s/]{3,})@[^\s/@]+",
        ("://",),
        score=0.9,
        group=1,
        valid=_not_placeholder,
    ),
    # Assigned (=, =>, or a quoted value): whatever the value. Stated (": " or " is ", unquoted): not a plain
    # word, so prose about passwords ("The password is required", "password: always") is not a secret. The key
    # may end a longer name (DB_PASSWORD, api_secret).
    _p(
        "PASSWORD",
        "password_assignment",
        _PASSWORD_KEY + r"[\"']?\s*(?:=>?|:\s*(?=[\"']))\s*[\"']?" + _PASSWORD_VALUE,
        ("pass", "pwd", "secret"),
        score=0.85,
        group=1,
        valid=_not_placeholder,
        flags=re.I,
    ),
    _p(
        "PASSWORD",
        "password_stated",
        _PASSWORD_KEY + r"[\"']?\s*(?::|\bis\b)\s*[\"']?" + _PASSWORD_VALUE,
        ("pass", "pwd", "secret"),
        score=0.85,
        group=1,
        valid=_not_a_word,
        flags=re.I,
    ),
    _p(
        "API_KEY",
        "aws_secret_access_key",
        r"(?:aws_secret_access_key|secret_access_key|aws_secret|secretaccesskey|SecretAccessKey)[\"']?\s*[:=]\s*[\"']?"
        r"([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])",
        ("secret",),
        score=0.95,
        group=1,
        flags=re.I,
    ),
)

# An AWS secret key has no prefix: a 40-character base64 token counts only near an access key id.
_AWS_SECRET = re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_AWS_ID = re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b", re.ASCII)
_AWS_NEAR = 200


class CredentialRecognizer(LocalRecognizer):
    """All credential patterns in one recognizer: one pass of ~14 regexes over the text."""

    def __init__(self, patterns: tuple[CredentialPattern, ...] = CREDENTIAL_PATTERNS) -> None:
        self.patterns = patterns
        super().__init__(
            supported_entities=list(SECRET_ENTITIES), name="CredentialRecognizer", supported_language="en"
        )

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []
        lowered = text.casefold()  # what re.IGNORECASE folds ("ſ" is "s") is folded here too
        for p in self.patterns:
            if (entities and p.entity not in entities) or not p.may_match(text, lowered):
                continue
            for m in p.regex.finditer(text):
                value = m.group(p.group)
                if p.valid is not None and not p.valid(value):
                    continue
                results.append(self._result(p.entity, p.name, m.start(p.group), m.end(p.group), p.score))
        if (not entities or "API_KEY" in entities) and ("AKIA" in text or "ASIA" in text) and (
                ids := list(_AWS_ID.finditer(text))):
            starts = [i.start() for i in ids]
            for m in _AWS_SECRET.finditer(text):
                k = bisect.bisect_left(starts, m.start() - _AWS_NEAR)  # the first id not too far before it
                if k < len(starts) and starts[k] <= m.start() + _AWS_NEAR and _mixed(m.group()):
                    results.append(self._result("API_KEY", "aws_secret_near_key_id", m.start(), m.end(), 0.9))
        return results

    def _result(self, entity: str, name: str, start: int, end: int, score: float) -> RecognizerResult:
        explanation = AnalysisExplanation(recognizer=self.name, original_score=score, pattern_name=name)
        return RecognizerResult(entity, start, end, score, analysis_explanation=explanation)
