"""Gateway key material: generation, hashing and the AES-GCM sealing of provider keys."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

GATEWAY_KEY_PREFIX = "gw-"


def new_gateway_key() -> str:
    return GATEWAY_KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def display_prefix(plaintext: str) -> str:
    """What lists show: enough to recognise a key, never enough to use it."""
    return f"{plaintext[:7]}...{plaintext[-4:]}"


def same_hash(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def new_kek() -> str:
    return base64.b64encode(os.urandom(32)).decode()


class KeyRing:
    """Key-encryption keys by id; the first one seals, any of them opens (so a KEK can be rotated).

    Sealed form: ``<kek id>:<base64(nonce || ciphertext)>``. The key id is bound as associated data.
    """

    def __init__(self, keks: dict[str, bytes]) -> None:
        if not keks:
            raise ValueError("a key ring needs at least one key-encryption key")
        for kid, k in keks.items():
            if len(k) != 32:
                raise ValueError(f"key-encryption key {kid!r} must be 32 bytes")
        self._keks = dict(keks)
        self.primary = next(iter(keks))

    @classmethod
    def parse(cls, spec: str) -> KeyRing:
        """``base64`` (id "k1") or ``id1:base64,id2:base64``."""
        keks: dict[str, bytes] = {}
        for i, part in enumerate(p.strip() for p in spec.split(",") if p.strip()):
            kid, _, b64 = part.rpartition(":") if ":" in part else (f"k{i + 1}", "", part)
            if kid in keks:
                raise ValueError(f"key-encryption key id {kid!r} is given twice")
            try:
                keks[kid] = base64.b64decode(b64, validate=True)
            except ValueError as exc:
                raise ValueError(f"key-encryption key {kid!r} is not valid base64") from exc
        return cls(keks)

    def seal(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        ct = AESGCM(self._keks[self.primary]).encrypt(nonce, plaintext.encode(), self.primary.encode())
        return f"{self.primary}:{base64.b64encode(nonce + ct).decode()}"

    def open(self, sealed: str) -> str:
        kid, _, b64 = sealed.partition(":")
        if kid not in self._keks:
            raise KeyError(f"no key-encryption key with id {kid!r}")
        raw = base64.b64decode(b64, validate=True)
        return AESGCM(self._keks[kid]).decrypt(raw[:12], raw[12:], kid.encode()).decode()

    def key_id_of(self, sealed: str) -> str:
        return sealed.partition(":")[0]
