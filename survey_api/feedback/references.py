"""Reference codes a citizen follows a feedback by: 80 random bits in Crockford's base32, ``XXXX-XXXX-XXXX-XXXX``.

Crockford's alphabet has no I, L, O or U, so a code read aloud or copied by hand is read back leniently
(``o`` → 0, ``i``/``l`` → 1, any case, with or without dashes and spaces).
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16
_LENIENT = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SHAPE = re.compile(rf"[{ALPHABET}]{{{LENGTH}}}")


def new_reference() -> str:
    """A fresh random reference."""
    return _grouped("".join(secrets.choice(ALPHABET) for _ in range(LENGTH)))


def normalise(text: str) -> str | None:
    """The stored form of a reference as someone typed it; None when it cannot be one."""
    compact = re.sub(r"[\s-]", "", text[:64]).upper().translate(_LENIENT)
    return _grouped(compact) if _SHAPE.fullmatch(compact) else None


def _grouped(code: str) -> str:
    return "-".join(code[k : k + 4] for k in range(0, LENGTH, 4))
