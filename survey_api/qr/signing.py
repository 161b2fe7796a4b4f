"""HMAC signatures of QR links and of short-lived poster addresses."""

from __future__ import annotations

import base64
import hashlib
import hmac

SIGNATURE_LENGTH = 16  # base64url characters: 96 bits


def sign(secret: str, *parts: str | int) -> str:
    """A short URL-safe HMAC-SHA256 signature of ``parts`` under ``secret``."""
    message = "|".join(str(part) for part in parts).encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:SIGNATURE_LENGTH]


def verify(secret: str, signature: str, *parts: str | int) -> bool:
    """Whether ``signature`` was made by :func:`sign` for the same parts (constant-time)."""
    return hmac.compare_digest(sign(secret, *parts), signature)


def keyed_hash(secret: str, purpose: str, value: str) -> str:
    """A keyed SHA-256 of ``value`` (receipt numbers, device ids): unguessable without the secret."""
    return hmac.new(secret.encode(), f"{purpose}|{value}".encode(), hashlib.sha256).hexdigest()


def link_path(secret: str, service_point: str, instrument: str, generation: int) -> str:
    """The path a QR code points to: it names the service point and the instrument, and is signed."""
    signature = sign(secret, "qr", service_point, instrument, generation)
    return f"/q/{service_point}/{instrument}/{generation}/{signature}"


def link_signature_valid(secret: str, service_point: str, instrument: str, generation: int, signature: str) -> bool:
    """Whether a QR link's signature is genuine."""
    return verify(secret, signature, "qr", service_point, instrument, generation)
