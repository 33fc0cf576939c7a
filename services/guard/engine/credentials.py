"""Presidio recognizers for credentials: provider and cloud API keys, tokens, private keys and passwords.

Entity types: ``API_KEY`` (provider keys, cloud access keys, VCS/chat/payment tokens, JWTs, bearer tokens and
generated values given to key-like names such as ``SECRET_KEY=``), ``PRIVATE_KEY`` (PEM private key blocks) and
``PASSWORD`` (values of ``password=``/``pwd:``-style assignments, the password part of connection strings such as
``postgres://user:pass@host``, HTTP Basic credentials, passwords on a command line, in a ``.netrc`` or a
``.pgpass``, and "login: admin / <password>" pairs). The span is the secret itself, so redaction keeps the
surrounding text (``password=<PASSWORD>``).
"""

from __future__ import annotations

import base64
import bisect
import itertools
import re
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from presidio_analyzer import AnalysisExplanation, LocalRecognizer, RecognizerResult

from services.guard.engine.columns import columns_of
from services.guard.engine.normalize import WORD_PARTS

SECRET_ENTITIES = ("API_KEY", "PRIVATE_KEY", "PASSWORD")

# A reference to a secret, not one: ${VAR}, $(cmd), $VAR, %VAR%, %(name)s, <your password>, {{ .Values.pw }}, ****,
# ••••••••, [REDACTED], os.environ[...]. A value that merely starts with "$" or "%" and mixes cases and digits
# ("$fRIeTfg4h0L") is a password: those were dropped as placeholders.
_PLACEHOLDER = re.compile(
    r"^(?:\$[{(]|\$[A-Za-z_]\w*$|%[A-Za-z_]\w*%|%\(|%s$|<|\{|\*{3,}|x{4,}|[•●·]{3,}|os\.|getenv|process\.env"
    r"|env\[|arn:|!vault|vault:|ssm:|none$|null$|nil$|undefined$|true$|false$|password$|passwd$|pass$|secret$|pwd$"
    r"|\[?(?:redacted|masked|hidden|removed|omitted|filtered)\]?$|\[.*\]$|@Microsoft\.KeyVault\("
    # a hash of a password, not the password: bcrypt, argon2, crypt(3), Django's and LDAP's
    r"|\$2[abxy]?\$\d\d\$|\$argon2|\$[156y]\$|\$sha\d|pbkdf2[_:$]|\{s?sha|scrypt[:$]|sha\d+\$|md5\$)",
    re.I,
)


def _mixed(token: str) -> bool:
    """A random-looking secret mixes upper, lower and digits (hex hashes and UUIDs do not)."""
    return any(c.isupper() for c in token) and any(c.islower() for c in token) and any(c.isdigit() for c in token)


def _both_cases(token: str) -> bool:
    return (any(c.isupper() for c in token) and any(c.islower() for c in token) and _not_placeholder(token)
            and not _FILLER.search(token))


def _not_placeholder(token: str) -> bool:
    if token[:1] in ("$", "%", "<", "{") and _mixed(token[1:]) and not re.search(r"[_>}%]", token[1:]):
        return True  # "$fRIeTfg4h0L", "<asNbJNC3LLZ": a password, not a variable or a <placeholder>
    return not (_PLACEHOLDER.match(token) or token.lower().startswith(("your", "my_", "example", "changeme"))
                or _names_a_secret(token) or token in _KEYWORDS or token.lower() in _TEXTBOOK
                or (token.isupper() and token.isalpha()) or "***" in token
                or _CONSTANT.fullmatch(token) or (_DOTTED_NAME.fullmatch(token) and not _passphrase(token)))


_SECRET_WORDS = frozenset({"password", "passwd", "secret", "pwd", "pass"})
_KEYWORDS = frozenset({"await", "lambda", "yield", "new", "async", "function", "typeof", "not"})  # code, not a value
# The documentation's own examples, known to everyone ("postgresql://scott:tiger@localhost/test", RabbitMQ's
# "guest:guest"); an all-capitals word ("gist://:TOKEN@...") and a value with "***" in it ("very****pass") are
# placeholders and masks.
_TEXTBOOK = frozenset({"tiger", "guest", "mypassword", "yourpassword", "mypass", "mysecret"})


def _names_a_secret(token: str) -> bool:
    """A name made of words, one of them a secret word: a mapping's or a schema's name ("challengePassword",
    "client_secret", "profile-username-password"), not its value."""
    parts = WORD_PARTS.findall(token)
    return (len(parts) >= 2 and all(c.isalpha() or c in "_-" for c in token)
            and any(p.lower() in _SECRET_WORDS for p in parts))


# The name of the setting, not its value: client_secret: "GOOGLE_CLIENT_SECRET", "onboarding.formBody.resetPassword"
_CONSTANT = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
_DOTTED_NAME = re.compile(r"[a-z][a-zA-Z0-9]*(?:\.[a-z][a-zA-Z0-9]*){2,}")
# A passphrase, not a dotted name or an attribute: words of 3+ letters joined by ".", "-", "_" or " " ("jasper.onyx.
# harbor5", "Canyon.Shovel.Kettle", "nectar-prairie-cobalt$", "Munich78.Sandal"), three or more, or two with a digit
# or a symbol; none of them a word of code ("config.database.host", "self.password", "os.environ").
_PHRASE_PART = re.compile(r"[A-Za-z]?[a-z]{2,}[0-9]*|[0-9]{2,}")
_PHRASE_END = re.compile(r"[^A-Za-z0-9]{0,3}")
_CODE_WORDS = frozenset("""
self this cls os sys env environ config conf cfg settings secrets secret password passwd pwd pass key keys token
auth credentials creds cred db database value values params param args kwargs options opts request req res response
body form data user users input props state vault app process default defaults get field fields model obj ctx
context item row record account login session info result payload json yaml
""".split())


def _passphrase(token: str) -> bool:
    for sep in ".-_ ":
        if sep in token:
            break
    else:
        return False
    *parts, last = token.split(sep)
    tail = _PHRASE_END.fullmatch(last[len(m.group()):]) if (m := _PHRASE_PART.match(last)) else None
    parts.append(m.group() if tail else "")
    marked = any(c.isdigit() for c in token) or bool(tail and tail.group())
    # words and "_" or "-" alone are a name in code ("ldap_exop_refresh", "my-app-service")
    return (all(_PHRASE_PART.fullmatch(x) for x in parts) and sum(x[:1].isalpha() for x in parts) >= 2
            and (marked or (len(parts) >= 3 and sep in ". "))
            and not any(x.lower() in _CODE_WORDS for x in parts))


_CALL_OR_INDEX = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*[(\[]")
_ATTRIBUTE = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+")
_NAMED_LIKE_A_SECRET = re.compile(r"[A-Za-z_]*(?:pass|pwd|secret|token|key)[A-Za-z_]*", re.I)
_OPERATORS = re.compile(r"\)\{|\}\)|=>|\?\?|\?\.|&&|\|\||\(\)")  # minified JS: password:t})=>{


# A type annotation, not a value: "password: str", "password: bytes | None", "password: Final = ...",
# "password: Optional[SecretStr] = None" (Python, TypeScript, schemas).
_TYPE_NAME = re.compile(
    r"(?:(?:str|bytes|bool|int|float|Any|Final|None|SecretStr|SecretBytes|string|String|number|boolean|Boolean|char|"
    r"Int|ID)!?|"
    r"(?:Optional|Union|Annotated|Literal|list|List|dict|Dict|tuple|Tuple|typing\.\w+)\[.*)")
# Before the key: the names of a tuple being unpacked ("username, password = credentials").
_UNPACKED = re.compile(r"(?:^|[\s(\[])[A-Za-z_]\w*[ \t]*,[ \t]*\Z", re.M)
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
_PATH = re.compile(r"~?/[\w.\-]+(?:/[\w.\-]*)*")  # PWD=/home/alice: the working directory
# After a stated word: more words on its line ("password: Database password", ":param password: encrypt the key
# with it"), a description of the field, not its value ("password: sunshine" at a line's end stays a password).
_DESCRIBED = re.compile(r"[ \t]+[A-Za-z]")
_DESCRIBED_AFTER = frozenset({"password_stated", "cli_password"})


def _code_around(text: str, m: re.Match[str], g: int) -> bool:
    """An unquoted value that its place shows is code: one of a tuple's names being unpacked."""
    if "key" in m.re.groupindex and _IDENTIFIER.fullmatch(m.group(g)):
        k = m.start("key")
        return _UNPACKED.search(text, max(0, k - 40), k) is not None
    return False


def _called(value: str) -> bool:
    """A call or an index of a name ("getpass.getpass(", "request.form["), not a password with a bracket in it
    ("sLMwXYXc(+8rhw", "T(9Je~OC2"): the name has two characters or more and is not generated-looking."""
    m = _CALL_OR_INDEX.match(value)
    name = m.group()[:-1].rsplit(".", 1)[-1] if m else ""
    cases = [c.isupper() for c in name if c.isalpha()]
    generated = _mixed(name) or (name[:1].islower() and any(cases)
                                 and sum(a != b for a, b in itertools.pairwise(cases)) >= len(name) / 4)
    return len(name) >= 2 and not generated


def _code(value: str) -> bool:
    """An unquoted value that is code, not a secret: a tuple or a list, a call or an index (getpass.getpass(,
    request.form[), an operator, an attribute (self.password, input.value), or a variable named like the key
    without digits (password=password, confirm_password); "password=Password123" and "password=hunter2" stay
    passwords. A leading "=" changes nothing: "=SUM(A1:B2)" is a formula, "=Wq7mZ2!x" a password."""
    value = value.removeprefix("=")
    bare = value.rstrip(")]};,:")
    return bool((value.startswith(("(", "[")) and not _mixed(value)) or _called(value) or _PATH.fullmatch(bare)
                or _TYPE_NAME.fullmatch(bare)
                or _OPERATORS.search(value) or (_ATTRIBUTE.fullmatch(bare) and not _passphrase(bare))
                or _NAMED_LIKE_A_SECRET.fullmatch(bare)
                or not _not_placeholder(bare))


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
    code_check: bool = False  # an unquoted value that reads as code (``_code``) is not a secret
    # A pattern that starts with a key name (group "key") is not searched for as it is: case-insensitive, the regex
    # engine tries its alternatives at every position (1.07 ms per 10,000 characters for the password names). Its
    # names are found in the ASCII-lower-cased text by ``key_scan`` (0.14 ms), where they may start
    # (``_key_starts``), and the pattern is matched there.
    key_scan: re.Pattern[str] | None = None
    not_after: tuple[str, ...] = ()  # lower-cased text that may not come right before the key name

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
case-sensitive must should will can cannot may might sorry please enter type leave not at be has have was is are
yes no specified set given supplied provided passed entered read taken prompted sent below above attached enclosed
following
the a an this that of for to in on with by it its our their
""".split())


_FILLER = re.compile(r"x{4,}|\*{3,}|\.{3}|here$", re.I)
_CAMEL_WORDS = re.compile(r"(?:[A-Z]{1,5}[a-z]{2,})+[A-Z]{0,5}")  # a type or class name: JWTAccessTokenClaims


def _random_looking(token: str) -> bool:
    """A generated token, not a placeholder ("your_api_key_here", "xxxx...") or a name: letters and at least two
    digits, or (a key of letters alone, 1 in 40 of random 32-character ones) a third or more of either case,
    changing case at every fourth character or more often, which a CamelCase name ("MyVeryLongVariableName",
    "HTTPClientFactory") does not."""
    if (sum(c.isalpha() for c in token) < 2 or not _not_placeholder(token) or _FILLER.search(token)
            or _CAMEL_WORDS.fullmatch(token)):
        return False
    if sum(c.isdigit() for c in token) >= 2:
        return True
    cases = [c.isupper() for c in token if c.isalpha()]
    return (0.3 <= sum(cases) / len(cases) <= 0.7
            and sum(a != b for a, b in itertools.pairwise(cases)) >= len(token) / 4)


_FILE_NAME = re.compile(r"\.[A-Za-z]{2,4}$")  # "creds: config/secrets_v2.yaml"


_LOWER_RUN = re.compile(r"[a-z]{2,}")


def _camel_words(token: str) -> bool:
    """Capitalised words run together ("MyAccount", "LinkedIn"): each lower-case run has a vowel, which random
    letters ("ZOfeZfmVodya": "fm") mostly do not."""
    return bool(_CAMEL_WORDS.fullmatch(token)) and all(set(run) & set("aeiouy") for run in _LOWER_RUN.findall(token))


def _char_kinds(token: str) -> tuple[bool, bool, bool, bool]:
    """Whether the token has upper-case letters, lower-case letters, digits and symbols."""
    return (any(c.isupper() for c in token), any(c.islower() for c in token), any(c.isdigit() for c in token),
            any(not c.isalnum() for c in token))


def _password_like(token: str) -> bool:
    """A value that only its place says is a password (a .pgpass line, "login: admin / Hunter2024!"), where a word
    or a name sits as often: three of upper case, lower case, digits and symbols ("Hunter2024!", "p@ssw0rd") or
    generated-looking ("admin123", "aijrvvYxTfvX": 2.6% of random 12-letter-or-digit values have no digit and few
    case changes); not a word ("dashboard", "MyAccount"), a placeholder or a file name."""
    core = token.rstrip(".,;:!?)")  # sentence punctuation after a word does not make it a password
    classes = _char_kinds(core)
    mixed_case = classes[0] and classes[1] and len(core) >= 8 and not _camel_words(core)
    return (_not_placeholder(token)
            and (sum(classes) >= 3 or mixed_case or _random_looking(token) or _passphrase(token))
            and not _FILE_NAME.search(core))


# A name and a version, which a sentence about passwords names often ("sync your password to Office365"); as a
# password ("Summer2024") it is found where it is assigned or stated ("my password is Summer2024").
_PRODUCT = re.compile(r"(?:[A-Z][a-z]+)+\d{1,4}")


def _strong_password(token: str) -> bool:
    return len(token) >= 8 and _password_like(token) and not _PRODUCT.fullmatch(token)


def _basic_credentials(token: str) -> bool:
    """HTTP Basic: base64 of "user:password"."""
    try:
        decoded = base64.b64decode(token + "=" * (-len(token) % 4), validate=True).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return False
    return ":" in decoded and decoded.isprintable()


def _not_a_word(token: str) -> bool:
    """Not a word about a password ("The password is required", "Password: (leave blank)"), nor a path ("Output of
    pwd: /home/ubuntu")."""
    return (_not_placeholder(token) and token.lower().rstrip(".,;:!?)]") not in _ABOUT_A_PASSWORD
            and not token.startswith(("/", "~/", "./", "(", "[")))


def _p(entity: str, name: str, regex: str, hints: tuple[str, ...], score: float = 0.95, group: int = 0,
       valid=None, flags: int = 0, code_check: bool = False, key: str | None = None,
       not_after: tuple[str, ...] = ()) -> CredentialPattern:
    """``key``: key names ("password|pwd") that the pattern starts with, as its group "key" (so a value's group is
    counted after it); where a name may start is ``_key_starts``'s."""
    # ASCII: a key glued to Chinese or Japanese text ("密钥是AKIA...。") has no \b before it in Unicode, where
    # CJK characters are word characters. The text is NFKC-normalised first, so folding is done by then.
    if key is not None:
        regex = rf"(?P<key>{key})\b" + regex
    key_scan = re.compile(rf"(?:{key})\b", re.ASCII) if key is not None else None
    return CredentialPattern(entity, name, re.compile(regex, flags | re.ASCII), score, group, valid, hints,
                             code_check, key_scan, not_after)


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _lower_same_offsets(text: str) -> str:
    """Lower case, every character where it was: str.lower() (C speed) unless it lengthened a character ("İ");
    then ASCII only (translate() is ~10x slower)."""
    lower = text.lower()
    return lower if len(lower) == len(text) else text.translate(_ASCII_LOWER)


def _key_starts(text: str, i: int) -> bool:
    """A key name starts at ``i``: at a word boundary, after "_" ("DB_PASSWORD"), in camelCase ("dbPassword",
    "hfToken") or glued to an upper-case prefix ("PGPASSWORD")."""
    if i == 0:
        return True
    before = text[i - 1]
    if not (before.isascii() and before.isalnum()):  # \b (ASCII), or "_"
        return True
    if before.isascii() and (before.islower() or before.isdigit()) and text[i].isupper():
        return True
    if text[max(0, i - 2) : i] in ("\\n", "\\t"):  # after an escaped line break: "username=jdoe\npassword=..."
        return True
    if before.isupper() and text[i].isupper() and text[i + 1 : i + 2].islower():  # DBPassword, SMTPPassword
        return True
    return before.isupper() and text.startswith(("PASSWORD", "SECRET", "TOKEN"), i)


def _generated_key(token: str) -> bool:
    """A key stated in prose or on a command line ("my key is ...", "--token ..."): generated-looking, and not a
    UUID, a SHA-1/SHA-256 digest, a 0x address, a Stripe publishable key, a path or a name, which follow the word
    "key" without being secrets."""
    return (_random_looking(token) and not _UUID.fullmatch(token) and not token.startswith(("0x", "0X", "pk_"))
            and not (len(token) in (40, 64) and _HEX.fullmatch(token)) and not _FILE.search(token)
            and not _NAME_PATH.search(token))


_FILE = re.compile(r"//|/.*\.[A-Za-z]{2,4}$")  # a URL or a file path ("object key: uploads/2024/report.pdf")
# Names, not keys: a dotted path of names ("logs.common.quickSelect.last15Minutes") or snake_case words
# ("100000.0/first_set_max_id").
_NAME_PATH = re.compile(r"^[a-z][a-zA-Z0-9]*(?:\.[a-z][a-zA-Z0-9]*){2,}$|[a-z]{2,}_[a-z]{2,}_[a-z]{2,}")


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_HEX = re.compile(r"[0-9a-fA-F]+")


def _openai_like(token: str) -> bool:
    """OpenAI keys mix cases and digits; OpenAI-compatible providers' are "sk-" and lower-case hex (DeepSeek)."""
    return _mixed(token) or bool(re.fullmatch(r"sk-[0-9a-f]{32,}", token))


# The value: a quoted one up to its closing quote (a passphrase may hold spaces, "&", ";"); an unquoted one up to
# whitespace, a quote, or a ",", ";" or "&" that starts the next field ("pw=hunter2&user=bob", "Password=x;Database=y",
# "password=x, user=y"): one inside the password ("Tr0ub4dor&3", "Vcu0X,70NwUT") used to end it and leave the rest
# in the clear.
_ASSIGNED_VALUE = (
    r"""((?<=")[^"\n]{4,}(?=")|(?<=')[^'\n]{4,}(?=')"""
    r"""|(?:[^\s"'&;,]|[&;,](?![\s"']|[A-Za-z_][\w.\- ]*[=:]|$)){4,})""")
# A quoted value, or an unquoted one up to whitespace or a quote (command lines, config files).
_ARGUMENT = r"""(?:"([^"\n]{3,})"|'([^'\n]{3,})'|([^\s"']{3,}))"""


# Assigned ("=", "=>", or ":" before a quoted value): any of these but "pw" (in code, "ph, pw = ..." is a padding
# width); stated (": " unquoted): not "pass" ("PASS: tests/test_login.py" is test output, "on_pass: allow" a
# pipeline setting) unless Ansible's become_pass/ssh_pass; stated with "is": password words only ("the secret is
# safe").
_PW_NAMES = "password|passwd|passphrase|pwd|pass|psk|db_pass|secret|client_secret|authtok|bindpw|bindcredentials"
_PW_NAMES_STATED = "password|passwd|passphrase|pwd|pw|psk|secret|client_secret|become_pass|ssh_pass"
_PW_WORDS = "password|passwd|passphrase|pwd"
_PW_WORDS_ANY_LANGUAGE = ("password|passwd|passphrase|pw|passwort|kennwort|wachtwoord|contrase(?:ñ|n)a|mot de passe"
                          "|mdp|senha|palavra-passe|parola d'ordine")
# A name that ends in one of these holds a key or token ("OPENAI_API_KEY", "x-api-key", "SECRET_KEY", "apiKey"); a
# name that goes on past it ("api_key_id", "token_count") does not. Its value counts only if it looks generated.
_KEY_NAMES = (
    r"api[_\-]?key|api[_\-]?token|access[_\-]?token|auth[_\-]?token|secret[_\-]?key"
    r"|private[_\-]?token|refresh[_\-]?token|bearer[_\-]?token|signing[_\-]?key|encryption[_\-]?key"
    r"|master[_\-]?key|token")
_KEY_CHAR = r"[A-Za-z0-9_\-+/=.~]"  # what tokens are made of
# Quoted: up to the quote (12+ characters, any but blanks: Django's keys hold "!@#$%^&*()"); unquoted: 16+ of the
# characters tokens are made of, and not a call or an index ("token = tokenizer.encode(text)").
_KEY_VALUE = (
    r"""((?<=")[^"\s]{12,}(?=")|(?<=')[^'\s]{12,}(?=')"""
    rf"|{_KEY_CHAR}{{16,}}(?!{_KEY_CHAR}|[(\[]))")
_PW_HINTS = ("pass", "pwd", "secret")  # in the lower-cased text
# A password after a user name, up to a blank or a quote: "login: admin / Hunter2024!" is often quoted whole.
_PAIRED_VALUE = r"""([^\s"'`]{4,100})(?![^\s"'`])"""
# ... and in a sentence, without the comma or full stop after it ("set it to Kx8#pq2Lm, but").
_PROSE_VALUE = r"""([^\s"'`]{4,100}?)[.,;:]?(?![^\s"'`])"""
# A .pgpass field other than the password: not a bare number.
_PGPASS_FIELD = r"(?!\d{1,63}:)(?:\\\S|[^\s:\\]){1,253}"

CREDENTIAL_PATTERNS: tuple[CredentialPattern, ...] = (
    _p("API_KEY", "anthropic", r"\bsk-ant-[A-Za-z0-9_\-]{20,}", ("sk-ant-",)),
    _p("API_KEY", "openai", r"\bsk-(?!ant-|or-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}", ("sk-",),
       valid=_openai_like),
    _p("API_KEY", "openrouter", r"\bsk-or-v1-[0-9a-f]{64}\b", ("sk-or-",)),
    _p("API_KEY", "google", r"\bAIza[0-9A-Za-z_\-]{35}(?![0-9A-Za-z_\-])", ("AIza",)),
    _p("API_KEY", "google_oauth_secret", r"\bGOCSPX-[A-Za-z0-9_\-]{28}(?![A-Za-z0-9_\-])", ("GOCSPX-",)),
    _p("API_KEY", "aws_access_key_id", r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b", ("AKIA", "ASIA", "ABIA", "ACCA"),
       valid=lambda key: not key.endswith("EXAMPLE")),  # AKIAIOSFODNN7EXAMPLE: AWS's documentation
    _p("API_KEY", "github", r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,}\b", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_")),
    _p("API_KEY", "github_pat", r"\bgithub_pat_[A-Za-z0-9_]{22,}\b", ("github_pat_",)),
    _p("API_KEY", "gitlab", r"\bglpat-[A-Za-z0-9_\-]{20,}", ("glpat-",)),
    _p("API_KEY", "slack", r"\b(?:xox[baprse]|xapp)-[A-Za-z0-9\-]{10,}", ("xox", "xapp-")),
    _p("API_KEY", "slack_webhook", r"\bhttps://hooks\.slack\.com/services/[A-Za-z0-9/]{20,}", ("hooks.slack.com",)),
    _p("API_KEY", "stripe", r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}\b", ("k_live_", "k_test_")),
    # Other providers' prefixed keys (the prefixes and lengths their docs and secret scanners use).
    # Hugging Face tokens are 34 letters of both cases, no digit; not "hf_" + "x" * 34 or a placeholder.
    _p("API_KEY", "huggingface", r"\bhf_[A-Za-z0-9]{30,}\b", ("hf_",), valid=_both_cases),
    _p("API_KEY", "npm", r"\bnpm_[A-Za-z0-9]{36}\b", ("npm_",)),
    _p("API_KEY", "pypi", r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,}", ("pypi-AgEI",)),
    _p("API_KEY", "sendgrid", r"\bSG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}(?![A-Za-z0-9_\-])", ("SG.",)),
    _p("API_KEY", "groq", r"\bgsk_[A-Za-z0-9]{48,}\b", ("gsk_",)),
    _p("API_KEY", "digitalocean", r"\bdo[opr]_v1_[a-f0-9]{64}\b", ("_v1_",)),
    _p("API_KEY", "shopify", r"\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b", ("shp",)),
    _p("API_KEY", "linear", r"\blin_api_[A-Za-z0-9]{40}\b", ("lin_api_",)),
    _p("API_KEY", "replicate", r"\br8_[A-Za-z0-9]{37}\b", ("r8_",)),
    _p("API_KEY", "postman", r"\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b", ("PMAK-",)),
    _p("API_KEY", "databricks", r"\bdapi[a-f0-9]{32}(?:-\d+)?\b", ("dapi",)),
    _p("API_KEY", "mailgun", r"\bkey-[0-9a-f]{32}\b", ("key-",)),
    _p("API_KEY", "telegram_bot", r"(?<![\w:])\d{8,10}:AA[A-Za-z0-9_\-]{30,40}(?![A-Za-z0-9_\-])", (":AA",)),
    _p("API_KEY", "azure_storage", r"\bAccountKey=([A-Za-z0-9+/]{40,}={0,2})", ("AccountKey=",), group=1),
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
        # The password runs to the last "@" before the host: an unencoded "@" in it is common ("P@ssw0rd"). Not
        # across ";": "jdbc:sqlserver://h:1433;user=sa;password=x@y" has no user:password part.
        r"\b[a-zA-Z][a-zA-Z0-9+.\-]{1,20}://[^\s:/@]*:([^\s/;]{3,})@[^\s/@]+",  # no user: redis://:pw@host
        ("://",),
        score=0.9,
        group=1,
        valid=_not_placeholder,
    ),
    _p("PASSWORD", "jdbc_oracle", r"\bjdbc:oracle:\w+:@?[^\s/@:]+/(\S{3,})@[^\s@]+", ("jdbc:oracle",), score=0.9,
       group=1, valid=_not_placeholder),
    # Assigned (=, =>, or a quoted value): whatever the value, unless it is code. Stated (": " unquoted, or " is "):
    # not a plain word about passwords ("The password is required", "password: always"). The key may end a longer
    # name (DB_PASSWORD, api_secret, dbPassword, PGPASSWORD). Not across a line break ("secret:\n  name: x"). Not
    # "==" (a comparison: "password==confirm", minified JS's "password"===e) nor ":=" (Go's "password:=input"); an
    # "=" after a blank or a quote starts a value ("password: =Wq7mZ2!x", "DB_PASSWORD='=Rt5$kLm9'").
    # "DB_PASSWORD==Kx8#pq2L" reads as a comparison too, though in an env file it sets "=Kx8#pq2L".
    _p(
        "PASSWORD",
        "password_assignment",
        # a key in brackets too, and quotes escaped in a JSON string ({\"password\":\"...\"} in a request body)
        r"\\?[\"']?\]?[ \t]*(?:=>?(?!=)|:[ \t]*(?=\\?[\"']))[ \t]*\\?[\"']?" + _ASSIGNED_VALUE,
        ("pass", "pwd", "secret", "psk", "authtok", "bindpw", "bindcredentials"),
        score=0.85,
        group=2,
        valid=_not_placeholder,
        flags=re.I,
        code_check=True,
        key=_PW_NAMES,
    ),
    _p(
        "PASSWORD",
        "password_stated",
        r"[\"']?[ \t]*:(?!=)[ \t]*[\"']?" + _ASSIGNED_VALUE,
        ("pass", "pwd", "pw", "secret", "psk"),
        score=0.85,
        group=2,
        valid=_not_a_word,
        flags=re.I,
        code_check=True,
        key=_PW_NAMES_STATED,
        not_after=("user/", "username/", "login/"),  # "username/password: jdoe / Xk29!pq": jdoe is the user
    ),
    _p("PASSWORD", "password_is", r"[ \t]+is[ \t]+[\"']?" + _ASSIGNED_VALUE, ("pass", "pwd"), score=0.85,
       group=2, valid=_not_a_word, flags=re.I, code_check=True, key=_PW_WORDS),
    # Told in a sentence, in English or another language: "temp password s+zp2jL%zSP", "set the admin password to
    # I0Xc~PV@@=", "I reset my password and set it to Ember_dune_7015", "mein Passwort ist Kx8#pq2Lm", "la contraseña
    # del wifi es v!rhoTn8a", "Wachtwoord: Ajax.2025x". Only its place says it is one, so it must look like one (8+
    # characters: three kinds of character, generated-looking or a passphrase).
    _p("PASSWORD", "password_prose",
       r"(?:(?:[ \t]+[^\s.!?:;,]{1,24}){0,4}?(?:[ \t]+(?:is[ \t]+now|is|was|to|ist|lautet|est|es|é|è|är|er)|[ \t]*:)"
       r"|[^.!?\n]{0,60}?\b(?:set|changed|updated|reset)[ \t]+(?:it[ \t]+)?to)?[ \t]+[\"'`]?" + _PROSE_VALUE,
       ("pass", "pw", "kennwort", "contrase", "senha", "wachtwoord", "mdp", "parola"), score=0.85, group=2,
       valid=_strong_password, flags=re.I,
       code_check=True, key=_PW_WORDS_ANY_LANGUAGE),
    # The password given to a login or connection call after the user name: smtp.login("clara", "VI8Pei7^gZnBC9"),
    # DriverManager.getConnection(url, "admin", "indigo.nimbus.falcon7"), ssh.connect(host, 22, "ops", "..."),
    # new NetworkCredential("alice", "..."), new Sequelize('db', 'user', '...', {...}), ftplib.FTP(host, "u", "..."),
    # Net::FTP.open('host', 'u', '...').
    _p("PASSWORD", "login_call",
       r"\b(?:login|auth|authenticate|connect|getConnection|sign_?in|simple_bind(?:_s)?|ldap_bind|ftp_login"
       r"|NetworkCredential|PasswordAuthentication|BasicAuth|HTTPBasicAuth|SetBasicAuth|Sequelize"
       r"|PDO|FTP|FTP_TLS|Net::FTP\.(?:open|new))"
       r"\(\s*(?:[^(),\n]{1,300},\s*){0,3}[\"'][^\"'\n]{1,64}[\"']\s*,\s*[\"']([^\"'\n]{4,100})[\"']\s*[,)]",
       ("login(", "auth(", "authenticate(", "connect(", "connection(", "signin(", "sign_in(", "simple_bind",
        "ldap_bind(", "credential(", "authentication(", "sequelize(", "pdo(", "ftp(", "ftp_tls(", "ftp.open(",
        "ftp.new("),
       score=0.85, group=1, valid=_password_like, flags=re.I),
    # ... third to mysqli (host, user, password, database): the password is the third argument, not the last pair.
    _p("PASSWORD", "mysqli_connect",
       r"\b(?:mysqli?_connect|mysqli)\(\s*[^,()\n]{1,200},\s*[^,()\n]{1,100},\s*[\"']([^\"'\n]{4,100})[\"']",
       ("mysql",), score=0.85, group=1, valid=_password_like, flags=re.I),
    # ... as a (user, password) pair: requests' auth=("svc", "..."), basic_auth=(...), http_auth=(...).
    _p("PASSWORD", "auth_pair",
       r"\b(?:auth|basic_auth|http_auth)\s*=\s*[(\[]\s*[\"'][^\"'\n]{1,64}[\"']\s*,\s*[\"']([^\"'\n]{4,100})[\"']",
       ("auth",), score=0.85, group=1, valid=_password_like, flags=re.I),
    # ... set on a client or hashed in code: session.setPassword("..."), ssh.Password("..."), Hash::make('...').
    _p("PASSWORD", "password_call",
       r"(?:\.set_?password|\bssh\.Password|\bHash::make|\bpassword_hash|\bbcrypt\.hash(?:Sync)?|\bgenerate_password_hash)"
       r"\(\s*[\"']([^\"'\n]{4,100})[\"']", ("password", "hash"), score=0.85, group=1, valid=_password_like,
       flags=re.I),
    # ... typed into a form field named like it, or its default: page.fill('#password', '...'), fill_in 'Password',
    # with: '...', env('DB_PASSWORD', '...'), os.getenv("DB_PASS", "...").
    _p("PASSWORD", "field_value",
       r"[\"'][#.\w\[\]=-]*(?:password|passwd|pwd|_pass)[\w\]-]*[\"']\s*,\s*(?:with:\s*)?[\"']([^\"'\n]{4,100})[\"']"
       r"(?=\s*[)\n])",  # not a list of names: 'curle_bad_password_entered', 'curle_couldnt_connect', ...
       ("pass", "pwd"), score=0.85, group=1, valid=_password_like, flags=re.I),
    # PHP's define('DB_PASSWORD', '...'), XML elements and properties named like a password.
    _p("PASSWORD", "define", r"\bdefine\(\s*[\"']\w*(?:password|passwd|pwd|secret)\w*[\"']\s*,\s*" + _ARGUMENT,
       ("define",), score=0.85, group=-1, valid=_not_placeholder, flags=re.I),
    _p("PASSWORD", "xml_element", r"<(\w*(?:password|passwd|pwd|secret)\w*)>([^<\n]{3,200})</\1>", _PW_HINTS,
       score=0.85, group=2, valid=_not_placeholder, flags=re.I),
    _p("PASSWORD", "xml_property",
       # The value is bounded: unbounded, every 'name="password">' read to the end of a text with no "<" (100,000
       # characters of them: 6.4 s).
       r"\bname\s*=\s*[\"'][^\"'\n]{0,60}(?:password|passwd|pwd|secret)[\"']\s*>([^<\n]{3,200})</", _PW_HINTS,
       score=0.85, group=1, valid=_not_placeholder, flags=re.I),
    _p("PASSWORD", "key_value_attribute",
       r"\b(?:key|name)\s*=\s*[\"'][^\"'\n]{0,40}?(?:password|passwd|pwd|secret)[^\"'\n]{0,40}[\"']\s+value\s*=\s*"
       r"[\"']([^\"'\n]{4,})[\"']", _PW_HINTS, score=0.85, group=1, valid=_not_placeholder, flags=re.I),
    # Passwords given to a tool on its command line or in its config file, or kept in a .netrc.
    _p("PASSWORD", "cli_password", r"(?<!\S)--(?:password|passwd|pass|pwd)(?:[ \t]+|=)" + _ARGUMENT,
       ("--pass", "--pwd"), score=0.85, group=-1, valid=_not_placeholder),
    _p("PASSWORD", "curl_user",
       r"\b(?:curl|wget)\b[^\n]{0,200}?(?<!\S)(?:-u|--user|--http-user)(?:\s+|=)[\"']?[^\s:\"'@]+:([^\s\"']{3,})",
       ("curl", "wget"), score=0.85, group=1, valid=_not_placeholder),
    # mysql's -p takes the password glued to it ("-pS3cret"); "-p mydb" asks for it and names a database.
    _p("PASSWORD", "mysql_p", r"\bmysql\w{0,10}\b[^\n]{0,200}?\s-p" + _ARGUMENT, ("mysql",), score=0.85,
       group=-1, valid=_not_placeholder),
    _p("PASSWORD", "sshpass_p", r"\bsshpass\s+-p\s*" + _ARGUMENT, ("sshpass",), score=0.85, group=-1,
       valid=_not_placeholder),
    # More tools that take a password on their command line.
    _p("PASSWORD", "mongo_p", r"\bmongo\w{0,10}\b[^\n]{0,200}?\s-p\s+" + _ARGUMENT, ("mongo",), score=0.85,
       group=-1, valid=_not_placeholder),
    _p("PASSWORD", "ldap_w", r"\bldap\w{0,12}\b[^\n]{0,300}?\s-w[ \t]+" + _ARGUMENT, ("ldap",), score=0.85,
       group=-1, valid=_not_placeholder),
    _p("PASSWORD", "psexec_p", r"\bpsexec\b[^\n]{0,200}?\s-p\s+" + _ARGUMENT, ("psexec",), score=0.85,
       group=-1, valid=_not_placeholder, flags=re.I),
    _p("PASSWORD", "windows_pass", r"\b(?:cmdkey|runas|net)\b[^\n]{0,200}?/pass(?:word)?:" + _ARGUMENT,
       ("/pass",), score=0.85, group=-1, valid=_not_placeholder, flags=re.I),
    _p("PASSWORD", "net_use", r"\bnet\s+use\b[^\n]{0,200}?/user:\S+\s+(?!/)" + _ARGUMENT, ("net use",), score=0.85,
       group=-1, valid=_not_placeholder, flags=re.I),
    _p("PASSWORD", "net_user", r"\bnet\s+user\s+\S+\s+(?!/)" + _ARGUMENT + r"(?=\s+/add)", ("net user",),
       score=0.85, group=-1, valid=_not_placeholder, flags=re.I),
    _p("PASSWORD", "htpasswd_b",
       r"\bhtpasswd\s+-[A-Za-z]*b[A-Za-z]*(?:\s+-[A-Za-z]+)*\s+(?:\S+\s+)?\S+\s+" + _ARGUMENT
       + r"(?=[ \t]*(?:$|[>|;&)]))", ("htpasswd",), score=0.85, group=-1, valid=_not_placeholder, flags=re.M),
    _p("PASSWORD", "openssl_passwd", r"\bopenssl\s+passwd(?:\s+-\S+)*\s+" + _ARGUMENT, ("openssl",), score=0.85,
       group=-1, valid=_not_placeholder),
    _p("PASSWORD", "chpasswd", r"[\"']?[\w.@-]{1,32}:([^\s:'\"]{4,100})[\"']?\s*\|\s*(?:sudo\s+)?chpass",
       ("chpass",), score=0.85, group=1, valid=_not_placeholder),
    _p("PASSWORD", "smbclient_u", r"\bsmbclient\b[^\n]{0,200}?\s-U\s*[\"']?[^\s%'\"]+%([^\s'\"]{3,100})",
       ("smbclient",), score=0.85, group=1, valid=_not_placeholder),
    _p("PASSWORD", "lftp_u", r"\blftp\b[^\n]{0,100}?\s-u\s*[\"']?[^\s,'\"]+,[\"']?([^\s'\"]{3,100}?)[\"']?(?=\s)",
       ("lftp",), score=0.85, group=1, valid=_not_placeholder),
    _p("PASSWORD", "httpie_a", r"\bhttps?\s+(?:-a|--auth)[ =][\"']?[^\s:'\"]+:([^\s'\"]{3,100})",
       ("http -a", "https -a", "--auth"), score=0.85, group=1, valid=_not_placeholder),
    _p("PASSWORD", "rabbitmqctl", r"\brabbitmqctl\s+(?:add_user|change_password)\s+\S+\s+" + _ARGUMENT,
       ("rabbitmqctl",), score=0.85, group=-1, valid=_not_placeholder),
    _p("PASSWORD", "wpa_passphrase", r"\bwpa_passphrase\s+(?:\"[^\"\n]+\"|'[^'\n]+'|\S+)\s+" + _ARGUMENT,
       ("wpa_passphrase",), score=0.85, group=-1, valid=_not_placeholder),
    _p("PASSWORD", "netsh_key", r"\bnetsh\s+wlan\b[^\n]{0,200}?\bkey=" + _ARGUMENT, ("netsh",), score=0.85,
       group=-1, valid=_not_placeholder, flags=re.I),
    # SQL: CREATE/ALTER USER ... IDENTIFIED BY '...', SET PASSWORD FOR ... = '...'.
    _p("PASSWORD", "sql_identified_by",
       r"\bIDENTIFIED\s+(?:WITH\s+\w+\s+)?BY\s+(?:PASSWORD\s+)?[\"']([^\"'\n]{3,100})[\"']",
       ("identified",), score=0.9, group=1, valid=_not_placeholder, flags=re.I),
    _p("PASSWORD", "sql_set_password",
       r"\bSET\s+PASSWORD\b[^=\n;]{0,100}=\s*(?:PASSWORD\(\s*)?[\"']([^\"'\n]{3,100})[\"']", ("set password",),
       score=0.9, group=1, valid=_not_placeholder, flags=re.I),
    # Network devices and VPNs: "enable secret 0 ...", "username x secret 0 ..." (type 0: plain text), a bare
    # "password ..." config line, vpnc's "Xauth password ...", ipsec.secrets' ': EAP "..."', redis' AUTH.
    _p("PASSWORD", "ios_type0", r"\b(?:secret|password)\s+0\s+(\S+)", ("secret 0", "password 0"), score=0.9,
       group=1, valid=_not_placeholder),
    _p("PASSWORD", "vpn_ldap_config", r"(?m)^[ \t]*(?:bindpw|rootpw|Xauth\s+password)[ \t]+(\S+)[ \t]*$",
       ("bindpw", "rootpw", "xauth"), score=0.85, group=1, valid=_not_a_word, flags=re.I),
    _p("PASSWORD", "config_line", r"(?m)^[ \t]*(?:enable\s+)?password[ \t]+"
       r"(?!0[ \t]|7[ \t]|5[ \t])(\S+)[ \t]*$", ("password",), score=0.85, group=1,
       valid=_password_like, flags=re.I),
    _p("PASSWORD", "ipsec_secret", r":\s*(?:EAP|XAUTH|PSK)\s+\"([^\"\n]{3,100})\"", ("eap", "xauth", "psk"),
       score=0.9, group=1, valid=_not_placeholder, flags=re.I),
    _p("PASSWORD", "redis_auth", r"(?m)(?:^|>[ \t]*)AUTH[ \t]+(?:\S+[ \t]+)?(\S+)[ \t]*$", ("AUTH",), score=0.85,
       group=1, valid=_password_like),
    _p("PASSWORD", "docker_login_p", r"\bdocker\s+login\b[^\n]{0,200}?\s-p[ \t]+" + _ARGUMENT, ("docker",),
       score=0.85, group=-1, valid=_not_placeholder),
    _p("PASSWORD", "redis_cli_a", r"\bredis-cli\b[^\n]{0,200}?\s-a[ \t]+" + _ARGUMENT, ("redis-cli",), score=0.85,
       group=-1, valid=_not_placeholder),
    _p("PASSWORD", "requirepass", r"(?m)^[ \t]*(?:requirepass|masterauth)[ \t]+" + _ARGUMENT, ("requirepass",
       "masterauth"), score=0.85, group=-1, valid=_not_placeholder),
    _p("PASSWORD", "dockerfile_env", r"(?m)^[ \t]*ENV[ \t]+\w*(?:PASSWORD|PASSWD|SECRET)\w*[ \t]+" + _ARGUMENT,
       ("ENV",), score=0.85, group=-1, valid=_not_placeholder),
    _p("PASSWORD", "secure_string",
       r"\bConvertTo-SecureString\s+(?:-(?:String|AsPlainText)\s+){0,2}(?:\"([^\"\n]{3,})\"|'([^'\n]{3,})')",
       ("ConvertTo-SecureString",), score=0.85, group=-1, valid=_not_placeholder),
    _p("PASSWORD", "secure_string_piped", r"(?:\"([^\"\n]{3,})\"|'([^'\n]{3,})')\s*\|\s*ConvertTo-SecureString",
       ("ConvertTo-SecureString",), score=0.85, group=-1, valid=_not_placeholder),
    # Typed at a password prompt by a script: expect "password:" then send "...".
    _p("PASSWORD", "expect_send",
       r"\bexpect\b[^\n]{0,40}?assword[^\n]{0,20}\n[ \t]*(?:\w+\.)?send(?:line)?\b[ \t(]*(?:--[ \t]*)?[\"']"
       r"([^\"'\n]{3,100}?)(?:\\r|\\n)?[\"']", ("expect",), score=0.85, group=1, valid=_not_placeholder),
    # A list of name/value pairs (a Postman collection, a HAR file, Kubernetes env): {"key": "password", "value":
    # "..."}, "- name: DB_PASSWORD\n  value: ..."
    _p("PASSWORD", "name_value_pair",
       r"[\"']?(?:key|name)[\"']?[ \t]*:[ \t]*[\"']?[\w.\-]*(?:password|passwd|pwd|pass|secret)[\w.\-]*[\"']?[ \t]*,?"
       r"\s{0,40}?[\"']?value[\"']?[ \t]*:[ \t]*(?:\"([^\"\n]{3,100})\"|'([^'\n]{3,100})'|([^\s\"',}]{3,100}))",
       ("pass", "pwd", "secret"), score=0.85, group=-1, valid=_not_placeholder, flags=re.I),
    _p("PASSWORD", "netrc", r"\bmachine\s+\S+\s+(?:login\s+\S+\s+)?password\s+(\S+)", ("machine",), score=0.85,
       group=1, valid=_not_placeholder),
    # A .pgpass line, hostname:port:database:username:password ("\:" escapes a ":"), on a line of its own as in the
    # file: a port or "*" second, no field a bare number ("10:00:00:WARN:x" is a time) and five fields exactly, so
    # times, IPv6 and MAC addresses, log lines and /etc/passwd or /etc/shadow lines ("root:x:0:0:...",
    # "root:$6$...:19000:...") are not read as one. Nothing but its place says the last field is a password: it
    # must look like one. Not one quoted in a sentence: started after any blank instead of a line's start, the
    # pattern cost 0.5 ms per 10,000 characters (0.06 ms here).
    _p("PASSWORD", "pgpass",
       rf"(?m)^[ \t]*(?:echo[ \t]+[\"']?)?{_PGPASS_FIELD}:(?:\d{{1,5}}|\*):{_PGPASS_FIELD}:{_PGPASS_FIELD}:"
       r"((?:\\\S|[^\s:\\]){6,200}?)[\"']?(?!\S)",  # echo "...:password" >> ~/.pgpass: not its quote
       (":",), score=0.85, group=1, valid=_password_like),
    # A user name and a password after a credential word: "login: admin / Hunter2024!", "username/password: jdoe /
    # Xk29!pq" (a ":" or "=" after the word: "login page / Register2FA page" is a UI), "user admin password
    # Tr0ub4dor&3".
    _p("PASSWORD", "login_pair", r"[ \t]*[:=][ \t]*[^\s/]{1,64}[ \t]*/[ \t]*" + _PAIRED_VALUE,
       ("login", "creds", "credentials", "user/", "username/"), score=0.85, group=2, valid=_password_like, flags=re.I,
       # each name starts with its letters, not a group: "(?:user|username|login)/..." made key_scan 3x slower
       key=r"login(?:/(?:password|pass|pwd|pw))?|creds|credentials|user(?:name)?/(?:password|pass|pwd|pw)"),
    # "pass:" (which alone is as often a test result) on the line under "user:" ("user: dbadmin\npass: ...").
    _p("PASSWORD", "pass_under_user",
       r"(?m)^[ \t]*(?:user(?:name)?|login)[ \t]*[:=][ \t]*[^\s]{1,64}[ \t]*\r?\n[ \t]*(?:pass|pw)[ \t]*[:=][ \t]*"
       + _PAIRED_VALUE, ("pass", "pw"), score=0.85, group=1, valid=_password_like, flags=re.I),
    # Written on the line after "password below:" ("... can be accessed with the password below:\n\n    ...").
    _p("PASSWORD", "password_below",
       r"\b(?:password|passwd|passphrase)[ \t]+(?:is[ \t]+)?(?:below|as follows)[ \t]*:?[ \t]*\r?\n(?:[ \t]*\r?\n)?"
       r"[ \t]*[\"'`]?([^\s\"'`]{4,100})[\"'`]?[ \t]*$", ("below", "as follows"), score=0.85, group=1,
       valid=_password_like, flags=re.I | re.M),
    # Echoed into a command that reads it from standard input: echo "..." | docker login -u x --password-stdin,
    # openconnect --passwd-on-stdin, passwd --stdin; echo -e "pw\npw" | passwd user (typed twice).
    _p("PASSWORD", "echo_to_stdin",
       r"\becho[ \t]+(?:-[neE]+[ \t]+)?(?:\"([^\"\n\\$]{4,100})(?:\\n[^\"\n]*)?\"|'([^'\n\\]{4,100})(?:\\n[^'\n]*)?')"
       r"[ \t]*\|[ \t]*(?:sudo[ \t]+(?:-\S+[ \t]+)*)?(?:passwd\b|[^\n|;&]{0,200}?--?(?:password-stdin|passwd-on-stdin"
       r"|password-from-stdin|stdin)\b)", ("echo",), score=0.85, group=-1, valid=_not_placeholder),
    # ... and its second copy, typed again to confirm it, so that redaction leaves neither.
    _p("PASSWORD", "echo_to_passwd_again",
       r"\becho[ \t]+(?:-[neE]+[ \t]+)?[\"'][^\"'\n\\$]{4,100}\\n([^\"'\n\\]{4,100})(?:\\n)?[\"'][ \t]*\|[ \t]*"
       r"(?:sudo[ \t]+(?:-\S+[ \t]+)*)?passwd\b", ("echo",), score=0.85, group=1, valid=_not_placeholder),
    # Go's MySQL driver: "user:password@tcp(host:3306)/db" has no scheme for the connection-string pattern.
    _p("PASSWORD", "go_mysql_dsn", r"\b[\w.\-]{1,64}:([^\s@\"'/]{4,100})@(?:tcp|unix)\(", ("@tcp(", "@unix("),
       score=0.85, group=1, valid=_not_placeholder),
    # Postfix's sasl_passwd: "[smtp.example.net]:587 user@example.net:password".
    _p("PASSWORD", "sasl_passwd",
       r"(?m)^[ \t]*\[[\w.\-]+\](?::\d{1,5})?[ \t]+[\w.+\-]+@[\w.\-]+:(\S{4,100})[ \t]*$", ("]",), score=0.85,
       group=1, valid=_password_like),
    # Junos: "authentication plain-text-password-value "..."" (the encrypted form is "encrypted-password").
    _p("PASSWORD", "junos_plain_text", r"\bplain-text-password-value[ \t]+" + _ARGUMENT, ("plain-text-password",),
       score=0.85, group=-1, valid=_not_placeholder),
    # Terraform: the default of a variable named like a password ('variable "db_password" { ... default = "..." }').
    _p("PASSWORD", "terraform_variable_default",
       r"\bvariable[ \t]+\"[\w\-]*(?:password|passwd|pwd|secret)[\w\-]*\"[ \t]*\{[^{}]{0,600}?\bdefault[ \t]*=[ \t]*"
       r"\"([^\"\n]{4,100})\"", ("variable",), score=0.85, group=1, valid=_not_placeholder, flags=re.I),
    # Typed into a field picked by a selector named like one: cy.get('input[name=password]').type('...'),
    # driver.find_element(By.ID, "password").send_keys("...").
    _p("PASSWORD", "typed_into_field",
       r"(?:password|passwd|pwd)[\w\]=\-]{0,40}[\"']\]?\s*\)\s*\.(?:type|send_keys|sendKeys|setValue|fill)\(\s*[\"']"
       r"([^\"'\n]{4,100})[\"']", ("pass", "pwd"), score=0.85, group=1, valid=_password_like, flags=re.I),
    _p("PASSWORD", "user_then_password",
       r"(?:[ \t]*[:=][ \t]*|[ \t]+)[^\s,;]{1,64}(?:[ \t]*[,;])?[ \t]+(?:and[ \t]+)?(?:password|passwd|pass|pwd|pw)"
       r"[ \t]+" + _PAIRED_VALUE,
       ("pass", "pw"), score=0.85, group=2, valid=_password_like, flags=re.I, key="user|username|login"),
    # HTTP authorization: Basic carries base64 of "user:password" (also Docker's config.json "auth"); a bearer
    # token is a key whatever its form.
    _p("PASSWORD", "http_basic", r"\bBasic\s+([A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])", ("Basic",), score=0.9,
       group=1, valid=_basic_credentials),
    _p("PASSWORD", "docker_auth", r"\"auth\"\s*:\s*\"([A-Za-z0-9+/]{8,}={0,2})\"", ("\"auth\"",), score=0.9,
       group=1, valid=_basic_credentials),
    _p("API_KEY", "bearer_token", r"\bBearer\s+(" + _KEY_CHAR + r"{16,})(?!" + _KEY_CHAR + ")", ("Bearer",),
       score=0.85, group=1, valid=_random_looking),
    # A generated value assigned to a key-like name ("SECRET_KEY = 'django-insecure-...'", "x-api-key: 4f0a...").
    _p("API_KEY", "token_assignment",
       r"(?:[\"']?[ \t]*(?:=>?|:)(?!=)|[\"'][ \t]*,)[ \t]*[\"']?" + _KEY_VALUE,
       ("key", "token"), score=0.8, group=2, valid=_random_looking, flags=re.I, code_check=True, key=_KEY_NAMES,
       # a page, change or request id named "...Token" (AWS's NextToken, ClientRequestToken), not a credential
       not_after=("next", "page", "continuation", "pagination", "cursor", "client", "clientrequest", "request",
                  "change", "idempotency", "sync")),
    # ... or stated next to the word: "my key is 4f0a...", "--api-key 4f0a...", "Authorization: Token 4f0a..." (not
    # compared with it: "token==expectedToken1234abcd").
    _p("API_KEY", "key_stated",
       r"(?:[ \t]+is)?(?:[ \t]*[:=](?!=)[ \t]*|[ \t]+)[\"']?(" + _KEY_CHAR + r"{20,})(?!" + _KEY_CHAR + ")",
       ("key", "token", "secret"), score=0.8, group=2, valid=_generated_key, flags=re.I,
       key=r"api[_\- ]?key|access[_\- ]?key|key|token|secret",
       not_after=("public ", "public_", "public-", "publishable_")),
    _p(
        "API_KEY",
        "aws_secret_access_key",
        r"(?:aws_secret_access_key|secret_access_key|aws_secret|secretaccesskey|SecretAccessKey)[\"']?"
        r"(?:\s*[:=]\s*|[ \t]+)[\"']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])",
        ("secret",),
        score=0.95,
        group=1,
        flags=re.I,
    ),
)

# A table's column headed "Password" ("Initial password", "pwd", "Senha"...): its cells are passwords, unless a cell
# is a word about one ("n/a", "(same)", "reset", "********").
_TABLE_HINTS = ("pass", "pwd", "senha", "kennwort", "wachtwoord", "contrase")
_PASSWORD_HEADER_WORDS = frozenset({"password", "passwd", "pass", "pwd", "pw", "passwort", "kennwort", "wachtwoord",
                                    "senha", "contrase", "contraseña", "mdp"})
_HEADER_QUALIFIERS = frozenset({"initial", "temp", "temporary", "default", "admin", "user", "login", "db", "new",
                                "root", "account", "wifi", "plain", "plaintext", "text", "the"})


def _password_header(words: list[str]) -> bool:
    return bool(words) and any(w in _PASSWORD_HEADER_WORDS for w in words) and all(
        w in _PASSWORD_HEADER_WORDS or w in _HEADER_QUALIFIERS for w in words)


def _cell_password(cell: str) -> bool:
    value = cell.strip("`\"'")
    return (len(value) >= 4 and _not_a_word(value) and value.lower() not in ("n/a", "none", "same", "tbd")
            and (" " not in value or _password_like(value)))


# A user name and a password with no key at all ("Para entrar al servidor usa appuser / O!-b0nRhHlVk5", "Test
# accounts:\n- support: nagios / RtxG%NU.r5BQ)@4^Drey"): the password must be one by its make alone (10 or more
# characters, all four of upper and lower case, digits and symbols, not a path, a version or a model's name), and a
# word of logging in must come in the 200 characters before it ("main / feature/ABC-1234" is git's, "Q3 /
# FY2024-25!" a report's, "hosted vLLM / Qwen3-Reranker" a model's), unless the user is an account every such
# system has (root, admin, sa, postgres...).
_SLASH_PAIR = re.compile(r"(?<![^\s(:,])[`'\"]?([A-Za-z][\w.@+\-]{1,63})[`'\"]?[ \t]+/[ \t]+[`'\"]?"
                         r"([^\s\"'`]{10,100})[`'\"]?(?![^\s\"'`])")
# Accounts every such system has: "iDRAC still has root / ..." needs no other word of logging in.
_WELL_KNOWN_USERS = frozenset({"root", "admin", "administrator", "sa", "postgres", "ubuntu", "ec2-user", "pi",
                               "oracle", "sysadmin", "superuser"})
_LOGIN_CONTEXT = re.compile(
    r"credential|\bcreds\b|\blog[ -]?in|\bsign[ -]?in|\baccount|\buser|\bserver|\bservidor|\bhosts?\b|\bssh\b|\bvpn\b"
    r"|\bwi-?fi\b|\bwlan\b|inlog|anmeld|\bzugang|\bacceso|\bentrar\b|\baccès|\bconnexion|\bacesso", re.I)
_PATH_OR_VERSION = re.compile(r"[\w.\-]+(?:/[\w.\-]+)+|v?\d+(?:\.\d+)+[\w.\-]*")
# A name and version joined by "-", "_" or ".": "Qwen3-Reranker", "Llama-3.1-8B-Instruct", "GPT-4o-mini".
_NAME_PART = re.compile(r"[A-Z]*[a-z]*\d*[A-Za-z]?")


def _slash_pairs(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in _SLASH_PAIR.finditer(text):
        value = m.group(2).rstrip(".,;:)")
        if (len(value) >= 10 and all(_char_kinds(value))
                and not _PATH_OR_VERSION.fullmatch(value)
                and not all(_NAME_PART.fullmatch(part) for part in re.split(r"[-_.]", value))
                and (m.group(1).lower() in _WELL_KNOWN_USERS
                     or _LOGIN_CONTEXT.search(text, max(0, m.start() - 200), m.start(2)))):
            spans.append((m.start(2), m.start(2) + len(value)))
    return spans


# An AWS secret key has no prefix: a 40-character base64 token counts only near an access key id.
_AWS_SECRET = re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_AWS_ID = re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b", re.ASCII)
_AWS_NEAR = 200


class CredentialRecognizer(LocalRecognizer):
    """All credential patterns in one recognizer; a pattern runs only on text holding one of its hints."""

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
        ascii_lower = None
        for p in self.patterns:
            if (entities and p.entity not in entities) or not p.may_match(text, lowered):
                continue
            if p.key_scan is not None and ascii_lower is None:
                ascii_lower = _lower_same_offsets(text)
            for m in self._matches(p, text, ascii_lower):
                # group -1: the alternative that matched (a quoted or a bare value)
                g = p.group if p.group >= 0 else next(i for i in range(1, m.re.groups + 1) if m.group(i) is not None)
                value = m.group(g)
                if p.valid is not None and not p.valid(value):
                    continue
                if p.code_check and text[m.start(g) - 1 : m.start(g)] not in ("'", '"') and (
                        _code(value) or _code_around(text, m, g)):
                    continue
                if p.name in _DESCRIBED_AFTER and value.isalpha() and _DESCRIBED.match(text, m.end(g)):
                    continue  # "password: Database password", "--password string   Password"
                end = m.end(g)
                while text[end - 2 : end] in ("\\n", "\\r", "\\t") and end - 2 > m.start(g):
                    end -= 2  # an escaped line break after the value ("password=x\\n' | git credential")
                if text[end - 1 : end] == "\\" and text[end : end + 1] in ("'", '"') and end - 1 > m.start(g):
                    end -= 1  # the escape of a closing quote: {\"password\":\"x\"}
                results.append(self._result(p.entity, p.name, m.start(g), end, p.score))
        if (not entities or "PASSWORD" in entities) and "\n" in text and any(h in lowered for h in _TABLE_HINTS):
            results += [self._result("PASSWORD", "password_column", s, e, 0.85)
                        for s, e in columns_of(text).cells_under(_password_header) if _cell_password(text[s:e])]
        if (not entities or "PASSWORD" in entities) and " / " in text:
            results += [self._result("PASSWORD", "name_slash_password", s, e, 0.8) for s, e in _slash_pairs(text)]
        if (not entities or "API_KEY" in entities) and ("AKIA" in text or "ASIA" in text) and (
                ids := list(_AWS_ID.finditer(text))):
            starts = [i.start() for i in ids]
            for m in _AWS_SECRET.finditer(text):
                k = bisect.bisect_left(starts, m.start() - _AWS_NEAR)  # the first id not too far before it
                if k < len(starts) and starts[k] <= m.start() + _AWS_NEAR and _mixed(m.group()):
                    results.append(self._result("API_KEY", "aws_secret_near_key_id", m.start(), m.end(), 0.9))
        return results

    def _matches(self, p: CredentialPattern, text: str, lower: str | None) -> Iterator[re.Match[str]]:
        if p.key_scan is None or lower is None:
            yield from p.regex.finditer(text)
            return
        pos = 0
        while name := p.key_scan.search(lower, pos):
            i = name.start()
            pos = i + 1  # a name that does not start here ("auth_token" in "oauth_token") may hide one that does
            if self._key_here(p, text, i) and (m := p.regex.match(text, i)):
                pos = m.end()
                yield m

    @staticmethod
    def _key_here(p: CredentialPattern, text: str, i: int) -> bool:
        return _key_starts(text, i) and not (p.not_after and text[max(0, i - 12) : i].lower().endswith(p.not_after))

    def _result(self, entity: str, name: str, start: int, end: int, score: float) -> RecognizerResult:
        explanation = AnalysisExplanation(recognizer=self.name, original_score=score, pattern_name=name)
        return RecognizerResult(entity, start, end, score, analysis_explanation=explanation)
