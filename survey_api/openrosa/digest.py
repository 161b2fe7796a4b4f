"""HTTP Digest (RFC 7616, qop=auth, MD5 and SHA-256) with stateless signed nonces.

A nonce is ``<issued>.<random>.<mac>``: the issue time and a random part, signed with the app's secret key
(any of ``Settings.verification_keys``), so the server keeps no state. A nonce older than its lifetime is
*stale*: a client that signed correctly with it is asked to sign again with a fresh one (``stale=true``),
which is not counted as a failed sign-in. Nonce counts are not tracked: a captured request can be replayed
within the nonce's lifetime, which for OpenRosa only repeats an idempotent download or submission.
"""

from __future__ import annotations

import hmac
import re
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from urllib.parse import urlsplit

from survey_api.auth.digest_secrets import HASHES, REALM, hex_digest

MAX_HEADER = 4096
# A nonce issued this far in the future (clock steps between processes) still counts as fresh.
CLOCK_SKEW = 30
_PARAM = re.compile(r'\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*(?:,|$)')
_REQUIRED = ("username", "realm", "nonce", "uri", "response", "qop", "nc", "cnonce")


class Verdict(Enum):
    """The outcome of checking a Digest answer against a user's HA1."""

    VALID = "valid"
    STALE = "stale"  # signed correctly, with an expired nonce
    WRONG = "wrong"  # wrong password, forged or foreign nonce


@dataclass(frozen=True)
class DigestAnswer:
    """The parameters of an ``Authorization: Digest`` header."""

    username: str
    realm: str
    nonce: str
    uri: str
    response: str
    qop: str
    nc: str
    cnonce: str
    algorithm: str


class MalformedDigest(ValueError):
    """The Authorization header is not a usable Digest answer (the message says why)."""


def parse_authorization(header: str) -> DigestAnswer:
    """The Digest answer in an Authorization header; :class:`MalformedDigest` when it is not one."""
    if len(header) > MAX_HEADER:
        raise MalformedDigest("the Authorization header is too long")
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "digest":
        raise MalformedDigest("this server signs in with HTTP Digest (RFC 7616), not " + scheme[:20])
    params: dict[str, str] = {}
    position = 0
    rest = rest.strip()
    while position < len(rest):
        match = _PARAM.match(rest, position)
        if match is None or match.end() == position:
            raise MalformedDigest("the Digest parameters cannot be read")
        name = match.group(1).lower()
        value = match.group(2) if match.group(2) is not None else match.group(3)
        params[name] = re.sub(r"\\(.)", r"\1", value)
        position = match.end()
    missing = [name for name in _REQUIRED if not params.get(name)]
    if missing:
        raise MalformedDigest(f"the Digest answer has no {', '.join(missing)} (qop=auth is required)")
    algorithm = params.get("algorithm", "MD5").upper()
    if algorithm not in HASHES:
        raise MalformedDigest(f"algorithm {algorithm[:20]} is not supported; use MD5 or SHA-256")
    if params["qop"].lower() != "auth":
        raise MalformedDigest("only qop=auth is supported")
    if not re.fullmatch(r"[0-9a-fA-F]{8}", params["nc"]):
        raise MalformedDigest("nc must be 8 hexadecimal digits")
    return DigestAnswer(
        username=params["username"],
        realm=params["realm"],
        nonce=params["nonce"],
        uri=params["uri"],
        response=params["response"].lower(),
        qop="auth",
        nc=params["nc"],
        cnonce=params["cnonce"],
        algorithm=algorithm,
    )


def _mac(key: str, body: str) -> str:
    return hmac.new(key.encode(), f"openrosa-nonce:{body}".encode(), "sha256").hexdigest()[:32]


def new_nonce(key: str, now: float | None = None) -> str:
    """A fresh nonce signed with ``key``."""
    issued = int(time.time() if now is None else now)
    body = f"{issued:x}.{secrets.token_hex(8)}"
    return f"{body}.{_mac(key, body)}"


def nonce_state(nonce: str, keys: Sequence[str], lifetime: int, now: float | None = None) -> Verdict:
    """VALID for a nonce we signed within ``lifetime`` seconds, STALE when older, WRONG when not ours."""
    body, _, mac = nonce.rpartition(".")
    issued_hex, _, _random = body.partition(".")
    if not re.fullmatch(r"[0-9a-f]{1,12}", issued_hex) or not any(
        hmac.compare_digest(_mac(key, body), mac) for key in keys
    ):
        return Verdict.WRONG
    age = (time.time() if now is None else now) - int(issued_hex, 16)
    if age < -CLOCK_SKEW:
        return Verdict.WRONG
    return Verdict.VALID if age <= lifetime else Verdict.STALE


def expected_response(answer: DigestAnswer, ha1: str, method: str) -> str:
    """``H(HA1:nonce:nc:cnonce:qop:H(method:uri))`` of RFC 7616 §3.4.1."""
    ha2 = hex_digest(answer.algorithm, f"{method}:{answer.uri}")
    return hex_digest(answer.algorithm, f"{ha1}:{answer.nonce}:{answer.nc}:{answer.cnonce}:{answer.qop}:{ha2}")


def uri_matches(uri: str, path: str, query: str) -> bool:
    """Whether the answer's ``uri`` names the request target (a path, or an absolute URL as some send)."""
    split = urlsplit(uri)
    return split.path == path and split.query == query


def check(
    answer: DigestAnswer,
    ha1: str,
    *,
    method: str,
    keys: Sequence[str],
    lifetime: int,
    now: float | None = None,
) -> Verdict:
    """Check a Digest answer against the user's ``ha1`` (of ``answer.algorithm``); the nonce last, so a stale
    nonce is reported only for an answer signed with the right password."""
    if answer.realm != REALM:
        return Verdict.WRONG
    if not hmac.compare_digest(expected_response(answer, ha1, method), answer.response):
        return Verdict.WRONG
    return nonce_state(answer.nonce, keys, lifetime, now)


def challenges(key: str, algorithms: Sequence[str], *, stale: bool = False) -> list[str]:
    """``WWW-Authenticate`` values, one per algorithm in order of preference, sharing one fresh nonce."""
    nonce = new_nonce(key)
    flag = ", stale=true" if stale else ""
    return [f'Digest realm="{REALM}", qop="auth", algorithm={name}, nonce="{nonce}"{flag}' for name in algorithms]
