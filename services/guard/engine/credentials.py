"""Presidio recognizers for credentials: provider and cloud API keys, tokens, private keys and passwords.

Entity types: ``API_KEY`` (provider keys, cloud access keys, VCS/chat/payment tokens, JWTs, bearer tokens and
generated values given to key-like names such as ``SECRET_KEY=``), ``PRIVATE_KEY`` (PEM private key blocks) and
``PASSWORD`` (values of ``password=``/``pwd:``-style assignments, the password part of connection strings such as
``postgres://user:pass@host``, HTTP Basic credentials, and passwords on a command line or in a ``.netrc``). The
span is the secret itself, so redaction keeps the surrounding text (``password=<PASSWORD>``).
"""

from __future__ import annotations

import base64
import bisect
import itertools
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


_FILLER = re.compile(r"x{4,}|\*{3,}|\.{3}|here$", re.I)


def _random_looking(token: str) -> bool:
    """A generated token, not a placeholder ("your_api_key_here", "xxxx...") or a name: letters and at least two
    digits, or (a key of letters alone, 1 in 40 of random 32-character ones) a third or more of either case,
    changing case at every fourth character or more often, which a CamelCase name ("MyVeryLongVariableName",
    "HTTPClientFactory") does not."""
    if sum(c.isalpha() for c in token) < 2 or not _not_placeholder(token) or _FILLER.search(token):
        return False
    if sum(c.isdigit() for c in token) >= 2:
        return True
    cases = [c.isupper() for c in token if c.isalpha()]
    return (0.3 <= sum(cases) / len(cases) <= 0.7
            and sum(a != b for a, b in itertools.pairwise(cases)) >= len(token) / 4)


def _basic_credentials(token: str) -> bool:
    """HTTP Basic: base64 of "user:password"."""
    try:
        decoded = base64.b64decode(token + "=" * (-len(token) % 4), validate=True).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return False
    return ":" in decoded and decoded.isprintable()


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
# A name that ends in one of these holds a key or token ("OPENAI_API_KEY", "x-api-key", "SECRET_KEY", "apiKey"); a
# name that goes on past it ("api_key_id", "token_count") does not. Its value counts only if it looks generated.
_KEY_NAME = (
    r"(?:\b|(?<=[_\-.]))(?:api[_\-]?key|api[_\-]?token|access[_\-]?token|auth[_\-]?token|secret[_\-]?key"
    r"|private[_\-]?token|refresh[_\-]?token|bearer[_\-]?token|signing[_\-]?key|encryption[_\-]?key"
    r"|master[_\-]?key|token)\b")
# Quoted: up to the quote (12+ characters, any but blanks: Django's keys hold "!@#$%^&*()"); unquoted: 16+ of the
# characters tokens are made of, and not a call or an index ("token = tokenizer.encode(text)").
_KEY_VALUE = (
    r"""((?<=")[^"\s]{12,}(?=")|(?<=')[^'\s]{12,}(?=')"""
    r"|[A-Za-z0-9_\-+/=.~]{16,}(?![A-Za-z0-9_\-+/=.~(\[]))")

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
        r"\b[a-zA-Z][a-zA-Z0-9+.\-]{1,20}://[^\s:/@]*:([^\s/]{3,})@[^\s/@]+",  # no user: redis://:pw@host
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
    # Passwords given to a tool on its command line, in a .netrc, or as an XML/HTML key-value attribute pair.
    _p("PASSWORD", "curl_user", r"(?<!\S)(?:-u|--user)(?:\s+|=)[\"']?[^\s:\"'@]+:([^\s\"']{3,})", ("-u", "--user"),
       score=0.85, group=1, valid=_not_placeholder),
    # mysql's -p takes the password glued to it ("-pS3cret"); "-p mydb" asks for it and names a database.
    _p("PASSWORD", "mysql_p", r"\bmysql\w{0,10}\b[^\n]{0,200}?\s-p[\"']?([^\s\"']{3,})", ("mysql",), score=0.85,
       group=1, valid=_not_placeholder),
    _p("PASSWORD", "sshpass_p", r"\bsshpass\s+-p\s*[\"']?([^\s\"']{3,})", ("sshpass",), score=0.85, group=1,
       valid=_not_placeholder),
    _p("PASSWORD", "netrc", r"\bmachine\s+\S+\s+(?:login\s+\S+\s+)?password\s+(\S+)", ("machine",), score=0.85,
       group=1, valid=_not_placeholder),
    _p("PASSWORD", "key_value_attribute",
       r"\b(?:key|name)\s*=\s*[\"'][^\"'\n]{0,40}?(?:password|passwd|pwd|secret)[^\"'\n]{0,40}[\"']\s+value\s*=\s*"
       r"[\"']([^\"'\n]{4,})[\"']", ("value",), score=0.85, group=1, valid=_not_placeholder, flags=re.I),
    # HTTP authorization: Basic carries base64 of "user:password"; a bearer token is a key whatever its form.
    _p("PASSWORD", "http_basic", r"\bBasic\s+([A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])", ("Basic",), score=0.9,
       group=1, valid=_basic_credentials),
    _p("API_KEY", "bearer_token", r"\bBearer\s+([A-Za-z0-9_\-+/=.~]{16,})(?![A-Za-z0-9_\-+/=.~])", ("Bearer",),
       score=0.85, group=1, valid=_random_looking),
    # A generated value assigned to a key-like name ("SECRET_KEY = 'django-insecure-...'", "x-api-key: 4f0a...").
    _p("API_KEY", "token_assignment",
       _KEY_NAME + r"[\"']?\s*(?:=>?|:)\s*[\"']?" + _KEY_VALUE,
       ("key", "token"), score=0.8, group=1, valid=_random_looking, flags=re.I),
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
