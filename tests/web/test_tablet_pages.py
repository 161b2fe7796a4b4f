"""The tablet app's files: shell, service worker (scope /tablet/), manifest and modules."""

from __future__ import annotations

from fastapi.testclient import TestClient

from survey_web.tablet import ASSETS


def test_the_shell_service_worker_and_manifest_are_served(client: TestClient) -> None:
    redirect = client.get("/tablet", follow_redirects=False)
    assert redirect.status_code == 308 and redirect.headers["location"] == "/tablet/"
    shell = client.get("/tablet/")
    assert shell.status_code == 200 and 'lang="vi"' in shell.text and "/tablet/manifest.webmanifest" in shell.text
    worker = client.get("/tablet/sw.js")
    assert worker.status_code == 200
    assert worker.headers["content-type"].startswith("text/javascript")
    assert "__VERSION__" not in worker.text and "tablet-shell-" in worker.text
    manifest = client.get("/tablet/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    assert manifest.json()["scope"] == "/tablet/"
    for name in ASSETS:
        assert client.get(f"/tablet/static/{name}").status_code == 200, name
        assert f"/tablet/static/{name}" in worker.text, f"the service worker keeps {name} for offline use"


def test_nothing_else_on_disk_is_reachable(client: TestClient) -> None:
    assert client.get("/tablet/static/sw.js").status_code == 404
    assert client.get("/tablet/static/..%2F..%2Ftablet.py").status_code == 404
