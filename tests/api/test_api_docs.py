"""The API documentation is served from this server: no CDN, no inline script (it must work offline)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from survey_api.security_headers import DOCS_CSP


def test_docs_pages_load_only_from_this_server(client: TestClient) -> None:
    for path in ("/docs", "/redoc"):
        page = client.get(path)
        assert page.status_code == 200
        assert page.headers["Content-Security-Policy"] == DOCS_CSP
        addresses = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert addresses and all(address.startswith("/") for address in addresses), addresses
        assert "<script>" not in page.text  # every script is a file
        for address in addresses:
            asset = client.get(address)
            assert asset.status_code == 200, address
            assert len(asset.content) > 100, address


def test_the_docs_policy_names_no_other_host() -> None:
    assert "http" not in DOCS_CSP and "'unsafe-inline'" not in DOCS_CSP.split("script-src")[1].split(";")[0]


def test_the_docs_are_not_api_operations(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not any(path.startswith(("/docs", "/redoc")) for path in paths)
