"""Table-driven: each credential kind is found with its exact span; look-alikes are not."""

from __future__ import annotations

import base64
import uuid

import pytest

from services.guard.engine.credentials import CredentialRecognizer
from tests.unit.guard.creds import ALNUM, credentials, private_key_block, rand

REC = CredentialRecognizer()
CREDS = credentials()


def found(text: str) -> list[tuple[str, str]]:
    return [(r.entity_type, text[r.start:r.end]) for r in REC.analyze(text, entities=[])]


@pytest.mark.parametrize("name", sorted(CREDS))
def test_provider_and_token_credentials_are_found_with_their_span(name: str) -> None:
    value, entity = CREDS[name]
    assert (entity, value) in found(f"please use {value} for the call")


def test_aws_secret_key_is_found_only_near_an_access_key_id() -> None:
    secret = rand(40, ALNUM + "/+")
    key_id = "AKIA" + rand(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert ("API_KEY", secret) in found(f"id {key_id}\nkey {secret}")
    assert ("API_KEY", secret) not in found(f"a random token {secret} without any key id")
    assert ("API_KEY", secret) in found(f"aws_secret_access_key = {secret}")


def test_private_key_block_is_found_whole() -> None:
    block = private_key_block()
    assert ("PRIVATE_KEY", block) in found(f"here:\n{block}\nthanks")


@pytest.mark.parametrize(
    ("text", "password"),
    [
        ("password=Tr0ub4dor&3x", "Tr0ub4dor&3x"),  # an "&" inside the value, not a next parameter
        ("https://x.example/login?password=hunter2x&user=bob", "hunter2x"),
        ('"password": "Tr0ub4dor&3"', "Tr0ub4dor&3"),
        ("passphrase: 'correct horse battery staple'", "correct horse battery staple"),
        ("pwd: s3cr3t-Value", "s3cr3t-Value"),
        ('{"password": "hunter2hunter"}', "hunter2hunter"),
        ("DATABASE_URL=postgres://app:Zq9xv7LmPw@db.internal:5432/prod", "Zq9xv7LmPw"),
        ("mongodb+srv://admin:n0tS0Secret@cluster0.example.net/test", "n0tS0Secret"),
        ("mysql://app_user:P@ssw0rd2024@10.0.0.5:5432/shop", "P@ssw0rd2024"),  # an unencoded "@" in it
        ("DB_PASSWORD=correct-horse-battery", "correct-horse-battery"),  # the key ends a longer name
        ("MYSQL_ROOT_PASSWORD: 'dragon'", "dragon"),
        ("api_secret = 'abcd1234'", "abcd1234"),
        ("the password is hunter2", "hunter2"),
        ('the password is "S3cret pass"', "S3cret pass"),
        ("password=dragon", "dragon"),  # assigned: a plain word is a password too
        ("password: sunshine", "sunshine"),  # stated: so is a plain word that says nothing about the password
        ("My password is football", "football"),
        ("REDIS_URL=redis://:Rd7kP2xQ9m@cache:6379/0", "Rd7kP2xQ9m"),  # a password with no user name
        # given to a tool on its command line, kept in a .netrc, or set as an XML key-value pair
        ("curl -u deploy:Fh6tGk9Lp2 https://api.example.com", "Fh6tGk9Lp2"),
        ("curl --user=deploy:Fh6tGk9Lp2 https://api.example.com", "Fh6tGk9Lp2"),
        ("mysql -u root -p'Kj8#nB3vX' prod", "Kj8#nB3vX"),
        ("mysqldump -uroot -pKj8nB3vX shop > dump.sql", "Kj8nB3vX"),
        ("sshpass -p 'Rt5yU8iO' ssh root@build-01", "Rt5yU8iO"),
        ("machine api.example.com login deploy password Fh6$tGk9Lp", "Fh6$tGk9Lp"),
        ('<add key="DbPassword" value="Vx7#pL2qZ9" />', "Vx7#pL2qZ9"),
    ],
)
def test_passwords_in_assignments_and_connection_strings(text: str, password: str) -> None:
    assert ("PASSWORD", password) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "commit 3f786850e387550fdab836ed7e6dc881de23001b fixed it",
        f"request id {uuid.uuid4()}",
        "password=${DB_PASSWORD}",
        "password: <your password here>",
        "password = os.environ['DB_PASSWORD']",
        "we use scikit-learn and sk-learn style pipelines",
        "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        # Prose about passwords states none.
        "The password is required for login.",
        "Your password is incorrect, try again",
        "password: always",
        "require_password: never",
        "The password is usually case-sensitive",
        "Your password is stored hashed.",
        "mysql -u root -p shop",  # -p alone asks for the password; shop is the database
        # Key-like names whose value is code, a placeholder or not generated.
        "token = tokenizer.encode(text_2024_v2_final)",
        'api_key = os.environ["OPENAI_API_KEY"]',
        'api_key="your_api_key_here_123"',
        "api_key_id = 12345678901234567890",
        "token_count: 1234567890123456",
        "secret_key = settings.SECRET_KEY",
        "Basic Introduction to Python programming",
        "Authorization: Bearer <token>",
        "Authorization: Basic $CREDENTIALS",
    ],
)
def test_look_alikes_are_not_credentials(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize("name", sorted(CREDS))
def test_a_credential_glued_to_chinese_text_is_found(name: str) -> None:
    # Unicode \b sees no boundary between CJK characters and a key: "我的密钥是AKIA...。" was missed.
    value, entity = CREDS[name]
    assert (entity, value) in found(f"我的密钥是{value}。谢谢")


@pytest.mark.parametrize("value", ["xapp-1-A0123456789-5255075214119-abcdef0123456789",
                                   "xoxe-1-My0xLTEtMTIzNDU2Nzg5MDEtNDU2Nzg5",
                                   "https://hooks.slack.com/services/T0123ABCD/B0123ABCD/abcdefghijklmnopqrstuvwx"])
def test_slack_app_tokens_refresh_tokens_and_webhooks_are_keys(value: str) -> None:
    assert ("API_KEY", value) in found(f"slack: {value} ok")


def test_http_basic_authorization_is_a_password() -> None:
    blob = base64.b64encode(f"deploy:{rand(14)}".encode()).decode()
    assert ("PASSWORD", blob) in found(f"curl -H 'Authorization: Basic {blob}' https://api.example.com")


@pytest.mark.parametrize(
    "template",
    [
        "OPENAI_API_KEY={v}",
        'headers = {{"x-api-key": "{v}"}}',
        "SECRET_KEY = '{v}'",
        'const apiKey = "{v}";',
        "https://example.com/cb#access_token={v}&expires_in=3600",
        "refresh_token: {v}",
        "-H 'Authorization: Bearer {v}'",
    ],
)
def test_generated_tokens_given_to_key_like_names_are_keys(template: str) -> None:
    value = rand(32, ALNUM + "_-")
    assert ("API_KEY", value) in found(template.format(v=value))
