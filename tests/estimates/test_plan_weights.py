"""Weights from a sampling plan reach the tablet's responses, are adjusted for non-response by cell, trimmed,
and every weighting run reports its diagnostics."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from survey_api.db.models import Response
from tests.api.helpers import collector
from tests.conftest import Db
from tests.estimates.plandata import (
    ONE_STAGE,
    Fieldwork,
    answers,
    assigned_plan,
    expected_factors,
    interview,
)
from tests.fieldwork import conftest as fieldwork
from tests.fieldwork.conftest import Person
from tests.imports.apidata import CODE, api_rows, publish_test_instrument, to_csv

area, person = fieldwork.area, fieldwork.person
MakePerson = Callable[..., Person]


@pytest.fixture
def people(person: MakePerson) -> dict[str, Person]:
    return {
        "analyst": person("analyst", unit=None),
        "admin": person("admin", unit=None),
        "volunteer": person("volunteer"),
    }


@pytest.fixture
def version(db: Db) -> int:
    return publish_test_instrument(db)


@pytest.fixture
def field(client: TestClient, people: dict[str, Person], version: int) -> Fieldwork:
    return assigned_plan(client, people["analyst"], people["admin"], people["volunteer"])


def stored(db: Db) -> dict[str, Response]:
    with db() as session:
        return {r.case_ref or str(r.id): r for r in session.scalars(select(Response))}


def indices(client: TestClient, who: Person, **params: Any) -> dict[str, Any]:
    reply = client.get("/api/v1/indices", params={"instrument": CODE, **params}, headers=who.headers)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def tablet_response(version: int, field: Fieldwork, k: int, **overrides: Any) -> dict[str, Any]:
    case = field.cases[k]
    body = {
        "id": str(uuid.uuid4()),
        "instrument_version": version,
        "channel": "tablet",
        "answers": answers(k),
        "assignment": case["assignment"],
        "case_ref": case["ref"],
    }
    return body | overrides


# --- the plan's design at insert -----------------------------------------------------------------


def test_interviews_of_a_plans_sample_carry_its_stratum_psu_weight_and_cells(
    client: TestClient, db: Db, people: dict[str, Person], field: Fieldwork
) -> None:
    interview(client, people["volunteer"], field)
    rows = stored(db)
    completed = [c for c in field.cases if c["outcome"] == "completed"]
    assert len(rows) == len(completed)
    for case in completed:
        row = rows[case["ref"]]
        assert (row.stratum, row.psu) == (case["stratum"], case["psu"])
        assert row.design_weight == pytest.approx(case["weight"], rel=1e-12)
        assert row.fpc is None, "multistage: no fpc (with-replacement approximation)"
        assert row.assignment_id == case["assignment"] and row.interviewer_id == people["volunteer"].id
        assert row.sex in ("1", "2") and row.age_group in ("18-34", "35-59", "60+")


def test_a_one_stage_srs_plan_gives_the_strata_population_as_fpc(
    client: TestClient, db: Db, people: dict[str, Person], version: int
) -> None:
    field = assigned_plan(client, people["analyst"], people["admin"], people["volunteer"], ONE_STAGE)
    body = tablet_response(version, field, 0)
    synced = client.post("/api/v1/responses/batch", json={"responses": [body]}, headers=people["volunteer"].headers)
    assert synced.json()["results"][0]["status"] == "created"
    row = stored(db)[field.cases[0]["ref"]]
    population = {"north": 30, "south": 18}[field.cases[0]["stratum"]]
    assert (row.psu, row.fpc) == (field.cases[0]["ref"], population)
    assert row.design_weight == pytest.approx(population / 10)


def test_a_case_outside_the_assignments_sample_is_refused_and_replays_still_hold(
    client: TestClient, db: Db, people: dict[str, Person], field: Fieldwork, version: int
) -> None:
    volunteer = people["volunteer"]
    other = field.cases[-1]  # the other stratum's assignment
    wrong = tablet_response(version, field, 0, case_ref=other["ref"])
    synced = client.post("/api/v1/responses/batch", json={"responses": [wrong]}, headers=volunteer.headers).json()
    result = synced["results"][0]
    assert result["status"] == "invalid" and "not in the sample list of assignment" in result["detail"]
    assert result["errors"] == [{"item": "case_ref", "problem": result["detail"].removeprefix("case_ref: ")}]

    single = client.post("/api/v1/responses", json=wrong, headers=volunteer.headers)
    assert single.status_code == 422 and "not in the sample list" in single.json()["detail"]
    orphan = tablet_response(version, field, 0)
    del orphan["assignment"]
    reply = client.post("/api/v1/responses", json=orphan, headers=volunteer.headers)
    assert reply.status_code == 422 and "send the assignment too" in reply.json()["detail"]
    anonymous = client.post("/api/v1/responses", json=tablet_response(version, field, 0))
    assert anonymous.status_code == 401 and "API token" in anonymous.json()["detail"]
    stranger = client.post(
        "/api/v1/responses", json=tablet_response(version, field, 0), headers=people["admin"].headers
    )
    assert stranger.status_code == 422 and "not one of yours" in stranger.json()["detail"]
    assert stored(db) == {}

    # the single endpoint with the volunteer's token stores it with the plan's design; replays hold
    good = tablet_response(version, field, 0)
    first = client.post("/api/v1/responses", json=good, headers=volunteer.headers)
    assert first.status_code == 201, first.text
    assert stored(db)[field.cases[0]["ref"]].design_weight == pytest.approx(field.cases[0]["weight"])
    assert client.post("/api/v1/responses", json=good, headers=volunteer.headers).status_code == 200
    changed = good | {"case_ref": field.cases[1]["ref"]}
    assert client.post("/api/v1/responses", json=changed, headers=volunteer.headers).status_code == 409
    batch = client.post("/api/v1/responses/batch", json={"responses": [good, changed]}, headers=volunteer.headers)
    assert [r["status"] for r in batch.json()["results"]] == ["duplicate", "conflict"]


def test_a_response_without_a_plan_link_keeps_its_old_fingerprint(client: TestClient, official: dict[str, int]) -> None:
    from survey_api.collection.schemas import ResponseIn
    from survey_api.hashing import canonical_digest

    body = {"id": str(uuid.uuid4()), "instrument_version": official["sipas"], "answers": {"A.1": 1}}
    payload = ResponseIn.model_validate(body)
    assert "assignment" not in payload.fingerprint() and "case_ref" not in payload.fingerprint()
    linked = ResponseIn.model_validate(body | {"assignment": 3, "case_ref": "x"})
    assert canonical_digest(linked.fingerprint()) != canonical_digest(payload.fingerprint())


# --- non-response adjustment, trimming, diagnostics ----------------------------------------------


def test_the_nonresponse_adjustment_by_stratum_is_applied_by_default_and_recorded(
    client: TestClient, people: dict[str, Person], field: Fieldwork
) -> None:
    interview(client, people["volunteer"], field)
    analyst = people["analyst"]
    body = indices(client, analyst)
    run = body["weighting_run"]
    assert run["method"] == "design+nonresponse"
    assert run["params"]["nonresponse"] == {"cells": "stratum", "plans": [field.plan]}
    factors = {cell["stratum"]: cell["factor"] for cell in run["diagnostics"]["nonresponse"]}
    assert factors == pytest.approx(expected_factors(field))
    north = next(cell for cell in run["diagnostics"]["nonresponse"] if cell["stratum"] == "north")
    cases = [c for c in field.cases if c["stratum"] == "north"]
    assert (north["sampled"], north["eligible"], north["respondents"]) == (
        len(cases),
        sum(c["outcome"] != "not_eligible" for c in cases),
        sum(c["outcome"] == "completed" for c in cases),
    )
    # the respondents carry the design weight of every eligible case
    eligible_total = sum(c["weight"] for c in field.cases if c["outcome"] != "not_eligible")
    assert run["diagnostics"]["total"] == pytest.approx(eligible_total)
    for key in ("kish_deff", "n_eff", "minimum", "maximum", "max_min_ratio"):
        assert run["diagnostics"][key] > 0

    plain = indices(client, analyst, nonresponse="none")["weighting_run"]
    assert plain["method"] == "design" and plain["params"]["nonresponse"] == "none"
    assert plain["diagnostics"]["total"] == pytest.approx(
        sum(c["weight"] for c in field.cases if c["outcome"] == "completed")
    )
    assert body["overall"]["satisfied"] != pytest.approx(
        indices(client, analyst, nonresponse="none")["overall"]["satisfied"]
    )

    by_psu = indices(client, analyst, nonresponse="cell", nonresponse_cells="psu")["weighting_run"]
    assert by_psu["params"]["nonresponse"]["cells"] == "psu"
    assert {c["psu"]: c["factor"] for c in by_psu["diagnostics"]["nonresponse"]} == pytest.approx(
        expected_factors(field, by="psu")
    )


def test_nonresponse_waits_for_contact_outcomes_and_needs_a_plan(
    client: TestClient, db: Db, people: dict[str, Person], field: Fieldwork, version: int
) -> None:
    analyst, volunteer = people["analyst"], people["volunteer"]
    body = tablet_response(version, field, 0)
    assert client.post("/api/v1/responses", json=body, headers=volunteer.headers).status_code == 201
    # no contact attempt yet: by default no adjustment; asked for, every other case is a non-respondent
    assert indices(client, analyst)["weighting_run"]["method"] == "design"
    asked = indices(client, analyst, nonresponse="cell")["weighting_run"]
    assert asked["method"] == "design+nonresponse"
    own = next(c for c in asked["diagnostics"]["nonresponse"] if c["stratum"] == field.cases[0]["stratum"])
    assert own["respondents"] == 1 and own["factor"] > 1

    rows = api_rows()[:30]
    imported = client.post(
        "/api/v1/imports",
        params={"instrument": CODE, "version": 1},
        files={"file": ("r.csv", to_csv(rows), "text/csv")},
        headers=analyst.headers,
    )
    assert imported.status_code == 201, imported.text
    with db() as session:
        days = {r.observed_on for r in session.scalars(select(Response).where(Response.assignment_id.is_(None)))}
    only_imported = {"from": min(days).isoformat(), "to": max(days).isoformat()}
    reply = client.get(
        "/api/v1/indices",
        params={"instrument": CODE, "nonresponse": "cell", **only_imported},
        headers=analyst.headers,
    )
    assert reply.status_code == 422 and "none of these 30 responses" in reply.json()["detail"]


def test_trimming_after_the_adjustments_is_recorded_with_its_bounds(
    client: TestClient, people: dict[str, Person], field: Fieldwork
) -> None:
    interview(client, people["volunteer"], field)
    analyst = people["analyst"]
    untrimmed = indices(client, analyst)["weighting_run"]["diagnostics"]
    mean = untrimmed["mean"]
    assert untrimmed["maximum"] > 1.2 * mean, "the data must have weights to trim"
    body = indices(client, analyst, trim_upper=1.2, trim_lower=0.8, trim_strict="true")
    run = body["weighting_run"]
    assert run["method"] == "design+nonresponse+trim"
    assert run["params"]["trim"] == {"lower": 0.8, "upper": 1.2, "strict": True, "relative_to": "mean weight"}
    trim = run["diagnostics"]["trim"]
    assert trim["upper"] == pytest.approx(1.2 * mean) and trim["lower"] == pytest.approx(0.8 * mean)
    assert trim["trimmed"] > 0
    assert run["diagnostics"]["maximum"] <= trim["upper"] * (1 + 1e-9)
    assert run["diagnostics"]["total"] == pytest.approx(untrimmed["total"]), "trimming keeps the total"
    assert run["diagnostics"]["kish_deff"] < untrimmed["kish_deff"]
    for bad in ({"trim_upper": 0.5}, {"trim_lower": 1.5}):
        reply = client.get("/api/v1/indices", params={"instrument": CODE, **bad}, headers=analyst.headers)
        assert reply.status_code == 422


def test_qr_answers_beside_plan_interviews_keep_factor_one_and_the_run_says_so(
    client: TestClient, db: Db, people: dict[str, Person], field: Fieldwork, version: int
) -> None:
    interview(client, people["volunteer"], field)
    plan_only = indices(client, people["analyst"])["weighting_run"]["diagnostics"]
    for k in range(5):
        body = {"id": str(uuid.uuid4()), "instrument_version": version, "channel": "qr", "answers": answers(k)}
        body["service_point"] = "test-point"  # every response belongs to a unit (tests/conftest.py)
        assert client.post("/api/v1/responses", json=body, headers=collector(client)).status_code == 201
    run = indices(client, people["analyst"])["weighting_run"]
    assert run["method"] == "design+nonresponse"
    assert run["diagnostics"]["total"] == pytest.approx(plan_only["total"] + 5)
    assert run["note"].startswith("5 of ") and "no sample design" in run["note"]


def test_exported_weights_are_the_adjusted_weights_of_the_index(
    client: TestClient, people: dict[str, Person], field: Fieldwork
) -> None:
    interview(client, people["volunteer"], field)
    analyst = people["analyst"]
    default = indices(client, analyst)
    assert default["weighting_run"]["method"] == "design+nonresponse"
    exported = client.get("/api/v1/exports/responses.csv", params={"instrument": CODE}, headers=analyst.headers)
    assert exported.status_code == 200, exported.text
    assert exported.headers["x-weighting-run"] == str(default["weighting_run"]["id"])
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    weights = [float(r["weight"]) for r in rows]
    assert sum(weights) == pytest.approx(default["weighting_run"]["diagnostics"]["total"], rel=1e-9)
    assert any(float(r["weight"]) != float(r["design_weight"]) for r in rows)  # the non-response factors
    item = default["items"][0]
    answered = [(w, float(r[item["code"]])) for w, r in zip(weights, rows, strict=True) if r[item["code"]]]
    share = sum(w for w, v in answered if v >= 4) / sum(w for w, _ in answered)
    assert share == pytest.approx(item["satisfied"], rel=1e-9)
