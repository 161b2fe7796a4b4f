"""Schemathesis over the whole API, over real HTTP, with every check: no server error, and every answer (status,
content type, headers, body) as ``/openapi.json`` documents it; schema-violating requests are rejected.

The app runs under uvicorn (the browser tests' ``live_server``) on a fresh database with the demo data (the
official instruments, units, service points, a few hundred responses, staff and a volunteer), a drawn sampling
plan and a feedback with contact details. Four runs, each with its own token: an admin over everything but
what could revoke the admin's own token, a volunteer over the tablet's endpoints, a second admin over the
account operations (password, disable, token revocation), and sign-out.

``positive_data_acceptance`` is left out: many schema-valid requests are refused by rules no schema states
(an unknown instrument code, a plan stage without ``n``, an empty upload), each a documented 404 or 422.
``SURVEY_SCHEMATHESIS_EXAMPLES`` sets the examples per operation (default 25), ``SURVEY_SCHEMATHESIS_SEED`` the
seed (default 2026, so that a run repeats).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from survey_api.auth.service import create_user, issue_token
from survey_api.db.models import Response, ServicePoint
from survey_api.demo import load_demo
from survey_api.feedback.service import leave
from tests.conftest import Db

pytestmark = pytest.mark.schemathesis

ST = Path(sys.executable).parent / "st"
EXAMPLES = int(os.environ.get("SURVEY_SCHEMATHESIS_EXAMPLES", "25"))
SEED = os.environ.get("SURVEY_SCHEMATHESIS_SEED", "2026")
ACCOUNT_OPERATIONS = r"^/api/v1/users/\{username\}/"
SIGN_OUT = "/api/v1/auth/token"
BATCHES = r"^/api/v1/(responses|contact-attempts)/batch$|^/api/v1/me/assignments$"
NOT_ADMIN = rf"{ACCOUNT_OPERATIONS}|/batch$"


def _token(db: Db, role: str) -> str:
    with db() as session:
        user = create_user(session, username=f"st-{role}-{uuid.uuid4().hex[:6]}", role=role)
        return issue_token(session, user, name="schemathesis")


@pytest.fixture
def loaded(client: TestClient, db: Db) -> None:
    """Demo data, a drawn one-stage plan and a feedback with contact details."""
    with db() as session:
        load_demo(session, responses_per_point=5)
        answered = session.scalars(select(Response).where(Response.service_point_id.is_not(None)).limit(1)).one()
        point = session.get(ServicePoint, answered.service_point_id)
        assert point is not None
        leave(
            session, response_id=answered.id, service_point=point, kind="feedback", text="Tốt", name="An", consent=True
        )
    admin = {"Authorization": f"Bearer {_token(db, 'admin')}"}
    design = {"stratum_column": "district", "stages": [{"name": "household", "method": "srs", "n": 2}]}
    plan = client.post("/api/v1/plans", json={"name": "st", "instrument": "sipas", "design": design}, headers=admin)
    assert plan.status_code == 201, plan.text
    frame = "ref,label,district\n" + "".join(f"h{i},Hộ {i},d{i % 2}\n" for i in range(8))
    files = {"file": ("frame.csv", frame.encode())}
    url = f"/api/v1/plans/{plan.json()['id']}"
    assert client.post(f"{url}/frames", files=files, headers=admin).status_code == 201
    assert client.post(f"{url}/draw", json={"seed": 1}, headers=admin).status_code == 201


def run_schemathesis(base: str, token: str, report: Path, *selection: str) -> dict[str, Any]:
    """One ``st run`` over the live server's schema; its JSON report."""
    command = [
        str(ST),
        "run",
        f"{base}/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        "all",
        "--exclude-checks",
        "positive_data_acceptance",
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        SEED,
        # One worker: with several, Hypothesis's ast.parse in threads trips a CPython 3.11 bug ("AST constructor
        # recursion depth mismatch"), reported as a Schemathesis runtime error.
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        *selection,
    ]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert report.exists(), finished.stdout[-3000:] + finished.stderr[-3000:]
    result: dict[str, Any] = json.loads(report.read_text())
    result["output"] = finished.stdout
    return result


def test_the_whole_api_conforms_to_its_schema_and_never_fails(
    loaded: None, live_server: str, db: Db, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    runs = {
        "admin": (_token(db, "admin"), ["--exclude-path", SIGN_OUT, "--exclude-path-regex", NOT_ADMIN]),
        "volunteer": (_token(db, "volunteer"), ["--include-path-regex", BATCHES]),
        "accounts": (_token(db, "admin"), ["--include-path-regex", ACCOUNT_OPERATIONS]),
        # Signing out revokes the token: after the first call every other is a (documented) 401.
        "sign-out": (_token(db, "analyst"), ["--include-name", f"DELETE {SIGN_OUT}"]),
    }
    problems = []
    for name, (token, selection) in runs.items():
        report = run_schemathesis(live_server, token, tmp_path / f"{name}.json", *selection)
        figures = {"operations": report["operations"]["tested"], "cases": report["test_cases"]["generated"]}
        figures["seconds"] = round(report["running_time"])
        record_property(name, figures)
        print(f"schemathesis {name}: {figures}")  # shown with -s or -rA
        assert report["operations"]["tested"] > 0, report["output"][-3000:]
        (tmp_path / f"{name}.txt").write_text(report["output"])
        if report["failures"] or report["errors"]:
            problems.append(f"--- {name} ---\n{report['output'][-12000:]}")
    assert not problems, "\n".join(problems)
