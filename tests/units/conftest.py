"""The browser fixture of the web tests, for the closed-link page's phone test."""

from tests.web.conftest import chromium

__all__ = ["chromium"]
