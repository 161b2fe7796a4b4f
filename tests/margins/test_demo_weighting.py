"""``survey demo`` shows the whole chain: a drawn plan whose interviews carry design weights, census margins by
sex and age group, QR answers with their cells, and so a weighted index with confidence intervals."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from survey_api import demo_census
from survey_api.db.models import AuditEntry, Response, SamplingPlan
from survey_api.demo import load_demo
from survey_api.demo_plan import PLAN_NAME
from tests.conftest import Db

Headers = Callable[[str], dict[str, str]]


def test_the_demo_index_is_weighted_by_plan_and_census_with_intervals(
    client: TestClient, db: Db, token_for: Headers
) -> None:
    with db() as session:
        summary = load_demo(session, responses_per_point=6)
    assert "household interviews with design weights" in summary and "2019 census" in summary
    analyst = token_for("analyst")
    reply = client.get("/api/v1/indices", params={"instrument": "sipas"}, headers=analyst)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    run = body["weighting_run"]
    assert body["weighted"] is True and run["method"] == "design+nonresponse+rake"
    assert run["margins"]["totals"] == demo_census.MARGINS and run["diagnostics"]["converged"] is True
    low, high = body["overall"]["satisfied_ci"]
    assert low < body["overall"]["satisfied"] < high
    with db() as session:
        plan = session.scalars(select(SamplingPlan).where(SamplingPlan.name == PLAN_NAME)).one()
        interviews = session.scalars(select(Response).where(Response.assignment_id.is_not(None))).all()
        qr = session.scalars(select(Response).where(Response.channel == "qr")).all()
    assert plan.status == "drawn" and len(interviews) > 20
    assert all(r.design_weight and r.stratum and r.psu and r.case_ref for r in interviews)
    assert qr and all(r.sex in ("1", "2") for r in qr if "A.1" in r.answers)
    assert all(r.age_group for r in qr if "A.3" in r.answers)
    margins = client.get("/api/v1/margins", headers=analyst).json()
    assert [(m["unit"], m["margins"]) for m in margins] == [(None, demo_census.MARGINS)]

    for code in ("health-outpatient", "health-inpatient", "health-workers", "education-parents", "one-stop-dossier"):
        other = client.get("/api/v1/indices", params={"instrument": code}, headers=analyst)
        assert other.status_code == 200, (code, other.text)  # the adults' margins never break another index

    with db() as session:
        audited = session.scalar(select(func.count()).select_from(AuditEntry))
        count = session.scalar(select(func.count()).select_from(Response))
        again = load_demo(session, responses_per_point=6)
    assert "sampling plan" not in again and "margins" not in again
    with db() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == audited
        assert session.scalar(select(func.count()).select_from(Response)) == count
        assert session.scalar(select(func.count()).select_from(SamplingPlan)) == 1
