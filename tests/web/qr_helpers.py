"""Service points with QR links, for the QR tests."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from survey_api.db.models import OrgUnit
from tests.conftest import Db


def make_point(
    client: TestClient, db: Db, admin: dict[str, str], *, receipt: bool = False, code: str = "desk"
) -> dict[str, Any]:
    """A one-stop desk of a new district collecting SIPAS, as the service-point API lists it."""
    with db() as session:
        if session.query(OrgUnit).filter_by(code="district").first() is None:
            session.add(OrgUnit(code="district", name="Huyện Thử", kind="district", valid_from=date(2004, 1, 1)))
    reply = client.post(
        "/api/v1/service-points",
        json={
            "code": code,
            "name": "Bộ phận Một cửa",
            "unit": "district",
            "kind": "one_stop_counter",
            "requires_receipt": receipt,
            "instruments": ["sipas"],
        },
        headers=admin,
    )
    assert reply.status_code == 201, reply.text
    row: dict[str, Any] = reply.json()[0]
    return row


def decode_qr(png: bytes, tmp_path: Path) -> str:
    """What a phone's camera reads from the QR image (zbar's zbarimg)."""
    zbarimg = shutil.which("zbarimg")
    if zbarimg is None:
        if os.environ.get("SURVEY_REQUIRE_BROWSER") == "1":
            pytest.fail("zbarimg is missing: apt-get install zbar-tools")
        pytest.skip("zbarimg is missing: apt-get install zbar-tools")
    image = tmp_path / "qr.png"
    image.write_bytes(png)
    out = subprocess.run([zbarimg, "--quiet", "--raw", str(image)], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def form_fields(html: str) -> dict[str, str]:
    """The hidden fields of the rendered questionnaire."""
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
