"""The draw of a plan as a pure function of its frames, design and seed (so it can be repeated and checked).

Order of randomness (fixed, so one seed gives one sample): one ``numpy.random.default_rng(seed)``; the
first stage stratum by stratum (strata sorted by code), each later stage parent by parent in the order the
parents were selected, units within a group in frame (file) order. Each group is drawn with
``sampling.srs``, ``sampling.systematic`` or ``sampling.pps_systematic`` (certainty units, pi = 1, first).
``sampling.multistage`` is not used because it has no strata, no per-parent sizes and no replacements.

Replacements: at the last stage only, ``replacements`` further units of each group (stratum, or parent)
are drawn by simple random sampling from the units not selected, in a random order (their
``selection_order`` follows the selected units'). Each carries the probability the stage's design gave it
(``n/N`` for SRS and systematic, ``n s_i / sum s`` for PPS) times its parent's. A replacement is released
only for a refused, not eligible or unreachable unit of its own group, lowest ``selection_order`` first.

With a target, the number of final units comes from ``sampling.sample_size_proportion`` (or ``slovin``) on
the final-stage frame and is spread over strata by ``sampling.allocate``; in a multistage plan each
stratum's share is then spread equally over its selected last-stage parents (largest remainder, at most
each parent's size).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from sampling import (
    Sample,
    SamplingError,
    allocate,
    inclusion_probabilities_pps,
    pps_systematic,
    sample_size_proportion,
    slovin,
    srs,
    systematic,
)
from survey_api.plans.schemas import Design, SizeOut, StageMethod


@dataclass(frozen=True)
class Unit:
    """A frame unit as the draw sees it."""

    id: int
    ref: str
    stratum: str | None
    parent_ref: str | None
    size: float | None


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


def _key(stratum: str | None) -> str:
    return stratum if stratum is not None else ""


def sizing(design: Design, final_units: Sequence[Unit]) -> SizeOut | None:
    """Sample size of final units for the design's target and its allocation across strata (None: no target)."""
    target = design.target
    if target is None:
        return None
    counts: dict[str, int] = defaultdict(int)
    for unit in final_units:
        counts[_key(unit.stratum)] += 1
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


def draw(
    design: Design, frames: Sequence[Sequence[Unit]], seed: int, allocation: Mapping[str, int] | None
) -> list[Drawn]:
    """Draw every stage; ``frames[s]`` holds stage ``s``'s units in file order."""
    g = np.random.default_rng(seed)
    last = len(design.stages) - 1
    out: list[Drawn] = []
    parents: list[Drawn] = []
    for s, spec in enumerate(design.stages):
        units = list(frames[s])
        if s == 0:
            by_stratum: dict[str, list[Unit]] = defaultdict(list)
            for unit in units:
                by_stratum[_key(unit.stratum)].append(unit)
            groups = [(by_stratum[h], 1.0, h) for h in sorted(by_stratum)]
        else:
            children: dict[str, list[Unit]] = defaultdict(list)
            for unit in units:
                children[unit.parent_ref or ""].append(unit)
            refs = {u.id: u.ref for u in frames[s - 1]}
            groups = [(children[refs[p.frame_unit_id]], p.inclusion_probability, _key(p.stratum)) for p in parents]
        sizes = _group_sizes(spec.n, groups, allocation, s)
        chosen: list[Drawn] = []
        for (members, parent_pi, _stratum), take in zip(groups, sizes, strict=True):
            chosen += _draw_group(g, spec.method, members, take, parent_pi, s, design.replacements if s == last else 0)
        out += chosen
        parents = [d for d in chosen if d.role == "selected"]
    return out


def _group_sizes(
    n: int | None, groups: list[tuple[list[Unit], float, str]], allocation: Mapping[str, int] | None, stage: int
) -> list[int]:
    if n is not None:
        return [n] * len(groups)
    if allocation is None:
        raise SamplingError("the last stage needs n or a target")
    if stage == 0:
        return [allocation.get(h, 0) for _m, _p, h in groups]
    sizes = [0] * len(groups)
    by_stratum: dict[str, list[int]] = defaultdict(list)
    for k, (_members, _pi, h) in enumerate(groups):
        by_stratum[h].append(k)
    for h, ks in by_stratum.items():
        counts = [len(groups[k][0]) for k in ks]
        want = min(allocation.get(h, 0), sum(counts))
        if want == 0 or sum(counts) == 0:
            continue
        usable = [k for k, c in zip(ks, counts, strict=True) if c > 0]
        spread = allocate(want, [len(groups[k][0]) for k in usable], "equal")
        for k, m in zip(usable, spread.n, strict=True):
            sizes[k] = int(m)
    return sizes


def _select(g: np.random.Generator, method: StageMethod, n: int, sizes: np.ndarray) -> Sample:
    if method == "pps":
        return pps_systematic(sizes, n, rng=g)
    if method == "systematic":
        return systematic(sizes.shape[0], n, rng=g)
    return srs(sizes.shape[0], n, rng=g)


def _draw_group(
    g: np.random.Generator,
    method: StageMethod,
    members: list[Unit],
    n: int,
    parent_pi: float,
    stage: int,
    replacements: int,
) -> list[Drawn]:
    if not members:
        return []
    sizes = (
        np.array([u.size if u.size is not None else 0.0 for u in members]) if method == "pps" else np.ones(len(members))
    )
    take = min(n, int((sizes > 0).sum()))
    sample = _select(g, method, take, sizes)
    found = [
        Drawn(members[i].id, stage, members[i].stratum, float(p), float(p) * parent_pi, order, "selected")
        for order, (i, p) in enumerate(zip(sample.indices, sample.probabilities, strict=True), 1)
    ]
    if replacements == 0 or take == 0:
        return found
    pi = inclusion_probabilities_pps(sizes, take)[0] if method == "pps" else np.full(len(members), take / len(members))
    taken = {int(i) for i in sample.indices}
    rest = np.array([i for i in range(len(members)) if i not in taken and pi[i] > 0], dtype=np.intp)
    reserve = rest[g.permutation(rest.shape[0])[:replacements]]
    for order, i in enumerate(reserve, take + 1):
        p = float(pi[i])
        found.append(Drawn(members[i].id, stage, members[i].stratum, p, p * parent_pi, order, "replacement"))
    return found
