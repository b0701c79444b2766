"""Identifiers and secrets: random ids with a readable prefix, tokens stored only as digests."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets


def new_id(prefix: str) -> str:
    """`teen_k3j...`: 100 random bits, lower-case base32, prefixed by the kind of object."""
    raw = base64.b32encode(secrets.token_bytes(15)).decode().lower().rstrip("=")
    return f"{prefix}_{raw[:20]}"


def new_token() -> str:
    """A bearer secret with 256 random bits."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """What we store instead of a secret: its SHA-256, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def same_digest(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
