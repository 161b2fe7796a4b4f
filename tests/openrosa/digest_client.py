"""A small HTTP Digest client (RFC 7616, qop=auth) written for the tests, independent of the server's code."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field

HASHES = {"MD5": "md5", "SHA-256": "sha256"}


def _h(algorithm: str, text: str) -> str:
    return hashlib.new(HASHES[algorithm], text.encode()).hexdigest()


def challenges(values: list[str]) -> list[dict[str, str]]:
    """The parameters of each ``WWW-Authenticate: Digest …`` value."""
    found = []
    for value in values:
        scheme, _, rest = value.partition(" ")
        assert scheme == "Digest", value
        found.append({k: v1 or v2 for k, v1, v2 in re.findall(r'(\w+)=(?:"([^"]*)"|([^,\s]+))', rest)})
    return found


@dataclass
class DigestClient:
    """Answers a challenge with the chosen algorithm, counting nonce uses as a real client does."""

    username: str
    password: str
    algorithm: str = "MD5"
    count: int = field(default=0)

    def authorization(self, challenge: dict[str, str], method: str, uri: str, *, nonce: str | None = None) -> str:
        assert challenge["qop"] == "auth"
        self.count += 1
        nonce = nonce or challenge["nonce"]
        nc = f"{self.count:08x}"
        cnonce = os.urandom(8).hex()
        ha1 = _h(self.algorithm, f"{self.username}:{challenge['realm']}:{self.password}")
        ha2 = _h(self.algorithm, f"{method}:{uri}")
        response = _h(self.algorithm, f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
        return (
            f'Digest username="{self.username}", realm="{challenge["realm"]}", nonce="{nonce}", uri="{uri}", '
            f'algorithm={self.algorithm}, qop=auth, nc={nc}, cnonce="{cnonce}", response="{response}"'
        )
