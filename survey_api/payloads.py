"""Checks on request content that no schema expresses: text a database cannot store, numbers past 64 bits,
JSON nested too deep.

PostgreSQL refuses NUL in text, a lone UTF-16 surrogate (``"\\ud800"``) cannot be encoded as UTF-8, and SQLite
cannot bind an integer past 64 bits; left to the database each of these would fail as a server error. Every
problem names where it is (``answers.q1``, ``responses.3``) and what it is, in English and Vietnamese.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 32
MAX_INT64 = 2**63 - 1
_PARSEABLE_DIGITS = 4000  # Python parses no integer of more than 4300 digits


@dataclass(frozen=True)
class Problem:
    """What is wrong (``problem``; ``problem_vi`` in Vietnamese) and where (``item``, dotted)."""

    item: str
    problem: str
    problem_vi: str

    def as_error(self) -> dict[str, str]:
        """The entry of an error body's ``errors``."""
        return {"item": self.item, "problem": self.problem}


class _BadNumber:
    """Stands in for a number parsing would lose: past 64 bits, infinite, NaN."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def _parse_int(text: str) -> int | _BadNumber:
    if len(text) > 20:
        return _BadNumber(text)
    value = int(text)
    return value if -MAX_INT64 - 1 <= value <= MAX_INT64 else _BadNumber(text)


def _parse_float(text: str) -> float | _BadNumber:
    value = float(text)
    return _BadNumber(text) if math.isinf(value) else value


def _join(where: tuple[str | int, ...]) -> str:
    return ".".join(printable(str(part)) for part in where) or "body"


def printable(text: str) -> str:
    """``text`` with NUL and lone surrogates written as escapes, safe to send back."""
    return text.replace("\x00", "\\u0000").encode("utf-8", "backslashreplace").decode("utf-8")


# What a body with one of the problems must contain somewhere (with false alarms, which the full check clears):
# a NUL or surrogate escape, a NUL byte, a long digit run, a big exponent, a non-finite constant.
_SUSPECT_BYTES = re.compile(rb"\\u0000|\\u[dD][89a-fA-F]|\x00|[0-9]{19}|[eE][+-]?[0-9]{3}|Infinity|NaN")


def _plainly_fine(raw: bytes, max_depth: int) -> bool:
    """Whether a body surely has none of the problems, seen from its bytes alone (most bodies, at a glance)."""
    if raw.count(b"[") + raw.count(b"{") > max_depth or _SUSPECT_BYTES.search(raw):
        return False
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _suspect_text(value: str) -> bool:
    return "\x00" in value or not value.isascii()


def text_problem(value: str, where: str) -> Problem | None:
    """NUL or a lone surrogate in ``value``, else None."""
    if "\x00" in value:
        return Problem(where, "contains a NUL character (\\u0000)", "chứa ký tự NUL (\\u0000) không được phép")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return Problem(
                where,
                "contains a lone UTF-16 surrogate (e.g. \\ud800), which is not a character",
                "chứa mã Unicode không hợp lệ (nửa cặp thay thế, ví dụ \\ud800)",
            )
    return None


def _number_problem(node: Any, where: tuple[str | int, ...]) -> Problem | None:
    if isinstance(node, _BadNumber):
        text = node.text
    elif isinstance(node, int) and not isinstance(node, bool) and not -MAX_INT64 - 1 <= node <= MAX_INT64:
        text = str(node)
    elif isinstance(node, float) and not math.isfinite(node):
        text = str(node)
    else:
        return None
    return Problem(
        _join(where),
        f"the number {text[:30]} is out of range (64-bit integers and finite numbers only)",
        f"số {text[:30]} vượt quá giới hạn",
    )


def _too_deep(where: str, max_depth: int) -> Problem:
    return Problem(where, f"nested deeper than {max_depth} levels", f"lồng nhau sâu quá {max_depth} mức")


def value_problem(value: Any, *, max_depth: int = MAX_DEPTH, skip: Iterable[str] = ()) -> Problem | None:
    """The first problem in JSON ``value``: bad text, a number out of range, nesting past ``max_depth``.

    ``skip`` names top-level keys whose list items are checked later one by one (a batch's items): here
    they are only searched for numbers too long to parse at all.
    """
    skipped = set(skip)
    stack: list[tuple[Any, tuple[str | int, ...], bool]] = [(value, (), False)]
    while stack:
        node, where, lenient = stack.pop()
        if isinstance(node, dict | list):
            if not lenient and len(where) >= max_depth:
                return _too_deep(_join(where), max_depth)
            children = node.items() if isinstance(node, dict) else enumerate(node)
            for key, child in children:
                if not lenient and isinstance(key, str) and _suspect_text(key):
                    if problem := text_problem(key, _join((*where, key))):
                        return problem
                later = lenient or (where == () and key in skipped and isinstance(child, list))
                stack.append((child, (*where, key), later))
        elif lenient:
            if isinstance(node, _BadNumber) and len(node.text) > _PARSEABLE_DIGITS:
                return _number_problem(node, where)
        elif isinstance(node, str):
            if _suspect_text(node) and (problem := text_problem(node, _join(where))):
                return problem
        elif problem := _number_problem(node, where):
            return problem
    return None


def json_problem(raw: bytes, *, max_depth: int = MAX_DEPTH, skip: Iterable[str] = ()) -> Problem | None:
    """The first problem of a JSON body, or None (also when it is not JSON at all: validation says so)."""
    if _plainly_fine(raw, max_depth):
        return None
    try:
        value = json.loads(raw, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_BadNumber)
    except RecursionError:
        return _too_deep("body", max_depth)
    except UnicodeDecodeError:
        return Problem("body", "is not UTF-8 text", "không phải văn bản UTF-8")
    except ValueError:
        return None  # not JSON: the endpoint's validation says so
    return value_problem(value, max_depth=max_depth, skip=skip)
