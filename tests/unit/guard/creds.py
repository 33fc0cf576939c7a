"""Credentials generated at run time, so no secret-looking string is committed (secret scanners stay quiet)."""

from __future__ import annotations

import random
import string

_rng = random.Random()
ALNUM = string.ascii_letters + string.digits


def rand(n: int, alphabet: str = ALNUM) -> str:
    """Random characters; when the alphabet allows it, upper, lower and digits all appear (as in real keys)."""
    wanted = [k for k in (str.isupper, str.islower, str.isdigit) if any(k(c) for c in alphabet)]
    while True:
        s = "".join(_rng.choice(alphabet) for _ in range(n))
        if all(any(k(c) for c in s) for k in wanted):
            return s


def luhn_complete(prefix: str, length: int = 16) -> str:
    digits = prefix + "".join(_rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return digits + str((10 - total % 10) % 10)


def credentials() -> dict[str, tuple[str, str]]:
    """name -> (credential, entity type)."""
    aws_id = "AKIA" + rand(16, string.ascii_uppercase + string.digits)
    return {
        "openai": ("sk-" + rand(48), "API_KEY"),
        "openai_project": ("sk-proj-" + rand(120, ALNUM + "_-"), "API_KEY"),
        "anthropic": ("sk-ant-api03-" + rand(93, ALNUM + "_-"), "API_KEY"),
        "google": ("AIza" + rand(35, ALNUM + "_-"), "API_KEY"),
        "aws_access_key_id": (aws_id, "API_KEY"),
        "github": ("ghp_" + rand(36), "API_KEY"),
        "github_oauth": ("gho_" + rand(36), "API_KEY"),
        "github_pat": ("github_pat_" + rand(82, ALNUM + "_"), "API_KEY"),
        "gitlab": ("glpat-" + rand(20, ALNUM + "_-"), "API_KEY"),
        "slack": ("xoxb-" + "-".join(rand(12, string.digits) for _ in range(2)) + "-" + rand(24), "API_KEY"),
        "stripe": ("sk_" + "live_" + rand(24), "API_KEY"),
        "stripe_restricted": ("rk_" + "live_" + rand(24), "API_KEY"),
        "jwt": ("eyJ" + rand(30, ALNUM + "_-") + ".eyJ" + rand(60, ALNUM + "_-") + "." + rand(43, ALNUM + "_-"),
                "API_KEY"),
    }


def private_key_block() -> str:
    body = "\n".join(rand(64, ALNUM + "+/") for _ in range(5))
    return "-----BEGIN " + "RSA PRIVATE KEY-----\n" + body + "\n-----END RSA " + "PRIVATE KEY-----"
