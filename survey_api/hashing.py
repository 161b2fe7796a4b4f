"""Canonical JSON digests, used to tell an identical replay from a different submission."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_digest(data: Any) -> str:
    """SHA-256 of ``data`` as canonical JSON (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()
