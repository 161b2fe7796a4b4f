"""Dated changes of the map: create, rename, move, close, merge, split; the tree of a day; the crosswalk."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from survey_api.db.models import AuditEntry
from survey_api.errors import Conflict, InvalidInput, NotFound
from survey_api.units import service as units
from survey_api.units.service import NewUnit
from tests.conftest import Db

OLD = date(2004, 1, 1)
NEW = date(2025, 7, 1)


def _province(db: Db) -> None:
    with db() as session:
        units.create(session, None, NewUnit("dn", "Tỉnh Đắk Nông", "province"), valid_from=OLD)
        for code, name in (("gn", "Thành phố Gia Nghĩa"), ("cj", "Huyện Cư Jút")):
            units.create(session, None, NewUnit(code, name, "district", parent="dn"), valid_from=OLD)


def _codes(nodes: list[units.UnitNode]) -> list[str]:
    found: list[str] = []
    for node in nodes:
        found.append(node.code)
        found.extend(_codes(node.children))
    return found


def test_split_and_merge_give_each_day_its_map_and_a_crosswalk(db: Db) -> None:
    _province(db)
    with db() as session:
        parts = [
            (NewUnit("bgn", "Phường Bắc Gia Nghĩa", "ward", parent="dn"), 0.6),
            (NewUnit("ngn", "Phường Nam Gia Nghĩa", "ward", parent="dn"), 0.4),
        ]
        units.split(session, None, "gn", parts, valid_from=NEW)
        units.merge(session, None, ["cj"], NewUnit("xcj", "Xã Cư Jút", "commune", parent="dn"), valid_from=NEW)
    with db() as session:
        assert _codes(units.tree_on(session, date(2025, 6, 30))) == ["dn", "cj", "gn"]
        assert _codes(units.tree_on(session, NEW)) == ["dn", "bgn", "ngn", "xcj"]
        walk = [(r.unit, r.successor, r.share, r.valid_from) for r in units.crosswalk(session)]
        assert walk == [("cj", "xcj", 1.0, NEW), ("gn", "bgn", 0.6, NEW), ("gn", "ngn", 0.4, NEW)]
        old = units.tree_on(session, OLD)[0].children
        assert [(n.code, n.successors) for n in old] == [("cj", [("xcj", 1.0)]), ("gn", [("bgn", 0.6), ("ngn", 0.4)])]
        gn = units.unit_by_code(session, "gn")
        assert gn is not None
        assert units.onto_map(session, [gn.id], NEW)[gn.id] == [
            (units.unit_by_code(session, "bgn").id, 0.6),  # type: ignore[union-attr]
            (units.unit_by_code(session, "ngn").id, 0.4),  # type: ignore[union-attr]
        ]
        actions = session.scalars(select(AuditEntry.action)).all()
        assert actions.count("unit.create") == 3 and "unit.split" in actions and "unit.merge" in actions


def test_rename_and_move_keep_the_earlier_state_for_earlier_days(db: Db) -> None:
    _province(db)
    with db() as session:
        units.create(session, None, NewUnit("ld", "Tỉnh Lâm Đồng", "province"), valid_from=OLD)
        units.rename(session, None, "gn", name="Phường Gia Nghĩa", valid_from=NEW)
        units.move(session, None, "gn", parent="ld", valid_from=NEW)
    with db() as session:
        before = units.tree_on(session, date(2025, 6, 30))
        after = units.tree_on(session, NEW)
        gn_before = next(n for root in before for n in root.children if n.code == "gn")
        gn_after = next(n for root in after for n in root.children if n.code == "gn")
        assert (gn_before.name, gn_before.parent) == ("Thành phố Gia Nghĩa", "dn")
        assert (gn_after.name, gn_after.parent) == ("Phường Gia Nghĩa", "ld")


def test_bad_changes_are_refused_with_a_reason(db: Db) -> None:
    _province(db)
    with db() as session:
        with pytest.raises(Conflict) as exists:
            units.create(session, None, NewUnit("gn", "Again", "district", parent="dn"), valid_from=OLD)
        assert exists.value.errors[0]["reason"] == "unit_exists"
        with pytest.raises(Conflict) as children:
            units.close(session, None, "dn", valid_to=date(2025, 6, 30))
        assert children.value.errors[0]["reason"] == "open_children"
        with pytest.raises(InvalidInput) as shares:
            units.split(session, None, "gn", [("cj", 0.5)], valid_from=NEW)
        assert shares.value.errors[0]["reason"] in ("successor_not_valid", "shares_not_one")
        with pytest.raises(NotFound):
            units.rename(session, None, "nowhere", name="X", valid_from=NEW)
        with pytest.raises(InvalidInput) as parent:
            units.create(session, None, NewUnit("late", "Late", "commune", parent="dn"), valid_from=date(2000, 1, 1))
        assert parent.value.errors[0]["reason"] == "parent_not_valid"
