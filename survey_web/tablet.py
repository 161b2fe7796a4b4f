"""The volunteers' tablet app: an installable, offline-first web app under /tablet/.

Everything here is static; the app talks to the JSON API (sign-in, assignments, batch sync). The
service worker is served from /tablet/sw.js so that its scope is /tablet/, and carries a version
derived from the assets, so any change to them installs a fresh cache.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse, Response

from survey_api.errors import NotFound
from survey_api.routing import CommittingRoute

STATIC = Path(__file__).parent / "static" / "tablet"
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".html": "text/html; charset=utf-8",
    ".webmanifest": "application/manifest+json",
}
# Files the service worker keeps for offline use; the shell is /tablet/ itself.
ASSETS = ("app.js", "store.js", "sync.js", "form.js", "app.css", "icon.svg", "icon-192.png", "icon-512.png")
NO_CACHE = {"Cache-Control": "no-cache"}

router = APIRouter(include_in_schema=False, route_class=CommittingRoute)


@lru_cache
def asset_version() -> str:
    """A short digest of every file of the app: it names the service worker's cache."""
    digest = hashlib.sha256()
    for name in sorted((*ASSETS, "index.html", "manifest.webmanifest", "sw.js")):
        digest.update((STATIC / name).read_bytes())
    return digest.hexdigest()[:12]


@router.get("/tablet")
def tablet_redirect() -> RedirectResponse:
    """The app lives at /tablet/ (inside the service worker's scope)."""
    return RedirectResponse("/tablet/", status_code=308)


@router.get("/tablet/")
def tablet_shell() -> FileResponse:
    """The app shell: one HTML page; the modules render everything else."""
    return FileResponse(STATIC / "index.html", media_type=MEDIA_TYPES[".html"], headers=NO_CACHE)


@router.get("/tablet/sw.js")
def service_worker() -> Response:
    """The service worker, stamped with the assets' version."""
    script = (STATIC / "sw.js").read_text(encoding="utf-8")
    script = script.replace("__VERSION__", asset_version())
    headers = NO_CACHE | {"Service-Worker-Allowed": "/tablet/"}
    return Response(script, media_type=MEDIA_TYPES[".js"], headers=headers)


@router.get("/tablet/manifest.webmanifest")
def manifest() -> FileResponse:
    """The web app manifest, so that the app can be installed on the tablet's home screen."""
    return FileResponse(STATIC / "manifest.webmanifest", media_type=MEDIA_TYPES[".webmanifest"], headers=NO_CACHE)


@router.get("/tablet/static/{name}")
def asset(name: str) -> FileResponse:
    """One of the app's files (only those listed; nothing else on disk is reachable)."""
    if name not in ASSETS:
        raise NotFound(f"no file {name}")
    return FileResponse(STATIC / name, media_type=MEDIA_TYPES[Path(name).suffix], headers=NO_CACHE)


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    """The site's icon, for browsers that ask for /favicon.ico whatever the page says (the pages link the SVG)."""
    return FileResponse(STATIC / "icon-192.png", media_type=MEDIA_TYPES[".png"])
