"""Index definitions read into levels: the overall index, its groups, their elements and the items."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._errors import SamplingError


class IndexDefinitionError(SamplingError):
    """The index definition is inconsistent with itself or with the answers."""


@dataclass(frozen=True)
class Level:
    """One level of an index and the items it pools."""

    code: str
    label: str
    kind: str
    items: tuple[str, ...]


def parse_levels(definition: Mapping[str, Any], item_codes: Sequence[str]) -> list[Level]:
    """The overall level, groups, elements, then every item used, checked against ``item_codes``."""
    known = set(item_codes)
    elements: dict[str, Level] = {}
    for el in definition.get("elements", []):
        items = tuple(str(i) for i in el["items"])
        missing = [i for i in items if i not in known]
        if missing:
            raise IndexDefinitionError(f"element {el['code']}: item {missing[0]} is not among the answer columns")
        if not items:
            raise IndexDefinitionError(f"element {el['code']} has no items")
        elements[str(el["code"])] = Level(str(el["code"]), str(el.get("label", el["code"])), "element", items)
    groups: dict[str, Level] = {}
    for gr in definition.get("groups", []):
        items_g: list[str] = []
        for e in gr["elements"]:
            if str(e) not in elements:
                raise IndexDefinitionError(f"group {gr['code']}: element {e} is not defined")
            items_g.extend(elements[str(e)].items)
        groups[str(gr["code"])] = Level(str(gr["code"]), str(gr.get("label", gr["code"])), "group", tuple(items_g))
    out: list[Level] = []
    overall = definition.get("overall")
    if overall is not None:
        items_o: list[str] = []
        for g in overall["groups"]:
            if str(g) not in groups:
                raise IndexDefinitionError(f"overall {overall['code']}: group {g} is not defined")
            items_o.extend(groups[str(g)].items)
        out.append(Level(str(overall["code"]), str(overall.get("label", overall["code"])), "overall", tuple(items_o)))
    out.extend(groups.values())
    out.extend(elements.values())
    seen: list[str] = []
    for lv in list(out):
        for i in lv.items:
            if i not in seen:
                seen.append(i)
    out.extend(Level(i, i, "item", (i,)) for i in seen)
    return out


def used_items(levels: Sequence[Level], item_codes: Sequence[str]) -> list[str]:
    """The items some level uses, in the order of ``item_codes``."""
    position = {code: k for k, code in enumerate(item_codes)}
    return sorted({i for lv in levels for i in lv.items}, key=position.__getitem__)
