"""A plan's stored sample seen as a tree: which units are in the sample, their groups, children and descendants.

A unit is *in the sample* when it was selected, or is a released replacement, and was neither replaced nor
dropped (dropped: a unit under a replaced ancestor). A group is a stratum at the first stage and a parent
(by ref) at the later ones.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from survey_api.db.models import FrameUnit, SampleUnit

REPLACED, DROPPED = "replaced", "dropped"


class Tree:
    """The drawn units of one plan with their frame rows (build once per request, add units as they are drawn)."""

    def __init__(self, units: Sequence[SampleUnit], frame_units: dict[int, FrameUnit]) -> None:
        self.frame_units = frame_units
        self.units: list[SampleUnit] = []
        self._groups: dict[tuple[int, str | None, str | None], list[SampleUnit]] = defaultdict(list)
        self.add(units)

    def add(self, units: Iterable[SampleUnit]) -> None:
        """Units just drawn (their frame rows must be in ``frame_units``)."""
        for unit in units:
            self.units.append(unit)
            self._groups[self.group_key(unit)].append(unit)

    def ref(self, unit: SampleUnit) -> str:
        """The unit's ref in its stage's frame."""
        return self.frame_units[unit.frame_unit_id].ref

    def parent_ref(self, unit: SampleUnit) -> str | None:
        """The ref of the unit's parent (None at the first stage)."""
        return self.frame_units[unit.frame_unit_id].parent_ref

    def group_key(self, unit: SampleUnit) -> tuple[int, str | None, str | None]:
        """(stage, stratum, parent ref): the group a unit was drawn in."""
        return unit.stage, unit.stratum, self.parent_ref(unit)

    @property
    def drawn_stages(self) -> list[int]:
        """Stages with drawn units (every drawn stage has some: a draw that selects none is refused)."""
        return sorted({u.stage for u in self.units})

    @staticmethod
    def in_sample(unit: SampleUnit) -> bool:
        """Selected or released, and neither replaced nor dropped."""
        released = unit.role == "selected" or unit.replaces_id is not None
        return released and unit.status not in (REPLACED, DROPPED)

    def in_stage(self, stage: int) -> list[SampleUnit]:
        """The units of a stage in the sample, in the order they were drawn."""
        return [u for u in self.units if u.stage == stage and self.in_sample(u)]

    def group(self, unit: SampleUnit) -> list[SampleUnit]:
        """Every unit drawn in the unit's group (itself included)."""
        return self._groups[self.group_key(unit)]

    def children(self, unit: SampleUnit) -> list[SampleUnit]:
        """Units of the next stage drawn under the unit."""
        return self._groups.get((unit.stage + 1, unit.stratum, self.ref(unit)), [])

    def descendants(self, unit: SampleUnit) -> list[SampleUnit]:
        """Every unit drawn under the unit, at any later stage."""
        found: list[SampleUnit] = []
        todo = list(self.children(unit))
        while todo:
            child = todo.pop()
            found.append(child)
            todo += self.children(child)
        return found
