"""Redraw check: every stored group drawn again from the seed and compared unit by unit with what is stored.

Released replacements are expected to carry the probabilities of the unit they replace (see ``draw.py``);
every unit in the sample at a drawn stage must have its listed children drawn.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence

from survey_api.db.models import SampleUnit
from survey_api.plans.draw import Drawn, Unit, draw_group, group_size, key_of
from survey_api.plans.schemas import Design, SizeOut
from survey_api.plans.tree import Tree


def differences(
    design: Design, seed: int, frames: Sequence[Sequence[Unit]], tree: Tree, size: SizeOut | None
) -> list[str]:
    """What differs between the stored sample and the sample drawn again (empty: identical)."""
    allocation = size.allocation if size else None
    shares: Mapping[str, int] = size.shares if size else {}
    found: list[str] = []
    expected: dict[int, tuple[float, float]] = {}
    by_id = {u.id: u for u in tree.units}
    for stage in tree.drawn_stages:
        members: dict[str, list[Unit]] = defaultdict(list)
        for row in frames[stage] if stage < len(frames) else []:
            members[key_of(row.stratum) if stage == 0 else row.parent_ref or ""].append(row)
        groups: dict[str, list[SampleUnit]] = defaultdict(list)
        for unit in tree.units:
            if unit.stage == stage:
                groups[key_of(unit.stratum) if stage == 0 else tree.parent_ref(unit) or ""].append(unit)
        if stage > 0:
            for above in tree.in_stage(stage - 1):
                key = tree.ref(above)
                if key in members and key not in groups and group_size(design, stage, key, allocation, shares) > 0:
                    found.append(f"stage {stage}: the units listed under {key!r} were not drawn")
        parents = {tree.ref(u): u for u in tree.units if u.stage == stage - 1}
        for key, stored in groups.items():
            parent = parents.get(key)
            if stage > 0 and (parent is None or parent.id not in expected):
                found.append(f"stage {stage}: units are stored under {key!r}, which is not a drawn unit")
                continue
            parent_pi = expected[parent.id][1] if parent is not None else 1.0
            size_now = group_size(design, stage, key, allocation, shares)
            again = draw_group(design, stage, key, members.get(key, []), size_now, parent_pi, seed)
            found += _compare(stage, key, again, stored, expected, by_id, tree)
    return found


def _compare(
    stage: int,
    key: str,
    again: list[Drawn],
    stored: list[SampleUnit],
    expected: dict[int, tuple[float, float]],
    by_id: Mapping[int, SampleUnit],
    tree: Tree,
) -> list[str]:
    where = f"stage {stage} ({'stratum' if stage == 0 else 'under'} {key!r})"
    found: list[str] = []
    if len(again) != len(stored):
        found.append(f"{where}: {len(again)} units drawn again, {len(stored)} stored")
    drawn = {d.frame_unit_id: d for d in again}
    for unit in sorted(stored, key=lambda u: u.selection_order):
        d = drawn.get(unit.frame_unit_id)
        if d is None or (d.role, d.selection_order) != (unit.role, unit.selection_order):
            found.append(f"{where}: {tree.ref(unit)!r} is not drawn again as stored")
            continue
        replaced = by_id.get(unit.replaces_id) if unit.replaces_id is not None else None
        if replaced is not None and replaced.id in expected:
            want = expected[replaced.id]
        else:
            want = (d.stage_probability, d.inclusion_probability)
        expected[unit.id] = want
        have = (unit.stage_probability, unit.inclusion_probability)
        if not all(math.isclose(a, b, rel_tol=1e-12, abs_tol=0) for a, b in zip(want, have, strict=True)):
            found.append(f"{where}: {tree.ref(unit)!r} has probabilities {have}, the draw gives {want}")
    return found
