"""HMAC signatures of QR links and of short-lived poster addresses.

Signing takes the current key; checking takes every key a signature may have been made with (a key, or the
current one and those before a rotation: ``Settings.verification_keys``), so printed codes outlive a rotation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence

SIGNATURE_LENGTH = 16  # base64url characters: 96 bits
Keys = str | Sequence[str]  # one key, or several to check against


def sign(secret: str, *parts: str | int) -> str:
    """A short URL-safe HMAC-SHA256 signature of ``parts`` under ``secret``."""
    message = "|".join(str(part) for part in parts).encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:SIGNATURE_LENGTH]


def verify(keys: Keys, signature: str, *parts: str | int) -> bool:
    """Whether ``signature`` was made by :func:`sign` for the same parts under one of ``keys`` (constant-time)."""
    return any(hmac.compare_digest(sign(key, *parts), signature) for key in _each(keys))


def keyed_hash(secret: str, purpose: str, value: str) -> str:
    """A keyed SHA-256 of ``value`` (receipt numbers, device ids): unguessable without the secret."""
    return hmac.new(secret.encode(), f"{purpose}|{value}".encode(), hashlib.sha256).hexdigest()


def keyed_hashes(keys: Keys, purpose: str, value: str) -> list[str]:
    """:func:`keyed_hash` of ``value`` under each of ``keys``, in order: what it may be stored as."""
    return [keyed_hash(key, purpose, value) for key in _each(keys)]


def link_path(secret: str, service_point: str, instrument: str, generation: int) -> str:
    """The path a QR code points to: it names the service point and the instrument, and is signed."""
    signature = sign(secret, "qr", service_point, instrument, generation)
    return f"/q/{service_point}/{instrument}/{generation}/{signature}"


def link_signature_valid(keys: Keys, service_point: str, instrument: str, generation: int, signature: str) -> bool:
    """Whether a QR link's signature is genuine (under one of ``keys``)."""
    return verify(keys, signature, "qr", service_point, instrument, generation)


def _each(keys: Keys) -> Sequence[str]:
    return (keys,) if isinstance(keys, str) else keys
