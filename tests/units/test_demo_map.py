"""The demo's map over time: the 2022 districts until 2025-06-30, then the new Lâm Đồng's wards and communes."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from survey_api.db.models import UnitSuccessor
from survey_api.demo import load_demo
from survey_api.units import service as units
from survey_api.units.demo_map import DEMO_MAP
from tests.conftest import Db


def _codes(nodes: list[units.UnitNode]) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for node in nodes:
        found[node.code] = node.parent
        found.update(_codes(node.children))
    return found


def test_the_demo_map_closes_the_districts_and_moves_what_was_below_them(db: Db) -> None:
    with db() as session:
        summary = load_demo(session, responses_per_point=1)
    assert "demo map: 9 units of Đắk Nông closed on 2025-06-30, 11 units of the new Lâm Đồng" in summary
    with db() as session:
        again = units.load_demo_map(session)
        assert (again.created, again.closed, again.unchanged) == (0, 0, 20)
        before = _codes(units.tree_on(session, date(2025, 6, 30)))
        after = _codes(units.tree_on(session, date(2025, 7, 1)))
        assert before["gia-nghia"] == "dak-nong" and before["thpt-chu-van-an"] == "gia-nghia"
        assert before["bv-tinh"] == "dak-nong" and "lam-dong" not in before
        assert "gia-nghia" not in after and "dak-nong" not in after
        # The school goes with Gia Nghĩa's largest successor; the provincial hospital with the new province.
        assert after["thpt-chu-van-an"] == "bac-gia-nghia"
        assert after["bv-tinh"] == "lam-dong"
        assert {code for code, parent in after.items() if parent == "lam-dong"} >= {
            "bac-gia-nghia",
            "nam-gia-nghia",
            "dong-gia-nghia",
            "xa-cu-jut",
        }
        assert session.scalar(select(func.count()).select_from(UnitSuccessor)) == 11


def test_the_demo_map_alone_builds_both_maps(db: Db) -> None:
    with db() as session:
        summary = units.load_demo_map(session)
    assert summary.created == 20
    with db() as session:
        assert [n.code for n in units.tree_on(session, date(2024, 1, 1))] == ["dak-nong"]
        assert [n.code for n in units.tree_on(session, date(2026, 1, 1))] == ["lam-dong"]
    assert DEMO_MAP.with_suffix(".md").exists()
