"""The per-user HTTP Digest secrets of ODK Collect's sign-in (survey_api.openrosa), derived from the password
when it is set.

Digest needs ``HA1 = H(username:realm:password)`` on the server, so it is computed when the password is
known and stored beside the argon2 hash. An HA1 is only as hard to guess as an unsalted hash of the
password, so it is kept only for the roles that may use OpenRosa (volunteers), never for staff accounts.
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple

# Part of every stored HA1: changing it makes every volunteer set their password again.
REALM = "survey"
# Who may use ODK Collect: volunteers. Admins key paper questionnaires in through the API or the web pages.
DIGEST_ROLES = ("volunteer",)
# Digest's algorithm names and hashlib's.
HASHES = {"MD5": "md5", "SHA-256": "sha256"}


class DigestSecrets(NamedTuple):
    """HA1 for each algorithm ODK Collect may choose."""

    md5: str
    sha256: str


def ha1(algorithm: str, username: str, password: str) -> str:
    """``H(username:realm:password)`` in hex for ``algorithm`` (MD5 or SHA-256)."""
    return hex_digest(algorithm, f"{username}:{REALM}:{password}")


def hex_digest(algorithm: str, text: str) -> str:
    """``H(text)`` in lowercase hex."""
    return hashlib.new(HASHES[algorithm], text.encode()).hexdigest()


def digest_secrets(username: str, role: str, password: str) -> DigestSecrets | None:
    """The secrets to store with a new password; None for roles that may not use OpenRosa."""
    if role not in DIGEST_ROLES:
        return None
    return DigestSecrets(ha1("MD5", username, password), ha1("SHA-256", username, password))
