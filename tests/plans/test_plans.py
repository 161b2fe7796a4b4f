"""Sampling plans: frames with every row error together, size and allocation, a PAPI-style three-stage draw
reproduced from its seed, replacements by the rule, assignment to volunteers, and roles."""

from __future__ import annotations

import io
import math
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select

from survey_api.db.models import FrameUnit
from tests.conftest import Db
from tests.fieldwork.conftest import Person
from tests.plans.conftest import PLANS, csv_file, upload

NewPlan = Callable[..., int]
MakePerson = Callable[..., Person]

PAPI = {
    "stratum_column": "district",
    "stages": [
        {"name": "commune", "method": "pps", "n": 2, "size_column": "population"},
        {"name": "village", "method": "pps", "n": 2, "size_column": "population"},
        {"name": "household", "method": "srs", "n": 5},
    ],
    "replacements": 2,
}


def papi_frames() -> tuple[bytes, bytes, bytes]:
    """Two districts of six communes, four villages per commune, fifteen households per village."""
    communes, villages, households = [], [], []
    for d in ("cu-jut", "dak-mil"):
        for c in range(6):
            commune = f"{d}-x{c}"
            communes.append([commune, f"Xã {c} ({d})", d, 1000 + 100 * c])
            for v in range(4):
                village = f"{commune}-t{v}"
                villages.append([village, f"Thôn {v}", commune, 100 + 30 * v + 7 * c])
                households += [[f"{village}-h{h}", f"Hộ {h}, thôn {v}", village] for h in range(15)]
    return (
        csv_file(["ref", "label", "district", "population"], communes),
        csv_file(["ref", "label", "parent", "population"], villages),
        csv_file(["ref", "label", "parent"], households),
    )


def papi_plan(client: TestClient, analyst: Person, new_plan: NewPlan, unit: str | None = None) -> int:
    plan = new_plan(PAPI, unit=unit)
    for stage, data in enumerate(papi_frames()):
        reply = upload(client, analyst, plan, data, stage=stage)
        assert reply.status_code == 201, reply.text
    return plan


def draw(client: TestClient, who: Person, plan: int, seed: int | None = None) -> Any:
    return client.post(f"{PLANS}/{plan}/draw", json={"seed": seed} if seed is not None else None, headers=who.headers)


# --- frames --------------------------------------------------------------------------------------


def test_a_frame_is_stored_from_csv_or_xlsx(client: TestClient, analyst: Person, new_plan: NewPlan) -> None:
    plan = new_plan(PAPI)
    communes, villages, _households = papi_frames()
    reply = upload(client, analyst, plan, communes)
    assert reply.status_code == 201, reply.text
    assert reply.json() == {"plan": plan, "stage": 0, "rows": 12, "strata": {"cu-jut": 6, "dak-mil": 6}}

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in villages.decode().splitlines():
        cells = row.split(",")
        sheet.append(cells[:3] + [int(cells[3]) if cells[3].isdigit() else cells[3]])
    data = io.BytesIO()
    book.save(data)
    reply = upload(client, analyst, plan, data.getvalue(), stage=1, name="thon.xlsx")
    assert reply.status_code == 201, reply.text
    assert reply.json()["rows"] == 48 and reply.json()["strata"] == {"cu-jut": 24, "dak-mil": 24}, "inherited"
    shown = client.get(f"{PLANS}/{plan}", headers=analyst.headers).json()
    assert shown["frames"] == {"0": 12, "1": 48} and shown["status"] == "draft"


def test_every_row_error_is_reported_together_and_nothing_is_stored(
    client: TestClient, analyst: Person, new_plan: NewPlan, db: Db
) -> None:
    plan = new_plan(PAPI)
    bad_communes = csv_file(
        ["ref", "label", "district", "population"],
        [
            ["x1", "Xã 1", "cu-jut", 1200],
            ["x2", "Xã 2", "", 900],  # row 3: no stratum
            ["x1", "Xã 1 again", "cu-jut", 800],  # row 4: duplicate ref
            ["x4", "Xã 4", "dak-mil", "abc"],  # row 5: size not a number
            ["x5", "Xã 5", "dak-mil", ""],  # row 6: no size for PPS
        ],
    )
    reply = upload(client, analyst, plan, bad_communes)
    assert reply.status_code == 422
    errors = reply.json()["errors"]
    assert [(e["row"], e["item"]) for e in errors] == [
        (3, "district"),
        (4, "ref"),
        (5, "population"),
        (6, "population"),
    ]
    assert "'abc' is not a positive number" in reply.json()["detail"]
    assert "row 4, item ref: 'x1' appears again (first in row 2)" in reply.json()["detail"]

    good = csv_file(["ref", "label", "district", "population"], [["x1", "Xã 1", "cu-jut", 1200]])
    assert upload(client, analyst, plan, good).status_code == 201
    orphans = csv_file(["ref", "label", "parent", "population"], [["t1", "Thôn 1", "x1", 50], ["t2", "", "x9", 40]])
    reply = upload(client, analyst, plan, orphans, stage=1)
    assert reply.status_code == 422
    assert reply.json()["errors"] == [{"row": 3, "item": "parent", "problem": "'x9' is not a unit of stage 0"}]
    missing = upload(client, analyst, plan, csv_file(["label"], [["a"]]), stage=1)
    assert {e["item"] for e in missing.json()["errors"]} == {"ref", "parent", "population"}
    with db() as session:
        stored = session.scalar(select(func.count()).select_from(FrameUnit).where(FrameUnit.stage == 1))
    assert stored == 0
    assert upload(client, analyst, plan, good, stage=3).status_code == 422


# --- size and allocation -------------------------------------------------------------------------


def dossiers(sizes: dict[str, int]) -> bytes:
    rows = [[f"{unit}-{k}", f"Hồ sơ {k}", unit] for unit, count in sizes.items() for k in range(count)]
    return csv_file(["ref", "label", "unit"], rows)


def test_size_and_allocation_from_a_target_margin_of_error(
    client: TestClient, analyst: Person, new_plan: NewPlan
) -> None:
    strata = {"a": 1540, "b": 770, "c": 385}
    design = {
        "stratum_column": "unit",
        "stages": [{"name": "dossier", "method": "srs"}],
        "target": {"moe": 0.05, "p": 0.5},
        "allocation": "proportional",
    }
    plan = new_plan(design)
    assert upload(client, analyst, plan, dossiers(strata)).status_code == 201
    size = client.get(f"{PLANS}/{plan}/size", headers=analyst.headers).json()
    z = 1.959963984540054
    n0 = z * z * 0.25 / 0.05**2
    population = sum(strata.values())
    assert size["n0"] == pytest.approx(n0)
    assert size["n"] == math.ceil(population * n0 / (population - 1 + n0)) == 337
    assert size["allocation"] == {"a": 193, "b": 96, "c": 48}, "largest remainder keeps the sum"
    assert sum(size["allocation"].values()) == 337

    neyman = new_plan(design | {"target": {"n": 261}, "allocation": "neyman", "sd": {"a": 2.6, "b": 3.0, "c": 3.3}})
    assert upload(client, analyst, neyman, dossiers(strata)).status_code == 201
    size = client.get(f"{PLANS}/{neyman}/size", headers=analyst.headers).json()
    assert size["exact"] == pytest.approx({"a": 137.79, "b": 79.49, "c": 43.72}, abs=0.01)
    assert sum(size["allocation"].values()) == 261

    drawn = draw(client, analyst, plan, seed=7).json()
    counts: dict[str, int] = {}
    for unit in drawn["units"]:
        counts[unit["stratum"]] = counts.get(unit["stratum"], 0) + 1
        assert unit["stage_probability"] == pytest.approx(size_of(unit["stratum"], counts, strata))
    assert counts == {"a": 193, "b": 96, "c": 48}

    slovin = new_plan(design | {"target": {"moe": 0.05, "formula": "slovin"}})
    assert upload(client, analyst, slovin, dossiers(strata)).status_code == 201
    assert client.get(f"{PLANS}/{slovin}/size", headers=analyst.headers).json()["n"] == math.ceil(
        population / (1 + population * 0.0025)
    )


def size_of(stratum: str, _counts: dict[str, int], strata: dict[str, int]) -> float:
    return {"a": 193, "b": 96, "c": 48}[stratum] / strata[stratum]


# --- the PAPI-style draw -------------------------------------------------------------------------


def test_a_three_stage_pps_draw_records_every_stage_probability(
    client: TestClient, analyst: Person, new_plan: NewPlan
) -> None:
    plan = papi_plan(client, analyst, new_plan)
    reply = draw(client, analyst, plan, seed=20261125)
    assert reply.status_code == 201, reply.text
    units = reply.json()["units"]
    by_ref = {u["ref"]: u for u in units}
    selected = [[u for u in units if u["stage"] == s and u["role"] == "selected"] for s in range(3)]
    assert [len(s) for s in selected] == [4, 8, 40]
    assert all(u["role"] == "selected" for u in units if u["stage"] < 2)
    assert sum(u["role"] == "replacement" for u in units) == 16, "two per selected village"

    commune_population = {f"{d}-x{c}": 1000 + 100 * c for d in ("cu-jut", "dak-mil") for c in range(6)}
    for commune in selected[0]:
        assert commune["stage_probability"] == pytest.approx(2 * commune_population[commune["ref"]] / 7500)
        assert commune["inclusion_probability"] == commune["stage_probability"]
    for village in selected[1]:
        parent = by_ref[village["parent"]]
        c, v = int(parent["ref"][-1]), int(village["ref"][-1])
        own, total = 100 + 30 * v + 7 * c, sum(100 + 30 * k + 7 * c for k in range(4))
        assert village["stage_probability"] == pytest.approx(2 * own / total)
        assert village["inclusion_probability"] == pytest.approx(parent["inclusion_probability"] * 2 * own / total)
    for household in [u for u in units if u["stage"] == 2]:
        village = by_ref[household["parent"]]
        assert household["stage_probability"] == pytest.approx(5 / 15)
        assert household["inclusion_probability"] == pytest.approx(village["inclusion_probability"] / 3)
        assert 0 < household["inclusion_probability"] <= 1
        assert household["weight"] == pytest.approx(1 / household["inclusion_probability"])
    orders = sorted(u["selection_order"] for u in units if u["parent"] == selected[1][0]["ref"])
    assert orders == list(range(1, 8)), "five selected, then the two replacements in their order"
    assert client.get(f"{PLANS}/{plan}/sample", headers=analyst.headers).json()["units"] == units


def test_the_draw_is_reproduced_from_its_seed(client: TestClient, analyst: Person, new_plan: NewPlan) -> None:
    first = papi_plan(client, analyst, new_plan)
    drawn = draw(client, analyst, first)
    assert drawn.status_code == 201
    seed = drawn.json()["seed"]
    assert isinstance(seed, int) and client.get(f"{PLANS}/{first}", headers=analyst.headers).json()["seed"] == seed
    check = client.post(f"{PLANS}/{first}/redraw-check", headers=analyst.headers).json()
    assert check == {"seed": seed, "identical": True, "units": len(drawn.json()["units"]), "differences": []}

    second = papi_plan(client, analyst, new_plan)
    again = draw(client, analyst, second, seed=seed).json()

    def key(units: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        fields = ("stage", "ref", "role", "selection_order", "stage_probability", "inclusion_probability")
        return [tuple(u[f] for f in fields) for u in units]

    assert key(again["units"]) == key(drawn.json()["units"])
    other = draw(client, analyst, papi_plan(client, analyst, new_plan), seed=seed + 1).json()
    assert key(other["units"]) != key(drawn.json()["units"])
    twice = draw(client, analyst, first, seed=seed)
    assert twice.status_code == 409 and "make a new plan" in twice.json()["detail"]
    assert upload(client, analyst, first, papi_frames()[0]).status_code == 409


# --- assignment and replacements -----------------------------------------------------------------


def test_assigned_units_reach_the_volunteers_tablet_and_replacements_follow_the_rule(
    client: TestClient, analyst: Person, new_plan: NewPlan, person: MakePerson, volunteer: Person
) -> None:
    plan = papi_plan(client, analyst, new_plan)
    units = draw(client, analyst, plan, seed=11).json()["units"]
    village = next(u for u in units if u["stage"] == 1)["ref"]
    households = [u for u in units if u["parent"] == village and u["role"] == "selected"]
    reserve = sorted((u for u in units if u["parent"] == village and u["role"] == "replacement"), key=order)
    admin = person("admin", unit=None)
    body = {"volunteer": volunteer.username, "units": [u["ref"] for u in households], "quota": 5}
    assert client.post(f"{PLANS}/{plan}/assign", json=body, headers=analyst.headers).status_code == 403
    reply = client.post(f"{PLANS}/{plan}/assign", json=body, headers=admin.headers)
    assert reply.status_code == 201, reply.text
    assignment = reply.json()
    assert assignment["sample"] == [{"ref": u["ref"], "label": u["label"]} for u in households]
    mine = client.get("/api/v1/me/assignments", headers=volunteer.headers).json()["assignments"]
    assert [a["sample"] for a in mine] == [assignment["sample"]]
    assert client.post(f"{PLANS}/{plan}/assign", json=body, headers=admin.headers).status_code == 422
    assert (
        client.post(
            f"{PLANS}/{plan}/assign", json=body | {"units": [reserve[0]["ref"]]}, headers=admin.headers
        ).status_code
        == 422
    )

    replace = f"{PLANS}/{plan}/replace"
    first = client.post(replace, json={"ref": households[0]["ref"], "reason": "refused"}, headers=analyst.headers)
    assert first.status_code == 200, first.text
    assert (first.json()["ref"], first.json()["replaces"]) == (reserve[0]["ref"], households[0]["ref"])
    assert first.json()["status"] == "assigned" and first.json()["assignment"] == assignment["id"]
    second = client.post(replace, json={"ref": households[1]["ref"], "reason": "unreachable"}, headers=analyst.headers)
    assert second.json()["ref"] == reserve[1]["ref"]
    none_left = client.post(
        replace, json={"ref": households[2]["ref"], "reason": "not_eligible"}, headers=analyst.headers
    )
    assert none_left.status_code == 409 and "no replacement is left" in none_left.json()["detail"]
    again = client.post(replace, json={"ref": households[0]["ref"], "reason": "refused"}, headers=analyst.headers)
    assert again.status_code == 409
    assert (
        client.post(
            replace, json={"ref": households[3]["ref"], "reason": "asleep"}, headers=analyst.headers
        ).status_code
        == 422
    )
    mine = client.get("/api/v1/me/assignments", headers=volunteer.headers).json()["assignments"]
    assert [e["ref"] for e in mine[0]["sample"]][-2:] == [reserve[0]["ref"], reserve[1]["ref"]]
    stored = {u["ref"]: u for u in client.get(f"{PLANS}/{plan}/sample", headers=analyst.headers).json()["units"]}
    assert (stored[households[0]["ref"]]["status"], stored[households[0]["ref"]]["replaced_reason"]) == (
        "replaced",
        "refused",
    )


def order(unit: dict[str, Any]) -> int:
    value: int = unit["selection_order"]
    return value


# --- roles ---------------------------------------------------------------------------------------


def test_roles(client: TestClient, analyst: Person, new_plan: NewPlan, person: MakePerson) -> None:
    plan = papi_plan(client, analyst, new_plan, unit="d1")
    body = {"name": "x", "instrument": "sipas", "design": PAPI}
    assert client.post(PLANS, json=body).status_code == 401
    assert client.get(f"{PLANS}/{plan}/progress").status_code == 401
    for role in ("volunteer", "unit_manager"):
        assert client.post(PLANS, json=body, headers=person(role).headers).status_code == 403
        assert draw(client, person(role), plan).status_code == 403
    assert draw(client, analyst, plan, seed=1).status_code == 201
    assert client.get(f"{PLANS}/{plan}/progress", headers=person("volunteer").headers).status_code == 403
    assert client.get(f"{PLANS}/{plan}/progress", headers=person("unit_manager", unit="d2").headers).status_code == 403
    assert client.get(f"{PLANS}/{plan}/progress", headers=person("unit_manager", unit="d1").headers).status_code == 200
    assert client.get(f"{PLANS}/{plan}/sample", headers=person("unit_manager", unit="p").headers).status_code == 200
    assert client.get(f"{PLANS}/999999", headers=analyst.headers).status_code == 404
    listed = client.get(PLANS, headers=analyst.headers).json()
    assert [(p["id"], p["unit"], p["status"]) for p in listed] == [(plan, "d1", "drawn")]
    assert client.get(PLANS, headers=person("unit_manager", unit="d2").headers).json() == []
    assert [p["id"] for p in client.get(PLANS, headers=person("unit_manager", unit="d1").headers).json()] == [plan]
    assert client.get(PLANS, headers=person("volunteer").headers).status_code == 403
    assert client.post(PLANS, json=body | {"instrument": "nope"}, headers=analyst.headers).status_code == 422
    bad = body | {"design": {"stages": [{"name": "a", "method": "srs"}]}}
    assert client.post(PLANS, json=bad, headers=analyst.headers).status_code == 422


# --- the fieldwork view --------------------------------------------------------------------------


def test_progress_by_stratum_and_assignment_with_aapor_rates_on_a_worked_example(
    client: TestClient, analyst: Person, new_plan: NewPlan, person: MakePerson, volunteer: Person
) -> None:
    design = {"stratum_column": "unit", "stages": [{"name": "household", "method": "srs", "n": 6}]}
    plan = new_plan(design, unit="d1")
    assert upload(client, analyst, plan, dossiers({"a": 6, "b": 4})).status_code == 201
    assert draw(client, analyst, plan, seed=3).status_code == 201
    manager = person("unit_manager", unit="d1")
    late_volunteer = person("volunteer")
    to_a = {"volunteer": volunteer.username, "stratum": "a", "quota": 3, "ends_on": "2099-12-31"}
    a = client.post(f"{PLANS}/{plan}/assign", json=to_a, headers=manager.headers)
    assert a.status_code == 201, a.text
    to_b = {"volunteer": late_volunteer.username, "stratum": "b", "quota": 2, "service_point": "d1-desk"}
    backwards = to_b | {"starts_on": "2020-02-01", "ends_on": "2020-01-31"}
    assert client.post(f"{PLANS}/{plan}/assign", json=backwards, headers=manager.headers).status_code == 422
    b = client.post(
        f"{PLANS}/{plan}/assign",
        json=to_b | {"starts_on": "2020-01-01", "ends_on": "2020-01-31"},
        headers=manager.headers,
    )
    assert b.status_code == 201, b.text

    # a-0: not at home, then completed; a-1, a-2 completed; a-3 refused; a-4 not eligible; a-5 never reached.
    outcomes = [("a-0", "not_at_home"), ("a-0", "completed"), ("a-1", "completed"), ("a-2", "completed")]
    outcomes += [("a-3", "refused"), ("a-4", "not_eligible")]
    attempts = [
        {
            "id": str(uuid.uuid4()),
            "assignment": a.json()["id"],
            "case_ref": ref,
            "outcome": outcome,
            "response_id": str(uuid.uuid4()) if outcome == "completed" else None,
            "attempted_at": f"2026-11-2{k}T08:00:00+07:00",
        }
        for k, (ref, outcome) in enumerate(outcomes)
    ]
    synced = client.post("/api/v1/contact-attempts/batch", json={"attempts": attempts}, headers=volunteer.headers)
    assert [r["status"] for r in synced.json()["results"]] == ["created"] * 6

    reply = client.get(f"{PLANS}/{plan}/progress", headers=manager.headers)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    stratum_a, stratum_b = body["strata"]["a"], body["strata"]["b"]
    assert (stratum_a["sampled"], stratum_a["contacted"], stratum_a["completed"], stratum_a["quota"]) == (6, 5, 3, 3)
    assert stratum_a["progress"]["outcomes"] == {"completed": 3, "refused": 1, "not_eligible": 1}
    # RR1 = I / (I + R + U) = 3 / (3 + 1 + 1) = 0.6; e = 4 / 5; RR3 = 3 / (3 + 1 + 0.8 × 1) = 0.625
    assert stratum_a["progress"]["response_rate"] == 0.6
    assert stratum_a["progress"]["response_rate_rr3"] == 0.625
    assert stratum_a["late"] is False
    assert (stratum_b["sampled"], stratum_b["contacted"], stratum_b["completed"], stratum_b["late"]) == (4, 0, 0, True)
    assert stratum_b["progress"]["response_rate"] == 0.0
    # Whole plan: RR1 = 3 / (5 − 1 + 5) = 1/3; RR3 = 3 / (4 + 0.8 × 5) = 0.375
    assert body["total"]["progress"]["response_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert body["total"]["progress"]["response_rate_rr3"] == 0.375
    assert [(x["assignment"], x["late"], x["service_point"]) for x in body["assignments"]] == [
        (a.json()["id"], False, None),
        (b.json()["id"], True, "d1-desk"),
    ]
    assert body["late"] == [b.json()["id"]]
    listed = client.get("/api/v1/assignments", params={"volunteer": volunteer.username}, headers=manager.headers)
    assert listed.json()[0]["progress"]["response_rate"] == 0.6, "the same rates as the fieldwork assignments"
