"""Weighted indices: default on with a design or margins, weighting runs, targets, flags, previous period, margins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from survey_api.db.models import AuditEntry, WeightingRun
from tests.api.helpers import collector, instrument, submission
from tests.conftest import Db
from tests.imports.apidata import CODE, MARGINS, api_rows, publish_test_instrument, to_csv

Headers = Callable[[str], dict[str, str]]


def import_rows(client: TestClient, rows: list[dict[str, str]], headers: dict[str, str]) -> None:
    reply = client.post(
        "/api/v1/imports",
        params={"instrument": CODE, "version": 1},
        files={"file": ("r.csv", to_csv(rows), "text/csv")},
        headers=headers,
    )
    assert reply.status_code == 201, reply.text


def get(client: TestClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    reply = client.get("/api/v1/indices", params={"instrument": CODE, **params}, headers=headers)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def test_weighting_run_is_cited_and_reused_and_weighted_false_keeps_the_plain_shape(
    client: TestClient, db: Db, token_for: Headers
) -> None:
    publish_test_instrument(db)
    analyst = token_for("analyst")
    import_rows(client, api_rows(), analyst)
    first = get(client, analyst)
    second = get(client, analyst)
    assert first["weighted"] is True and first["weighting_run"]["id"] == second["weighting_run"]["id"]
    diagnostics = first["weighting_run"]["diagnostics"]
    assert diagnostics["kish_deff"] > 1 and 0 < diagnostics["n_eff"] < 200
    assert diagnostics["minimum"] < diagnostics["maximum"]
    with db() as session:
        assert session.scalar(select(func.count()).select_from(WeightingRun)) == 1
    plain = get(client, analyst, weighted="false")
    assert plain["weighted"] is False and "weighting_run" not in plain
    assert set(plain["overall"]) == {"code", "label", "label_en", "satisfied", "mean", "n"}
    # the weighted index differs from the unweighted one (apistrat's weights are unequal)
    assert plain["overall"]["satisfied"] != pytest.approx(first["overall"]["satisfied"])


def test_responses_without_a_design_stay_unweighted_until_margins_exist(
    client: TestClient, official: dict[str, int], token_for: Headers
) -> None:
    counter = instrument(client, "one-stop-dossier")  # declares no cells: its answers carry no sex
    scale = {item["code"] for item in counter["items"] if item["type"] == "scale_1_5"}
    for i in range(40):
        body = submission(counter)
        body["answers"] = {k: (5 if i % 4 else 2) if k in scale else v for k, v in body["answers"].items()}
        assert client.post("/api/v1/responses", json=body, headers=collector(client)).status_code == 201
    analyst = token_for("analyst")
    plain = client.get("/api/v1/indices", params={"instrument": "one-stop-dossier"}, headers=analyst).json()
    assert plain["weighted"] is False and plain["target"] == {"value": 0.9, "met": False}
    weighted = client.get(
        "/api/v1/indices", params={"instrument": "one-stop-dossier", "weighted": "true"}, headers=analyst
    ).json()
    assert weighted["weighting_run"]["method"] == "none"
    assert weighted["overall"]["satisfied"] == pytest.approx(plain["overall"]["satisfied"])
    assert weighted["overall"]["satisfied_se"] > 0 and weighted["overall"]["flags"] == []
    margins = {"period": {"from": "2026-01-01", "to": "2026-12-31"}, "margins": {"sex": {"1": 500, "2": 520}}}
    assert client.put("/api/v1/margins", json=margins, headers=analyst).status_code == 200
    # Responses with no sex recorded: by default the margins are left out and the run says so;
    # asked for explicitly, weighting to them is refused with the reason
    default = client.get("/api/v1/indices", params={"instrument": "one-stop-dossier"}, headers=analyst)
    assert default.status_code == 200 and default.json()["weighted"] is True
    run = default.json()["weighting_run"]
    assert run["method"] == "none" and "40 of 40 responses have no sex" in run["diagnostics"]["margins_not_applied"]
    assert default.json()["overall"]["satisfied"] == pytest.approx(plain["overall"]["satisfied"])
    reply = client.get(
        "/api/v1/indices", params={"instrument": "one-stop-dossier", "weighted": "true"}, headers=analyst
    )
    assert reply.status_code == 422 and "have no sex" in reply.json()["detail"]


def test_target_few_answers_flag_and_previous_period(client: TestClient, db: Db, token_for: Headers) -> None:
    publish_test_instrument(db)
    analyst = token_for("analyst")
    rows = api_rows()
    for row in rows[:20]:
        row["completed_at"] = "2026-02-10"  # previous period (February)
        row["Q1"] = row["Q2"] = row["Q3"] = "5"
    import_rows(client, rows, analyst)
    body = get(client, analyst, **{"from": "2026-03-01", "to": "2026-03-31", "target": "0.5"})
    assert body["responses"] == 180
    assert body["target"] == {"value": 0.5, "met": body["overall"]["satisfied"] >= 0.5}
    assert get(client, analyst)["target"]["value"] == 0.85  # the education sector's default
    previous = body["previous_period"]
    assert (previous["from"], previous["to"], previous["responses"]) == ("2026-02-01", "2026-02-28", 20)
    assert previous["satisfied"] == 1.0 and previous["weighting_run"] is not None
    assert previous["change"] == pytest.approx(body["overall"]["satisfied"] - 1.0)
    assert previous["significant"] is True
    feb = get(client, analyst, **{"from": "2026-02-01", "to": "2026-02-28"})
    assert feb["overall"]["flags"] == ["few_answers", "boundary"] and feb["overall"]["satisfied_ci"] == [1.0, 1.0]
    assert "few_answers" not in body["overall"]["flags"]
    by_month = get(client, analyst, by="period")
    assert [(b["group"]["period"], b["responses"]) for b in by_month["breakdown"]] == [
        ("2026-02", 20),
        ("2026-03", 180),
    ]
    by_quarter = get(client, analyst, by="period", period="quarter")
    assert [b["group"] for b in by_quarter["breakdown"]] == [{"period": "2026-Q1"}]
    by_channel = get(client, analyst, by="channel")
    assert by_channel["breakdown"][0]["overall"]["satisfied"] == pytest.approx(by_channel["overall"]["satisfied"])


def test_min_answers_is_a_setting(client: TestClient, db: Db, token_for: Headers) -> None:
    publish_test_instrument(db)
    analyst = token_for("analyst")
    import_rows(client, api_rows()[:50], analyst)
    assert get(client, analyst)["overall"]["flags"] == []
    client.app.state.settings.min_answers = 100  # type: ignore[attr-defined]
    assert get(client, analyst)["overall"]["flags"] == ["few_answers"]


def test_margins_are_validated_audited_and_readable(client: TestClient, db: Db, token_for: Headers) -> None:
    analyst = token_for("analyst")
    body = {"period": {"from": "2026-01-01", "to": "2026-12-31"}, "margins": MARGINS}
    reply = client.put("/api/v1/margins", json=body, headers=analyst)
    assert reply.status_code == 200 and reply.json()["margins"] == MARGINS
    replaced = {**body, "margins": {"sex": {"F": 10, "M": 20}}}
    assert client.put("/api/v1/margins", json=replaced, headers=token_for("admin")).status_code == 200
    listed = client.get("/api/v1/margins", params={"from": "2026-06-01"}, headers=analyst).json()
    assert listed == [{"unit": None, "period": body["period"], "margins": {"sex": {"F": 10.0, "M": 20.0}}}]
    with db() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "margins.put")).all()
        assert len(entries) == 2 and entries[1].detail["previous"] == MARGINS
    unequal = {**body, "margins": {"sex": {"F": 10}, "age_group": {"18-34": 11}}}
    assert client.put("/api/v1/margins", json=unequal, headers=analyst).status_code == 422
    unknown = {**body, "margins": {"income": {"low": 10}}}
    assert client.put("/api/v1/margins", json=unknown, headers=analyst).status_code == 422
    assert client.put("/api/v1/margins", json={**body, "unit": "nope"}, headers=analyst).status_code == 404


def test_margins_and_weighted_indices_need_the_right_role(client: TestClient, db: Db, token_for: Headers) -> None:
    publish_test_instrument(db)
    body = {"period": {"from": "2026-01-01", "to": "2026-12-31"}, "margins": MARGINS}
    assert client.put("/api/v1/margins", json=body).status_code == 401
    assert client.get("/api/v1/margins").status_code == 401
    assert client.put("/api/v1/margins", json=body, headers=token_for("unit_manager")).status_code == 403
    assert client.get("/api/v1/margins", headers=token_for("volunteer")).status_code == 403
    params = {"instrument": CODE, "weighted": "true", "by": "sex"}
    assert client.get("/api/v1/indices", params=params).status_code == 401
    assert client.get("/api/v1/indices", params=params, headers=token_for("volunteer")).status_code == 403
    assert (
        client.get("/api/v1/indices", params={**params, "by": "colour"}, headers=token_for("admin")).status_code == 422
    )


@pytest.mark.parametrize(
    ("period", "previous"),
    [
        (("2026-03-01", "2026-03-31"), ("2026-02-01", "2026-02-28")),  # month
        (("2026-01-01", "2026-03-31"), ("2025-10-01", "2025-12-31")),  # quarter
        (("2026-07-01", "2026-12-31"), ("2026-01-01", "2026-06-30")),  # half-year
        (("2026-01-01", "2026-12-31"), ("2025-01-01", "2025-12-31")),  # year
        (("2026-03-05", "2026-03-10"), ("2026-02-27", "2026-03-04")),  # ad hoc: the same days right before
    ],
)
def test_the_previous_period_is_the_previous_reporting_period(
    period: tuple[str, str], previous: tuple[str, str]
) -> None:
    from datetime import date

    from survey_api.estimates.service import previous_period

    start, end = previous_period(date.fromisoformat(period[0]), date.fromisoformat(period[1]))
    assert (start.isoformat(), end.isoformat()) == previous
