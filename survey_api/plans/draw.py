"""The draw of a plan, group by group, as pure functions of (design, frame rows, seed): repeatable and checkable.

Groups: a stratum at the first stage, a drawn parent at each later stage. Each group is drawn on a generator
of its own, ``default_rng(SeedSequence(seed, spawn_key=(stage, *sha256(key))))`` keyed by the stratum code
or the parent's ref, from the group's frame rows in file order. A group's sample so depends only on the seed,
the design and its own rows, not on when it is drawn: a stage listed after the draw of the stages above
(households of the drawn villages), or the children of a replacement drawn later, come out as one draw of
everything would have given them, and ``redraw-check`` repeats every group alone.

Within a group (``sampling.select_with_certainty``): units that a stage's certainty rule marks (a flag column,
a size threshold) are taken with ``pi = 1`` and count in the group's ``n``; the other ``n - k`` are drawn by
SRS, systematic or PPS systematic from the rest, PPS taking its own certainty units (``n s_i / sum s >= 1``)
out first. Then ``Design.reserve(stage)`` reserve units (``sampling.reserve``: the same method on the units
not selected, in a random order of release), each showing the probability the stage's design gives it.

Replacements (any stage): a released reserve unit takes the stage probability of the unit it replaces, so
its overall probability is the replaced unit's. METHODS.md says nothing on this; it is the official
practice of substitution (the replacement stands in for the unit, so the weights keep the design's
distribution) rather than the probability the replacement would have had, which no design gave it.

With a target, the number of final units comes from ``sampling.sample_size_proportion`` (or ``slovin``) on
the final-stage frame as stored when the last stage is drawn (for a listed last stage: the units listed in
the drawn parents) and is spread over strata by ``sampling.allocate``; in a multistage plan each stratum's
share is then spread equally over its drawn last-stage parents (largest remainder, at most each parent's
size), and a replacement parent gets the share of the unit it replaces.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from sampling import (
    SamplingError,
    allocate,
    inclusion_probabilities,
    reserve,
    sample_size_proportion,
    select_with_certainty,
    slovin,
)
from survey_api.plans.frames import read_flag
from survey_api.plans.schemas import Design, SizeOut, Stage


@dataclass(frozen=True)
class Unit:
    """A frame unit as the draw sees it; ``certain`` when its stage's certainty rule takes it."""

    id: int
    ref: str
    stratum: str | None
    parent_ref: str | None
    size: float | None
    certain: bool = False


@dataclass(frozen=True)
class Drawn:
    """One drawn unit: selected, or a replacement held in reserve."""

    frame_unit_id: int
    stage: int
    stratum: str | None
    stage_probability: float
    inclusion_probability: float
    selection_order: int
    role: str


def key_of(stratum: str | None) -> str:
    """A stratum as a dictionary key (no stratum: the empty string)."""
    return stratum if stratum is not None else ""


def is_certain(spec: Stage, size: float | None, attributes: Mapping[str, str]) -> bool:
    """Whether the stage's certainty rule takes a frame unit (flag column, or size at least the threshold)."""
    rule = spec.certainty
    if rule is None:
        return False
    if rule.column is not None and read_flag(attributes.get(rule.column, "")):
        return True
    return rule.min_size is not None and size is not None and size >= rule.min_size


def group_rng(seed: int, stage: int, key: str) -> np.random.Generator:
    """The generator of one group: the plan's seed, spawned by stage and by the group's key."""
    digest = hashlib.sha256(key.encode()).digest()
    words = np.frombuffer(digest, dtype="<u4").tolist()
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stage, *words)))


def draw_group(
    design: Design,
    stage: int,
    key: str,
    members: Sequence[Unit],
    n: int,
    parent_pi: float,
    seed: int,
) -> list[Drawn]:
    """Draw ``n`` units (certainty units included) and the stage's reserve from one group's frame rows."""
    if not members:
        return []
    spec = design.stages[stage]
    g = group_rng(seed, stage, key)
    pps = spec.method == "pps"
    sizes = np.array([u.size if u.size is not None else 0.0 for u in members]) if pps else np.ones(len(members))
    certain = np.array([u.certain for u in members], dtype=bool)
    take = min(n, int((certain | (sizes > 0)).sum()))
    sample = select_with_certainty(spec.method, sizes, take, certain, rng=g)
    found = [
        Drawn(members[i].id, stage, members[i].stratum, float(p), float(p) * parent_pi, order, "selected")
        for order, (i, p) in enumerate(zip(sample.indices, sample.probabilities, strict=True), 1)
    ]
    count = design.reserve(stage)
    if count == 0 or not found:
        return found
    pi, _sure = inclusion_probabilities(spec.method, sizes, take, certain)
    # A group whose n went to certainty units drew nothing by chance: its other units have pi = 0 and no reserve.
    spare = [i for i in reserve(spec.method, sizes, sample.indices, count, rng=g) if pi[i] > 0]
    for order, i in enumerate(spare, len(found) + 1):
        p = float(pi[i])
        found.append(Drawn(members[i].id, stage, members[i].stratum, p, p * parent_pi, order, "replacement"))
    return found


def group_size(
    design: Design, stage: int, key: str, allocation: Mapping[str, int] | None, shares: Mapping[str, int]
) -> int:
    """How many units a group takes: the stage's ``n``, else the stratum's allocation or the parent's share."""
    n = design.stages[stage].n
    if n is not None:
        return n
    if allocation is None:
        raise SamplingError("the last stage needs n or a target")
    if stage == 0:
        return allocation.get(key, 0)
    return shares.get(key, 0)


def spread(allocation: Mapping[str, int], parents: Sequence[tuple[str, str | None, int]]) -> dict[str, int]:
    """Each stratum's n spread equally over its parents ``(ref, stratum, number of listed children)``."""
    shares = {ref: 0 for ref, _h, _c in parents}
    by_stratum: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for ref, stratum, count in parents:
        if count > 0:
            by_stratum[key_of(stratum)].append((ref, count))
    for h, members in by_stratum.items():
        want = min(allocation.get(h, 0), sum(c for _r, c in members))
        if want == 0:
            continue
        result = allocate(want, [c for _r, c in members], "equal")
        for (ref, _c), m in zip(members, result.n, strict=True):
            shares[ref] = int(m)
    return shares


def sizing(design: Design, final_units: Sequence[Unit]) -> SizeOut | None:
    """Sample size of final units for the design's target and its allocation across strata (None: no target)."""
    target = design.target
    if target is None:
        return None
    counts: dict[str, int] = defaultdict(int)
    for unit in final_units:
        counts[key_of(unit.stratum)] += 1
    population = len(final_units)
    if target.n is not None:
        n, n0, n_fpc, method = target.n, None, None, "given"
    elif target.formula == "slovin":
        found = slovin(population, target.moe or 0.0)
        n, n0, n_fpc, method = found.n, found.n0, found.n_fpc, found.method
    else:
        found = sample_size_proportion(
            target.p,
            target.moe or 0.0,
            level=target.confidence,
            population=population,
            deff=target.deff,
            response_rate=target.response_rate,
        )
        n, n0, n_fpc, method = found.n, found.n0, found.n_fpc, found.method
    strata = sorted(counts)
    n = min(n, population)
    result = allocate(
        n,
        [counts[h] for h in strata],
        design.allocation,
        sd=_per_stratum(design.sd, strata, "sd"),
        cost=_per_stratum(design.cost, strata, "cost"),
        minimum=design.min_per_stratum,
    )
    return SizeOut(
        n=n,
        method=method,
        population=population,
        n0=n0,
        n_fpc=n_fpc,
        allocation={h: int(v) for h, v in zip(strata, result.n, strict=True)},
        exact={h: round(float(v), 6) for h, v in zip(strata, result.exact, strict=True)},
    )


def _per_stratum(values: Mapping[str, float] | None, strata: list[str], what: str) -> list[float] | None:
    if values is None:
        return None
    missing = [h for h in strata if h not in values]
    if missing:
        raise SamplingError(f"{what} is missing for strata {', '.join(missing)}")
    return [values[h] for h in strata]
