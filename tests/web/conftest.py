"""Browser fixtures: the real app served by uvicorn on a free port, and Debian's chromium."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def chromium() -> Iterator[Any]:
    """Playwright's chromium driver bound to Debian's browser; skipped when it is missing."""
    if not CHROMIUM.exists():
        if os.environ.get("SURVEY_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing and SURVEY_REQUIRE_BROWSER=1")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright.chromium


@pytest.fixture
def browser(chromium: Any) -> Iterator[Any]:
    """A launched chromium, closed after the test."""
    launched = chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield launched
    launched.close()
