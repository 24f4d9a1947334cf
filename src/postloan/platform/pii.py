"""Encryption at rest (AES-256-GCM with key ids for rotation) and keyed lookup hashes (HMAC-SHA256).

Ciphertext format: `<key id>:<base64(nonce || ciphertext+tag)>`. The first key in
POSTLOAN_ENCRYPTION_KEYS encrypts; every listed key decrypts, so keys rotate by prepending a new
one and running `postloan pii rotate`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from postloan.platform.domain.masking import normalize


class Keyring:
    def __init__(self, spec: str) -> None:
        self.keys: dict[str, bytes] = {}
        self.current = ""
        for item in [s.strip() for s in spec.split(",") if s.strip()]:
            key_id, sep, b64 = item.partition(":")
            if not sep or not key_id:
                raise ImproperlyConfigured("POSTLOAN_ENCRYPTION_KEYS entries look like id:base64key")
            key = base64.b64decode(b64)
            if len(key) != 32:
                raise ImproperlyConfigured(f"encryption key {key_id!r} must be 32 bytes (AES-256)")
            self.keys[key_id] = key
            self.current = self.current or key_id
        if not self.current:
            raise ImproperlyConfigured("POSTLOAN_ENCRYPTION_KEYS is empty")

    def encrypt(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        sealed = AESGCM(self.keys[self.current]).encrypt(nonce, plaintext.encode("utf-8"), None)
        return f"{self.current}:{base64.b64encode(nonce + sealed).decode('ascii')}"

    def decrypt(self, token: str) -> str:
        key_id, _, b64 = token.partition(":")
        if key_id not in self.keys:
            raise ImproperlyConfigured(f"no decryption key with id {key_id!r} is configured")
        raw = base64.b64decode(b64)
        return AESGCM(self.keys[key_id]).decrypt(raw[:12], raw[12:], None).decode("utf-8")

    def key_id_of(self, token: str) -> str:
        return token.partition(":")[0]


@lru_cache(maxsize=4)
def _keyring(spec: str) -> Keyring:
    return Keyring(spec)


def keyring() -> Keyring:
    return _keyring(settings.POSTLOAN_ENCRYPTION_KEYS)


def lookup_hash(kind: str, value: str | None) -> str:
    """Deterministic keyed hash for exact-match search; the kind is mixed in so equal digits of
    different kinds (a phone and part of a card) never collide."""
    if not value:
        return ""
    message = f"{kind}|{normalize(kind, value)}".encode()
    return hmac.new(settings.POSTLOAN_HASH_KEY.encode("utf-8"), message, hashlib.sha256).hexdigest()


def new_key_spec(key_id: str) -> str:
    """A fresh `id:base64key` entry for POSTLOAN_ENCRYPTION_KEYS."""
    return f"{key_id}:{base64.b64encode(os.urandom(32)).decode('ascii')}"
